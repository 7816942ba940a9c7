"""GET /api/v1/dashboard: the start page's numbers as JSON, for the same person."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.dashboard import models
from service.web.openapi import operation

bp = Blueprint("dashboard_api", __name__)  # registered under the API prefix (service.web.api)


def dashboard_json(overview: dict) -> dict:
    """The overview with times as ISO strings and (value, count) rows as objects."""
    body = dict(overview)
    body["generated_at"] = iso(overview["generated_at"])
    if "files" in overview:
        files = overview["files"]
        body["files"] = {"total": files["total"], **{
            key: [{"value": value, "count": count} for value, count in files[key]]
            for key in ("stage", "customer_type", "project")}}
    return body


@bp.get("/dashboard")
@api_auth
@operation(answer=models.Dashboard, errors=(401, 403), tags=("dashboard",))
def dashboard():
    """The caller's dashboard.

    The sections their roles see, counted as the lists behind them count."""
    return jsonify(dashboard_json(services().dashboard.overview(api_user())))


@bp.get("/dashboard/search-index")
@api_auth
@operation(answer=models.SearchIndexState, errors=(401, 403), tags=("dashboard",))
def search_index():
    """The search index (archivists, admins, executives, auditors).

    Being rebuilt by `archive reindex` (files written of all), stopped half-way (the next reindex resumes it)
    or ready; files and documents waiting for their next index commit."""
    services().dashboard.require_operator(api_user())
    return jsonify(services().search.index_state())
