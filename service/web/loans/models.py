"""The models of the loans (借阅) API: what each call takes and answers; the OpenAPI description comes from them."""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Literal

from pydantic import Field

from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

Kind = Literal["physical", "digital"]
Status = Literal["requested", "approved", "out", "returned", "rejected", "cancelled", "lost"]


class LoanRequest(Body):
    """Ask for a file as the folder or a digital view."""

    file_id: str = Field(description="id or archive number")
    kind: Kind
    purpose: str = Field(max_length=200)
    days: int = Field(ge=1, description="at most the limit of the caller's role")


class LoanRequested(Model):
    id: str
    status: Literal["requested"]


class LoanFilters(Paging):
    status: Status | Literal["overdue", "due_soon", ""] = Field(
        "", description="a status, or overdue (physical loans out past due), or due_soon "
                          "(loans out due within seven days of now or of as_of)")
    as_of: date | Literal[""] = Field("", description="with status=overdue: due before this local day")
    file_id: str = Field("", description="one file")
    archive_no: str = Field("", description="one archive number")
    borrower: str = Field("", description="username")
    kind: Kind | Literal[""] = ""
    department: str = Field("", description="the borrower's department")


class Loan(Model):
    id: str
    number: str = Field(description="the loan's register number (借阅单号)")
    file_id: str
    archive_no: str
    file_name: str | None = Field(description="null unless the caller may see the file")
    kind: Kind
    purpose: str
    days: int
    borrower: str
    borrower_name: str
    borrower_department: str
    status: Status
    requested_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    handed_out_by: str | None
    handed_out_at: datetime | None
    due_at: datetime | None = Field(description="a digital loan ends (and its access stops) here")
    renewals: int
    returned_by: str | None
    returned_at: datetime | None
    condition: Literal["ok", "damaged", "lost"] | None
    note: str | None
    incident_id: str | None


class Reason(Body):
    reason: str = Field(max_length=500)


class Renewal(Body):
    days: int = Field(ge=1)


class Return(Body):
    """ok -> returned; damaged -> returned with an incident; lost -> lost with an incident."""

    condition: Literal["ok", "damaged", "lost"]
    note: str = Field("", max_length=500)
    responsible: str | None = Field(None, description="username; the borrower by default")
    compensation: float | None = Field(None, ge=50, le=500, description="yuan; required for damaged and lost")


class ReservationRequest(Body):
    file_id: str = Field(description="id or archive number")


class Reservation(Model):
    id: str
    file_id: str
    archive_no: str
    user: str
    at: datetime
    status: Literal["waiting", "notified", "cancelled"]


class IncidentFilters(Paging):
    kind: Literal["damaged", "lost", ""] = ""


class Incident(Model):
    id: str
    loan_id: str
    file_id: str
    archive_no: str
    kind: Literal["damaged", "lost"]
    responsible: str
    compensation: float = Field(ge=50, le=500)
    note: str
    borrower: str
    recorded_by: str
    at: datetime
