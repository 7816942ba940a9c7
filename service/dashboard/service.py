"""The start page's numbers, assembled per role (no Flask here).

Who sees what:
- files by stage, customer type and project: everyone who may view files, counted over exactly the
  files the person's file list shows (from the search index's columns, FileLists.counts: archivists
  and the executive see all);
- scans per month, the OCR backlog and failures, jobs: the people who run the archive
  (archivist, admin, executive, auditor), over every document;
- loans out, overdue and due within seven days: archivists, auditors, admins and the executive all
  of them (the loan register), everyone else their own (my loans);
- destruction due within 90 days and active holds: the retention readers;
- fixity failures: the register readers (archivist, auditor, admin);
- periodic verifications past due: archivists (the list behind it shows them all).
"""
from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from search import Selection
from service import access
from service import clock
from service.accounts import User
from service.documents import DOCUMENT_LISTING
from service.documents import MISMATCH
from service.documents import MISSING
from service.errors import Forbidden
from service.errors import Malformed
from service.files import FileLists
from service.jobs import JOB_LISTING
from service.listings import Listings
from service.listings import ListView
from service.listings import epoch_ms
from service.listings import from_epoch_ms
from service.loans import DUE_SOON_DAYS
from service.loans import LOAN_LISTING
from service.loans import LoanService
from service.messages import N_
from service.retention import READERS as RETENTION_READERS
from storage.dashboard import DashboardRepository
from storage.jobs import JobQueue

OPERATORS = ("archivist", "admin", "executive", "auditor")
MONTHS = 12
DUE_HORIZON_DAYS = 90
OCR_BACKLOG = ("pending", "running")
OCR_FILTERS = ("backlog", "failed", "done")
JOB_STATES = ("queued", "running", "failed")
FIXITY_FAILED = (MISMATCH, MISSING)
NO_TIME = -(2 ** 63)  # what the listing indexes hold for a time a record does not have


def _ordered(counts: dict, limit: int = 0) -> list[tuple[str, int]]:
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows[:limit] if limit else rows


