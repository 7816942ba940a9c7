"""The models of the external-sharing API: partners and their NDAs, authorizations, share requests."""
from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Literal

from pydantic import Field

from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

PartnerKind = Literal["bank", "decoration", "lawyer", "other"]
ShareStatus = Literal["requested", "approved", "rejected", "revoked", "expired"]
DATE = {"type": "string", "format": "date"}
NDA_UPLOAD = {"type": "object", "properties": {
    "file": {"type": "string", "format": "binary", "description": "PDF, JPEG or PNG, at most 20 MB"},
    "valid_from": DATE, "valid_to": {**DATE, "description": "not before valid_from"}}}


class PartnerBody(Body):
    """A partner's name, kind and contact (all of them, also to change one)."""

    name: str = Field(max_length=100, description="not blank")
    kind: PartnerKind
    contact: str = Field("", max_length=200)


class PartnerFilters(Paging):
    kind: PartnerKind | Literal[""] = Field("", description="one kind")


class Nda(Model):
    """A signed confidentiality agreement on file."""

    number: int
    filename: str
    sha256: str
    size: int
    media_type: str
    valid_from: date
    valid_to: date
    uploaded_by: str
    uploaded_at: datetime | None


class Partner(Model):
    id: str
    name: str
    kind: PartnerKind
    contact: str
    ndas: list[Nda] = Field(description="the newest last")


class AuthorizationBody(Body):
    """What a customer's authorization document (授权委托书) covers."""

    partners: list[str] = Field(description="partner ids, of the register")
    purposes: list[str] = Field(description="each at most 100 characters")
    valid_from: date = Field(strict=False)
    valid_to: date = Field(strict=False, description="not before valid_from")


class Authorization(Model):
    document_id: str
    file_id: str
    partners: list[str] = Field(description="partner ids")
    purposes: list[str]
    valid_from: date
    valid_to: date


class ShareRequest(Body):
    """Fields and documents of a file to share with a partner, for a purpose, until a day."""

    file_id: str
    partner_id: str
    purpose: str = Field(max_length=100, description="one the authorization covers")
    fields: list[str] | None = Field(None, description="name and the template's field keys")
    documents: list[str] | None = Field(None, description="document ids of the file")
    expires_on: date = Field(strict=False, description="today to 90 days ahead")
    show_numbers: bool = Field(False, description="page images go out with ID and mobile numbers uncovered "
                                                  "(covered by default)")
    numbers_purpose: str | None = Field(None, max_length=100, description="why the numbers are shown; required "
                                                                          "when show_numbers is true (422 without)")


class ShareFilters(Paging):
    status: ShareStatus | Literal[""] = ""
    file_id: str = ""
    partner_id: str = ""


class Share(Model):
    """A share as the API shows it (never its token)."""

    id: str
    file_id: str
    archive_no: str
    partner_id: str
    partner_name: str
    purpose: str
    fields: list[str]
    documents: list[str]
    expires_on: date
    show_numbers: bool
    numbers_purpose: str
    status: ShareStatus
    requester: str
    requested_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    expires_at: datetime | None
    rejected_by: str | None
    reason: str | None
    revoked_by: str | None
    revoked_at: datetime | None


class ShareWithLink(Share):
    link: str = Field(description="/share/<token>; works without login until expiry or revocation")
    token: str = Field(description="shown this once; only its hash is stored")


class ShareRejection(Body):
    reason: str = Field(max_length=100, description="not blank")
