"""External sharing (外部共享): authorizations recorded on documents, share requests, the executive's decision,
the time-limited link and its revocation. Refusals name the missing piece: authorization, NDA or approval."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.events import EventBus
from service.events import ShareRequested
from service.files import target_of
from service.messages import N_
from service.sharing.partners import check_period
from service.sharing.partners import current_nda
from service.sharing.partners import parse_date
from storage import new_id
from storage.partners import PartnerRepository
from storage.sharing import ShareRepository

AUTHORIZATION_TYPE = "authorization"
MAX_DAYS = 90
PURPOSE_MAX = 100
SEES_ALL = ("archivist", "executive", "auditor")
NO_AUTHORIZATION = N_("档案中没有覆盖该合作方和用途、当日有效的客户授权委托书")
NO_NDA = N_("该合作方没有在有效期内的保密协议")


def token_hash(token: str) -> str:
    """What is stored of a link token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _numbers(data: dict, problems: dict) -> tuple[bool, str]:
    """Whether page images go out with ID and phone numbers uncovered, and why (required when they do)."""
    shown = data.get("show_numbers", False)
    if not isinstance(shown, bool):
        problems["show_numbers"] = N_("应为 true 或 false")
        return False, ""
    if not shown:
        return False, ""
    why = data.get("numbers_purpose")
    if not isinstance(why, str) or not why.strip() or len(why) > PURPOSE_MAX:
        problems["numbers_purpose"] = N_("显示完整号码须填写理由（至多 %(n)s 字）", n=PURPOSE_MAX)
        return False, ""
    return True, why.strip()


def _purpose(value, problems: dict, name: str = "purpose") -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > PURPOSE_MAX:
        problems[name] = N_("请填写用途（至多 %(n)s 字）", n=PURPOSE_MAX)
        return ""
    return value.strip()


