"""The models of the follow-ups (回访) API: contact records, complaints, due follow-ups, the report, the rules.

A contact record and the schedule rules are checked by their services, which answer 400 naming each bad part
(and store nothing): their documented types are not checked here first, so that a wrong value keeps that
answer rather than becoming a 422.
"""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import Field
from pydantic import WithJsonSchema

from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

Channel = Literal["phone", "sms", "visit", "wechat", "office"]
Category = Literal["quality", "attitude", "policy", "repair", "other"]
CHANNEL_NOTE = "电话 / 短信 / 上门拜访 / 微信 / 售楼处面谈"
CATEGORY_NOTE = "产品质量 / 服务态度 / 政策咨询 / 维修 / 其他"
DATE = {"type": "string", "format": "date"}
MONTH = r"^(\d{4}-(0[1-9]|1[0-2]))?$"


def checked_by_service(schema: dict) -> Any:
    """A body value documented as `schema` but checked by the service (400 naming it), not here."""
    return Annotated[Any, WithJsonSchema(schema)]


def text(limit: int, null: bool = False) -> dict:
    """The schema of a text of at most `limit` characters."""
    return {"type": ["string", "null"] if null else "string", "maxLength": limit}


def _no_default(schema: dict) -> None:
    schema.pop("default", None)  # left out, the service's own default applies; null is no such default


def optional(description: str = "") -> Any:
    """An optional body value left to the service."""
    return Field(None, description=description or None, json_schema_extra=_no_default)


COMPLAINT_IN = {"type": "object", "required": ["category", "description", "department", "promised_date"],
                "properties": {
                    "category": {"enum": list(Category.__args__), "description": CATEGORY_NOTE},
                    "description": {"type": "string", "maxLength": 1000},
                    "department": {"type": "string", "maxLength": 60,
                                   "description": "the responsible department, e.g. 工程部"},
                    "promised_date": {**DATE, "description": "not before the contact's date"}}}


class ContactRecordBody(Body):
    """A contact (回访记录) with a customer; a bad value is 400 naming it, and nothing is stored."""

    date: checked_by_service(DATE) = optional("the day of the contact; today when left out; never in the future")
    person: checked_by_service(text(60)) = Field(description="who was spoken to; not blank")
    channel: checked_by_service({"enum": list(Channel.__args__)}) = Field(description=CHANNEL_NOTE)
    purpose: checked_by_service(text(200)) = Field(description="not blank")
    content: checked_by_service(text(2000)) = Field(description="not blank")
    feedback: checked_by_service(text(2000, null=True)) = optional()
    satisfaction: checked_by_service({"type": ["integer", "null"], "minimum": 1, "maximum": 10}) = optional(
        '1-10; anything else (11, "abc", "7") is 400 and nothing is stored')
    next_step: checked_by_service(text(500, null=True)) = optional()
    followup_id: checked_by_service(text(200, null=True)) = optional(
        "the due follow-up this contact closes; 409 if it was closed already (the first of two concurrent "
        "recordings wins)")
    complaint: checked_by_service({**COMPLAINT_IN, "type": ["object", "null"]}) = optional(
        "a complaint raised in the contact")


class ContactRecord(Model):
    id: str
    file_id: str
    archive_no: str
    date: date
    person: str
    channel: Channel
    purpose: str
    content: str
    feedback: str | None
    satisfaction: int | None
    next_step: str | None
    followup_id: str | None
    complaint_id: str | None
    recorded_by: str
    project: str
    created_at: datetime | None


class ComplaintFilters(Paging):
    department: str = Field("", description="the responsible department")
    status: Literal["open", "closed", "late", ""] = Field(
        "", description="open, closed, or late (open after the promised day)")
    as_of: date | Literal[""] = Field("", description="the day lateness is judged on (today by default)")
    category: Category | Literal[""] = Field("", description=CATEGORY_NOTE)
    month: str = Field("", pattern=MONTH, description="raised in YYYY-MM")
    project: str = Field("", description="the file's project")
    file_id: str = Field("", description="one file")


