"""The OpenAPI description of loans (借阅), reservations and the loss/damage register."""
from __future__ import annotations

from service.web.openapi import PAGING
from service.web.openapi import SECURED
from service.web.openapi import _errors
from service.web.openapi import _json
from service.web.openapi import _page_of

TEXT_OR_NULL = {"type": ["string", "null"]}
STATUS = {"enum": ["requested", "approved", "out", "returned", "rejected", "cancelled", "lost"]}
LOAN = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "file_name": {**TEXT_OR_NULL, "description": "null unless the caller may see the file"},
    "kind": {"enum": ["physical", "digital"]}, "purpose": {"type": "string"}, "days": {"type": "integer"},
    "borrower": {"type": "string"}, "borrower_name": {"type": "string"}, "borrower_department": {"type": "string"},
    "status": STATUS, "requested_at": {"type": "string", "format": "date-time"},
    "decided_by": TEXT_OR_NULL, "decided_at": TEXT_OR_NULL, "reason": TEXT_OR_NULL,
    "handed_out_by": TEXT_OR_NULL, "handed_out_at": TEXT_OR_NULL,
    "due_at": {**TEXT_OR_NULL, "description": "ISO 8601; a digital loan ends (and its access stops) here"},
    "renewals": {"type": "integer"}, "returned_by": TEXT_OR_NULL, "returned_at": TEXT_OR_NULL,
    "condition": {"enum": ["ok", "damaged", "lost", None]}, "note": TEXT_OR_NULL, "incident_id": TEXT_OR_NULL}}
RESERVATION = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "user": {"type": "string"}, "at": {"type": "string"}, "status": {"enum": ["waiting", "notified", "cancelled"]}}}
INCIDENT = {"type": "object", "properties": {
    "id": {"type": "string"}, "loan_id": {"type": "string"}, "file_id": {"type": "string"},
    "archive_no": {"type": "string"}, "kind": {"enum": ["damaged", "lost"]}, "responsible": {"type": "string"},
    "compensation": {"type": "number", "minimum": 50, "maximum": 500}, "note": {"type": "string"},
    "borrower": {"type": "string"}, "recorded_by": {"type": "string"}, "at": {"type": "string"}}}
LOAN_ID = [{"name": "loan_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


def _step(summary: str, body: dict | None, codes: tuple, result: dict = LOAN) -> dict:
    operation = {"summary": summary, "security": SECURED, "parameters": LOAN_ID,
                 "responses": {"200": {"description": "the loan after the step", **_json(result)}, **_errors(*codes)}}
    if body is not None:
        operation["requestBody"] = _json(body)
    return {"post": operation}


PATHS: dict = {
    "/api/v1/loans": {
        "post": {"summary": "Ask for a file (by id or archive number) as the folder or a digital view; "
                            "the answer reveals nothing of the file", "security": SECURED,
                 "requestBody": _json({"type": "object", "required": ["file_id", "kind", "purpose", "days"],
                                       "properties": {
                                           "file_id": {"type": "string", "description": "id or archive number"},
                                           "kind": {"enum": ["physical", "digital"]},
                                           "purpose": {"type": "string", "maxLength": 200},
                                           "days": {"type": "integer", "minimum": 1,
                                                    "description": "at most the limit of the caller's role"}}}),
                 "responses": {"201": {"description": "requested", **_json({"type": "object", "properties": {
                     "id": {"type": "string"}, "status": {"const": "requested"}}})},
                     **_errors(400, 401, 403, 404, 409, 422)}},
        "get": {"summary": "Loans the caller may see (own; the department's for approvers; all for archivists, "
                           "auditors, admins and the executive)", "security": SECURED,
                "parameters": PAGING + [
                    _query("status", "a status, or overdue (physical loans out past due), or due_soon "
                           "(loans out due within seven days of now or of as_of)",
                           {"enum": STATUS["enum"] + ["overdue", "due_soon"]}),
                    _query("as_of", "with status=overdue: due before this local day", {"type": "string",
                                                                                      "format": "date"}),
                    _query("file_id", "one file"), _query("archive_no", "one archive number"),
                    _query("borrower", "username"), _query("kind", "physical or digital",
                                                           {"enum": ["physical", "digital"]}),
                    _query("department", "the borrower's department")],
                "responses": {"200": {"description": "page", **_json(_page_of(LOAN))}, **_errors(400, 401)}}},
    "/api/v1/loans/{loan_id}": {"get": {
        "summary": "One loan", "security": SECURED, "parameters": LOAN_ID,
        "responses": {"200": {"description": "loan", **_json(LOAN)}, **_errors(401, 404)}}},
    "/api/v1/loans/{loan_id}/approve": _step(
        "Approve (an approver of the file's department; the executive for a sealed file; never one's own); "
        "a digital loan starts at once", None, (401, 403, 404, 409)),
    "/api/v1/loans/{loan_id}/reject": _step(
        "Reject with a reason", {"type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string", "maxLength": 500}}}, (400, 401, 403, 404, 409, 422)),
    "/api/v1/loans/{loan_id}/cancel": _step("The borrower withdraws a request not yet handed out", None,
                                            (401, 404, 409)),
    "/api/v1/loans/{loan_id}/checkout": _step(
        "Hand the folder out (archivist): status out with due_at; 409 if the folder is out already", None,
        (401, 403, 404, 409)),
    "/api/v1/loans/{loan_id}/renew": _step(
        "Renew before the due date; 409 over the renewal limit or when someone else waits for the folder",
        {"type": "object", "required": ["days"], "properties": {"days": {"type": "integer", "minimum": 1}}},
        (400, 401, 403, 404, 409, 422)),
    "/api/v1/loans/{loan_id}/return": _step(
        "Take the folder back (archivist): ok -> returned, damaged -> returned with an incident, lost -> lost "
        "with an incident", {"type": "object", "required": ["condition"], "properties": {
            "condition": {"enum": ["ok", "damaged", "lost"]}, "note": {"type": "string", "maxLength": 500},
            "responsible": {"type": "string", "description": "username; the borrower by default"},
            "compensation": {"type": "number", "minimum": 50, "maximum": 500,
                             "description": "yuan; required for damaged and lost"}}},
        (400, 401, 403, 404, 409, 422)),
    "/api/v1/reservations": {"post": {
        "summary": "Join the queue for a folder that is out (the next in line is told when it comes back)",
        "security": SECURED, "requestBody": _json({"type": "object", "required": ["file_id"], "properties": {
            "file_id": {"type": "string", "description": "id or archive number"}}}),
        "responses": {"201": {"description": "waiting", **_json(RESERVATION)}, **_errors(400, 401, 403, 404, 409)}}},
    "/api/v1/reservations/{reservation_id}": {"delete": {
        "summary": "Leave the queue", "security": SECURED,
        "parameters": [{"name": "reservation_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"204": {"description": "cancelled"}, **_errors(401, 404, 409)}}},
    "/api/v1/loan-incidents": {"get": {
        "summary": "The loss/damage register (archivist, auditor, admin, executive)", "security": SECURED,
        "parameters": PAGING + [_query("kind", "damaged or lost", {"enum": ["damaged", "lost"]})],
        "responses": {"200": {"description": "page", **_json(_page_of(INCIDENT))}, **_errors(400, 401, 403)}}},
}
