"""The Flask application factory."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask import request
from flask_babel import Babel
from flask_babel import get_locale
from flask_wtf.csrf import CSRFProtect

from service import settings as settings_module
from service.settings import Settings
from service.web import errors
from service.wiring import Services
from service.wiring import build_services

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("zh", "en")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the web application over the given (or environment-configured) services."""
    settings = settings or settings_module.from_env()
    services = services or build_services(settings)
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "service" / "web" / "static"))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "service" / "translations"),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.extensions["archive"] = services
    Babel(app, locale_selector=_select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    CSRFProtect(app)
    errors.register(app)
    _register_blueprints(app)
    app.after_request(_security_headers)
    return app


def _select_locale() -> str:
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    from flask import current_app
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _register_blueprints(app: Flask) -> None:
    from service.web import api
    from service.web import health
    from service.web import ui
    app.register_blueprint(health.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(api.bp)
