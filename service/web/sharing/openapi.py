"""The OpenAPI description of external sharing (partners, NDAs, authorizations, shares) and personal information."""
from __future__ import annotations

from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json
from service.web.openapi_written import _page_of

TEXT_OR_NULL = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
NDA = {"type": "object", "properties": {
    "number": {"type": "integer"}, "filename": {"type": "string"}, "sha256": {"type": "string"},
    "size": {"type": "integer"}, "media_type": {"type": "string"}, "valid_from": DATE, "valid_to": DATE,
    "uploaded_by": {"type": "string"}, "uploaded_at": {"type": "string", "format": "date-time"}}}
PARTNER_BODY = {"type": "object", "required": ["name", "kind"], "properties": {
    "name": {"type": "string", "maxLength": 100}, "kind": {"enum": ["bank", "decoration", "lawyer", "other"]},
    "contact": {"type": "string", "maxLength": 200}}}
PARTNER = {"type": "object", "properties": {"id": {"type": "string"}, **PARTNER_BODY["properties"],
                                            "ndas": {"type": "array", "items": NDA}}}
AUTHORIZATION = {"type": "object", "required": ["partners", "purposes", "valid_from", "valid_to"], "properties": {
    "partners": {"type": "array", "items": {"type": "string"}, "description": "partner ids"},
    "purposes": {"type": "array", "items": {"type": "string", "maxLength": 100}},
    "valid_from": DATE, "valid_to": DATE}}
SHARE_BODY = {"type": "object", "required": ["file_id", "partner_id", "purpose", "expires_on"], "properties": {
    "file_id": {"type": "string"}, "partner_id": {"type": "string"}, "purpose": {"type": "string"},
    "fields": {"type": "array", "items": {"type": "string"}, "description": "name and the template's field keys"},
    "documents": {"type": "array", "items": {"type": "string"}}, "expires_on": {**DATE, "description": "≤ 90 days"},
    "show_numbers": {"type": "boolean", "default": False,
                     "description": "page images go out with ID and mobile numbers uncovered (covered by default)"},
    "numbers_purpose": {"type": "string", "maxLength": 100,
                        "description": "why the numbers are shown; required when show_numbers is true (422 without)"}}}
SHARE = {"type": "object", "properties": {
    "id": {"type": "string"}, "archive_no": {"type": "string"}, "partner_name": {"type": "string"},
    **SHARE_BODY["properties"],
    "status": {"enum": ["requested", "approved", "rejected", "revoked", "expired"]},
    "requester": {"type": "string"}, "requested_at": {"type": "string"}, "approved_by": TEXT_OR_NULL,
    "approved_at": TEXT_OR_NULL, "expires_at": TEXT_OR_NULL, "rejected_by": TEXT_OR_NULL, "reason": TEXT_OR_NULL,
    "revoked_by": TEXT_OR_NULL, "revoked_at": TEXT_OR_NULL}}
WITH_LINK = {"allOf": [SHARE, {"type": "object", "properties": {
    "link": {"type": "string", "description": "/share/<token>; works without login until expiry or revocation"},
    "token": {"type": "string", "description": "shown this once; only its hash is stored"}}}]}
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
    "/api/v1/partners": {
        "post": _op("Add a partner to the register (archivist, admin)", PARTNER, (400, 401, 403, 422), PARTNER_BODY,
                    status="201"),
        "get": _op("The partner register", _page_of(PARTNER), (400, 401, 403), params=PAGING + [
            {"name": "kind", "in": "query", "schema": {"type": "string"}}])},
    "/api/v1/partners/{partner_id}": {
        "get": _op("One partner", PARTNER, (401, 404), params=_id("partner_id")),
        "patch": _op("Change a partner", PARTNER, (400, 401, 403, 404, 422), PARTNER_BODY, _id("partner_id"))},
    "/api/v1/partners/{partner_id}/ndas": {"post": {
        "summary": "Upload a signed NDA with its validity (multipart: file, valid_from, valid_to)",
        "security": SECURED, "parameters": _id("partner_id"),
        "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}, "valid_from": DATE, "valid_to": DATE}}}}},
        "responses": {"201": {"description": "stored", **_json(NDA)}, **_errors(400, 401, 403, 404, 422)}}},
    "/api/v1/documents/{document_id}/authorization": {"put": _op(
        "Record the partners, purposes and validity an authorization document covers", AUTHORIZATION,
        (400, 401, 403, 404, 409, 422), AUTHORIZATION, _id("document_id"))},
    "/api/v1/shares": {
        "post": _op("Ask to share; 409 naming the missing authorization, NDA or restriction in error.fields", SHARE,
                    (400, 401, 403, 404, 409, 422), SHARE_BODY, status="201"),
        "get": _op("Shares the caller may see", _page_of(SHARE), (400, 401), params=PAGING + [
            {"name": k, "in": "query", "schema": {"type": "string"}} for k in ("status", "file_id", "partner_id")])},
    "/api/v1/shares/{share_id}": {"get": _op("One share", SHARE, (401, 404), params=_id("share_id"))},
    "/api/v1/shares/{share_id}/approve": {"post": _op(
        "The executive approves (never their own request); the answer carries the link once", WITH_LINK,
        (401, 403, 404, 409), params=_id("share_id"))},
    "/api/v1/shares/{share_id}/reject": {"post": _op("The executive refuses with a reason", SHARE,
                                                     (400, 401, 403, 404, 409, 422), {"type": "object", "properties": {
                                                         "reason": {"type": "string"}}}, _id("share_id"))},
    "/api/v1/shares/{share_id}/revoke": {"post": _op(
        "End a share at once (archivist, executive, requester); its link answers 410", SHARE, (401, 403, 404, 409),
        params=_id("share_id"))},
    "/api/v1/shares/{share_id}/link": {"post": _op("A fresh link; the previous one stops working", WITH_LINK,
                                                   (401, 403, 404, 409), params=_id("share_id"))},
}
