"""A person's notices: posted by other areas' reactions (service/events.py), listed and read by their owner only.

A loan decision's notice is a follow-up write like the search index's: queued as a job (retried by the worker
until it is stored) in the decision's flow, and tried at once so the borrower usually sees it immediately."""
from __future__ import annotations

import logging

from service import clock
from service.accounts import User
from service.errors import NotFound
from service.events import LoanDecided
from service.messages import N_
from storage import new_id
from storage.errors import DatabaseError
from storage.jobs import JobQueue
from storage.notices import UserNoticeRepository

log = logging.getLogger(__name__)

LOAN_APPROVED, LOAN_REJECTED = "loan.approved", "loan.rejected"
KINDS = (LOAN_APPROVED, LOAN_REJECTED)
UNREAD_CAP = 100  # the bell counts this many at most ("99+"): a count is never a scan
JOB_KIND = "loan_notice"
LOAN_FIELDS = ("_id", "borrower", "status", "decided_at", "number", "kind", "decided_by", "reason", "due_at")


class NoticeService:
    """Post a notice for a person; list, count and mark read one's own."""

    def __init__(self, repo: UserNoticeRepository, jobs: JobQueue):
        self.repo = repo
        self.jobs = jobs

    def loan_decided(self, event: LoanDecided) -> None:
        """The reaction to a recorded loan decision (service/events.py): queue the borrower's notice, then try
        to post it now (a failed try is left to the job; the key keeps it to one notice either way)."""
        loan = event.loan
        self.jobs.enqueue(JOB_KIND, {"loan": {key: loan.get(key) for key in LOAN_FIELDS}})
        try:
            self.post_loan_decision(loan)
        except DatabaseError as exc:
            log.warning("notice of loan %s not posted now, its queued job will post it: %s", loan["_id"], exc)

    def post_loan_decision(self, loan: dict) -> bool:
        """One notice of a loan's decision to the borrower (a repeat posts nothing)."""
        approved = loan["status"] in ("approved", "out")
        doc = {"_id": new_id(), "key": f"loan-decided:{loan['_id']}", "user": loan["borrower"],
               "kind": LOAN_APPROVED if approved else LOAN_REJECTED, "at": loan.get("decided_at") or clock.now(),
               "read": False, "loan_id": str(loan["_id"]), "loan_number": loan.get("number") or "",
               "loan_kind": loan.get("kind", ""), "decided_by": loan.get("decided_by", ""),
               "reason": "" if approved else loan.get("reason", ""), "due_at": loan.get("due_at")}
        return self.repo.add(doc)

    def list(self, actor: User, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """The person's notices, newest first, one page, and how many they have."""
        return self.repo.page_of(actor.username, (page - 1) * per_page, per_page)

    def unread_count(self, actor: User, cap: int = UNREAD_CAP) -> int:
        """How many of the person's notices are unread, at most `cap`."""
        return self.repo.unread(actor.username, cap)

    def get(self, actor: User, notice_id) -> dict:
        """One of the person's own notices; NotFound for anyone else's, a malformed id or none."""
        doc = self.repo.by_id(notice_id) if isinstance(notice_id, str) else None
        if doc is None or doc.get("user") != actor.username:
            raise NotFound(N_("没有这条通知"))
        return doc

    def read(self, actor: User, notice_id) -> dict:
        """Mark one of the person's own notices as read; the notice as it is now."""
        doc = self.get(actor, notice_id)
        if not doc.get("read"):
            at = clock.now()
            self.repo.mark_read(doc["_id"], at)
            doc = {**doc, "read": True, "read_at": at}
        return doc
