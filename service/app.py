"""The Flask application factory."""
from __future__ import annotations

import logging
from datetime import timedelta
from datetime import timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask import request
from flask_babel import Babel
from flask_babel import get_locale
from flask_babel import gettext
from flask_wtf.csrf import CSRFProtect
from jinja2 import Undefined

from service import access
from service import settings as settings_module
from service.settings import Settings
from service.web import auth
from service.web import errors
from service.web import i18n
from service.web import labels
from service.web import queues
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
    if services is None:  # the server's own start (gunicorn): JSON logs, and the database brought up to date
        from service import logs
        logs.configure()
        services = build_services(settings)
        _migrate(services)
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
    i18n.install(app)
    app.json.ensure_ascii = False
    app.extensions["archive"] = services
    Babel(app, locale_selector=_select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    csrf = CSRFProtect(app)
    errors.register(app)
    auth.init(app)
    _register_blueprints(app, csrf)
    _register_template_helpers(app, settings)
    app.after_request(_security_headers)
    from service.web import metrics as web_metrics
    web_metrics.init(app)  # request ids, JSON request log, Prometheus metrics and /metrics
    return app


def _migrate(services: Services) -> None:
    """Run pending migrations; a database that is down now is migrated by the worker or the next start."""
    from service.migrations import migrate_at_start
    from storage import DatabaseError
    try:
        migrate_at_start(services)
    except DatabaseError as exc:
        log.warning("migrations not run: the database is unavailable (%s)", type(exc).__name__)


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


def _register_blueprints(app: Flask, csrf: CSRFProtect) -> None:
    """Each area's pages in the order of _areas() (a fixed path registered first wins over a pattern), and
    its API blueprints under the API's prefix."""
    from service.web import api
    from service.web import health
    from service.web import ui
    from service.web.documents import pages as document_pages
    for blueprint in (health.bp, ui.bp):
        app.register_blueprint(blueprint)
    for area in _areas():
        for blueprint in area.PAGES:
            app.register_blueprint(blueprint)
        for blueprint in area.API:
            app.register_blueprint(blueprint, url_prefix=api.bp.url_prefix)
            csrf.exempt(blueprint)  # the API takes bearer tokens only, never the session cookie
    csrf.exempt(api.bp)
    csrf.exempt(document_pages.upload)  # checks its token itself, so that the scan can be streamed
    app.register_blueprint(api.bp)


def _areas() -> tuple:
    from service.web import accounts
    from service.web import audit
    from service.web import backup
    from service.web import dashboard
    from service.web import documents
    from service.web import files
    from service.web import followups
    from service.web import fulltext
    from service.web import intake
    from service.web import loans
    from service.web import notices
    from service.web import privacy
    from service.web import retention
    from service.web import scans
    from service.web import sharing
    return (accounts, audit, files, documents, scans, fulltext, loans, retention, backup, intake, dashboard,
            followups, sharing, privacy, notices)


def _register_template_helpers(app: Flask, settings: Settings) -> None:
    zone = ZoneInfo(settings.timezone)

    @app.template_filter("localtime")
    def localtime(value, fmt: str = "%Y-%m-%d %H:%M"):
        """A stored UTC time shown in the configured zone (Asia/Shanghai by default)."""
        if value is None or isinstance(value, Undefined):  # a field the record lacks (an unreturned loan's return)
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(zone).strftime(fmt)

    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["template_label"] = labels.template_label
    app.jinja_env.globals["field_label"] = labels.field_label
    app.jinja_env.globals["code_label"] = labels.code_label
    app.jinja_env.globals["code_labels"] = labels.code_labels
    app.jinja_env.globals["doc_type_label"] = labels.doc_type_label
    app.jinja_env.globals["policy_scope"] = labels.policy_scope
    app.jinja_env.filters["joined"] = labels.joined
    app.jinja_env.filters["value"] = labels.value_label
    app.jinja_env.filters["bracketed"] = labels.bracketed
    app.jinja_env.globals["colon"] = labels.colon
    app.jinja_env.filters["person"] = labels.person
    app.jinja_env.globals["can"] = access.can
    app.jinja_env.globals["page_user"] = auth.page_user
    queues.init(app)  # the menu's work-queue counts and the header's unread notices


def N_(text: str) -> str:
    """Marks a string for extraction; translated where it is shown."""
    return text


ROLE_LABELS = {"admin": N_("系统管理员"), "archivist": N_("档案管理员"), "staff": N_("业务人员"),
               "approver": N_("部门负责人"), "executive": N_("总经理"), "auditor": N_("审计")}


def role_label(role: str) -> str:
    """A role's name in the interface language."""
    return gettext(ROLE_LABELS.get(role, role))
