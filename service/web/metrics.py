"""GET /metrics (Prometheus text), and the per-request hooks: request id, JSON request log, metrics.

/metrics is answered when ARCHIVE_METRICS_TOKEN is set and the scraper sends
`Authorization: Bearer <token>`; with no token configured, only to direct requests from this
machine (127.0.0.1 or ::1, no X-Forwarded-For: a local reverse proxy would make everyone local).
"""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST

from service import logs
from service import metrics
from service.errors import Forbidden
from service.messages import N_

bp = Blueprint("metrics", __name__)
request_log = logging.getLogger("archive.request")
QUIET = frozenset({"metrics.scrape", "health.healthz", "health.readyz", "static"})
LOCAL = frozenset({"127.0.0.1", "::1"})


def _allowed() -> bool:
    token = current_app.config.get("ARCHIVE_METRICS_TOKEN", os.environ.get("ARCHIVE_METRICS_TOKEN", ""))
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    return request.remote_addr in LOCAL and "X-Forwarded-For" not in request.headers


@bp.get("/metrics")
def scrape():
    """Every metric in Prometheus text format (token or local only)."""
    if not _allowed():
        raise Forbidden(N_("查看监控指标需要令牌或本机请求"))
    return Response(metrics.exposition(current_app.extensions["archive"]), mimetype=CONTENT_TYPE_LATEST)


def current_request_id() -> str | None:
    """The id of the request being answered, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    g.request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
    g.request_started = time.perf_counter()


def _finish(response):
    started = g.get("request_started")
    if started is None:  # a response made before our first hook ran
        return response
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    response.headers["X-Request-ID"] = g.request_id
    metrics.observe(endpoint, request.method, response.status_code, seconds)
    level = logging.DEBUG if endpoint in QUIET else logging.INFO
    request_log.log(level, "%s %s %s", request.method, request.path, response.status_code,
                    extra={"request_id": g.request_id, "method": request.method, "path": request.path,
                           "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
    return response


def init(app: Flask) -> None:
    """Install /metrics and the request hooks (the id first of all hooks, the log after all others)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.register_blueprint(bp)
    logs.set_request_id_source(current_request_id)
