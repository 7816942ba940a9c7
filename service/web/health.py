"""Liveness and readiness probes."""
from flask import Blueprint
from flask import current_app
from flask import jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process lives."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 when the database and the object store answer, else 503 naming what is down."""
    report = current_app.extensions["archive"].readiness()
    status = 200 if all(value == "ok" for value in report.values()) else 503
    return jsonify(report), status
