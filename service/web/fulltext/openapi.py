"""The OpenAPI description of full-text search."""
from __future__ import annotations

from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json

NULLABLE_TEXT = {"type": ["string", "null"]}
ITEM = {"type": "object", "properties": {
    "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "name": {"type": "string"},
    "document_id": {**NULLABLE_TEXT, "description": "null for a match in the file's own fields"},
    "doc_type": NULLABLE_TEXT, "page": {"type": ["integer", "null"]}, "score": {"type": "number"},
    "snippet": {"type": "string", "description": "escaped HTML; matches in <mark>"}}}
PAGE_HIT = {"type": "object", "properties": {
    "document_id": {"type": "string"}, "page": {"type": "integer"}, "doc_type": {"type": "string"},
    "title": {"type": "string"}, "score": {"type": "number"}, "snippet": {"type": "string"}}}
GROUP = {"type": "object", "properties": {
    "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "name": {"type": "string"},
    "score": {"type": "number"}, "file_match": {"type": "boolean"},
    "date": {"type": "string", "format": "date-time"}, "snippet": {"type": "string"},
    "pages_total": {"type": "integer"}, "pages": {"type": "array", "items": PAGE_HIT}}}
FACET_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"},
                "description": "value -> number of matching files"}
RESULT = {"type": "object", "properties": {
    "total": {"type": "integer", "description": "matching files"}, "page": {"type": "integer"},
    "per_page": {"type": "integer"}, "pages": {"type": "integer"},
    "items": {"type": "array", "items": ITEM},
    "facets": {"type": "object", "properties": {name: FACET_COUNTS for name in (
        "doc_type", "customer_type", "stage", "project")}},
    "groups": {"type": "array", "items": GROUP}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


PARAMETERS = [
    _query("q", 'words (all must match), OR, -word, "phrase", prefix*; names by characters and pinyin'),
    _query("doc_type", "document type code; repeat for any of several"),
    _query("customer_type", "customer type; repeat for any of several"),
    _query("stage", "stage; repeat for any of several"),
    _query("project", "project; repeat for any of several"),
    _query("date_from", "first day (Asia/Shanghai), YYYY-MM-DD", {"type": "string", "format": "date"}),
    _query("date_to", "last day, included", {"type": "string", "format": "date"}),
    _query("sort", "relevance (default) or date", {"enum": ["relevance", "date"]}),
]

PATHS: dict = {
    "/api/v1/search": {"get": {
        "summary": "Files and scanned pages matching a query that the caller may see, grouped by file, "
                   "with facet counts", "security": SECURED, "parameters": PARAMETERS + PAGING,
        "responses": {"200": {"description": "results", **_json(RESULT)}, **_errors(400, 401, 403, 422)}}},
}
