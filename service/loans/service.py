"""Borrowing requests (借阅申请): ask, approve or reject, cancel, list; and what a loan lets one see."""
from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from search import RecordKind
from search import Selection
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
from service.events import LoanDecided
from service.events import LoanRequested
from service.events import MergeRequested
from service.files import FileService
from service.files import target_of
from service.listings import Listed
from service.listings import Listings
from service.listings import epoch_ms
from service.loans.grants import DigitalGrants
from service.messages import N_
from storage import new_id
from storage.loans import LoanRepository

KINDS = ("physical", "digital")
# A step is claimed (by a unique insert) before the loan changes: a claim this old on a loan that still
# waits for the step was left by a process or a database that died in between, and is taken over.
STEP_ABANDONED_AFTER = timedelta(minutes=1)
STATUSES = ("requested", "approved", "out", "returned", "rejected", "cancelled", "lost")
LIST_STATUSES = STATUSES + ("overdue", "due_soon")  # due_soon: out, due within DUE_SOON_DAYS
DUE_SOON_DAYS = 7
OPEN = ("requested", "approved", "out")
PURPOSE_MAX = 200
REASON_MAX = 500
SEES_ALL_LOANS = ("archivist", "auditor", "admin", "executive")
NOT_SEALED = {"", access.NORMAL, access.CONFIDENTIAL}
# Larger pages (the register's Excel export) read the matching loans in one pass of the database,
# which costs what the export needs anyway, instead of one lookup per row.
BULK_ROWS = 500
OWN_REQUESTS_MAX = 1000  # an approver's own open requests, left out of their approvals list
LOAN_LISTING = RecordKind("loan", coded=("status", "kind", "borrower", "borrower_department", "file_id",
                                         "archive_no", "file_department", "file_security"),
                          numbers=("requested_at", "due_at"))


def loan_values(doc: dict) -> dict:
    """A loan's values in the loans' listing index."""
    values = {name: doc.get(name) for name in LOAN_LISTING.coded}
    return {**values, "requested_at": epoch_ms(doc.get("requested_at")), "due_at": epoch_ms(doc.get("due_at"))}


def listed_loans(repo: LoanRepository) -> Listed:
    """How the listing indexes read loans."""
    return Listed(LOAN_LISTING, repo.by_id, repo.every, loan_values)


def parse_day(raw, name: str = "as_of") -> date | None:
    """A YYYY-MM-DD query value as a date; None when empty; Malformed otherwise."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise Malformed(N_("%(name)s 应为日期 YYYY-MM-DD", name=name), {name: "YYYY-MM-DD"})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Malformed(N_("%(name)s 不是真实存在的日期", name=name), {name: "YYYY-MM-DD"}) from None


def whole_days(value, limit: int, name: str = "days") -> int:
    """A whole number of days between 1 and the limit; Invalid otherwise (booleans and text too)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        raise Invalid(N_("%(name)s 应为 1-%(n)s 的整数", name=name, n=limit),
                      {name: N_("1-%(n)s 天", n=limit)})
    return value


