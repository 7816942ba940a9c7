"""Leaving employees (离职交接): what a person still holds, and their files handed to someone else."""
from __future__ import annotations

from service import access
from service.accounts import User
from service.accounts import UserService
from service.audit import AuditTrail
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import NotFound
from service.files import FileService
from service.loans.reservations import ReservationService
from service.loans.service import OPEN
from service.loans.service import LoanService
from service.messages import N_

MAX_FILES = 500


class HandoverService:
    """The handover list of a person and the bulk reassignment of the files they own."""

    def __init__(self, loans: LoanService, reservations: ReservationService, files: FileService,
                 users: UserService, audit: AuditTrail):
        self.loans = loans
        self.reservations = reservations
        self.files = files
        self.users = users
        self.audit = audit

    def _require(self, actor: User) -> None:
        if not (access.can(actor, "user.manage") or access.can(actor, "file.reassign")):
            raise Forbidden(N_("没有权限"))

    def summary(self, actor: User, username: str) -> dict:
        """Open loans, reservations and owned files of a person (admin; or those who reassign files)."""
        self._require(actor)
        try:
            person = self.users.by_username(username)
        except NotFound:
            raise NotFound(N_("没有这个用户")) from None
        loans = self.loans.repo.find({"borrower": username, "status": {"$in": list(OPEN)}})
        owned = self.files.repo.find({"owner": username, "status": {"$nin": ["merged", "destroyed"]}},
                                     limit=MAX_FILES)
        self.audit.record(actor.username, "user.handover_viewed", f"user:{person.id}", {"username": username})
        return {"person": person, "loans": loans, "reservations": self.reservations.of_user(username),
                "files": sorted(owned, key=lambda d: d["archive_no"]),
                "holds_folder": any(loan["status"] == "out" and loan["kind"] == "physical" for loan in loans)}

    def reassign_all(self, actor: User, username: str, new_owner, reason) -> list[str]:
        """Hand every file the person owns to another active employee, each change in the history (audited)."""
        access.require(actor, "file.reassign")
        if not isinstance(new_owner, str) or not self.users.is_active_username(new_owner):
            raise Invalid(N_("没有这个在职用户"), {"owner": N_("没有这个在职用户")})
        if new_owner == username:
            raise Invalid(N_("不能移交给本人"), {"owner": N_("不能移交给本人")})
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise Invalid(N_("请填写原因"),
                          {"reason": N_("请填写原因（至多 500 字）")})
        owned = self.files.repo.find({"owner": username, "status": {"$nin": ["merged", "destroyed"]}},
                                     limit=MAX_FILES)
        moved = []
        for doc in owned:
            self.files.reassign(actor, str(doc["_id"]), doc["version"], new_owner, reason, self.users)
            moved.append(doc["archive_no"])
        self.audit.record(actor.username, "user.files_handed_over", f"user:{username}",
                          {"to": new_owner, "count": len(moved), "archive_nos": moved, "reason": reason.strip()})
        return moved