class Complaint(Model):
    id: str
    file_id: str
    archive_no: str
    contact_id: str
    category: Category
    description: str
    department: str
    promised: date
    raised: date
    month: str
    status: Literal["open", "closed"]
    recorded_by: str
    closed_on: date | None
    closed_by: str | None
    resolution: str | None
    on_time: bool | None
    project: str | None
    late: bool = Field(description="open after the promised day, as of the query's as_of")


class ComplaintClosing(Body):
    resolution: checked_by_service(text(1000)) = Field(description="not blank; a bad one is 400")


class FollowupFilters(Paging):
    bucket: Literal["today", "overdue", "upcoming", "open", "done", ""] = Field(
        "", description="today, overdue, upcoming (relative to as_of), open (the default), or done")
    as_of: date | Literal[""] = Field("", description="the day the buckets are judged on (today by default)")
    assignee: str = Field("", description="a username (managers)")
    team: str = Field("", description="a department (managers)")
    file_id: str = Field("", description="one file")


class DueFollowup(Model):
    id: str = Field(description="<file_id>:<rule>; unique, so scheduling is idempotent")
    file_id: str
    archive_no: str
    file_name: str
    kind: Literal["owner", "cs", "key", "campaign"]
    rule: str = Field(description="e.g. owner:3, cs:15, contract:2026-05-08, campaign:<id>")
    purpose: str
    due: date
    assignee: str = Field(description="the file's owner; empty for the customer-service pool")
    team: str = Field(description="the assignee's department, or the customer-service department")
    status: Literal["open", "done", "cancelled"]
    done_on: date | None
    done_by: str | None
    contact_id: str | None
    on_time: bool | None
    project: str | None


class ReportFilters(Model):
    month: str = Field("", pattern=MONTH, description="YYYY-MM (this month by default)")
    project: str = Field("", description="one project")


class ReportRow(Model):
    project: str
    contacts: int
    rated: int
    avg_satisfaction: float | None
    complaints: int
    by_category: dict[str, int]
    closed: int
    closed_on_time: int
    on_time_share: float | None = Field(description="closed by the promised day / raised in the month")


class FollowupReport(Model):
    month: str
    project: str
    rows: list[ReportRow]
    total: ReportRow


class KeyDateRule(Model):
    key: str
    field: str = Field(description="a date field of the file")
    months: int
    days: int
    purpose: str


class FollowupRules(Model):
    bought_stages: list[str]
    owner_bought: list[int]
    cs_bought: list[int]
    owner_not_bought: list[int]
    cs_not_bought: list[int]
    cs_department: str
    key_dates: list[KeyDateRule]
    birthday_fields: list[str]
    anniversary_fields: list[str]
    remind_days: int


DAYS = {"type": "array", "maxItems": 12, "items": {"type": "integer", "minimum": 0, "maximum": 3650},
        "description": "days after the file is made"}
FIELD_NAMES = {"type": "array", "maxItems": 10, "items": {"type": "string"}, "description": "date fields of the file"}


class FollowupRulesChange(Body):
    """The schedule rules; a part left out keeps the seeds' default. Each bad part is 400 naming it."""

    bought_stages: checked_by_service({"type": "array", "minItems": 1, "items": {"type": "string"}}) = optional()
    owner_bought: checked_by_service(DAYS) = optional()
    cs_bought: checked_by_service(DAYS) = optional()
    owner_not_bought: checked_by_service(DAYS) = optional()
    cs_not_bought: checked_by_service(DAYS) = optional()
    cs_department: checked_by_service({"type": "string", "maxLength": 60}) = optional()
    key_dates: checked_by_service({"type": "array", "maxItems": 10, "items": {
        "type": "object", "required": ["key", "field", "purpose"], "properties": {
            "key": {"type": "string", "pattern": "^[a-z_]{1,20}$"},
            "field": {"type": "string", "description": "a date field of the file"},
            "months": {"type": "integer", "minimum": -120, "maximum": 120},
            "days": {"type": "integer", "minimum": -3650, "maximum": 3650},
            "purpose": {"type": "string", "maxLength": 100}}}}) = optional()
    birthday_fields: checked_by_service(FIELD_NAMES) = optional()
    anniversary_fields: checked_by_service(FIELD_NAMES) = optional()
    remind_days: checked_by_service({"type": "integer", "minimum": 0, "maximum": 60}) = optional()
