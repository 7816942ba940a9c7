"""The OpenAPI description of follow-ups (回访): contact records, complaints, due follow-ups, the report, rules."""
from __future__ import annotations

from service.web.openapi_written import PAGING
from service.web.openapi_written import SECURED
from service.web.openapi_written import _errors
from service.web.openapi_written import _json
from service.web.openapi_written import _page_of

TEXT_OR_NULL = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
CHANNEL = {"enum": ["phone", "sms", "visit", "wechat", "office"],
           "description": "电话 / 短信 / 上门拜访 / 微信 / 售楼处面谈"}
CATEGORY = {"enum": ["quality", "attitude", "policy", "repair", "other"],
            "description": "产品质量 / 服务态度 / 政策咨询 / 维修 / 其他"}
COMPLAINT_IN = {"type": "object", "required": ["category", "description", "department", "promised_date"],
                "properties": {"category": CATEGORY, "description": {"type": "string", "maxLength": 1000},
                               "department": {"type": "string", "maxLength": 60,
                                              "description": "the responsible department, e.g. 工程部"},
                               "promised_date": {**DATE, "description": "not before the contact's date"}}}
CONTACT_IN = {"type": "object", "required": ["person", "channel", "purpose", "content"], "properties": {
    "date": {**DATE, "description": "the day of the contact; today when left out; never in the future"},
    "person": {"type": "string", "maxLength": 60}, "channel": CHANNEL,
    "purpose": {"type": "string", "maxLength": 200}, "content": {"type": "string", "maxLength": 2000},
    "feedback": {"type": "string", "maxLength": 2000},
    "satisfaction": {"type": ["integer", "null"], "minimum": 1, "maximum": 10,
                     "description": "1-10; anything else (11, \"abc\", \"7\") is 400 and nothing is stored"},
    "next_step": {"type": "string", "maxLength": 500},
    "followup_id": {**TEXT_OR_NULL, "description": "the due follow-up this contact closes; 409 if it was closed "
                                                   "already (the first of two concurrent recordings wins)"},
    "complaint": {**COMPLAINT_IN, "type": ["object", "null"], "description": "a complaint raised in the contact"}}}
CONTACT = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "date": DATE,
    "person": {"type": "string"}, "channel": CHANNEL, "purpose": {"type": "string"}, "content": {"type": "string"},
    "feedback": {"type": "string"}, "satisfaction": {"type": ["integer", "null"]}, "next_step": {"type": "string"},
    "followup_id": TEXT_OR_NULL, "complaint_id": TEXT_OR_NULL, "recorded_by": {"type": "string"},
    "project": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}}
COMPLAINT = {"type": "object", "properties": {
    "id": {"type": "string"}, "file_id": {"type": "string"}, "archive_no": {"type": "string"},
    "contact_id": {"type": "string"}, "category": CATEGORY, "description": {"type": "string"},
    "department": {"type": "string"}, "promised": DATE, "raised": DATE, "month": {"type": "string"},
    "status": {"enum": ["open", "closed"]}, "recorded_by": {"type": "string"}, "closed_on": TEXT_OR_NULL,
    "closed_by": TEXT_OR_NULL, "resolution": TEXT_OR_NULL, "on_time": {"type": ["boolean", "null"]},
    "project": {"type": "string"},
    "late": {"type": "boolean", "description": "open after the promised day, as of the query's as_of"}}}
FOLLOWUP = {"type": "object", "properties": {
    "id": {"type": "string", "description": "<file_id>:<rule>; unique, so scheduling is idempotent"},
    "file_id": {"type": "string"}, "archive_no": {"type": "string"}, "file_name": {"type": "string"},
    "kind": {"enum": ["owner", "cs", "key", "campaign"]},
    "rule": {"type": "string", "description": "e.g. owner:3, cs:15, contract:2026-05-08, campaign:<id>"},
    "purpose": {"type": "string"}, "due": DATE,
    "assignee": {"type": "string", "description": "the file's owner; empty for the customer-service pool"},
    "team": {"type": "string", "description": "the assignee's department, or the customer-service department"},
    "status": {"enum": ["open", "done", "cancelled"]}, "done_on": TEXT_OR_NULL, "done_by": TEXT_OR_NULL,
    "contact_id": TEXT_OR_NULL, "on_time": {"type": ["boolean", "null"]}, "project": {"type": "string"}}}
ROW = {"type": "object", "properties": {
    "project": {"type": "string"}, "contacts": {"type": "integer"}, "rated": {"type": "integer"},
    "avg_satisfaction": {"type": ["number", "null"]}, "complaints": {"type": "integer"},
    "by_category": {"type": "object", "additionalProperties": {"type": "integer"}},
    "closed": {"type": "integer"}, "closed_on_time": {"type": "integer"},
    "on_time_share": {"type": ["number", "null"], "description": "closed by the promised day / raised in the month"}}}
