"""The OpenAPI 3.1 description served at /api/v1/openapi.json; grows with every endpoint.

The areas not yet described by their models; service.web.openapi merges them into the served document.
"""
from __future__ import annotations

from service.web.forms import MAX_PAGE
from service.web.forms import MAX_PER_PAGE

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}},
}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(code): {"description": "error", **_json({"$ref": "#/components/schemas/Error"})} for code in codes}


def _page_of(schema: dict) -> dict:
    return {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": schema}}}


PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}]
SECURED = [{"bearer": []}]
FILE_ID = [{"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def document() -> dict:
    """The whole description."""
    from service.web.documents import openapi as openapi_documents  # imports this module's helpers, so it is read late
    from service.web.followups import openapi as openapi_followups
    from service.web.fulltext import openapi as openapi_search
    from service.web.intake import openapi as openapi_intake
    from service.web.notices import openapi as openapi_notices
    from service.web.retention import openapi as openapi_retention
    from service.web.scans import openapi as openapi_scans
    from service.web.sharing import openapi as openapi_sharing
    return {
        "openapi": "3.1.0",
        "info": {"title": "客户档案库 API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": {**openapi_documents.PATHS, **openapi_scans.PATHS, **openapi_search.PATHS,
                  **openapi_retention.PATHS, **openapi_intake.PATHS,
                  **openapi_followups.PATHS, **openapi_sharing.PATHS, **openapi_notices.PATHS},
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
