"""The OpenAPI description of intake review (归档审核) and periodic verification (定期核对)."""
from __future__ import annotations

from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json
from service.web.openapi_written import _page_of

TEXT_OR_NULL = {"type": ["string", "null"]}
NUMBER_OR_NULL = {"type": ["number", "null"]}
PAPER_ITEM = {"type": "object", "required": ["name", "count"], "properties": {
    "name": {"type": "string", "maxLength": 60}, "count": {"type": "integer", "minimum": 1, "maximum": 999}}}
ITEM = {"type": "object", "required": ["item", "reason"], "properties": {
    "item": {"type": "string", "maxLength": 80, "description": "e.g. document:id_copy, field:phone, or free text"},
    "reason": {"type": "string", "maxLength": 300}}}
PLACE = {"type": "object", "properties": {k: {"type": "string", "maxLength": 40}
                                          for k in ("room", "cabinet", "shelf", "box", "position")}}
MATERIALS = {
    "documents": {"type": "array", "items": {"type": "string"}, "description": "ids of scans already in the file"},
    "paper_items": {"type": "array", "items": PAPER_ITEM, "maxItems": 50},
    "salesperson": {"type": "string", "maxLength": 100}, "customer_name": {"type": "string", "maxLength": 100},
    "customer_no": {"type": "string", "maxLength": 100}, "note": {"type": "string", "maxLength": 500}}
SUBMISSION = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": TEXT_OR_NULL, "file_name": TEXT_OR_NULL,
    "submitter": {"type": "string"}, "submitter_name": {"type": "string"}, "version": {"type": "integer"},
    "status": {"enum": ["pending", "returned", "accepted"]}, "first_submitted_at": {"type": "string"},
    "submitted_at": {"type": "string"}, **MATERIALS, "returned_items": {"type": "array", "items": ITEM},
    "reviewed_by": TEXT_OR_NULL, "reviewed_at": TEXT_OR_NULL, "turnaround_hours": NUMBER_OR_NULL,
    "total_hours": NUMBER_OR_NULL,
    "catalogue": {"type": ["object", "null"], "description": "archive_no, location, contents (目录), paper_items"},
    "missing": {"type": "array", "description": "only on single answers", "items": {"type": "object", "properties": {
        "item": {"type": "string"}, "label": {"type": "string"},
        "kind": {"enum": ["document", "field", "submission"]}}}},
    "history": {"type": "array", "description": "only on single answers: each version with its review",
                "items": {"type": "object"}}}}
TASK = {"type": "object", "properties": {
    "id": {"type": "string", "description": "<file_id>:<period>"}, "file_id": {"type": "string"},
    "archive_no": TEXT_OR_NULL, "file_name": TEXT_OR_NULL, "owner": {"type": "string"}, "stage": {"type": "string"},
    "cycle": {"enum": ["monthly", "quarterly", "yearly"]}, "period": {"type": "string"},
    "due_date": {"type": "string", "format": "date"}, "status": {"enum": ["open", "confirmed", "changed"]},
    "done_by": TEXT_OR_NULL, "done_at": TEXT_OR_NULL, "file_version": {"type": ["integer", "null"]}}}
RULE_BODY = {"type": "object", "required": ["stage", "cycle"], "properties": {
    "stage": {"enum": ["意向", "潜在", "准客户", "成交", "*"], "description": "* = every stage without its own rule"},
    "cycle": {"enum": ["monthly", "quarterly", "yearly"]}}}
RULE = {"type": "object", "properties": {**RULE_BODY["properties"], "by": {"type": "string"}, "at": {"type": "string"}}}
SUBMISSION_ID = [{"name": "submission_id", "in": "path", "required": True, "schema": {"type": "string"}}]
TASK_ID = [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}]
AS_OF = {"name": "as_of", "in": "query", "schema": {"type": "string", "format": "date"},
         "description": "the day to count from (default today)"}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


def _step(summary: str, body: dict, codes: tuple, params=SUBMISSION_ID, result: dict = SUBMISSION) -> dict:
    return {"post": {"summary": summary, "security": SECURED, "parameters": params, "requestBody": _json(body),
                     "responses": {"200": {"description": "after the step", **_json(result)}, **_errors(*codes)}}}