class ShareService:
    """The rules of sharing part of a file with a partner."""

    def __init__(self, repo: ShareRepository, partners: PartnerRepository, files, documents, templates,
                 audit: AuditTrail, events: EventBus, zone: str = "Asia/Shanghai"):
        self.repo = repo
        self.partners = partners
        self.files = files
        self.documents = documents
        self.templates = templates
        self.audit = audit
        self.zone = ZoneInfo(zone)
        self.events = events  # ShareRequested: another area may refuse (an erasure request)

    def today(self) -> date:
        """Today's local date."""
        return clock.today(self.zone)

    # -- authorizations ------------------------------------------------------------------------
    def record_authorization(self, actor: User, document_id, data) -> dict:
        """Record which partners and purposes an authorization document covers, and for how long."""
        doc, file_doc = self.documents.load(actor, document_id, "file.view")
        access.require(actor, "file.edit", target_of(file_doc))
        if doc.get("doc_type") != AUTHORIZATION_TYPE:
            raise Conflict(N_("只有授权委托书可以登记授权范围"))
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        problems: dict = {}
        partner_ids = data.get("partners")
        if not isinstance(partner_ids, list) or not partner_ids or \
                any(not isinstance(p, str) or self.partners.by_id(p) is None for p in partner_ids):
            problems["partners"] = N_("请选择登记在册的合作方")
        raw = data.get("purposes")
        purposes = [_purpose(p, problems, "purposes") for p in raw] if isinstance(raw, list) and raw else []
        if not purposes:
            problems.setdefault("purposes", N_("请填写授权用途"))
        start, end = check_period(data.get("valid_from"), data.get("valid_to"), problems)
        if problems:
            raise Invalid(N_("授权无效"), problems)
        record = {"document_id": str(doc["_id"]), "file_id": doc["file_id"], "partners": sorted(set(partner_ids)),
                  "purposes": sorted(set(purposes)), "valid_from": start.isoformat(), "valid_to": end.isoformat(),
                  "recorded_by": actor.username, "recorded_at": clock.now()}
        self.repo.save_authorization(str(doc["_id"]), record)
        self.audit.record(actor.username, "share.authorization_recorded", f"document:{doc['_id']}",
                          {k: record[k] for k in ("file_id", "partners", "purposes", "valid_from", "valid_to")})
        return record

    def covering(self, file_id: str, partner_id: str, purpose: str, day: date) -> dict | None:
        """An authorization of the file covering the partner and purpose on the day (its document still active)."""
        for record in self.repo.authorizations_of(file_id):
            if partner_id in record["partners"] and purpose in record["purposes"] \
                    and record["valid_from"] <= day.isoformat() <= record["valid_to"] \
                    and self.documents.repo.status_of(record["document_id"]) in ("active", None):
                return record
        return None

    def missing(self, file_id: str, partner: dict, purpose: str) -> dict:
        """{piece: message} of what stops a share today: the authorization, the NDA, a restriction."""
        day, found = self.today(), {}
        for reason in self.events.refusals(ShareRequested(str(file_id))):
            found["restriction"] = reason
        if self.covering(file_id, str(partner["_id"]), purpose, day) is None:
            found["authorization"] = NO_AUTHORIZATION
        if current_nda(partner, day) is None:
            found["nda"] = NO_NDA
        return found

    @staticmethod
    def refuse(found: dict) -> None:
        """Raise a Conflict whose message names every missing piece."""
        if found:
            raise Conflict("不能共享：" + "；".join(found.values()), found)

    # -- requests ------------------------------------------------------------------------------
    def request(self, actor: User, data) -> dict:
        """Ask to share named fields and documents of a file with a partner until a day."""
        access.require(actor, "share.request")
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        file_doc = self.files.load(actor, str(data.get("file_id") or ""), "file.content")
        problems: dict = {}
        partner = self.partners.by_id(data.get("partner_id")) if isinstance(data.get("partner_id"), str) else None
        if partner is None:
            problems["partner_id"] = N_("请选择登记在册的合作方")
        purpose = _purpose(data.get("purpose"), problems)
        fields = self._fields(file_doc, data.get("fields"), problems)
        documents = self._documents(file_doc, data.get("documents"), problems)
        expires_on = self._expiry(data.get("expires_on"), problems)
        show_numbers, numbers_purpose = _numbers(data, problems)
        if not fields and not documents and "fields" not in problems:
            problems["fields"] = N_("请至少选择一项内容或一份文件")
        if problems:
            raise Invalid(N_("共享申请无效"), problems)
        self.refuse(self.missing(str(file_doc["_id"]), partner, purpose))
        doc = {"_id": new_id(), "file_id": str(file_doc["_id"]), "archive_no": file_doc["archive_no"],
               "file_name": file_doc["name"], "partner_id": str(partner["_id"]), "partner_name": partner["name"],
               "purpose": purpose, "fields": fields, "documents": documents, "expires_on": expires_on.isoformat(),
               "show_numbers": show_numbers, "numbers_purpose": numbers_purpose, "requester": actor.username,
               "requester_name": actor.display_name, "status": "requested",
               "requested_at": clock.now()}
        self.repo.insert(doc)
        self.audit.record(actor.username, "share.requested", f"share:{doc['_id']}",
                          {"file_id": doc["file_id"], "partner": doc["partner_name"], "purpose": purpose,
                           "fields": fields, "documents": documents, "expires_on": doc["expires_on"],
                           "show_numbers": show_numbers, "numbers_purpose": numbers_purpose})
        return doc

    def field_choices(self, file_doc: dict) -> list[str]:
        """The keys one may include: the name and the template's top-level fields."""
        template = self.templates.get(file_doc.get("template")) or {}
        return ["name"] + [d["key"] for d in template.get("fields") or []]

    def _fields(self, file_doc: dict, raw, problems: dict) -> list[str]:
        allowed = self.field_choices(file_doc)
        if raw is None:
            return []
        if not isinstance(raw, list) or any(k not in allowed for k in raw):
            problems["fields"] = N_("含有档案没有的字段")
            return []
        return [k for k in allowed if k in raw]

    def _documents(self, file_doc: dict, raw, problems: dict) -> list[str]:
        if raw is None:
            return []
        mine = {str(d["_id"]) for d in self.documents.repo.of_file(str(file_doc["_id"]))}
        if not isinstance(raw, list) or any(not isinstance(d, str) or d not in mine for d in raw):
            problems["documents"] = N_("含有不属于该档案的文件")
            return []
        return sorted(set(raw))

    def _expiry(self, raw, problems: dict) -> date | None:
        day = parse_date(raw, "expires_on", problems)
        if day and not self.today() <= day <= self.today() + timedelta(days=MAX_DAYS):
            problems["expires_on"] = N_("应在今天到 %(n)s 天之内", n=MAX_DAYS)
        return day

    # -- reading -------------------------------------------------------------------------------
    def scope(self, actor: User) -> dict:
        """The shares a person sees: all for archivists, the executive and auditors; otherwise their own."""
        return {} if actor.has(*SEES_ALL) else {"requester": actor.username}

    def get(self, actor: User, share_id) -> dict:
        """One share the person may see; NotFound otherwise."""
        doc = self.repo.by_id(share_id)
        if doc is None or not actor.active or not (actor.has(*SEES_ALL) or doc["requester"] == actor.username):
            raise NotFound(N_("没有这个共享"))
        return self.with_state(doc)

    def with_state(self, doc: dict) -> dict:
        """The share with 'expired' for an approved share past its time."""
        if doc["status"] == "approved" and doc.get("expires_at") and doc["expires_at"].replace(
                tzinfo=doc["expires_at"].tzinfo or timezone.utc) <= clock.now():
            return {**doc, "status": "expired"}
        return doc

    def list(self, actor: User, filters: dict, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Shares the person may see, by status and file, newest first."""
        query = dict(self.scope(actor))
        for key in ("status", "file_id", "partner_id"):
            if filters.get(key):
                query[key] = str(filters[key])[:80]
        total, rows = self.repo.page(query, (page - 1) * per_page, per_page)
        return total, [self.with_state(d) for d in rows]

    def of_file(self, actor: User, file_id: str) -> list[dict]:
        """The shares of a file the person may see (the file page shows them)."""
        return [self.with_state(d) for d in self.repo.find({"file_id": file_id, **self.scope(actor)})]

    # -- deciding ------------------------------------------------------------------------------
    def _open(self, actor: User, share_id, action: str) -> dict:
        access.require(actor, action)
        doc = self.repo.by_id(share_id)
        if doc is None:
            raise NotFound(N_("没有这个共享"))
        if doc["requester"] == actor.username:
            raise Forbidden(N_("不能审批自己的申请"))
        if doc["status"] != "requested":
            raise Conflict(N_("申请已处理"), {"status": doc["status"]})
        return doc

    def approve(self, actor: User, share_id) -> tuple[dict, str]:
        """The executive approves: the pieces are checked again on the day; the link token is returned once."""
        doc = self._open(actor, share_id, "share.approve")
        partner = self.partners.by_id(doc["partner_id"]) or {"_id": doc["partner_id"], "ndas": []}
        self.refuse(self.missing(doc["file_id"], partner, doc["purpose"]))
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "decision", actor.username, at):
            raise Conflict(N_("申请已被他人处理"))
        token = secrets.token_urlsafe(32)
        end = datetime.combine(date.fromisoformat(doc["expires_on"]) + timedelta(days=1), time.min, tzinfo=self.zone)
        changes = {"status": "approved", "approved_by": actor.username, "approved_at": at,
                   "expires_at": end.astimezone(timezone.utc), "token_hash": token_hash(token), "link_issued_at": at}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "share.approved", f"share:{doc['_id']}",
                          {"file_id": doc["file_id"], "partner": doc["partner_name"],
                           "expires_at": changes["expires_at"], "show_numbers": bool(doc.get("show_numbers")),
                           "numbers_purpose": doc.get("numbers_purpose") or ""})
        return {**doc, **changes}, token

    def reject(self, actor: User, share_id, reason) -> dict:
        """The executive refuses a request with a reason."""
        problems: dict = {}
        reason = _purpose(reason, problems, "reason")
        if problems:
            raise Invalid(N_("请填写原因"), problems)
        doc = self._open(actor, share_id, "share.approve")
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "decision", actor.username, at):
            raise Conflict(N_("申请已被他人处理"))
        changes = {"status": "rejected", "rejected_by": actor.username, "rejected_at": at, "reason": reason}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "share.rejected", f"share:{doc['_id']}", {"reason": reason})
        return {**doc, **changes}

    def may_revoke(self, actor: User, doc: dict) -> bool:
        """The archivist, the executive or the requester may end a share at once."""
        return actor.active and (actor.has("archivist", "executive") or doc["requester"] == actor.username)

    def revoke(self, actor: User, share_id) -> dict:
        """End a share now: its link answers 410 Gone from this moment."""
        doc = self.repo.by_id(share_id)
        if doc is None or not (actor.has(*SEES_ALL) or doc["requester"] == actor.username):
            raise NotFound(N_("没有这个共享"))
        if not self.may_revoke(actor, doc):
            raise Forbidden(N_("您不能撤销这个共享"))
        if doc["status"] not in ("requested", "approved"):
            raise Conflict(N_("共享已结束"), {"status": doc["status"]})
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "end", actor.username, at):
            raise Conflict(N_("共享已被撤销"))
        if doc["status"] == "requested":
            self.repo.claim_step(doc["_id"], "decision", actor.username, at)  # nobody approves it afterwards
        changes = {"status": "revoked", "revoked_by": actor.username, "revoked_at": at}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "share.revoked", f"share:{doc['_id']}", {"file_id": doc["file_id"]})
        return {**doc, **changes}

    def reissue(self, actor: User, share_id) -> tuple[dict, str]:
        """A fresh link for an approved share (the old link stops working); for the requester or the archivist."""
        doc = self.get(actor, share_id)
        if not self.may_revoke(actor, doc):
            raise Forbidden(N_("您不能重新生成链接"))
        if doc["status"] != "approved":
            raise Conflict(N_("共享不在有效期内"), {"status": doc["status"]})
        token, at = secrets.token_urlsafe(32), clock.now()
        self.repo.set(doc["_id"], {"token_hash": token_hash(token), "link_issued_at": at})
        self.audit.record(actor.username, "share.link_issued", f"share:{doc['_id']}", {})
        return doc, token
