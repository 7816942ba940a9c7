"""The start page's numbers, assembled per role (no Flask here).

Who sees what (decided for issue #10):
- files by stage, customer type and project: everyone who may view files, counted over exactly the
  files the person's file list shows (from the search index's columns, FileLists.counts: archivists
  and the executive see all);
- scans per month, the OCR backlog and failures, jobs: the people who run the archive
  (archivist, admin, executive, auditor), over every document;
- loans out, overdue and due within seven days: archivists, auditors, admins and the executive all
  of them (the loan register), everyone else their own (my loans);
- destruction due within 90 days and active holds: the retention readers;
- fixity failures: the register readers (archivist, auditor, admin);
- periodic verifications past due (#11): archivists (the list behind it shows them all).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from service import access
from service import clock
from service.errors import Forbidden
from service.errors import Malformed
from service.file_lists import FileLists
from service.fixity import MISMATCH
from service.fixity import MISSING
from service.loans import DUE_SOON_DAYS
from service.loans import LoanService
from service.retention import READERS as RETENTION_READERS
from service.users import User
from storage.dashboard import DashboardRepository
from storage.jobs import JobQueue

OPERATORS = ("archivist", "admin", "executive", "auditor")
MONTHS = 12
DUE_HORIZON_DAYS = 90
OCR_BACKLOG = ("pending", "running")
OCR_FILTERS = ("backlog", "failed", "done")
JOB_STATES = ("queued", "running", "failed")
FIXITY_FAILED = (MISMATCH, MISSING)


def _ordered(counts: dict, limit: int = 0) -> list[tuple[str, int]]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows[:limit] if limit else rows


class DashboardService:
    """Counts for the start page and the JSON dashboard, each as its list behind it would count."""

    def __init__(self, repo: DashboardRepository, jobs: JobQueue, loans: LoanService, zone: str = "Asia/Shanghai",
                 lists: FileLists | None = None):
        self.repo = repo
        self.jobs = jobs
        self.loans = loans
        self.zone = ZoneInfo(zone)
        self.lists = lists  # the file list's counts and the due list (service/file_lists.py)
        self.verification = None  # VerificationService (#11), set by wiring: overdue periodic verifications

    def overview(self, actor: User, now: datetime | None = None) -> dict:
        """Every section the person may see, keyed by section name."""
        if actor is None or not actor.active:
            raise Forbidden("没有权限 (not allowed)")
        now = now or clock.now()
        result: dict = {"generated_at": now, "scope": "all" if access.sees_everything(actor) else "visible"}
        if access.can(actor, "file.view"):
            result["files"] = self.files(actor)
        if actor.has(*OPERATORS):
            result.update(self.documents(now))
            if not access.can(actor, "register.read"):
                result.pop("fixity")  # the fixity report is the register readers' page
            result["jobs"] = self.job_counts(now)
        result["loans"] = self.loan_counts(actor, now)
        if actor.has(*RETENTION_READERS):
            result["retention"] = self.retention(now)
        if self.verification is not None and access.can(actor, "verification.read") \
                and access.sees_everything(actor):  # the count is unfiltered: only for those whose list is too
            result["verification"] = {"overdue": self.verification.overdue_count(self.local_day(now))}
        return result

    def files(self, actor: User) -> dict:
        """Files by stage, customer type and project, as the file list counts them for the person."""
        facets = self.lists.counts(actor)
        return {"total": facets["total"], "stage": _ordered(facets["stage"]),
                "customer_type": _ordered(facets["customer_type"]), "project": _ordered(facets["project"], 15)}

    def documents(self, now: datetime) -> dict:
        """Scans per month (last twelve local months), the OCR backlog and failures, fixity failures."""
        months = self.month_keys(now)
        docs, pages = Counter(), Counter()
        ocr, fixity_failed = Counter(), 0
        for doc in self.repo.documents():
            uploaded = doc.get("uploaded_at")
            if isinstance(uploaded, datetime):
                key = self.month_of(uploaded)
                docs[key] += 1
                pages[key] += int(doc.get("pages") or 0)
            if doc.get("status") == "active":
                ocr[doc.get("ocr_status") or ""] += 1
                fixity_failed += doc.get("fixity_status") in FIXITY_FAILED
        scans = [{"month": m, "documents": docs[m], "pages": pages[m]} for m in months]
        return {"scans": scans,
                "ocr": {"backlog": sum(ocr[s] for s in OCR_BACKLOG), "failed": ocr["failed"], "done": ocr["done"]},
                "fixity": {"failures": fixity_failed}}

    def job_counts(self, now: datetime) -> dict:
        """Jobs by state and the age in seconds of the oldest one waiting."""
        counts = self.jobs.counts()
        oldest = self.repo.oldest_queued()
        age = max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0.0
        return {"by_state": {s: int(counts.get(s, 0)) for s in (*JOB_STATES, "done")}, "oldest_queued_seconds": age}

    def loan_counts(self, actor: User, now: datetime) -> dict:
        """Loans out, overdue (physical, past due) and due within seven days: all, or the person's own."""
        sees_all = self.loans.sees_all(actor)
        out = self.repo.out_loans({} if sees_all else {"borrower": actor.username})
        # a digital loan whose time is up is closed by the next list read: it is no longer out
        out = [d for d in out if d.get("kind") != "digital" or not _before(d.get("due_at"), now)]
        soon_end = now + timedelta(days=DUE_SOON_DAYS)
        overdue = sum(1 for d in out if d.get("kind") == "physical" and _before(d.get("due_at"), now))
        soon = sum(1 for d in out if d.get("due_at") and not _before(d["due_at"], now)
                   and _before(d["due_at"], soon_end))
        return {"out": len(out), "overdue": overdue, "due_soon": soon, "sees_all": sees_all}

    def retention(self, now: datetime) -> dict:
        """Files the due list shows as of 90 days from today, and the active holds."""
        as_of = self.local_day(now) + timedelta(days=DUE_HORIZON_DAYS)
        due, _ids = self.lists.due(as_of.isoformat(), 1, 1)
        return {"due": due, "as_of": as_of.isoformat(), "holds": len(self.repo.active_holds())}

    # -- the lists behind the numbers that have no page of their own ------------------------------
    def document_list(self, actor: User, month: str = "", ocr: str = "", page: int = 1,
                      per_page: int = 20) -> tuple[int, list[dict]]:
        """Documents scanned in a month (YYYY-MM) and/or in an OCR state; operators only."""
        self.require_operator(actor)
        query: dict = {}
        if month:
            start, end = self.month_bounds(month)
            query["uploaded_at"] = {"$gte": start, "$lt": end}
        if ocr:
            if ocr not in OCR_FILTERS:
                raise Malformed(f"ocr must be one of {', '.join(OCR_FILTERS)}", {"ocr": "/".join(OCR_FILTERS)})
            wanted = list(OCR_BACKLOG) if ocr == "backlog" else [ocr]
            query.update({"status": "active", "ocr_status": {"$in": wanted}})
        total, rows = self.repo.document_page(query, (page - 1) * per_page, per_page)
        files = self.repo.file_numbers([r.get("file_id", "") for r in rows])
        for row in rows:
            row["file"] = files.get(row.get("file_id", ""), {})
        return total, rows

    def job_list(self, actor: User, state: str, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Jobs in a state (queued, running, failed), oldest first; operators only."""
        self.require_operator(actor)
        if state not in JOB_STATES:
            raise Malformed(f"state must be one of {', '.join(JOB_STATES)}", {"state": "/".join(JOB_STATES)})
        return self.repo.job_page(state, (page - 1) * per_page, per_page)

    def require_operator(self, actor: User | None) -> None:
        """Forbidden unless the person runs the archive."""
        if actor is None or not actor.active or not actor.has(*OPERATORS):
            raise Forbidden("没有权限 (not allowed)")

    # -- calendar ----------------------------------------------------------------------------------
    def local_day(self, moment: datetime) -> date:
        """The local calendar day of a time."""
        return _aware(moment).astimezone(self.zone).date()

    def month_of(self, moment: datetime) -> str:
        """The local month (YYYY-MM) of a time."""
        return _aware(moment).astimezone(self.zone).strftime("%Y-%m")

    def month_keys(self, now: datetime) -> list[str]:
        """The last twelve local months, oldest first, ending with the current one."""
        day = self.local_day(now)
        year, month = day.year, day.month
        keys = []
        for _ in range(MONTHS):
            keys.append(f"{year:04d}-{month:02d}")
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return keys[::-1]

    def month_bounds(self, month: str) -> tuple[datetime, datetime]:
        """The UTC start and end of a local month given as YYYY-MM; Malformed otherwise."""
        try:
            year, number = (int(part) for part in month.split("-"))
            start = datetime(year, number, 1, tzinfo=self.zone)
        except (ValueError, TypeError):
            raise Malformed("month must be YYYY-MM", {"month": "YYYY-MM"}) from None
        if len(month) != 7:
            raise Malformed("month must be YYYY-MM", {"month": "YYYY-MM"})
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=self.zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _before(moment, limit: datetime) -> bool:
    return isinstance(moment, datetime) and _aware(moment) < limit
