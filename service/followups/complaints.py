"""Complaints (投诉/问题) raised in contacts: the responsible department's list, lateness, closing."""
from __future__ import annotations

from search import RecordKind
from search import Selection
from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Malformed
from service.errors import NotFound
from service.followups.contacts import CATEGORIES
from service.followups.service import FollowupService
from service.listings import Listed
from service.listings import day_number
from service.messages import N_
from storage.followups import FollowupRepository

STATES = ("open", "closed", "late")
COMPLAINT_LISTING = RecordKind("complaint", coded=("status", "department", "category", "month", "project",
                                                   "file_id", "security", "file_department"),
                               numbers=("promised",))


def complaint_values(doc: dict) -> dict:
    """A complaint's values in their listing index."""
    values = {name: doc.get(name) for name in COMPLAINT_LISTING.coded}
    return {**values, "promised": day_number(doc.get("promised"))}


def listed_complaints(repo: FollowupRepository) -> Listed:
    """How the listing indexes read complaints."""
    return Listed(COMPLAINT_LISTING, repo.complaint, repo.every_complaint, complaint_values)


def is_late(complaint: dict, as_of: str) -> bool:
    """Still open after its promised day (late from the day after)."""
    return complaint.get("status") == "open" and complaint["promised"] < as_of


class ComplaintService:
    """Lists and closes complaints, through the policy and the audit trail."""

    def __init__(self, repo: FollowupRepository, followups: FollowupService, audit: AuditTrail):
        self.repo = repo
        self.followups = followups
        self.audit = audit

    def list(self, actor: User, filters: dict, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Complaints of files the actor may see, by department, state (open/closed/late as of a day),
        category, month, project or file; each with `late` set."""
        access.require(actor, "file.view")
        as_of = self.followups.parse_as_of(filters.get("as_of")).isoformat()
        state = filters.get("status") or ""
        if state not in ("", *STATES):
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="status", values=", ".join(STATES)),
                            {"status": "/".join(STATES)})
        if filters.get("category") and filters["category"] not in CATEGORIES:
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="category", values=", ".join(CATEGORIES)),
                            {"category": "/".join(CATEGORIES)})
        where = {key: {str(filters[key])} for key in ("department", "category", "month", "project", "file_id")
                 if filters.get(key)}
        ranges = {}
        if state == "late":
            where["status"] = {"open"}
            ranges["promised"] = (None, day_number(as_of) - 1)
        elif state:
            where["status"] = {state}
        selection = Selection(where=where, any_of=access.visibility_alternatives(actor, "file_department"),
                              ranges=ranges, sort="promised", offset=(page - 1) * per_page, limit=per_page)
        found = self.followups.listings.select(COMPLAINT_LISTING.name, selection)
        docs = [doc for doc in map(self.repo.complaint, found.ids) if doc is not None]
        total = found.total
        for doc in docs:
            doc["late"] = is_late(doc, as_of)
        return total, docs

    def close(self, actor: User, complaint_id: str, resolution) -> dict:
        """Close a complaint with its resolution (the responsible department, the recorder or the executive);
        409 if it was closed already."""
        access.require(actor, "complaint.close")
        doc = self.repo.complaint(complaint_id)
        if doc is None or not access.can_see(actor, _target(doc)):
            raise NotFound(N_("没有这个投诉"))
        if not (actor.has("executive") or actor.username == doc["recorded_by"]
                or (actor.department and actor.department == doc["department"])):
            raise Forbidden(N_("只有责任部门可以关闭"))
        if not isinstance(resolution, str) or not resolution.strip() or len(resolution) > 1000:
            raise Malformed(N_("请填写处理结果"),
                            {"resolution": N_("请填写处理结果（至多 1000 字）")})
        if doc["status"] != "open":
            raise Conflict(N_("投诉已关闭"))
        now = clock.now()
        if not self.repo.claim_complaint_closure(str(doc["_id"]), actor.username, now):
            raise Conflict(N_("投诉已由他人关闭"))
        closed_on = self.followups.today().isoformat()
        changes = {"status": "closed", "closed_at": now, "closed_on": closed_on, "closed_by": actor.username,
                   "resolution": resolution.strip(), "on_time": closed_on <= doc["promised"]}
        self.repo.set_complaint(str(doc["_id"]), changes)
        self.audit.record(actor.username, "complaint.closed", f"file:{doc['file_id']}",
                          {"complaint": str(doc["_id"]), "on_time": changes["on_time"]})
        return {**doc, **changes, "late": False}


def _target(doc: dict) -> access.FileTarget:
    return access.FileTarget(security=doc.get("security", access.NORMAL), department=doc.get("file_department", ""))
