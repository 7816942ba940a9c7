"""The OpenAPI description of notices (通知)."""
from __future__ import annotations

from service.notices import KINDS
from service.notices import UNREAD_CAP
from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json

TEXT_OR_NULL = {"type": ["string", "null"]}
NOTICE = {"type": "object", "properties": {
    "id": {"type": "string"}, "kind": {"enum": list(KINDS)},
    "at": {"type": "string", "format": "date-time"}, "read": {"type": "boolean"}, "read_at": TEXT_OR_NULL,
    "loan_id": {"type": "string"}, "loan_number": {"type": "string"}, "loan_kind": {"enum": ["physical", "digital"]},
    "decided_by": {"type": "string"}, "reason": {**TEXT_OR_NULL, "description": "why a request was refused"},
    "due_at": {**TEXT_OR_NULL, "description": "a digital loan approved: when it ends"}}}

PATHS: dict = {
    "/api/v1/notices": {"get": {
        "summary": "The caller's notices (a loan request approved or refused), newest first", "security": SECURED,
        "parameters": PAGING,
        "responses": {"200": {"description": "page", **_json({"type": "object", "properties": {
            "total": {"type": "integer"},
            "unread": {"type": "integer", "description": f"unread notices, counted up to {UNREAD_CAP}"},
            "items": {"type": "array", "items": NOTICE}}})}, **_errors(400, 401)}}},
    "/api/v1/notices/{notice_id}/read": {"post": {
        "summary": "Mark one of the caller's notices read", "security": SECURED,
        "parameters": [{"name": "notice_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the notice, read", **_json(NOTICE)}, **_errors(401, 404)}}},
}
