"""GET /api/v1/dashboard: the start page's numbers as JSON, for the same person."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services

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
def dashboard():
    """The caller's dashboard: the sections their roles see, counted as the lists behind them count."""
    return jsonify(dashboard_json(services().dashboard.overview(api_user())))


@bp.get("/dashboard/search-index")
@api_auth
def search_index():
    """The search index (people who run the archive): being rebuilt (files written of all), stopped half-way
    or ready, and the files and documents waiting for their next index commit."""
    services().dashboard.require_operator(api_user())
    return jsonify(services().search.index_state())
