"""Reservations (预约): one queue per file; when the folder comes back the next person is told."""
from __future__ import annotations

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import NotFound
from service.loans.service import LoanService
from service.messages import N_
from storage import new_id
from storage.loan_records import NoticeRepository
from storage.loan_records import ReservationRepository

WAITING, NOTIFIED, CANCELLED = "waiting", "notified", "cancelled"


class ReservationService:
    """Who waits for which folder, in order, and the notices they get."""

    def __init__(self, repo: ReservationRepository, notices: NoticeRepository, loans: LoanService,
                 audit: AuditTrail):
        self.repo = repo
        self.notices = notices
        self.loans = loans
        self.audit = audit

    def reserve(self, actor: User, file_ref) -> dict:
        """Join the queue of a folder that is out; 409 when it is in the archive or one waits already."""
        access.require(actor, "loan.request")
        file_doc = self.loans.find_file(file_ref)
        if not access.can_see(actor, self.loans.target(actor, file_doc)):
            raise NotFound(N_("没有这个档案"))
        file_id = str(file_doc["_id"])
        holder = self.loans.repo.folder(file_id)
        if holder is None:
            raise Conflict(N_("档案在库，请直接申请借阅"))
        if holder.get("lost"):
            raise Conflict(N_("档案已遗失"))
        current = self.loans.repo.by_id(holder["loan_id"])
        if current is not None and current["borrower"] == actor.username:
            raise Conflict(N_("档案正借给您"))
        if self.repo.find({"file_id": file_id, "user": actor.username, "status": WAITING}, [("at", 1)], 1):
            raise Conflict(N_("您已预约该档案"))
        doc = {"_id": new_id(), "file_id": file_id, "archive_no": file_doc["archive_no"], "user": actor.username,
               "user_name": actor.display_name, "at": clock.now(), "status": WAITING}
        self.repo.insert(doc)
        self.audit.record(actor.username, "loan.reserved", f"file:{file_id}", {"reservation": str(doc["_id"])})
        return doc

    def cancel(self, actor: User, reservation_id) -> dict:
        """Leave the queue."""
        doc = self.repo.by_id(reservation_id)
        if doc is None or (doc["user"] != actor.username and not actor.has("archivist", "admin")):
            raise NotFound(N_("没有这个预约"))
        if doc["status"] != WAITING:
            raise Conflict(N_("预约已结束"))
        self.repo.set(doc["_id"], {"status": CANCELLED, "ended_at": clock.now()})
        self.audit.record(actor.username, "loan.reservation_cancelled", f"file:{doc['file_id']}",
                          {"reservation": str(doc["_id"])})
        return {**doc, "status": CANCELLED}

    def queue(self, file_id: str) -> list[dict]:
        """The people waiting for a folder, first come first."""
        return self.repo.find({"file_id": file_id, "status": WAITING}, [("at", 1), ("_id", 1)])

    def of_user(self, username: str) -> list[dict]:
        """A person's waiting reservations."""
        return self.repo.find({"user": username, "status": WAITING}, [("at", 1)])

    def someone_else_waits(self, file_id: str, username: str) -> bool:
        """True if another person reserved the folder or has an open request for it."""
        if any(r["user"] != username for r in self.queue(file_id)):
            return True
        return self.loans.repo.exists({"file_id": file_id, "kind": "physical", "borrower": {"$ne": username},
                                       "status": {"$in": ["requested", "approved"]}})

    def folder_returned(self, file_id: str, archive_no: str) -> str | None:
        """Tell the next person in the queue that the folder is back; their username, or None."""
        waiting = self.queue(file_id)
        if waiting:
            first = waiting[0]
            self.repo.set(first["_id"], {"status": NOTIFIED, "ended_at": clock.now()})
            username = first["user"]
        else:
            approved = self.loans.repo.find({"file_id": file_id, "kind": "physical", "status": "approved"}, limit=1)
            if not approved:
                return None
            username = approved[0]["borrower"]
        self.notify(username, "folder_back", file_id, archive_no)
        return username

    def notify(self, username: str, kind: str, file_id: str, archive_no: str) -> None:
        """Leave an in-app notice for a person (e-mail stays off)."""
        self.notices.insert({"_id": new_id(), "user": username, "kind": kind, "file_id": file_id,
                             "archive_no": archive_no, "at": clock.now(), "read": False})
        self.audit.record("-", "loan.notified", f"file:{file_id}", {"user": username, "kind": kind})

    def notices_for(self, username: str) -> list[dict]:
        """A person's unread notices, newest first."""
        return self.notices.find({"user": username, "read": False}, [("at", -1)], 50)

    def dismiss(self, actor: User, notice_id) -> None:
        """Mark one's own notice as read."""
        doc = self.notices.by_id(notice_id)
        if doc is None or doc["user"] != actor.username:
            raise NotFound(N_("没有这条通知"))
        self.notices.set(doc["_id"], {"read": True})
