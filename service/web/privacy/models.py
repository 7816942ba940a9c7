"""The models of the personal-information API (show in full, erasure requests): what each call takes and
answers; the OpenAPI description comes from them.

A missing purpose, requester or reason is refused by the service as malformed (400), so these are optional
here and say so in their description.
"""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Literal

from pydantic import Field
from pydantic import RootModel

from service.web.openapi import Body
from service.web.openapi import Model


class RevealRequest(Body):
    """One personal number of a file, in full, for a purpose."""

    field: str = Field(description="dotted path, e.g. id_number or contacts.0.phone (404 if it holds no ID or "
                                   "phone number)")
    purpose: str | None = Field(None, max_length=200, description="required: why (400 without)")


class Revealed(Model):
    field: str
    kind: Literal["id", "phone"]
    value: str = Field(description="in full, for this answer only")


class PageRevealRequest(Body):
    """One page image uncovered, for a purpose."""

    purpose: str | None = Field(None, max_length=200, description="required: why (400 without)")


class ErasureRequest(Body):
    """A customer's request to erase their data."""

    requester: str | None = Field(None, max_length=100, description="required: who asked (400 without)")
    reason: str | None = Field(None, max_length=500, description="required: why (400 without)")


class Erasure(Model):
    """An erasure request with its state: pending until the file's retention lets it go, then due, then done."""

    file_id: str
    archive_no: str | None
    requester: str
    reason: str
    recorded_by: str
    requested_at: datetime
    status: Literal["pending", "due", "done"]
    until: date | None = Field(description="the day the file's retention runs out, if known")


class ErasureOrNone(RootModel[Erasure | None]):
    """A file's erasure request, or null if it has none."""
