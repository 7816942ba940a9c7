"""The models of the intake review (归档审核) and periodic verification (定期核对) API: what each call takes and
answers; the OpenAPI description comes from them.

Presence is left to the services where they refuse a missing value with their own answer (400): such fields
are optional here and say so in their description.
"""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any
from typing import Literal

from pydantic import Field

from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

SubmissionStatus = Literal["pending", "returned", "accepted"]
Cycle = Literal["monthly", "quarterly", "yearly"]
TaskStatus = Literal["open", "confirmed", "changed"]
STAGE_KEYS = ["意向", "潜在", "准客户", "成交", "*"]
CYCLES = ["monthly", "quarterly", "yearly"]


# -- submissions ---------------------------------------------------------------------------------------------
class SubmissionPaperItem(Body):
    """A paper item handed over with the submission."""

    name: str = Field(min_length=1, max_length=60)
    count: int = Field(ge=1, le=999)


class SubmissionReturnedItem(Body):
    """One item a submission is returned for, with its reason."""

    item: str = Field(min_length=1, max_length=80, description="e.g. document:id_copy, field:phone, or free text")
    reason: str = Field(min_length=1, max_length=300)


class SubmissionMaterials(Body):
    """What a submission lists: scans already in the file, paper items, the names on it."""

    documents: list[str] | None = Field(None, max_length=200, description="ids of scans already in the file")
    paper_items: list[SubmissionPaperItem] | None = Field(None, max_length=50)
    salesperson: str | None = Field(None, max_length=100, description="the salesperson's name (业务员姓名)")
    customer_name: str | None = Field(None, max_length=100, description="the customer's name (客户名称)")
    customer_no: str | None = Field(None, max_length=100, description="the customer's number (客户编号)")
    note: str | None = Field(None, max_length=500)


class SubmissionRequest(SubmissionMaterials):
    """A file's materials for archiving; at least one scan or paper item (422 without)."""

    file_id: str = Field(description="the file's id")


class Resubmission(SubmissionMaterials):
    """A new version of a returned submission."""

    version: int | None = Field(None, description="required: the version one saw (400 without, 409 if stale)")


class FolderPlace(Body):
    """Parts of the folder's place; missing parts are taken from the file (room, cabinet, shelf and box are
    required in the end)."""

    room: str | None = Field(None, max_length=40)
    cabinet: str | None = Field(None, max_length=40)
    shelf: str | None = Field(None, max_length=40)
    box: str | None = Field(None, max_length=40)
    position: str | None = Field(None, max_length=40)


class SubmissionAcceptance(Body):
    """Accept and catalogue the file at a place."""

    version: int | None = Field(None, description="the version one saw (409 if the submission changed)")
    location: FolderPlace | None = None


class SubmissionReturn(Body):
    """Return the submission with a reason per item."""

    version: int | None = Field(None, description="the version one saw (409 if the submission changed)")
    items: list[SubmissionReturnedItem] = Field(min_length=1, max_length=50)


class SubmissionFilters(Paging):
    status: SubmissionStatus | Literal[""] = ""
    submitter: str = Field("", description="username")
    file_id: str = Field("", description="file id")
    archive_no: str = Field("", description="archive number")
    since: date | Literal[""] = Field("", description="first submitted on or after YYYY-MM-DD")
    until: date | Literal[""] = Field("", description="first submitted on or before YYYY-MM-DD")
    mine: str = Field("", description="1 = only one's own")


class SubmissionMissingItem(Model):
    item: str = Field(description="document:<type>, field:<key> or submission:<key>")
    label: str
    kind: Literal["document", "field", "submission"]


class CatalogueRow(Model):
    """One scan in the contents list (目录)."""

    no: int
    document_id: str
    doc_type: str
    type_label: str
    title: str
    pages: int | None


class SubmissionCatalogue(Model):
    archive_no: str
    location: dict[str, str]
    contents: list[CatalogueRow] = Field(description="the contents list (目录)")
    paper_items: list[SubmissionPaperItem]


class SubmissionReview(Model):
    outcome: Literal["accepted", "returned"]
    by: str
    at: datetime
    items: list[SubmissionReturnedItem] = Field(description="what a return named")


class SubmissionVersion(Model):
    version: int
    at: datetime
    by: str
    documents: list[str]
    paper_items: list[SubmissionPaperItem]
    review: SubmissionReview | None = Field(description="null while undecided")


class Submission(Model):
    id: str
    file_id: str
    archive_no: str | None
    file_name: str | None
    submitter: str
    submitter_name: str
    version: int
    status: SubmissionStatus
    first_submitted_at: datetime | None
    submitted_at: datetime | None
    documents: list[str] = Field(description="ids of scans already in the file")
    paper_items: list[SubmissionPaperItem]
    salesperson: str
    customer_name: str
    customer_no: str
    note: str
    returned_items: list[SubmissionReturnedItem] = Field(description="while returned: each item with its reason")
    reviewed_by: str | None
    reviewed_at: datetime | None
    turnaround_hours: float | None
    total_hours: float | None
    catalogue: SubmissionCatalogue | None = Field(description="once accepted: archive_no, location, contents (目录), "
                                                    "paper_items")
    missing: list[SubmissionMissingItem] = Field(default_factory=list, description="only on single answers")
    history: list[SubmissionVersion] = Field(
        default_factory=list, description="only on single answers: each version with its review")


# -- periodic verification -----------------------------------------------------------------------------------
class VerificationTaskFilters(Paging):
    status: TaskStatus | Literal[""] = Field("open", description="open (default), confirmed, changed, or empty "
                                                                 "for all")
    as_of: date | Literal[""] = Field("", description="the day to count from (default today)")


class VerificationOverdueFilters(Paging):
    as_of: date | Literal[""] = Field("", description="the day to count from (default today)")


class VerificationTask(Model):
    id: str = Field(description="<file_id>:<period>")
    file_id: str
    archive_no: str | None
    file_name: str | None
    owner: str | None
    stage: str | None
    cycle: Cycle
    period: str = Field(description="2026-11, 2026-Q4 or 2026")
    due_date: date = Field(description="the period's last day")
    status: TaskStatus
    done_by: str | None
    done_at: datetime | None
    file_version: int | None = Field(description="after changes: the file's new version")


class VerificationTaskChanges(Body):
    """Changed details: a merge patch of the file's name and/or fields."""

    version: int | None = Field(None, description="required: the file's version one saw (400 without, "
                                                  "412 if stale)")
    changes: dict[str, Any] | None = Field(None, description="required (400 without): merge patch of name "
                                                             "and/or fields")


class VerificationRuleBody(Body):
    """The cycle of a stage; a stage or cycle that is not one of these is refused as malformed (400)."""

    stage: Any = Field(None, json_schema_extra={"enum": STAGE_KEYS},
                       description="a stage, or * for every stage without its own rule")
    cycle: Any = Field(None, json_schema_extra={"enum": CYCLES})


class VerificationRule(Model):
    stage: str = Field(description="a stage, or * for every stage without its own rule")
    cycle: Cycle
    by: str | None
    at: datetime | None


class VerificationRules(Model):
    items: list[VerificationRule]
