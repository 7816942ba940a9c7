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
    from service.web import api
    from service.web import health
    from service.web import ui
    from service.web.accounts import admin
    from service.web.accounts import pages as account
    from service.web.audit import pages as audit_pages
    from service.web.documents import api as api_documents  # noqa: F401
    from service.web.documents import fixity as ui_fixity
    from service.web.documents import pages as ui_documents
    from service.web.documents import types as admin_doc_types
    from service.web.files import actions as ui_file_actions
    from service.web.files import api as api_files  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.files import corrections_api as api_corrections  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.files import imports as ui_imports
    from service.web.files import pages as ui_files
    from service.web.files import templates_api as api_templates  # noqa: F401
    from service.web.followups import api as api_followups  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.fulltext import api as api_search  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.fulltext import pages as ui_search
    from service.web.intake import api as api_intake  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.loans import api as api_loans  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.loans import desk as ui_loans_desk
    from service.web.loans import handover as ui_loans_handover
    from service.web.loans import pages as ui_loans
    from service.web.privacy import api as api_privacy  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.retention import api as api_retention  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.retention import destruction_api as api_retention_destructions  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.retention import destruction_pages as ui_retention_destructions
    from service.web.retention import pages as ui_retention
    from service.web.scans import api as api_scans  # noqa: F401  (adds its routes to the API blueprint)
    from service.web.scans import pages as ui_scans
    from service.web.scans import separators as ui_separators
    from service.web.sharing import api as api_sharing  # noqa: F401  (adds its routes to the API blueprint)
    for blueprint in (health.bp, ui.bp, account.bp, admin.bp, audit_pages.bp, ui_files.bp, ui_imports.bp,
                      ui_file_actions.bp, ui_fixity.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(ui_documents.bp)
    app.register_blueprint(admin_doc_types.bp)
    app.register_blueprint(ui_scans.bp)
    app.register_blueprint(ui_separators.bp)
    app.register_blueprint(ui_search.bp)
    app.register_blueprint(ui_loans_desk.bp)  # before ui_loans: its fixed paths win over /loans/<id>/<step>
    app.register_blueprint(ui_loans.bp)
    app.register_blueprint(ui_loans_handover.bp)
    app.register_blueprint(ui_retention.bp)
    app.register_blueprint(ui_retention_destructions.bp)
    from service.web.backup import bags as ui_bags
    app.register_blueprint(ui_bags.bp)
    from service.web.intake import pages as ui_intake
    from service.web.intake import register as ui_intake_register
    from service.web.intake import verification as ui_verification
    app.register_blueprint(ui_intake_register.bp)  # before ui_intake: /intake/register over /intake/<id>
    app.register_blueprint(ui_intake.bp)
    app.register_blueprint(ui_verification.bp)
    from service.web.dashboard import api as api_dashboard  # noqa: F401  (adds its route to the API blueprint)
    from service.web.dashboard import pages as ui_dashboard
    app.register_blueprint(ui_dashboard.bp)
    from service.web.followups import admin as ui_followups_admin
    from service.web.followups import pages as ui_followups
    app.register_blueprint(ui_followups.bp)
    app.register_blueprint(ui_followups_admin.bp)
    _register_sharing(app)
    csrf.exempt(api.bp)  # the API takes bearer tokens only, never the session cookie
    csrf.exempt(ui_documents.upload)  # checks its token itself, so that the scan can be streamed
    app.register_blueprint(api.bp)


def _register_sharing(app: Flask) -> None:
    """External sharing, the partner register and personal information."""
    from service.web.privacy import pages as ui_privacy
    from service.web.sharing import pages as ui_sharing
    from service.web.sharing import partners as ui_sharing_partners
    from service.web.sharing import public as ui_sharing_public
    for blueprint in (ui_sharing_public.bp, ui_sharing.bp, ui_sharing_partners.bp, ui_privacy.bp):
        app.register_blueprint(blueprint)


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
    app.jinja_env.globals["can"] = access.can
    app.jinja_env.globals["page_user"] = auth.page_user


def N_(text: str) -> str:
    """Marks a string for extraction; translated where it is shown."""
    return text


ROLE_LABELS = {"admin": N_("系统管理员"), "archivist": N_("档案管理员"), "staff": N_("业务人员"),
               "approver": N_("部门负责人"), "executive": N_("总经理"), "auditor": N_("审计")}


def role_label(role: str) -> str:
    """A role's name in the interface language."""
    return gettext(ROLE_LABELS.get(role, role))
