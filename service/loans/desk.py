"""The archive desk (借还台): hand a folder out, take it back with its condition, renew a loan."""
from __future__ import annotations

from datetime import timedelta

from service import access
from service import clock
from service.accounts import User
from service.accounts import UserService
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import NotFound
from service.events import UserDeactivating
from service.loans.incidents import IncidentService
from service.loans.incidents import check_compensation
from service.loans.reservations import ReservationService
from service.loans.service import STEP_ABANDONED_AFTER
from service.loans.service import LoanService
from service.loans.service import whole_days
from service.messages import N_

CONDITIONS = ("ok", "damaged", "lost")
NOTE_MAX = 500


class LoanDesk:
    """Hand-outs, take-backs and renewals; each decided by a unique step claim."""

    def __init__(self, loans: LoanService, incidents: IncidentService, queue: ReservationService,
                 users: UserService, audit: AuditTrail, renewal_limit: int):
        self.loans = loans
        self.repo = loans.repo
        self.incidents = incidents
        self.queue = queue
        self.users = users
        self.audit = audit
        self.renewal_limit = renewal_limit

    def lookup(self, actor: User, ref) -> dict:
        """What the desk shows for a scanned or typed archive number: the file, where the folder is, its loans."""
        access.require(actor, "loan.desk")
        file_doc = self.loans.find_file(ref)
        file_id = str(file_doc["_id"])
        holder = self.repo.folder(file_id)
        loans = self.loans.of_file(file_id)
        return {"file": file_doc, "holder": holder,
                "current": next((loan for loan in loans if holder and str(loan["_id"]) == holder["loan_id"]), None),
                "waiting": [loan for loan in loans if loan["kind"] == "physical" and loan["status"] == "approved"],
                "queue": self.queue.queue(file_id), "incidents": self.incidents.of_file(file_id)}

    def _loan(self, loan_id) -> dict:
        doc = self.repo.by_id(loan_id)
        if doc is None:
            raise NotFound(N_("没有这个借阅记录"))
        return doc

    def checkout(self, actor: User, loan_id) -> dict:
        """Hand an approved folder out; 409 if this loan or the folder is out already."""
        access.require(actor, "loan.desk")
        doc = self._loan(loan_id)
        if doc["kind"] != "physical":
            raise Conflict(N_("数字借阅无需出库"))
        if doc["status"] != "approved":
            raise Conflict(N_("只能借出已批准的申请"), {"status": doc["status"]})
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "checkout", actor.username, at, at - STEP_ABANDONED_AFTER):
            raise Conflict(N_("该申请已出库或已撤回"))
        self._free_folder_of_ended_loan(doc["file_id"])
        if not self.repo.claim_folder(doc["file_id"], str(doc["_id"]), at):
            self.repo.release_step(doc["_id"], "checkout")
            holder = self.repo.folder(doc["file_id"]) or {}
            raise Conflict(N_("档案已借出") if not holder.get("lost")
                           else N_("档案已遗失"), {"folder": "out"})
        at = clock.now()  # after winning the folder: later than the previous loan's return
        changes = {"status": "out", "handed_out_by": actor.username, "handed_out_at": at,
                   "due_at": at + timedelta(days=doc["days"])}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "loan.handed_out", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "borrower": doc["borrower"], "due_at": changes["due_at"]})
        return {**doc, **changes}

    def _finish_cut_off_return(self, doc: dict) -> bool:
        """A return asked again for a loan recorded as returned whose folder is still marked out to it (the
        first try stopped in between, and answered 503): free the folder now; True if that was the case."""
        if doc["status"] != "returned" or doc["kind"] != "physical":
            return False
        holder = self.repo.folder(doc["file_id"])
        if holder is None or holder.get("loan_id") != str(doc["_id"]) or holder.get("lost"):
            return False
        self.repo.release_folder(doc["file_id"], str(doc["_id"]))
        self.queue.folder_returned(doc["file_id"], doc["archive_no"])
        return True

    def _free_folder_of_ended_loan(self, file_id: str) -> None:
        """A folder still marked out to a loan that was returned (the return stopped between recording the
        loan and freeing its folder) is back in the archive."""
        holder = self.repo.folder(file_id)
        if holder is None or holder.get("lost"):
            return
        loan = self.repo.by_id(holder["loan_id"])
        if loan is None or loan["status"] in ("returned", "cancelled", "rejected"):
            self.repo.release_folder(file_id, holder["loan_id"])

    def _check_return(self, doc: dict, condition, note, responsible, compensation) -> tuple[str, str, float]:
        """The note, responsible person and amount of a return; Invalid naming each bad field."""
        problems = {}
        note = "" if note is None else note
        if condition not in CONDITIONS:
            problems["condition"] = N_("应为 ok、damaged 或 lost")
        if not isinstance(note, str) or len(note) > NOTE_MAX:
            problems["note"] = N_("至多 %(n)s 字", n=NOTE_MAX)
        elif condition in ("damaged", "lost") and not note.strip():
            problems["note"] = N_("请说明损坏或遗失情况")
        if condition in ("damaged", "lost"):
            responsible = responsible or doc["borrower"]
            if not isinstance(responsible, str) or self.users.repo.by_username(responsible) is None:
                problems["responsible"] = N_("没有这个用户")
            try:
                compensation = check_compensation(compensation)
            except Invalid as exc:
                problems.update(exc.fields)
        if problems:
            raise Invalid(N_("归还登记无效"), problems)
        return note.strip(), responsible, compensation

    def take_back(self, actor: User, loan_id, condition, note="", responsible=None, compensation=None) -> dict:
        """Take a folder back, checked: ok, damaged or lost (the latter two open an incident)."""
        access.require(actor, "loan.desk")
        doc = self._loan(loan_id)
        note, responsible, compensation = self._check_return(doc, condition, note, responsible, compensation)
        if self._finish_cut_off_return(doc):
            return doc
        if doc["status"] != "out":
            raise Conflict(N_("该借阅不在借出状态"), {"status": doc["status"]})
        at = clock.now()
        if not self.repo.claim_step(doc["_id"], "return", actor.username, at, at - STEP_ABANDONED_AFTER):
            raise Conflict(N_("该借阅已归还"))
        changes = {"status": "lost" if condition == "lost" else "returned", "returned_by": actor.username,
                   "returned_at": at, "condition": condition, "note": note}
        if condition in ("damaged", "lost"):
            incident = self.incidents.record(actor, doc, condition, responsible, compensation, note)
            changes["incident_id"] = str(incident["_id"])
        self.repo.set(doc["_id"], changes)
        if doc["kind"] == "physical":
            if condition == "lost":
                self.repo.mark_folder_lost(doc["file_id"], str(doc["_id"]))
            else:
                self.repo.release_folder(doc["file_id"], str(doc["_id"]))
        self.audit.record(actor.username, "loan.returned", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "condition": condition, "note": note})
        if doc["kind"] == "physical" and condition != "lost":
            self.queue.folder_returned(doc["file_id"], doc["archive_no"])
        return {**doc, **changes}

    def renew(self, actor: User, loan_id, days) -> dict:
        """Extend a loan before it is due; 409 over the limit or when someone else waits for the folder."""
        doc = self._loan(loan_id)
        if doc["borrower"] != actor.username and not actor.has("archivist"):
            if not self.loans.visible(actor, doc):
                raise NotFound(N_("没有这个借阅记录"))
            raise Forbidden(N_("只有借阅人或档案管理员可以续借"))
        borrower = self.users.repo.by_username(doc["borrower"])
        limit = self.loans.max_days(self.users.get(str(borrower["_id"]))) if borrower else 0
        days = whole_days(days, max(limit, 1))
        if doc["status"] != "out":
            raise Conflict(N_("只能续借借出中的档案"), {"status": doc["status"]})
        at = clock.now()
        if doc["due_at"] <= at:
            raise Conflict(N_("已超期，不能续借，请先归还"))
        count = doc.get("renewals", 0)
        if count >= self.renewal_limit:
            raise Conflict(N_("续借次数已达上限 %(limit)s 次", limit=self.renewal_limit),
                           {"renewals": count})
        if self.queue.someone_else_waits(doc["file_id"], doc["borrower"]):
            raise Conflict(N_("他人已预约或申请该档案，不能续借"))
        if not self.repo.claim_step(doc["_id"], f"renew:{count + 1}", actor.username, at):
            raise Conflict(N_("刚刚已续借"))
        due = doc["due_at"] + timedelta(days=days)
        changes = {"due_at": due, "renewals": count + 1,
                   "renewed": doc.get("renewed", []) + [{"at": at, "by": actor.username, "days": days, "due_at": due}]}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "loan.renewed", f"loan:{doc['_id']}",
                          {"file_id": doc["file_id"], "days": days, "due_at": due, "renewal": count + 1})
        return {**doc, **changes}

    def holds_folder(self, username: str) -> bool:
        """True while the person has a folder out (a leaving employee must hand it back first)."""
        return self.repo.exists({"borrower": username, "kind": "physical", "status": "out"})

    def refuse_deactivation(self, check: UserDeactivating) -> str | None:
        """Why the account cannot be deactivated yet (its holder has a folder out), or None."""
        if self.holds_folder(check.username):
            return N_("仍有借出未还的纸质档案，不能停用")
        return None