class DashboardService:
    """Counts for the start page and the JSON dashboard, each as its list behind it would count."""

    def __init__(self, repo: DashboardRepository, jobs: JobQueue, loans: LoanService, listings: Listings,
                 zone: str = "Asia/Shanghai", lists: FileLists | None = None, verification=None):
        self.repo = repo
        self.jobs = jobs
        self.loans = loans
        self.listings = listings  # documents, jobs and loans are counted and listed from their listing indexes
        self.zone = ZoneInfo(zone)
        self.lists = lists  # the file list's counts and the due list (service/file_lists.py)
        self.verification = verification  # VerificationService: overdue periodic verifications

    def overview(self, actor: User, now: datetime | None = None) -> dict:
        """Every section the person may see, keyed by section name."""
        if actor is None or not actor.active:
            raise Forbidden(N_("没有权限"))
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
        edges = [epoch_ms(self.month_bounds(m)[0]) for m in months] + [epoch_ms(self.month_bounds(months[-1])[1])]
        listed = self.listings.view(DOCUMENT_LISTING.name)
        docs = listed.histogram("uploaded_at", edges, Selection())
        pages = listed.histogram("uploaded_at", edges, Selection(), weight="pages")
        active = Selection(where={"status": {"active"}})
        ocr = listed.counts("ocr_status", active)
        fixity = listed.counts("fixity_status", active)
        scans = [{"month": m, "documents": docs[n], "pages": pages[n]} for n, m in enumerate(months)]
        return {"scans": scans,
                "ocr": {"backlog": sum(ocr.get(s, 0) for s in OCR_BACKLOG), "failed": ocr.get("failed", 0),
                        "done": ocr.get("done", 0)},
                "fixity": {"failures": sum(fixity.get(s, 0) for s in FIXITY_FAILED)}}

    def ocr_pages_done(self) -> int:
        """Pages of every document whose recognition finished (/metrics)."""
        done = Selection(where={"ocr_status": {"done"}})
        return self.listings.counts(DOCUMENT_LISTING.name, "ocr_status", done, weight="pages").get("done", 0)

    def job_counts(self, now: datetime) -> dict:
        """Jobs by state and the age in seconds of the oldest one waiting."""
        listed = self.listings.view(JOB_LISTING.name)
        counts = listed.counts("state", Selection())
        oldest = self.oldest_queued(listed)
        age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        return {"by_state": {s: int(counts.get(s, 0)) for s in (*JOB_STATES, "done")}, "oldest_queued_seconds": age}

    def oldest_queued(self, listed: ListView | None = None) -> datetime | None:
        """When the oldest job still waiting (queued) was made; None if none waits."""
        listed = listed or self.listings.view(JOB_LISTING.name)
        first = listed.select(Selection(where={"state": {"queued"}}, ranges={"created_at": (NO_TIME + 1, None)},
                                        sort="created_at", limit=1))
        return from_epoch_ms(first.keys[0]) if first.ids else None

    def loan_counts(self, actor: User, now: datetime) -> dict:
        """Loans out, overdue (physical, past due) and due within seven days: all, or the person's own."""
        sees_all = self.loans.sees_all(actor)
        out = {"status": {"out"}, **({} if sees_all else {"borrower": {actor.username}})}
        at, soon_end = epoch_ms(now), epoch_ms(now + timedelta(days=DUE_SOON_DAYS))
        past = (NO_TIME + 1, at - 1)
        listed = self.listings.view(LOAN_LISTING.name)

        def total(where: dict, due: tuple) -> int:
            return listed.total(Selection(where=where, ranges={"due_at": due}))

        # a digital loan whose time is up is closed by the next list read: it is no longer out
        return {"out": total(out, (NO_TIME, None)) - total({**out, "kind": {"digital"}}, past),
                "overdue": total({**out, "kind": {"physical"}}, past), "due_soon": total(out, (at, soon_end - 1)),
                "sees_all": sees_all}

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
        where: dict = {}
        ranges: dict = {}
        if month:
            start, end = self.month_bounds(month)
            ranges["uploaded_at"] = (epoch_ms(start), epoch_ms(end) - 1)
        if ocr:
            if ocr not in OCR_FILTERS:
                raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="ocr", values=", ".join(OCR_FILTERS)),
                                {"ocr": "/".join(OCR_FILTERS)})
            where.update(status={"active"}, ocr_status=set(OCR_BACKLOG) if ocr == "backlog" else {ocr})
        found = self.listings.select(DOCUMENT_LISTING.name, Selection(
            where=where, ranges=ranges, sort="uploaded_at", descending=True, offset=(page - 1) * per_page,
            limit=per_page))
        rows = self.repo.documents_by_id(found.ids)
        files = self.repo.file_numbers([r.get("file_id", "") for r in rows])
        for row in rows:
            row["file"] = files.get(row.get("file_id", ""), {})
        return found.total, rows

    def job_list(self, actor: User, state: str, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Jobs in a state (queued, running, failed), oldest first; operators only."""
        self.require_operator(actor)
        if state not in JOB_STATES:
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="state", values=", ".join(JOB_STATES)),
                            {"state": "/".join(JOB_STATES)})
        found = self.listings.select(JOB_LISTING.name, Selection(
            where={"state": {state}}, sort="created_at", offset=(page - 1) * per_page, limit=per_page))
        return found.total, [job for job in map(self.jobs.by_id, found.ids) if job is not None]

    def require_operator(self, actor: User | None) -> None:
        """Forbidden unless the person runs the archive."""
        if actor is None or not actor.active or not actor.has(*OPERATORS):
            raise Forbidden(N_("没有权限"))

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
            raise Malformed(N_("月份应为 YYYY-MM"), {"month": "YYYY-MM"}) from None
        if len(month) != 7:
            raise Malformed(N_("月份应为 YYYY-MM"), {"month": "YYYY-MM"})
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=self.zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
