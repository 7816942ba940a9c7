"""The OpenAPI description of retention (保管期限), holds, destruction batches (销毁) and their register."""
from __future__ import annotations

from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json
from service.web.openapi_written import _page_of

TEXT_OR_NULL = {"type": ["string", "null"]}
DAY = {"type": ["string", "null"], "format": "date"}
TRIGGER = {"enum": ["created", "closed", "contract_end", "last_activity"]}
MATCH = {"type": "object", "description": "all given keys must hold", "properties": {
    "template": {"type": "string"}, "customer_type": {"type": "string"}, "stage": {"type": "string"},
    "project": {"type": "string"},
    "doc_types": {"type": "array", "items": {"type": "string"}, "description": "the file holds one of these"}}}
POLICY = {"type": "object", "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "match": MATCH, "trigger": TRIGGER,
    "years": {"type": ["integer", "null"], "description": "null: kept permanently"}, "active": {"type": "boolean"},
    "created_by": {"type": "string"}, "created_at": {"type": "string"}, "retired_at": TEXT_OR_NULL}}
HOLD = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "reason": {"enum": ["dispute", "audit", "litigation"]}, "note": {"type": "string"},
    "status": {"enum": ["active", "lifted"]}, "placed_by": {"type": "string"}, "placed_at": {"type": "string"},
    "lifted_by": TEXT_OR_NULL, "lifted_at": TEXT_OR_NULL, "lift_reason": TEXT_OR_NULL}}
RETENTION = {"type": "object", "properties": {
    "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "kind": {"enum": ["none", "pending", "dated", "permanent"]}, "policy_id": TEXT_OR_NULL,
    "policy_name": TEXT_OR_NULL, "trigger": TEXT_OR_NULL, "years": {"type": ["integer", "null"]},
    "trigger_date": DAY, "destroy_after": DAY, "due": {"type": "boolean"},
    "lock_until": {**TEXT_OR_NULL, "description": "the originals' Object Lock retain-until date"},
    "legal_hold": {"type": "boolean"}, "holds": {"type": "array", "items": HOLD}}}
DUE = {"type": "object", "properties": {
    "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "name": {**TEXT_OR_NULL, "description": "null unless the caller may see the file"},
    "template": TEXT_OR_NULL, "policy_id": TEXT_OR_NULL, "policy_name": TEXT_OR_NULL, "trigger": TEXT_OR_NULL,
    "trigger_date": DAY, "destroy_after": DAY}}
PAPER = {"type": "object", "required": ["method", "place", "witnesses"], "properties": {
    "method": {"type": "string", "maxLength": 100}, "place": {"type": "string", "maxLength": 200},
    "witnesses": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "maxLength": 40},
                  "description": "two different witnesses (监销人)"},
    "date": {"type": "string", "format": "date", "description": "default today; not in the future"}}}
BATCH = {"type": "object", "properties": {
    "id": {"type": "string"}, "number": {"type": "string"},
    "status": {"enum": ["proposed", "approved", "rejected", "executing", "done"]}, "reason": {"type": "string"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "template": TEXT_OR_NULL,
        "policy_name": TEXT_OR_NULL, "destroy_after": DAY, "destroyed": {"type": "boolean"},
        "documents": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "doc_type": {"type": "string"}, "sha256": {"type": "string"},
            "size": {"type": "integer"}}}}}}},
    "proposed_by": {"type": "string"}, "proposed_at": {"type": "string"}, "approved_by": TEXT_OR_NULL,
    "approved_at": TEXT_OR_NULL, "rejected_by": TEXT_OR_NULL, "rejected_at": TEXT_OR_NULL,
    "reject_reason": TEXT_OR_NULL, "paper": {"type": ["object", "null"]}, "executed_by": TEXT_OR_NULL,
    "executed_at": TEXT_OR_NULL, "counts": {"type": ["object", "null"]}, "register_seq": {"type": ["integer", "null"]},
    "execution": {"type": "object", "description": "how far its execution is (from the page, by the worker; "
                  "from the API, in the request)", "properties": {
        "status": {"enum": ["queued", "running", "done", "failed", None],
                   "description": "null before anyone started it; a failed run can be started again"},
        "done": {"type": "integer", "description": "files destroyed"}, "total": {"type": "integer"},
        "failed": {"type": "integer", "description": "1 while the last run stopped on a file, else 0"},
        "error": {**TEXT_OR_NULL, "description": "why the last run stopped, when the batch says why"},
        "started_at": TEXT_OR_NULL, "ended_at": TEXT_OR_NULL}}}}
