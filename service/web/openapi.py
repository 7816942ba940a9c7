"""The OpenAPI 3.1 description served at /api/v1/openapi.json; grows with every endpoint.

A test checks that every /api/v1 route of the app is described here, and nothing else.
"""
from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}},
}
USER = {"type": "object", "properties": {
    "id": {"type": "string"}, "username": {"type": "string"}, "display_name": {"type": "string"},
    "department": {"type": "string"}, "active": {"type": "boolean"},
    "roles": {"type": "array", "items": {"enum": ["admin", "archivist", "staff", "approver", "executive", "auditor"]}}}}
AUDIT_ENTRY = {"type": "object", "properties": {
    "seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
    "action": {"type": "string"}, "target": {"type": "string"}, "details": {"type": "object"},
    "hash": {"type": "string"}, "prev_hash": {"type": "string"}}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(code): {"description": "error", **_json({"$ref": "#/components/schemas/Error"})} for code in codes}


def _page_of(schema: dict) -> dict:
    return {"type": "object", "properties": {"total": {"type": "integer"}, "items": {"type": "array", "items": schema}}}


PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
SECURED = [{"bearer": []}]

PATHS: dict = {
    "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "alive"}}}},
    "/readyz": {"get": {"summary": "Readiness of the database and the object store", "responses": {
        "200": {"description": "both answer"},
        "503": {"description": "one is down; the body names it"}}}},
    "/api/v1/openapi.json": {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI"}}}},
    "/api/v1/auth/token": {
        "post": {"summary": "Exchange username and password for a bearer token",
                 "requestBody": _json({"type": "object", "required": ["username", "password"], "properties": {
                     "username": {"type": "string"}, "password": {"type": "string"}, "label": {"type": "string"}}}),
                 "responses": {"200": {"description": "token", **_json({"type": "object", "properties": {
                     "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"},
                     "user": {"type": "object"}}})}, **_errors(400, 401)}},
        "delete": {"summary": "Revoke the token of this request", "security": SECURED,
                   "responses": {"204": {"description": "revoked"}, **_errors(401)}}},
    "/api/v1/me": {"get": {"summary": "The token's user", "security": SECURED,
                           "responses": {"200": {"description": "user", **_json(USER)}, **_errors(401)}}},
    "/api/v1/users": {
        "get": {"summary": "Accounts (admin)", "security": SECURED, "parameters": PAGING + [
            {"name": "q", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "page", **_json(_page_of(USER))}, **_errors(400, 401, 403)}},
        "post": {"summary": "Create an account (admin)", "security": SECURED,
                 "requestBody": _json({"type": "object", "required": ["username", "password", "roles"], "properties": {
                     "username": {"type": "string"}, "password": {"type": "string"},
                     "roles": {"type": "array", "items": {"type": "string"}},
                     "department": {"type": "string"}, "display_name": {"type": "string"}}}),
                 "responses": {"201": {"description": "created", **_json(USER)}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/users/{user_id}": {"patch": {
        "summary": "Change roles, department, display name or active state (admin)", "security": SECURED,
        "parameters": [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _json({"type": "object", "properties": {
            "roles": {"type": "array", "items": {"type": "string"}}, "department": {"type": "string"},
            "display_name": {"type": "string"}, "active": {"type": "boolean"}}}),
        "responses": {"200": {"description": "changed", **_json(USER)}, **_errors(400, 401, 403, 404, 422)}}},
    "/api/v1/audit": {"get": {"summary": "The audit trail (auditor, admin)", "security": SECURED,
                              "parameters": PAGING + [{"name": n, "in": "query", "schema": {"type": "string"}}
                                                      for n in ("target", "actor", "action")],
                              "responses": {"200": {"description": "entries, newest first",
                                                    **_json(_page_of(AUDIT_ENTRY))}, **_errors(400, 401, 403)}}},
    "/api/v1/audit/verify": {"get": {"summary": "Verify the chain of hashes (auditor, admin)", "security": SECURED,
                                     "responses": {"200": {"description": "result", **_json({"type": "object", "properties": {
                                         "ok": {"type": "boolean"}, "entries": {"type": "integer"},
                                         "first_bad": {"type": ["integer", "null"]}}})}, **_errors(401, 403)}}},
}


FILE = {"type": "object", "properties": {
    "id": {"type": "string"}, "archive_no": {"type": "string"}, "template": {"type": "string"},
    "name": {"type": "string"}, "fields": {"type": "object"}, "classification": {"type": "object", "properties": {
        "customer_type": {"type": "string"}, "stage": {"enum": ["意向", "潜在", "准客户", "成交"]},
        "project": {"type": "string"}, "region": {"type": "string"}}},
    "security": {"enum": ["normal", "confidential", "sealed"]}, "department": {"type": "string"},
    "owner": {"type": "string"}, "location": {"type": "object"}, "status": {"enum": ["active", "closed"]},
    "version": {"type": "integer"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "closed_at": {"type": ["string", "null"]}}}
FILE_ID = [{"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}]
PATHS.update({
    "/api/v1/files": {
        "get": {"summary": "Files the caller may see", "security": SECURED, "parameters": PAGING + [
            {"name": n, "in": "query", "schema": {"type": "string"}} for n in (
                "name", "archive_no", "customer_type", "stage", "project", "status", "owner", "template")] + [
            {"name": "sort", "in": "query", "schema": {"enum": ["archive_no", "name", "created", "updated"]}},
            {"name": "order", "in": "query", "schema": {"enum": ["asc", "desc"]}}],
                "responses": {"200": {"description": "page", **_json(_page_of(FILE))}, **_errors(400, 401, 403)}},
        "post": {"summary": "Register a customer file", "security": SECURED, "requestBody": _json(FILE),
                 "responses": {"201": {"description": "created", **_json(FILE)}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/files/{file_id}": {
        "get": {"summary": "One file (audited)", "security": SECURED, "parameters": FILE_ID,
                "responses": {"200": {"description": "file", **_json(FILE)}, **_errors(401, 404)}},
        "patch": {"summary": "JSON Merge Patch against the version in If-Match", "security": SECURED,
                  "parameters": FILE_ID + [{"name": "If-Match", "in": "header", "required": True,
                                            "schema": {"type": "string"}}],
                  "requestBody": {"content": {"application/merge-patch+json": {"schema": {"type": "object"}}}},
                  "responses": {"200": {"description": "new version", **_json(FILE)},
                                **_errors(400, 401, 403, 404, 412, 422)}}},
    "/api/v1/files/{file_id}/history": {"get": {
        "summary": "Versions, newest first", "security": SECURED, "parameters": FILE_ID,
        "responses": {"200": {"description": "versions", **_json(_page_of({"type": "object", "properties": {
            "version": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
            "changes": {"type": "array", "items": {"type": "string"}}}}))}, **_errors(401, 404)}}},
})


def document() -> dict:
    """The whole description."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "客户档案库 API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
