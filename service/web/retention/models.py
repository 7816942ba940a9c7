"""The models of the retention (保管期限), holds (冻结) and destruction (销毁) API: what each call takes and
answers; the OpenAPI description comes from them. Value rules with their own messages (a template that exists,
two different witnesses, a date not in the future, which files may be destroyed) stay in service.retention."""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Annotated
from typing import Literal

from pydantic import Field

from service.web.forms import MAX_PER_PAGE
from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

Day = date  # a field named `date` would hide the type inside its class
LaxDay = Annotated[date, Field(strict=False)]  # a date in a JSON body, as its text
Trigger = Literal["created", "closed", "contract_end", "last_activity"]
HoldReason = Literal["dispute", "audit", "litigation"]
BatchStatus = Literal["proposed", "approved", "rejected", "executing", "done"]


# -- policies -------------------------------------------------------------------------------------
class RetentionPolicyMatch(Body):
    """The conditions of a policy: all given keys must hold (an empty or missing one holds for every file)."""

    template: str | None = Field(None, description="a template's key")
    customer_type: str | None = Field(None, description="one of the customer types")
    stage: str | None = Field(None, description="one of the stages (意向, 潜在, 准客户, 成交)")
    project: str | None = Field(None, description="a project code, at most 60 characters")
    doc_types: list[str] | None = Field(None, description="the file holds a document of one of these types "
                                                          "(at most 20 active types)")


class RetentionPolicyRequest(Body):
    """A new retention policy."""

    name: str = Field(max_length=100)
    match: RetentionPolicyMatch | None = Field(None, description="all given keys must hold")
    trigger: Trigger = Field(description="when the period starts: the file's registration, its closing, its "
                                         "fields.contract_end_date, or its last activity")
    years: int | None = Field(ge=1, le=200, description="null: kept permanently")


class RetentionPolicy(Model):
    id: str
    name: str
    match: RetentionPolicyMatch
    trigger: Trigger
    years: int | None = Field(description="null: kept permanently")
    active: bool
    created_by: str
    created_at: datetime
    retired_at: datetime | None


class RetentionPolicyFilters(Model):
    all: Literal["0", "1", ""] = Field("", description="1: retired policies too")


# -- the due list, a file's retention, holds ------------------------------------------------------
class RetentionDueFilters(Paging):
    as_of: Day | Literal[""] = Field("", description="due by this local day (default today), YYYY-MM-DD")


class RetentionDueFile(Model):
    file_id: str
    archive_no: str
    name: str | None = Field(description="null unless the caller may see the file")
    template: str | None = Field(description="null unless the caller may see the file")
    policy_id: str | None
    policy_name: str | None
    trigger: Trigger | None
    trigger_date: Day | None
    destroy_after: Day | None = Field(description="the last day of the period; due from the day after")


class Hold(Model):
    id: str
    file_id: str
    archive_no: str
    reason: HoldReason
    note: str
    status: Literal["active", "lifted"]
    placed_by: str
    placed_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str | None


class HoldFilters(Paging):
    status: Literal["active", "lifted", ""] = Field("active", description="empty: every hold")


class HoldRequest(Body):
    """A hold for a dispute, an audit or litigation."""

    reason: HoldReason
    note: str | None = Field(None, max_length=500, description="e.g. the case number")


class HoldLift(Body):
    """Why a hold is lifted (or ?reason= without a body)."""

    reason: str = Field(max_length=500)


class HoldLiftQuery(Model):
    reason: str = Field("", description="why the hold is lifted, when the request has no JSON body")


class FileRetention(Model):
    """A file's computed retention and its holds."""

    file_id: str
    archive_no: str
    kind: Literal["none", "pending", "dated", "permanent"] = Field(
        description="none: no policy matches; pending: the trigger date is not known yet")
    policy_id: str | None
    policy_name: str | None
    trigger: Trigger | None
    years: int | None
    trigger_date: Day | None
    destroy_after: Day | None = Field(description="the last day of the period; due from the day after")
    due: bool
    lock_until: datetime | None = Field(description="the originals' Object Lock retain-until date")
    legal_hold: bool = Field(description="an active hold keeps the originals under legal hold")
    holds: list[Hold]