REGISTER_ENTRY = {"type": "object", "properties": {
    "seq": {"type": "integer"}, "batch_id": {"type": "string"}, "number": {"type": "string"},
    "files": {"type": "array", "items": {"type": "object"}}, "counts": {"type": "object"},
    "paper": {"type": "object"}, "hash": {"type": "string"}, "prev_hash": {"type": "string"}}}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _step(summary: str, body: dict | None, codes: tuple) -> dict:
    operation = {"summary": summary, "security": SECURED, "parameters": [_path("batch_id")],
                 "responses": {"200": {"description": "the batch after the step", **_json(BATCH)}, **_errors(*codes)}}
    if body is not None:
        operation["requestBody"] = _json(body)
    return {"post": operation}


PATHS: dict = {
    "/api/v1/retention/policies": {
        "post": {"summary": "Define a retention policy (admin); every file's dates are computed again",
                 "security": SECURED, "requestBody": _json({"type": "object", "required": ["name", "trigger", "years"],
                                                            "properties": {"name": {"type": "string"}, "match": MATCH,
                                                                           "trigger": TRIGGER,
                                                                           "years": {"type": ["integer", "null"]}}}),
                 "responses": {"201": {"description": "created", **_json(POLICY)}, **_errors(400, 401, 403, 422)}},
        "get": {"summary": "The policies in use (all=1: retired ones too)", "security": SECURED,
                "parameters": [{"name": "all", "in": "query", "schema": {"enum": ["0", "1"]}}],
                "responses": {"200": {"description": "list", **_json(_page_of(POLICY))}, **_errors(401, 403)}}},
    "/api/v1/retention/policies/{policy_id}": {
        "get": {"summary": "One policy", "security": SECURED, "parameters": [_path("policy_id")],
                "responses": {"200": {"description": "policy", **_json(POLICY)}, **_errors(401, 403, 404)}},
        "delete": {"summary": "Retire a policy (admin); it stays on record", "security": SECURED,
                   "parameters": [_path("policy_id")],
                   "responses": {"200": {"description": "retired", **_json(POLICY)}, **_errors(401, 403, 404)}}},
    "/api/v1/retention/due": {"get": {
        "summary": "Files whose retention has run out by as_of (default today) and that no hold keeps",
        "security": SECURED, "parameters": PAGING + [{"name": "as_of", "in": "query",
                                                      "schema": {"type": "string", "format": "date"}}],
        "responses": {"200": {"description": "page", **_json(_page_of(DUE))}, **_errors(400, 401, 403)}}},
    "/api/v1/retention/holds": {"get": {
        "summary": "Holds of every file", "security": SECURED,
        "parameters": PAGING + [{"name": "status", "in": "query", "schema": {"enum": ["active", "lifted", ""]}}],
        "responses": {"200": {"description": "page", **_json(_page_of(HOLD))}, **_errors(400, 401, 403)}}},
    "/api/v1/files/{file_id}/retention": {"get": {
        "summary": "A file's policy, trigger date, destroy-after date, lock and holds", "security": SECURED,
        "parameters": [_path("file_id")],
        "responses": {"200": {"description": "retention", **_json(RETENTION)}, **_errors(401, 404)}}},
    "/api/v1/files/{file_id}/holds": {
        "post": {"summary": "Put a hold on a file (archivist, auditor, admin)", "security": SECURED,
                 "parameters": [_path("file_id")],
                 "requestBody": _json({"type": "object", "required": ["reason"], "properties": {
                     "reason": {"enum": ["dispute", "audit", "litigation"]}, "note": {"type": "string"}}}),
                 "responses": {"201": {"description": "placed", **_json(HOLD)},
                               **_errors(400, 401, 403, 404, 410, 422)}},
        "get": {"summary": "Every hold of a file", "security": SECURED, "parameters": [_path("file_id")],
                "responses": {"200": {"description": "list", **_json(_page_of(HOLD))}, **_errors(401, 404)}}},
    "/api/v1/files/{file_id}/holds/{hold_id}": {"delete": {
        "summary": "Lift a hold with a reason (JSON body {reason} or ?reason=)", "security": SECURED,
        "parameters": [_path("file_id"), _path("hold_id")],
        "responses": {"200": {"description": "lifted", **_json(HOLD)}, **_errors(401, 403, 404, 409, 422)}}},
    "/api/v1/destructions": {
        "post": {"summary": "Propose a destruction batch (archivist); 409 naming each file not due, on hold, "
                            "out on loan or in another batch", "security": SECURED,
                 "requestBody": _json({"type": "object", "required": ["file_ids", "reason"], "properties": {
                     "file_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 500},
                     "reason": {"type": "string", "maxLength": 500}}}),
                 "responses": {"201": {"description": "proposed", **_json({"type": "object", "properties": {
                     "id": {"type": "string"}, "number": {"type": "string"}, "status": {"const": "proposed"}}})},
                     **_errors(400, 401, 403, 409, 422)}},
        "get": {"summary": "Batches, newest first", "security": SECURED,
                "parameters": PAGING + [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "page", **_json(_page_of(BATCH))}, **_errors(400, 401, 403)}}},
    "/api/v1/destructions/{batch_id}": {"get": {
        "summary": "One batch: files with archive numbers, per destroyed document sha256 and size", "security": SECURED,
        "parameters": [_path("batch_id")],
        "responses": {"200": {"description": "batch", **_json(BATCH)}, **_errors(401, 403, 404)}}},
    "/api/v1/destructions/{batch_id}/approve": _step(
        "Approve (an approver or the executive other than the proposer; the proposer gets 403)", None,
        (401, 403, 404, 409)),
    "/api/v1/destructions/{batch_id}/reject": _step(
        "Reject with a reason; the files are free again", {"type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string"}}}, (400, 401, 403, 404, 409, 422)),
    "/api/v1/destructions/{batch_id}/paper": _step(
        "Record the paper destruction (archivist, admin)", PAPER, (400, 401, 403, 404, 409, 422)),
    "/api/v1/destructions/{batch_id}/execute": _step(
        "Destroy the files (archivist, admin): objects (every version), search entries and personal values go, "
        "a tombstone stays; idempotent and resumable; the body may carry the paper record", PAPER,
        (401, 403, 404, 409, 422)),
    "/api/v1/destructions/{batch_id}/certificate": {"get": {
        "summary": "The certificate (销毁证明) of an executed batch", "security": SECURED,
        "parameters": [_path("batch_id")],
        "responses": {"200": {"description": "PDF", "content": {"application/pdf": {}}},
                      **_errors(401, 403, 404, 409)}}},
    "/api/v1/destruction-register": {"get": {
        "summary": "The destruction register, newest first", "security": SECURED, "parameters": PAGING,
        "responses": {"200": {"description": "page", **_json(_page_of(REGISTER_ENTRY))}, **_errors(400, 401, 403)}}},
    "/api/v1/destruction-register/verify": {"get": {
        "summary": "Verify the register's chain of hashes", "security": SECURED,
        "responses": {"200": {"description": "result", **_json({"type": "object", "properties": {
            "ok": {"type": "boolean"}, "entries": {"type": "integer"},
            "first_bad": {"type": ["integer", "null"]}}})}, **_errors(401, 403)}}},
}
