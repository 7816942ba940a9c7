"""The models of the audit API: the trail and the check of its chain of hashes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from service.web.forms import MAX_PER_PAGE
from service.web.openapi import Model
from service.web.openapi import Paging


class AuditFilters(Paging):
    per_page: int = Field(50, ge=1, le=MAX_PER_PAGE)
    target: str = Field("", description="e.g. file:<id> or user:<id>")
    actor: str = Field("", description="username")
    action: str = Field("", description="an action or its prefix, e.g. file. or auth.login")


class AuditEntry(Model):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    hash: str
    prev_hash: str


class AuditVerification(Model):
    ok: bool
    entries: int
    first_bad: int | None = Field(description="the seq of the first entry that does not fit the chain")
