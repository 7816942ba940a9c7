"""Liveness and readiness probes."""
from typing import Literal

from flask import Blueprint
from flask import current_app
from flask import jsonify
from pydantic import Field

from service.web.openapi import Model
from service.web.openapi import operation
from service.web.openapi import produces

bp = Blueprint("health", __name__)


class Liveness(Model):
    status: Literal["ok"]


class Readiness(Model):
    """Each service: "ok", or what is wrong with it."""

    database: str = Field(description="the document database")
    storage: str = Field(description="the object store")


@bp.get("/healthz")
@operation(answer=Liveness, tags=("health",), secured=False, described="alive")
def healthz():
    """Liveness.

    200 while the process lives."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@operation(answer=Readiness, tags=("health",), secured=False, described="both answer")
@produces("application/json", 503, "one is down; the body names it", {"$ref": "#/components/schemas/Readiness"})
def readyz():
    """Readiness of the database and the object store.

    200 when both answer, else 503 naming what is down."""
    report = current_app.extensions["archive"].readiness()
    status = 200 if all(value == "ok" for value in report.values()) else 503
    return jsonify(report), status
