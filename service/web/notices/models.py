"""The models of the notices (通知) API: what each call answers; the OpenAPI description comes from them."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from service.notices import UNREAD_CAP
from service.web.openapi import Model
from service.web.openapi import Page


class Notice(Model):
    """A notice to the caller: a loan request approved or refused."""

    id: str
    kind: Literal["loan.approved", "loan.rejected"]
    at: datetime
    read: bool
    read_at: datetime | None
    loan_id: str
    loan_number: str
    loan_kind: Literal["physical", "digital"]
    decided_by: str
    reason: str | None = Field(description="why a request was refused")
    due_at: datetime | None = Field(description="a digital loan approved: when it ends")


class NoticePage(Page[Notice]):
    unread: int = Field(description=f"unread notices, counted up to {UNREAD_CAP}")
