"""The OpenAPI description of personal information: reveals, erasure requests, subject access.

External sharing (partners, NDAs, authorizations, shares) declares its models beside its views
(service/web/sharing/models.py)."""
from __future__ import annotations

from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json

TEXT_OR_NULL = {"type": ["string", "null"]}
ERASURE = {"type": ["object", "null"], "properties": {
    "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "requester": {"type": "string"},
    "reason": {"type": "string"}, "recorded_by": {"type": "string"}, "requested_at": {"type": "string"},
    "status": {"enum": ["pending", "due", "done"]}, "until": TEXT_OR_NULL}}


def _id(name: str) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]


def _op(summary: str, result: dict, codes: tuple, body: dict | None = None, params: list | None = None,
        status: str = "200") -> dict:
    operation = {"summary": summary, "security": SECURED, "parameters": params or [],
                 "responses": {status: {"description": "ok", **_json(result)}, **_errors(*codes)}}
    if body is not None:
        operation["requestBody"] = _json(body)
    return operation


PATHS: dict = {
    "/api/v1/files/{file_id}/reveal": {"post": _op(
        "One ID or phone number in full for a purpose (audited); 400 without a purpose",
        {"type": "object", "properties": {"field": {"type": "string"}, "kind": {"enum": ["id", "phone"]},
                                          "value": {"type": "string"}}}, (400, 401, 403, 404, 422),
        {"type": "object", "required": ["field", "purpose"], "properties": {
            "field": {"type": "string", "description": "dotted path, e.g. id_number or contacts.0.phone"},
            "purpose": {"type": "string", "maxLength": 200}}}, _id("file_id"))},
    "/api/v1/documents/{document_id}/pages/{number}/reveal": {"post": {
        "summary": "A page image with its ID and mobile numbers uncovered, for a purpose (audited); 400 without "
                   "a purpose, 404 for a page with no such number",
        "security": SECURED, "parameters": _id("document_id") + [
            {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
        "requestBody": _json({"type": "object", "required": ["purpose"], "properties": {
            "purpose": {"type": "string", "maxLength": 200}}}),
        "responses": {"200": {"description": "JPEG", "content": {"image/jpeg": {}}},
                      **_errors(400, 401, 403, 404, 410, 422)}}},
    "/api/v1/files/{file_id}/erasure": {
        "post": _op("Record a customer's erasure request (archivist); the file takes no new loans or shares",
                    ERASURE, (400, 401, 403, 404, 409, 422), {"type": "object", "properties": {
                        "requester": {"type": "string"}, "reason": {"type": "string"}}}, _id("file_id"), "201"),
        "get": _op("A file's erasure request and its state (null if none)", ERASURE, (401, 404),
                   params=_id("file_id"))},
    "/api/v1/files/{file_id}/subject-access": {"get": {
        "summary": "The customer's own data as a zip (archivist; audited)", "security": SECURED,
        "parameters": _id("file_id"), "responses": {"200": {"description": "zip", "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}}}}, **_errors(401, 403, 404)}}},
}
