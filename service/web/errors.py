"""Map domain and storage errors to HTTP: JSON under /api, HTML pages elsewhere."""
from __future__ import annotations

import logging

from flask import Flask
from flask import g
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException

from service.errors import DomainError
from service.messages import N_
from service.web.i18n import localise
from storage import DatabaseDown
from storage import DatabaseError
from storage import StorageUnavailable
from storage import backend_down

log = logging.getLogger(__name__)

# what people read for the HTTP errors Flask and Werkzeug raise themselves (the code stays Werkzeug's name)
HTTP_MESSAGES = {
    400: N_("请求无效"), 401: N_("请先登录"), 403: N_("没有权限"), 404: N_("没有这个页面"),
    405: N_("不支持这种请求方式"), 413: N_("上传的内容太大"), 415: N_("不支持这种内容类型"),
    429: N_("请求太频繁，请稍后再试"), 500: N_("服务器出错了，请稍后再试"),
}


def wants_json() -> bool:
    """API paths always answer JSON; pages answer HTML."""
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_response(status: int, code: str, message, fields: dict | None = None):
    """One error body for the API, one page for people, in the reader's language."""
    message, fields = localise(message), localise(fields or {})
    if wants_json():
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return jsonify(body), status
    return render_template("error.html", status=status, code=code, message=message,
                           fields=fields or {}), status


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @app.errorhandler(StorageUnavailable)
    def storage_down(exc: StorageUnavailable):
        log.warning("service unavailable: %s", exc)
        return error_response(503, "unavailable", N_("%(service)s 暂时不可用，请稍后再试", service=exc.service),
                              {"service": exc.service})

    @app.errorhandler(DatabaseDown)
    def database_down(exc: DatabaseDown):
        log.warning("database unavailable: %s", type(exc).__name__)
        g.database_down = True  # the page is drawn for nobody: loading the signed-in person needs the database
        return error_response(503, "unavailable", N_("数据库暂时不可用，请稍后再试"), {"service": "database"})

    @app.errorhandler(DatabaseError)
    def database_failed(exc: DatabaseError):
        if backend_down(exc):  # FerretDB answers, PostgreSQL behind it does not
            return database_down(exc)
        raise exc  # a failure of ours: the 500 of any unhandled error

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, HTTP_MESSAGES.get(exc.code) or exc.description or exc.name)
