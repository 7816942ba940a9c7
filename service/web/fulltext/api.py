"""Full-text search in the JSON API."""
from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask import jsonify
from flask import request

from search import SearchResult
from service.errors import Invalid
from service.messages import N_
from service.privacy import pii
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import paging
from service.web.fulltext import models
from service.web.openapi import operation

bp = Blueprint("fulltext_api", __name__)  # registered under the API prefix (service.web.api)

FACETS = ("doc_type", "customer_type", "stage", "project")
SORTS = ("relevance", "date")


def search_params() -> tuple[str, dict, str]:
    """The query, filters and sort of a search request (Invalid naming a bad date or sort)."""
    filters: dict = {name: request.args.getlist(name) for name in FACETS if request.args.getlist(name)}
    problems = {}
    for name in ("date_from", "date_to"):
        value = request.args.get(name, "").strip()
        if value:
            try:
                filters[name] = date.fromisoformat(value)
            except ValueError:
                problems[name] = N_("日期格式应为 YYYY-MM-DD")
    sort = request.args.get("sort") or "relevance"
    if sort not in SORTS:
        problems["sort"] = N_("应为 %(values)s 之一", values="/".join(SORTS))
    if problems:
        raise Invalid(N_("无法执行检索"), problems)
    return request.args.get("q", "").strip(), filters, sort


def _snippet(snippet) -> str:
    """A snippet with ID and mobile numbers masked for the caller."""
    return pii.text_for(api_user(), str(snippet))


def result_items(result: SearchResult) -> list[dict]:
    """One item per file matched by its own fields and one per matching page, in result order."""
    items = []
    for group in result.groups:
        base = {"file_id": group.file_id, "archive_no": group.archive_no, "name": group.name}
        if group.file_match:
            items.append({**base, "document_id": None, "doc_type": None, "page": None,
                          "score": group.score, "snippet": _snippet(group.snippet)})
        for hit in group.pages:
            items.append({**base, "document_id": hit.document_id, "doc_type": hit.doc_type, "page": hit.page,
                          "score": hit.score, "snippet": _snippet(hit.snippet)})
    return items


def group_json(group) -> dict:
    """A file with its matching pages."""
    return {"file_id": group.file_id, "archive_no": group.archive_no, "name": group.name, "score": group.score,
            "file_match": group.file_match, "date": iso(group.date), "snippet": _snippet(group.snippet),
            "pages_total": group.pages_total,
            "pages": [{"document_id": p.document_id, "page": p.page, "doc_type": p.doc_type, "title": p.title,
                       "score": p.score, "snippet": _snippet(p.snippet)} for p in group.pages]}


@bp.get("/search")
@api_auth
@operation(query=models.SearchQuery, answer=models.SearchResults, errors=(400, 401, 403, 422), tags=("search",))
def search():
    """Files and scanned pages matching a query that the caller may see, grouped by file, with facet counts.

    `items` lists each file matched by its own fields and each matching page, in result order; `groups` the
    same by file."""
    page, per_page = paging()
    q, filters, sort = search_params()
    result = services().search.search(api_user(), q, filters, page, per_page, sort)
    return jsonify({"total": result.total, "page": result.page, "per_page": result.per_page,
                    "pages": result.pages, "items": result_items(result), "facets": result.facets,
                    "groups": [group_json(g) for g in result.groups]})