# -- destruction batches --------------------------------------------------------------------------
class DestructionProposal(Body):
    file_ids: list[str] = Field(min_length=1, max_length=500, description="ids of files that are due")
    reason: str = Field(max_length=500)


class DestructionProposed(Model):
    id: str
    number: str = Field(description="the batch's number (XH-YYYY-NNNN)")
    status: Literal["proposed"]


class DestructionFilters(Paging):
    status: BatchStatus | Literal[""] = ""


class DestroyedDocument(Model):
    id: str
    doc_type: str
    sha256: str
    size: int = Field(description="bytes")


class DestructionItem(Model):
    file_id: str
    archive_no: str
    template: str | None
    policy_name: str | None
    destroy_after: Day | None
    destroyed: bool
    documents: list[DestroyedDocument] = Field(description="once destroyed, what was destroyed")


class DestructionPaper(Model):
    """How, where and before whom the paper folders were destroyed."""

    method: str
    place: str
    witnesses: list[str] = Field(description="the two witnesses (监销人)")
    date: Day
    recorded_by: str
    recorded_at: datetime | None


class DestructionCounts(Model):
    files: int
    documents: int
    bytes: int


class DestructionExecution(Model):
    """How far the execution of a batch is (from the page, by the worker; from the API, in the request)."""

    status: Literal["queued", "running", "done", "failed"] | None = Field(
        description="null before anyone started it; a failed run can be started again")
    done: int = Field(description="files destroyed")
    total: int
    failed: int = Field(ge=0, le=1, description="1 while the last run stopped on a file, else 0")
    error: str | None = Field(description="why the last run stopped, when the batch says why")
    started_at: datetime | None
    ended_at: datetime | None


class Destruction(Model):
    """A destruction batch (销毁清册)."""

    id: str
    number: str
    status: BatchStatus
    reason: str
    items: list[DestructionItem]
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    rejected_by: str | None
    rejected_at: datetime | None
    reject_reason: str | None
    paper: DestructionPaper | None
    executed_by: str | None
    executed_at: datetime | None
    counts: DestructionCounts | None
    register_seq: int | None = Field(description="its entry in the destruction register")
    execution: DestructionExecution


class DestructionRejection(Body):
    reason: str = Field(max_length=500)


Witness = Annotated[str, Field(max_length=40)]


class PaperDestruction(Body):
    """The record of the paper destruction."""

    method: str = Field(max_length=100)
    place: str = Field(max_length=200)
    witnesses: list[Witness] = Field(min_length=2, max_length=2, description="two different witnesses (监销人)")
    date: LaxDay | Literal[""] | None = Field(None, description="YYYY-MM-DD, default today; not in the future")


class DestructionRun(Body):
    """Empty, or the record of the paper destruction when the batch has none yet."""

    method: str | None = None
    place: str | None = None
    witnesses: list[str] | None = Field(None, description="two different witnesses (监销人)")
    date: LaxDay | Literal[""] | None = Field(None, description="YYYY-MM-DD, default today")


# -- the destruction register ---------------------------------------------------------------------
class DestructionRegisterDocument(Model):
    doc_type: str | None = None
    sha256: str
    size: int = Field(description="bytes")


class DestructionRegisterFile(Model):
    file_id: str | None = None
    archive_no: str
    template: str | None = None
    policy_name: str | None = None
    destroy_after: Day | None = None
    documents: list[DestructionRegisterDocument]


class DestructionRegisterPaper(Model):
    method: str
    place: str
    witnesses: list[str]
    date: Day | None = None


class DestructionRegisterEntry(Model):
    """One executed batch, kept for ever; `hash` chains it to the entry before."""

    seq: int
    batch_id: str
    number: str
    reason: str
    files: list[DestructionRegisterFile]
    counts: DestructionCounts
    proposed_by: str
    proposed_at: datetime
    approved_by: str
    approved_at: datetime
    paper: DestructionRegisterPaper
    executed_by: str
    executed_at: datetime
    prev_hash: str
    hash: str


class DestructionRegisterPaging(Paging):
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE)


class DestructionRegisterCheck(Model):
    ok: bool
    entries: int = Field(description="entries checked")
    first_bad: int | None = Field(description="the seq of the first entry that does not fit its chain")