class LoanService:
    """The business rules of asking for a file and deciding on it."""

    def __init__(self, repo: LoanRepository, files: FileService, audit: AuditTrail, loan_days: dict,
                 listings: Listings, grants: DigitalGrants, events: EventBus, zone: str = "Asia/Shanghai"):
        self.repo = repo
        self.listings = listings
        self.files = files
        self.audit = audit
        self.loan_days = loan_days
        self.grants = grants
        self.events = events  # LoanRequested may be refused (an erasure request); LoanDecided is told
        self.zone = ZoneInfo(zone)

    # -- the file asked for ------------------------------------------------------------------
    def find_file(self, ref) -> dict:
        """A file by id or archive number, whoever asks (callers decide what to reveal); NotFound otherwise."""
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 80:
            raise NotFound(N_("没有这个档案"))
        ref = ref.strip()
        doc = self.files.repo.by_id(ref)
        if doc is None:
            found = self.files.repo.find({"archive_no": ref}, limit=1)
            doc = found[0] if found else None
        if doc is None or doc.get("status") in ("destroyed",):
            raise NotFound(N_("没有这个档案"))
        return doc

    def max_days(self, user: User) -> int:
        """The longest loan this person may ask for (the best of their roles)."""
        return max([self.loan_days.get(role, 0) for role in user.roles] + [0])

    # -- asking ------------------------------------------------------------------------------
    def request(self, actor: User, data) -> dict:
        """Ask for a folder or a digital view of a file; the answer reveals nothing of the file."""
        access.require(actor, "loan.request")
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        problems = {}
        kind, purpose = data.get("kind"), data.get("purpose")
        if kind not in KINDS:
            problems["kind"] = N_("应为 physical 或 digital")
        if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > PURPOSE_MAX:
            problems["purpose"] = N_("请填写借阅目的（至多 %(n)s 字）", n=PURPOSE_MAX)
        try:
            days = whole_days(data.get("days"), self.max_days(actor))
        except Invalid as exc:
            problems.update(exc.fields)
        if problems:
            raise Invalid(N_("申请无效"), problems)
        file_doc = self.find_file(data.get("file_id") or data.get("archive_no"))
        if file_doc.get("status") == "merged":
            raise Conflict(N_("档案已合并，请借阅合并后的档案"))
        reason = self.events.refusal(LoanRequested(str(file_doc["_id"])))
        if reason:
            raise Conflict(reason)
        if self.repo.exists({"file_id": str(file_doc["_id"]), "borrower": actor.username, "kind": kind,
                             "status": {"$in": list(OPEN)}}):
            raise Conflict(N_("您已有该档案的未结申请"))
        at = clock.now()
        loan_id = new_id()
        doc = {"_id": loan_id, "number": self.number(at, str(loan_id)), "file_id": str(file_doc["_id"]),
               "archive_no": file_doc["archive_no"],
               "file_name": file_doc["name"], "file_department": file_doc.get("department", ""),
               "file_security": file_doc.get("security", access.NORMAL), "kind": kind,
               "purpose": purpose.strip(), "days": days, "borrower": actor.username, "borrower_id": actor.id,
               "borrower_name": actor.display_name, "borrower_department": actor.department,
               "status": "requested", "requested_at": at, "renewals": 0, "renewed": []}
        self.repo.insert(doc)
        self.audit.record(actor.username, "loan.requested", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "kind": kind, "days": days, "purpose": doc["purpose"]})
        return doc

    def number(self, at, owner: str) -> str:
        """The next loan number of the year, as printed on the 借阅单: JY2026-00042 (gap-free per year,
        drawn by a unique insert like archive numbers)."""
        year = at.astimezone(self.zone).year
        return f"JY{year}-{self.files.sequences.next(f'loan-{year}-#', owner):05d}"

    # -- reading -----------------------------------------------------------------------------
    def sees_all(self, actor: User) -> bool:
        """Archivists, auditors, admins and the executive see every loan."""
        return actor.has(*SEES_ALL_LOANS)

    def scope(self, actor: User) -> dict:
        """A filter with the loans this person may see: their own, and their department's if they approve."""
        if self.sees_all(actor):
            return {}
        mine = {"borrower": actor.username}
        if actor.has("approver") and actor.department:
            return {"$or": [mine, {"file_department": actor.department, "file_security": {"$ne": access.SEALED}}]}
        return mine

    def get(self, actor: User, loan_id) -> dict:
        """One loan the person may see; NotFound otherwise."""
        doc = self.repo.by_id(loan_id)
        if doc is None or not self.visible(actor, doc):
            raise NotFound(N_("没有这个借阅记录"))
        return doc

    def visible(self, actor: User, doc: dict) -> bool:
        if not actor.active:
            return False
        if self.sees_all(actor) or doc["borrower"] == actor.username:
            return True
        return actor.has("approver") and doc.get("file_department") == actor.department \
            and doc.get("file_security") != access.SEALED

    def shows_file(self, actor: User, doc: dict) -> bool:
        """Whether this person may see the name of the loan's file (a request reveals nothing)."""
        return str(doc["_id"]) in self.shown_files(actor, [doc])

    def shown_files(self, actor: User, docs: list[dict]) -> set[str]:
        """The ids of the loans whose file this person may see (one query for a whole page)."""
        wanted = list({d["file_id"] for d in docs})
        files = {str(f["_id"]): f for f in self.files.repo.by_ids(wanted)}
        seen = {i for i, f in files.items() if access.can_see(actor, self.target(actor, f))}
        return {str(d["_id"]) for d in docs if d["file_id"] in seen}

    def target(self, actor: User, file_doc: dict) -> access.FileTarget:
        """The policy's view of a file, with the person added as a borrower while a digital loan runs."""
        base = target_of(file_doc)
        if not access.can_see(actor, base) and self.grants.opens(str(file_doc["_id"]), actor):
            return access.FileTarget(base.security, base.department, base.approved_borrowers | {actor.id})
        return base

    def list(self, actor: User, filters: dict, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Loans the person may see, filtered (status, file, borrower, kind, as_of) and paged."""
        self.close_ended_digital()
        if per_page > BULK_ROWS:
            query = self.filter_query(filters)
            scope = self.scope(actor)
            combined = {"$and": [query, scope]} if query and scope else (query or scope)
            sort = [("due_at", 1), ("_id", 1)] if filters.get("status") == "overdue" else None
            return self.repo.page(combined, (page - 1) * per_page, per_page, sort)
        found = self.listings.select(LOAN_LISTING.name, self.selection(actor, filters, page, per_page))
        return found.total, self.repo.by_ids(found.ids)

    def selection(self, actor: User, filters: dict, page: int, per_page: int) -> Selection:
        """The listing index's selection for a list: the same loans, order and page as filter_query."""
        where: dict[str, set[str]] = {}
        ranges: dict = {}
        status = filters.get("status") or ""
        self.filter_query(filters)  # refuses a bad status or date the same way
        as_of = parse_day(filters.get("as_of"))
        if status == "overdue":
            where.update(status={"out"}, kind={"physical"})
            ranges["due_at"] = (None, epoch_ms(self.day_start(as_of)) - 1)
        elif status == "due_soon":
            start = self.day_start(as_of)
            where["status"] = {"out"}
            ranges["due_at"] = (epoch_ms(start), epoch_ms(start + timedelta(days=DUE_SOON_DAYS)) - 1)
        elif status:
            where["status"] = {status}
        for key in ("file_id", "borrower", "kind", "archive_no"):
            if filters.get(key):
                where[key] = {str(filters[key])[:80]}
        if filters.get("department"):
            where["borrower_department"] = {str(filters["department"])[:60]}
        overdue = status == "overdue"
        return Selection(where=where, any_of=self.scope_alternatives(actor), ranges=ranges,
                         sort="due_at" if overdue else "requested_at", descending=not overdue,
                         offset=(page - 1) * per_page, limit=per_page)

    def scope_alternatives(self, actor: User) -> tuple[dict, ...] | None:
        """`scope` as alternatives of the listing index: None when the person sees every loan."""
        if self.sees_all(actor):
            return None
        mine = {"borrower": {actor.username}}
        if actor.has("approver") and actor.department:
            return mine, {"file_department": {actor.department}, "file_security": NOT_SEALED}
        return (mine,)

    def filter_query(self, filters: dict) -> dict:
        """The database filter for the list's query values; Malformed for a bad status or date."""
        query: dict = {}
        status = filters.get("status") or ""
        if status and status not in LIST_STATUSES:
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="status", values=", ".join(LIST_STATUSES)),
                            {"status": "/".join(LIST_STATUSES)})
        as_of = parse_day(filters.get("as_of"))
        if status == "overdue":
            query.update({"status": "out", "kind": "physical", "due_at": {"$lt": self.day_start(as_of)}})
        elif status == "due_soon":
            start = self.day_start(as_of)
            query.update({"status": "out", "due_at": {"$gte": start, "$lt": start + timedelta(days=DUE_SOON_DAYS)}})
        elif status:
            query["status"] = status
        for key in ("file_id", "borrower", "kind", "archive_no"):
            value = filters.get(key)
            if value:
                query[key] = str(value)[:80]
        if filters.get("department"):
            query["borrower_department"] = str(filters["department"])[:60]
        return query

    def day_start(self, day: date | None) -> datetime:
        """The first moment of a local day in UTC; now when no day is given."""
        if day is None:
            return clock.now()
        return datetime.combine(day, time.min, tzinfo=self.zone).astimezone(timezone.utc)

    def local_day(self, moment: datetime) -> date:
        """The local calendar day of a stored time."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.zone).date()

    def of_file(self, file_id: str) -> list[dict]:
        """Every loan of a file, oldest first (the file page shows them to those who see the file)."""
        return self.repo.find({"file_id": file_id})

    # -- deciding ----------------------------------------------------------------------------
    def may_decide(self, actor: User, doc: dict) -> bool:
        """An approver of the file's department (the executive for a sealed file), never for oneself."""
        file_doc = self.files.repo.by_id(doc["file_id"])
        if file_doc is None or doc["borrower"] == actor.username:
            return False
        return access.can(actor, "loan.approve", target_of(file_doc))

    def pending_for(self, actor: User, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Requests waiting for this person's decision."""
        if not actor.has("approver", "executive"):
            return 0, []
        # from the listing index (a department's requests grow with the archive): its requests, oldest
        # first, less the person's own; each row shown is checked against its file as it is now
        where = self.pending_where(actor)
        own = self.listings.select(LOAN_LISTING.name, Selection(
            where={**where, "borrower": {actor.username}}, limit=OWN_REQUESTS_MAX)).ids
        found = self.listings.select(LOAN_LISTING.name, Selection(
            where=where, exclude_ids=frozenset(own), sort="requested_at", offset=(page - 1) * per_page,
            limit=per_page))
        rows = [d for d in self.repo.by_ids(found.ids) if d.get("status") == "requested" and self.may_decide(actor, d)]
        return found.total, rows

    def pending_where(self, actor: User) -> dict[str, set[str]]:
        """The listing index's values of the requests an approver (or the executive) decides on."""
        where: dict[str, set[str]] = {"status": {"requested"}}
        if not actor.has("executive"):
            where.update(file_department={actor.department}, file_security={access.NORMAL, access.CONFIDENTIAL})
        return where

    def _decidable(self, actor: User, loan_id) -> dict:
        access.require(actor, "loan.approve")
        doc = self.repo.by_id(loan_id)
        if doc is None:
            raise NotFound(N_("没有这个借阅记录"))
        if doc["borrower"] == actor.username:
            raise Forbidden(N_("不能审批自己的申请"))
        if not self.may_decide(actor, doc):
            raise Forbidden(N_("您不能审批这份档案的借阅"))
        if doc["status"] != "requested":
            raise Conflict(N_("申请已处理"), {"status": doc["status"]})
        return doc

    def _claim_decision(self, actor: User, doc: dict, at: datetime) -> None:
        if not self.repo.claim_step(doc["_id"], "decision", actor.username, at, at - STEP_ABANDONED_AFTER):
            raise Conflict(N_("申请已被他人处理"))

    def approve(self, actor: User, loan_id) -> dict:
        """Approve a request; a digital loan starts at once and runs for its days."""
        doc = self._decidable(actor, loan_id)
        at = clock.now()
        self._claim_decision(actor, doc, at)
        changes = {"status": "approved", "decided_by": actor.username, "decided_at": at}
        if doc["kind"] == "digital":
            changes.update(status="out", handed_out_at=at, handed_out_by=actor.username,
                           due_at=at + timedelta(days=doc["days"]))
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "loan.approved", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "kind": doc["kind"], "due_at": changes.get("due_at")})
        return self._decided({**doc, **changes})

    def reject(self, actor: User, loan_id, reason) -> dict:
        """Reject a request with a reason."""
        if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
            raise Invalid(N_("请填写原因"),
                          {"reason": N_("请填写驳回原因（至多 %(n)s 字）", n=REASON_MAX)})
        doc = self._decidable(actor, loan_id)
        at = clock.now()
        self._claim_decision(actor, doc, at)
        changes = {"status": "rejected", "decided_by": actor.username, "decided_at": at, "reason": reason.strip()}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "loan.rejected", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "reason": changes["reason"]})
        return self._decided({**doc, **changes})

    def _decided(self, doc: dict) -> dict:
        """Tell the areas that react (service/events.py: the borrower's notices) that a decision was recorded."""
        self.events.publish(LoanDecided(doc))
        return doc

    def cancel(self, actor: User, loan_id) -> dict:
        """The borrower withdraws a request that is not out yet."""
        doc = self.repo.by_id(loan_id)
        if doc is None or doc["borrower"] != actor.username:
            raise NotFound(N_("没有这个借阅记录"))
        if doc["status"] not in ("requested", "approved"):
            raise Conflict(N_("无法撤回"), {"status": doc["status"]})
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "end", actor.username, at):
            raise Conflict(N_("借阅已结束"))
        if doc["status"] == "requested" and not self.repo.claim_step(doc["_id"], "decision", actor.username, at):
            self.repo.release_step(doc["_id"], "end")
            raise Conflict(N_("申请刚刚被处理"))
        if doc["status"] == "approved" and not self.repo.claim_step(doc["_id"], "checkout", actor.username, at):
            self.repo.release_step(doc["_id"], "end")
            raise Conflict(N_("档案刚刚出库"))
        changes = {"status": "cancelled", "ended_at": at}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "loan.cancelled", f"loan:{doc['_id']}", {"file_id": doc["file_id"]})
        return {**doc, **changes}

    # -- digital loans -----------------------------------------------------------------------
    def digital_loan(self, file_id: str, user: User | None) -> dict | None:
        """The person's running digital loan of a file (out and not yet ended), or None."""
        return self.grants.loan(file_id, user)

    def refuse_merge(self, check: MergeRequested) -> str | None:
        """Why the files cannot be merged now (a folder of one is out of the archive), or None."""
        if self.repo.folder(check.file_id) or self.repo.folder(check.into):
            return N_("纸质档案已借出，归还后才能合并")
        return None

    def close_ended_digital(self) -> int:
        """Mark digital loans whose time is up as returned (access already stopped at due_at)."""
        # from the listing index (with the loans it lacks yet): a query would decode every loan out
        found = self.listings.select(LOAN_LISTING.name, Selection(
            where={"kind": {"digital"}, "status": {"out"}}, ranges={"due_at": (None, epoch_ms(clock.now()))},
            limit=10_000))
        ended = [doc for doc in self.repo.by_ids(found.ids)
                 if doc.get("kind") == "digital" and doc.get("status") == "out" and doc.get("due_at") is not None
                 and doc["due_at"] <= clock.now()]
        for doc in ended:
            if self.repo.claim_step(doc["_id"], "return", "-", clock.now()):
                self.repo.set(doc["_id"], {"status": "returned", "returned_at": doc["due_at"],
                                           "returned_by": "-", "condition": "ok", "note": "到期自动结束"})
                self.audit.record("-", "loan.digital_ended", f"loan:{doc['_id']}", {"file_id": doc["file_id"]})
        return len(ended)