RULES = {"type": "object", "properties": {
    "bought_stages": {"type": "array", "items": {"type": "string"}},
    **{name: {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 3650}}
       for name in ("owner_bought", "cs_bought", "owner_not_bought", "cs_not_bought")},
    "cs_department": {"type": "string"},
    "key_dates": {"type": "array", "items": {"type": "object", "properties": {
        "key": {"type": "string"}, "field": {"type": "string", "description": "a date field of the file"},
        "months": {"type": "integer"}, "days": {"type": "integer"}, "purpose": {"type": "string"}}}},
    "birthday_fields": {"type": "array", "items": {"type": "string"}},
    "anniversary_fields": {"type": "array", "items": {"type": "string"}},
    "remind_days": {"type": "integer", "minimum": 0, "maximum": 60}}}
FILE_ID = [{"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema or {"type": "string"}}


PATHS: dict = {
    "/api/v1/files/{file_id}/contacts": {
        "get": {"summary": "A file's contact records, newest first (404 for a file the caller may not see; audited)",
                "security": SECURED, "parameters": FILE_ID + PAGING,
                "responses": {"200": {"description": "page", **_json(_page_of(CONTACT))}, **_errors(400, 401, 404)}},
        "post": {"summary": "Record a contact (staff, archivist, approver, executive); closes `followup_id`, raises "
                            "`complaint`", "security": SECURED, "parameters": FILE_ID,
                 "requestBody": _json(CONTACT_IN),
                 "responses": {"201": {"description": "recorded", **_json(CONTACT)},
                               **_errors(400, 401, 403, 404, 409)}}},
    "/api/v1/complaints": {"get": {
        "summary": "Complaints of files the caller may see", "security": SECURED,
        "parameters": PAGING + [
            _query("department", "the responsible department"),
            _query("status", "open, closed, or late (open after the promised day)",
                   {"enum": ["open", "closed", "late"]}),
            _query("as_of", "the day lateness is judged on (today by default)", DATE),
            _query("category", "a class", CATEGORY), _query("month", "raised in YYYY-MM"),
            _query("project", "the file's project"), _query("file_id", "one file")],
        "responses": {"200": {"description": "page", **_json(_page_of(COMPLAINT))}, **_errors(400, 401)}}},
    "/api/v1/complaints/{complaint_id}/close": {"post": {
        "summary": "Close with the resolution (the responsible department, the recorder or the executive)",
        "security": SECURED,
        "parameters": [{"name": "complaint_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": _json({"type": "object", "required": ["resolution"], "properties": {
            "resolution": {"type": "string", "maxLength": 1000}}}),
        "responses": {"200": {"description": "closed", **_json(COMPLAINT)}, **_errors(400, 401, 403, 404, 409)}}},
    "/api/v1/followups": {"get": {
        "summary": "Due follow-ups: the caller's own (and their department's pool) by default; a team's or a "
                   "person's for approvers (own department), the executive and admins", "security": SECURED,
        "parameters": PAGING + [
            _query("bucket", "today, overdue, upcoming (relative to as_of), open, or done",
                   {"enum": ["today", "overdue", "upcoming", "open", "done"]}),
            _query("as_of", "the day the buckets are judged on (today by default)", DATE),
            _query("assignee", "a username (managers)"), _query("team", "a department (managers)"),
            _query("file_id", "one file")],
        "responses": {"200": {"description": "page", **_json(_page_of(FOLLOWUP))}, **_errors(400, 401, 403)}}},
    "/api/v1/followups/report": {"get": {
        "summary": "Satisfaction and complaints per project for a month (approver, executive, admin, auditor)",
        "security": SECURED,
        "parameters": [_query("month", "YYYY-MM (this month by default)"), _query("project", "one project")],
        "responses": {"200": {"description": "report", **_json({"type": "object", "properties": {
            "month": {"type": "string"}, "project": {"type": "string"}, "rows": {"type": "array", "items": ROW},
            "total": ROW}})}, **_errors(400, 401, 403)}}},
    "/api/v1/followups/rules": {
        "get": {"summary": "The schedule rules in force (admin)", "security": SECURED,
                "responses": {"200": {"description": "rules", **_json(RULES)}, **_errors(401, 403)}},
        "put": {"summary": "Replace the schedule rules (admin); they apply to files written afterwards",
                "security": SECURED, "requestBody": _json(RULES),
                "responses": {"200": {"description": "stored", **_json(RULES)}, **_errors(400, 401, 403)}}},
}
