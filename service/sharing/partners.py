"""The partner register (合作方: bank, decoration company, lawyer ...) and their confidentiality agreements (NDA)."""
from __future__ import annotations

import io
from datetime import date

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.messages import N_
from storage import new_id
from storage.objects import ObjectStore
from storage.partners import PartnerRepository
from storage.partners import nda_key

KINDS = ("bank", "decoration", "lawyer", "other")
KIND_LABELS = {"bank": "银行", "decoration": "装修公司", "lawyer": "律师", "other": "其他"}
NDA_MAX_BYTES = 20 * 1024 * 1024
NDA_TYPES = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


def parse_date(raw, name: str, problems: dict) -> date | None:
    """A YYYY-MM-DD value as a date; records a problem otherwise."""
    try:
        if isinstance(raw, str) and len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    problems[name] = N_("日期格式应为 YYYY-MM-DD")
    return None


def check_period(valid_from, valid_to, problems: dict) -> tuple[date | None, date | None]:
    """valid_from and valid_to as dates, the end not before the start."""
    start, end = parse_date(valid_from, "valid_from", problems), parse_date(valid_to, "valid_to", problems)
    if start and end and end < start:
        problems["valid_to"] = N_("截止日期早于起始日期")
    return start, end


def current_nda(partner: dict, day: date) -> dict | None:
    """The partner's NDA valid on the day (the newest upload that covers it), or None."""
    for nda in reversed(partner.get("ndas") or []):
        if nda["valid_from"] <= day.isoformat() <= nda["valid_to"]:
            return nda
    return None


class PartnerService:
    """Keep the register of partners and their NDAs (archivist or admin)."""

    def __init__(self, repo: PartnerRepository, objects: ObjectStore, audit: AuditTrail):
        self.repo = repo
        self.objects = objects
        self.audit = audit

    def check(self, data) -> dict:
        """The partner's name, kind and contact, checked; Invalid naming each bad one."""
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        problems, clean = {}, {}
        for key, limit in (("name", 100), ("contact", 200)):
            value = data.get(key, "")
            if not isinstance(value, str) or len(value) > limit or (key == "name" and not value.strip()):
                problems[key] = N_("请填写（至多 %(n)s 字）", n=limit)
            else:
                clean[key] = value.strip()
        if data.get("kind") not in KINDS:
            problems["kind"] = "应为 " + "/".join(KINDS)
        if problems:
            raise Invalid(N_("合作方无效"), problems)
        return {**clean, "kind": data["kind"]}

    def create(self, actor: User, data) -> dict:
        """Add a partner to the register."""
        access.require(actor, "partner.manage")
        doc = {"_id": new_id(), **self.check(data), "ndas": [], "created_by": actor.username,
               "created_at": clock.now()}
        self.repo.insert(doc)
        self.audit.record(actor.username, "partner.created", f"partner:{doc['_id']}", {"name": doc["name"]})
        return doc

    def update(self, actor: User, partner_id, data) -> dict:
        """Change a partner's name, kind or contact."""
        access.require(actor, "partner.manage")
        partner = self.get(actor, partner_id)
        changes = self.check(data)
        self.repo.set(partner["_id"], changes)
        self.audit.record(actor.username, "partner.changed", f"partner:{partner['_id']}", changes)
        return {**partner, **changes}

    def get(self, actor: User, partner_id) -> dict:
        """One partner (anyone who may ask for a share sees the register)."""
        if not (access.can(actor, "partner.manage") or access.can(actor, "share.request")
                or access.can(actor, "share.approve")):
            raise NotFound(N_("没有这个合作方"))
        partner = self.repo.by_id(partner_id)
        if partner is None:
            raise NotFound(N_("没有这个合作方"))
        return partner

    def list(self, actor: User, page: int = 1, per_page: int = 20, kind: str = "") -> tuple[int, list[dict]]:
        """The register, by name, optionally one kind."""
        if not (access.can(actor, "partner.manage") or access.can(actor, "share.request")):
            access.require(actor, "partner.manage")
        query = {"kind": kind} if kind in KINDS else {}
        return self.repo.page(query, (page - 1) * per_page, per_page)

    def upload_nda(self, actor: User, partner_id, data: bytes, filename: str, valid_from, valid_to) -> dict:
        """Store a signed NDA with its validity; the newest upload covering a day is the one that counts."""
        access.require(actor, "partner.manage")
        partner = self.get(actor, partner_id)
        problems: dict = {}
        start, end = check_period(valid_from, valid_to, problems)
        media = next((t for magic, t in NDA_TYPES.items() if data.startswith(magic)), None)
        if not data or len(data) > NDA_MAX_BYTES or media is None:
            problems["file"] = N_("请上传 PDF、JPEG 或 PNG（至多 20 MB）")
        if problems:
            raise Invalid(N_("保密协议无效"), problems)
        number = len(partner.get("ndas") or []) + 1
        stored = self.objects.put("originals", nda_key(partner["_id"], number), io.BytesIO(data), len(data), media)
        nda = {"number": number, "key": stored.key, "sha256": stored.sha256, "size": stored.size,
               "media_type": media, "filename": (filename or "")[:200], "valid_from": start.isoformat(),
               "valid_to": end.isoformat(), "uploaded_by": actor.username, "uploaded_at": clock.now()}
        self.repo.push_nda(partner["_id"], nda)
        self.audit.record(actor.username, "partner.nda_uploaded", f"partner:{partner['_id']}",
                          {"number": number, "sha256": stored.sha256, "valid_to": nda["valid_to"]})
        return nda

    def nda_content(self, actor: User, partner_id, number: int) -> tuple[dict, bytes]:
        """One stored NDA's bytes (audited)."""
        access.require(actor, "partner.manage")
        partner = self.get(actor, partner_id)
        nda = next((n for n in partner.get("ndas") or [] if n["number"] == number), None)
        if nda is None:
            raise NotFound(N_("没有这份保密协议"))
        self.audit.record(actor.username, "partner.nda_read", f"partner:{partner['_id']}", {"number": number})
        return nda, self.objects.read("originals", nda["key"])
