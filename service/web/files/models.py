"""The models of the customer-files API (files, their correction requests, templates): what each call takes and
answers; the OpenAPI description comes from them."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from typing import Literal

from pydantic import Field

from service.web.accounts.models import documented_required
from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Page
from service.web.openapi import Paging

Security = Literal["normal", "confidential", "sealed"]
Stage = Literal["意向", "潜在", "准客户", "成交"]
FIELD_TYPES = ["string", "text", "date", "integer", "number", "choice", "multi_choice", "boolean", "object", "list"]
CHECKS = ["resident_id", "credit_code", "mobile", "phone"]


class FileClassification(Model):
    customer_type: str | None = None
    stage: Stage | Literal[""] | None = None
    project: str | None = None
    region: str | None = None


class CustomerFile(Model):
    """A customer file; ID and phone numbers masked unless the caller's role sees them in full."""

    id: str
    archive_no: str
    template: str
    name: str = Field(description="the customer's or company's name")
    fields: dict[str, Any] = Field(description="the template's other fields")
    classification: FileClassification
    security: Security
    department: str
    owner: str
    location: dict[str, Any]
    status: Literal["active", "closed", "merged", "destroyed"]
    version: int = Field(description="also the ETag: what If-Match carries back")
    created_at: datetime | None
    updated_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None = Field(description="set when this file was merged into another")
    merged_from: list[str] = Field(description="files merged into this one")


class FileDuplicate(Model):
    id: str
    archive_no: str
    name: str
    reasons: list[Literal["id_number", "phone", "credit_code", "name_pinyin"]]


class CustomerFileCreated(CustomerFile):
    duplicates: list[FileDuplicate] = Field(description="possible duplicates the caller may see")
    hidden_duplicates: int = Field(description="how many other possible duplicates exist")


class CustomerFileFound(CustomerFile):
    redirected_from: str = Field(None, description="the merged id asked for; absent unless redirected")


class FileCreation(Body):
    """A customer file to register: the template's fields and how it is classified."""

    template: str = Field(description="individual, enterprise or an admin-defined template's key")
    name: str = Field(description="the customer's or company's name")
    fields: dict[str, Any] | None = Field(None, description="the template's other fields")
    classification: dict[str, Any] | None = Field(
        None, description="customer_type, stage (意向, 潜在, 准客户, 成交), project, region")
    security: Security | None = Field(None, description="normal by default")
    department: str | None = Field(None, description="the caller's by default")
    location: dict[str, Any] | None = Field(None, description="where the folder is kept")
    owner: str | None = Field(None, description="archivists only; the caller by default")


class FileFilters(Paging):
    name: str = ""
    archive_no: str = ""
    customer_type: str = ""
    stage: str = ""
    project: str = ""
    status: str = Field("", description="active, closed, merged or destroyed")
    owner: str = Field("", description="username")
    template: str = ""
    sort: Literal["archive_no", "name", "created", "updated"] = "archive_no"
    order: Literal["asc", "desc", ""] = "asc"


class FileIfMatch(Model):
    """The version the change was made against: the file's ETag."""

    model_config = documented_required("If-Match")

    if_match: str = Field("", alias="If-Match", description="the file's version as seen (its ETag)")


MERGE_PATCH = {"type": "object", "description": "JSON Merge Patch (RFC 7396) of name, fields, classification, "
                                                "security, department, location and status: given keys replace, "
                                                "null removes, fields merges key by key"}


class FileVersion(Model):
    version: int
    at: datetime | None
    actor: str
    changes: list[str] = Field(description="the changed paths, e.g. fields.phone")
    note: dict[str, Any] | None = Field(description="why: a merge or a correction")


class FileDuplicates(Page[FileDuplicate]):
    hidden: int = Field(description="how many others exist that the caller may not see")


class FileMerge(Body):
    into: str = Field(description="the surviving file's id")
    reason: str
    version: int | None = Field(None, description="this file's version as seen; otherwise 409")
    into_version: int | None = Field(None, description="the surviving file's version as seen")


class FileOwnerChange(Body):
    owner: str = Field(description="the new owner's username")
    reason: str


class CorrectionRequest(Body):
    changes: dict[str, Any] = Field(description="JSON Merge Patch of name and fields")
    evidence: str = Field(description="what the customer showed")


class Correction(Model):
    """A correction request (信息更正)."""

    id: str
    file_id: str
    changes: dict[str, Any]
    evidence: str
    requested_by: str
    at: datetime | None
    state: Literal["pending", "applied", "rejected"]
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    version: int | None = Field(description="the file version an applied request made")


class CorrectionRejection(Body):
    reason: str


TEMPLATE_FIELD = {"type": "object", "required": ["key", "type", "label"], "properties": {
    "key": {"type": "string"}, "label": {"type": "object", "description": "{zh, en}"}, "required": {"type": "boolean"},
    "type": {"enum": FIELD_TYPES}, "choices": {"type": "array", "items": {"type": "string"}},
    "pattern": {"type": "string"}, "check": {"enum": CHECKS},
    "when": {"type": "object", "description": "with check: the sibling values for which the check applies"},
    "fields": {"type": "array", "description": "an object's or a list's own fields, one level deep"}}}


class TemplateDefinition(Body):
    """A template to define. The registry checks each value and names the one at fault (fields.2.key)."""

    model_config = documented_required("key", "label", "fields")

    key: Any = Field(None, json_schema_extra={"type": "string"})
    label: Any = Field(None, json_schema_extra={"type": "object"}, description="{zh, en}")
    allow_extra: Any = Field(None, json_schema_extra={"type": "boolean"})
    version: Any = Field(None, json_schema_extra={"type": "integer"})
    fields: Any = Field(None, json_schema_extra={"type": "array", "items": TEMPLATE_FIELD})


class TemplateField(Model):
    key: str
    type: Literal["string", "text", "date", "integer", "number", "choice", "multi_choice", "boolean", "object",
                  "list"]
    label: dict[str, str]
    required: bool = False
    choices: list[str] = Field(None)
    pattern: str = Field(None)
    check: Literal["resident_id", "credit_code", "mobile", "phone"] = Field(None)
    when: dict[str, Any] = Field(None)
    fields: list[TemplateField] = Field(None)


class Template(Model):
    key: str
    version: int
    label: dict[str, str]
    allow_extra: bool = False
    fields: list[TemplateField]
    schema_: dict[str, Any] = Field(alias="schema", description="the compiled JSON Schema")
