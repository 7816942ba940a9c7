"""The OpenAPI 3.1 description served at /api/v1/openapi.json; grows with every endpoint.

A test checks that every /api/v1 route of the app is described here, and nothing else.
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


PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}]
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
                                     "responses": {"200": {"description": "result",
                                                           **_json({"type": "object", "properties": {
                                         "ok": {"type": "boolean"}, "entries": {"type": "integer"},
                                         "first_bad": {"type": ["integer", "null"]}}})}, **_errors(401, 403)}}},
}


FILE = {"type": "object", "properties": {
    "id": {"type": "string"}, "archive_no": {"type": "string"}, "template": {"type": "string"},
    "name": {"type": "string"}, "fields": {"type": "object"}, "classification": {"type": "object", "properties": {
        "customer_type": {"type": "string"}, "stage": {"enum": ["意向", "潜在", "准客户", "成交"]},
        "project": {"type": "string"}, "region": {"type": "string"}}},
    "security": {"enum": ["normal", "confidential", "sealed"]}, "department": {"type": "string"},
    "owner": {"type": "string"}, "location": {"type": "object"},
    "status": {"enum": ["active", "closed", "merged", "destroyed"]},
    "version": {"type": "integer"}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "closed_at": {"type": ["string", "null"]},
    "merged_into": {"type": ["string", "null"], "description": "set when this file was merged into another"},
    "merged_from": {"type": "array", "items": {"type": "string"}, "description": "files merged into this one"}}}
FILE_ID = [{"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}]
CORRECTION_ID = [{"name": "correction_id", "in": "path", "required": True, "schema": {"type": "string"}}]
DUPLICATE = {"type": "object", "properties": {
    "id": {"type": "string"}, "archive_no": {"type": "string"}, "name": {"type": "string"},
    "reasons": {"type": "array", "items": {"enum": ["id_number", "phone", "credit_code", "name_pinyin"]}}}}
FILE_CREATED = {"allOf": [FILE, {"type": "object", "properties": {
    "duplicates": {"type": "array", "items": DUPLICATE}, "hidden_duplicates": {"type": "integer"}}}]}
CORRECTION = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "changes": {"type": "object"},
    "evidence": {"type": "string"}, "requested_by": {"type": "string"}, "at": {"type": "string"},
    "state": {"enum": ["pending", "applied", "rejected"]}, "decided_by": {"type": ["string", "null"]},
    "decided_at": {"type": ["string", "null"]}, "reason": {"type": ["string", "null"]},
    "version": {"type": ["integer", "null"], "description": "the file version an applied request made"}}}
PATHS.update({
    "/api/v1/files": {
        "get": {"summary": "Files the caller may see", "security": SECURED, "parameters": PAGING + [
            {"name": n, "in": "query", "schema": {"type": "string"}} for n in (
                "name", "archive_no", "customer_type", "stage", "project", "status", "owner", "template")] + [
            {"name": "sort", "in": "query", "schema": {"enum": ["archive_no", "name", "created", "updated"]}},
            {"name": "order", "in": "query", "schema": {"enum": ["asc", "desc"]}}],
                "responses": {"200": {"description": "page", **_json(_page_of(FILE))}, **_errors(400, 401, 403)}},
        "post": {"summary": "Register a customer file; possible duplicates come back as a warning",
                 "security": SECURED, "requestBody": _json(FILE),
                 "responses": {"201": {"description": "created, with `duplicates` (files the caller may see) and "
                                                      "`hidden_duplicates` (how many others exist)",
                                       **_json(FILE_CREATED)}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/files/{file_id}": {
        "get": {"summary": "One file (audited); the id of a merged file answers the surviving file",
                "security": SECURED, "parameters": FILE_ID,
                "responses": {"200": {"description": "file; `redirected_from` names the merged id asked for",
                                      **_json({"allOf": [FILE, {"type": "object", "properties": {
                                          "redirected_from": {"type": "string"}}}]})}, **_errors(401, 404)}},
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
            "changes": {"type": "array", "items": {"type": "string"}},
            "note": {"type": ["object", "null"], "description": "why: a merge or a correction"}}}))},
            **_errors(401, 404)}}},
    "/api/v1/files/{file_id}/duplicates": {"get": {
        "summary": "Possible duplicates: same ID number, mobile, credit code, or name pinyin in the same project",
        "security": SECURED, "parameters": FILE_ID,
        "responses": {"200": {"description": "the duplicates the caller may see, and how many others exist",
                              **_json({**_page_of(DUPLICATE), "properties": {
                                  **_page_of(DUPLICATE)["properties"], "hidden": {"type": "integer"}}})},
                      **_errors(401, 404)}}},
    "/api/v1/files/{file_id}/merge": {"post": {
        "summary": "Merge this file into another (archivist); this one becomes a redirect", "security": SECURED,
        "parameters": FILE_ID,
        "requestBody": _json({"type": "object", "required": ["into", "reason"], "properties": {
            "into": {"type": "string"}, "reason": {"type": "string"},
            "version": {"type": "integer", "description": "this file's version as seen; otherwise 409"},
            "into_version": {"type": "integer", "description": "the surviving file's version as seen"}}}),
        "responses": {"200": {"description": "the surviving file", **_json(FILE)},
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/files/{file_id}/corrections": {
        "get": {"summary": "A file's correction requests (信息更正), newest first", "security": SECURED,
                "parameters": FILE_ID,
                "responses": {"200": {"description": "requests", **_json(_page_of(CORRECTION))},
                              **_errors(401, 404)}},
        "post": {"summary": "Record a customer's correction request with its evidence", "security": SECURED,
                 "parameters": FILE_ID,
                 "requestBody": _json({"type": "object", "required": ["changes", "evidence"], "properties": {
                     "changes": {"type": "object", "description": "JSON Merge Patch of name and fields"},
                     "evidence": {"type": "string"}}}),
                 "responses": {"201": {"description": "pending request", **_json(CORRECTION)},
                               **_errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/corrections/{correction_id}/apply": {"post": {
        "summary": "Apply a pending request as a new version of its file (archivist)", "security": SECURED,
        "parameters": CORRECTION_ID,
        "responses": {"200": {"description": "applied", **_json(CORRECTION)},
                      **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/corrections/{correction_id}/reject": {"post": {
        "summary": "Reject a pending request with a reason (archivist)", "security": SECURED,
        "parameters": CORRECTION_ID,
        "requestBody": _json({"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}),
        "responses": {"200": {"description": "rejected", **_json(CORRECTION)},
                      **_errors(400, 401, 403, 404, 409, 422)}}},
})

TEMPLATE = {"type": "object", "required": ["key", "label", "fields"], "properties": {
    "key": {"type": "string"}, "version": {"type": "integer"}, "allow_extra": {"type": "boolean"},
    "label": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
    "fields": {"type": "array", "items": {"type": "object", "required": ["key", "type", "label"], "properties": {
        "key": {"type": "string"}, "label": {"type": "object"}, "required": {"type": "boolean"},
        "type": {"enum": ["string", "text", "date", "integer", "number", "choice", "multi_choice", "boolean",
                          "object", "list"]},
        "choices": {"type": "array", "items": {"type": "string"}}, "pattern": {"type": "string"},
        "check": {"enum": ["resident_id", "credit_code", "mobile", "phone"]}, "when": {"type": "object"},
        "fields": {"type": "array"}}}},
    "schema": {"type": "object", "description": "the compiled JSON Schema (responses only)"}}}
PATHS.update({
    "/api/v1/templates": {
        "get": {"summary": "Every template (newest versions)", "security": SECURED,
                "responses": {"200": {"description": "templates", **_json(_page_of(TEMPLATE))}, **_errors(401)}},
        "post": {"summary": "Define a template or a new version of one (admin)", "security": SECURED,
                 "requestBody": _json(TEMPLATE),
                 "responses": {"201": {"description": "stored", **_json(TEMPLATE)}, **_errors(400, 401, 403, 422)}}},
    "/api/v1/templates/{key}": {"get": {
        "summary": "One template with its JSON Schema", "security": SECURED,
        "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "template", **_json(TEMPLATE)}, **_errors(401, 404)}}},
})

PATHS["/api/v1/files/{file_id}/owner"] = {"post": {
    "summary": "Reassign the file's owner with a reason (archivist, approver, executive)", "security": SECURED,
    "parameters": FILE_ID + [{"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}],
    "requestBody": _json({"type": "object", "required": ["owner", "reason"], "properties": {
        "owner": {"type": "string"}, "reason": {"type": "string"}}}),
    "responses": {"200": {"description": "new version", **_json(FILE)}, **_errors(400, 401, 403, 404, 412, 422)}}}


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

# -- the dashboard ---------------------------------------------------------------------------------
_COUNTS = {"type": "array", "items": {"type": "object", "properties": {
    "value": {"type": "string", "description": "empty: not filled in"}, "count": {"type": "integer"}}}}
PATHS["/api/v1/dashboard"] = {"get": {
    "summary": "The caller's dashboard (sections by role; counts equal the lists behind them)",
    "security": SECURED,
    "responses": {"200": {"description": "sections the caller may see", **_json({"type": "object", "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "scope": {"enum": ["all", "visible"]},
        "files": {"type": "object", "properties": {"total": {"type": "integer"}, "stage": _COUNTS,
                                                   "customer_type": _COUNTS, "project": _COUNTS}},
        "scans": {"type": "array", "items": {"type": "object", "properties": {
            "month": {"type": "string"}, "documents": {"type": "integer"}, "pages": {"type": "integer"}}}},
        "ocr": {"type": "object", "properties": {"backlog": {"type": "integer"}, "failed": {"type": "integer"},
                                                 "done": {"type": "integer"}}},
        "jobs": {"type": "object", "properties": {"by_state": {"type": "object"},
                                                  "oldest_queued_seconds": {"type": "number"}}},
        "fixity": {"type": "object", "properties": {"failures": {"type": "integer"}}},
        "loans": {"type": "object", "properties": {"out": {"type": "integer"}, "overdue": {"type": "integer"},
                                                   "due_soon": {"type": "integer"}, "sees_all": {"type": "boolean"}}},
        "verification": {"type": "object", "properties": {"overdue": {"type": "integer"}}},
        "retention": {"type": "object", "properties": {"due": {"type": "integer"}, "as_of": {"type": "string"},
                                                       "holds": {"type": "integer"}}}}})},
                  **_errors(401)}}}
PATHS["/api/v1/dashboard/search-index"] = {"get": {
    "summary": "The search index (archivists, admins, executives, auditors): being rebuilt by `archive reindex` "
               "(files written of all), stopped half-way (the next reindex resumes it) or ready; files and "
               "documents waiting for their next index commit",
    "security": SECURED,
    "responses": {"200": {"description": "the index's state", **_json({"type": "object", "properties": {
        "status": {"enum": ["ready", "running", "stopped"]}, "done": {"type": "integer"},
        "total": {"type": ["integer", "null"], "description": "files to write; null until the rebuild counted them"},
        "files_waiting": {"type": "integer"}, "documents_waiting": {"type": "integer"}}})},
        **_errors(401, 403)}}}