PATHS: dict = {
    "/api/v1/submissions": {
        "post": {"summary": "Submit a file's materials for archiving (staff, archivist)", "security": SECURED,
                 "requestBody": _json({"type": "object", "required": ["file_id"],
                                       "properties": {"file_id": {"type": "string"}, **MATERIALS}}),
                 "responses": {"201": {"description": "submitted, with what it lacks", **_json(SUBMISSION)},
                               **_errors(400, 401, 403, 404, 409, 422)}},
        "get": {"summary": "Submissions: one's own (staff); all (archivists, register readers)", "security": SECURED,
                "parameters": [*PAGING, _query("status", "pending/returned/accepted"), _query("submitter", "username"),
                               _query("file_id", "file id"), _query("archive_no", "archive number"),
                               _query("since", "first submitted on or after YYYY-MM-DD"),
                               _query("until", "first submitted on or before YYYY-MM-DD"),
                               _query("mine", "1 = only one's own")],
                "responses": {"200": {"description": "a page", **_json(_page_of(SUBMISSION))},
                              **_errors(400, 401, 403)}}},
    "/api/v1/submissions/{submission_id}": {"get": {
        "summary": "One submission with what it lacks and its history", "security": SECURED,
        "parameters": SUBMISSION_ID,
        "responses": {"200": {"description": "the submission", **_json(SUBMISSION)}, **_errors(401, 403, 404)}}},
    "/api/v1/submissions/{submission_id}/accept": _step(
        "Accept and catalogue: archive number if none, folder place, contents list (archivist); 409 if decided",
        {"type": "object", "properties": {"version": {"type": "integer"}, "location": PLACE}},
        (400, 401, 403, 404, 409, 422)),
    "/api/v1/submissions/{submission_id}/return": _step(
        "Return with a reason per item (archivist); 409 if decided",
        {"type": "object", "required": ["items"], "properties": {"version": {"type": "integer"},
                                                                 "items": {"type": "array", "items": ITEM}}},
        (400, 401, 403, 404, 409, 422)),
    "/api/v1/submissions/{submission_id}/resubmit": _step(
        "A new version of a returned submission (its submitter); 409 if stale or not returned",
        {"type": "object", "required": ["version"], "properties": {"version": {"type": "integer"}, **MATERIALS}},
        (400, 401, 403, 404, 409, 422)),
    "/api/v1/verification/tasks": {"get": {
        "summary": "The caller's verification tasks, made first if a period began", "security": SECURED,
        "parameters": [*PAGING, _query("status", "open (default), confirmed, changed, or empty for all"), AS_OF],
        "responses": {"200": {"description": "a page", **_json(_page_of(TASK))}, **_errors(400, 401, 403)}}},
    "/api/v1/verification/overdue": {"get": {
        "summary": "Open tasks past their due date (archivist, admin, auditor)", "security": SECURED,
        "parameters": [*PAGING, AS_OF],
        "responses": {"200": {"description": "a page", **_json(_page_of(TASK))}, **_errors(400, 401, 403)}}},
    "/api/v1/verification/tasks/{task_id}/confirm": _step(
        "The contact details are still right; 409 if closed already", {"type": "object"},
        (401, 403, 404, 409), TASK_ID, TASK),
    "/api/v1/verification/tasks/{task_id}/changes": _step(
        "Record changed details: edits the file (412 if the version is stale) and closes the task",
        {"type": "object", "required": ["version", "changes"], "properties": {
            "version": {"type": "integer"},
            "changes": {"type": "object", "description": "merge patch of name and/or fields"}}},
        (400, 401, 403, 404, 409, 412, 422), TASK_ID, TASK),
    "/api/v1/verification/rules": {
        "get": {"summary": "The review cycles (admin)", "security": SECURED,
                "responses": {"200": {"description": "the rules", **_json(
                    {"type": "object", "properties": {"items": {"type": "array", "items": RULE}}})},
                    **_errors(401, 403)}},
        "put": {"summary": "Set the cycle of a stage (admin); 400 for a bad stage or cycle", "security": SECURED,
                "requestBody": _json(RULE_BODY),
                "responses": {"200": {"description": "the rule", **_json(RULE)}, **_errors(400, 401, 403)}}},
    "/api/v1/verification/rules/{stage}": {"delete": {
        "summary": "Remove the cycle of a stage (admin)", "security": SECURED,
        "parameters": [{"name": "stage", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "removed"}, **_errors(401, 403, 404)}}},
}
