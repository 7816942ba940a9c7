"""Periodic verification (定期核对): the owner of each active file confirms its contact details every cycle.

An admin sets a cycle per stage (e.g. monthly for 成交, yearly for the rest, key "*"); tasks are made on
demand (the worker's upkeep, and lazily when a page loads), one per file per period by unique _id.
"""
from __future__ import annotations

import calendar
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Malformed
from service.errors import NotFound
from service.files import STAGES
from service.files import FileService
from service.messages import N_
from storage import mongo
from storage.verification import VerificationRepository

CYCLES = {"monthly": 1, "quarterly": 3, "yearly": 12}
OTHERS = "*"  # the rule for files whose stage has no rule of its own
STAGE_KEYS = (*STAGES, OTHERS)
TASK_STATUSES = ("open", "confirmed", "changed")
CHANGEABLE = ("name", "fields")
BATCH = 500


def period_of(cycle: str, day: date) -> tuple[str, str]:
    """The period a day falls in for a cycle, and its last day (the task's due date), as text."""
    if cycle == "monthly":
        first_month, label = day.month, f"{day.year:04d}-{day.month:02d}"
    elif cycle == "quarterly":
        quarter = (day.month - 1) // 3
        first_month, label = quarter * 3 + 1, f"{day.year:04d}-Q{quarter + 1}"
    else:
        first_month, label = 1, f"{day.year:04d}"
    last_month = first_month + CYCLES[cycle] - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return label, f"{day.year:04d}-{last_month:02d}-{last_day:02d}"


def parse_day(value, default: date) -> date:
    """A YYYY-MM-DD day (or the default when empty); Malformed otherwise."""
    if value in (None, ""):
        return default
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        raise Malformed(N_("as_of 应为 YYYY-MM-DD"), {"as_of": "YYYY-MM-DD"}) from None


def _task(doc: dict, stage: str, cycle: str, period: str, due: str, at: datetime) -> dict:
    return {"_id": f"{doc['_id']}:{period}", "file_id": str(doc["_id"]), "archive_no": doc.get("archive_no"),
            "file_name": doc.get("name"), "owner": doc.get("owner"), "department": doc.get("department", ""),
            "security": doc.get("security", access.NORMAL), "stage": stage, "cycle": cycle, "period": period,
            "due_date": due, "status": "open", "created_at": at}


class VerificationService:
    """Cycle rules, task generation, the owner's confirmation or change, and what is overdue."""

    def __init__(self, repo: VerificationRepository, files: FileService, audit: AuditTrail, zone: str):
        self.repo = repo
        self.files = files
        self.audit = audit
        self.zone = ZoneInfo(zone)

    def today(self) -> date:
        """Today in the archive's time zone."""
        return clock.today(self.zone)

    def rules(self) -> list[dict]:
        """Every cycle rule as {stage, cycle}."""
        return [{"stage": r["_id"], "cycle": r["cycle"], "by": r.get("by"), "at": r.get("at")}
                for r in self.repo.rules()]

    def set_rule(self, actor: User, body) -> dict:
        """Set the cycle of a stage (or "*" for every other stage) (admin); 400 naming a bad value."""
        access.require(actor, "verification.manage")
        if not isinstance(body, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        stage, cycle = body.get("stage"), body.get("cycle")
        problems = {}
        if stage not in STAGE_KEYS:
            problems["stage"] = N_("应为 %(values)s 之一", values="/".join(STAGE_KEYS))
        if not isinstance(cycle, str) or cycle not in CYCLES:
            problems["cycle"] = N_("应为 %(values)s 之一", values="/".join(CYCLES))
        if problems:
            raise Malformed(N_("核对周期规则无效"), problems)
        at = clock.now()
        self.repo.save_rule({"_id": stage, "cycle": cycle, "by": actor.username, "at": at})
        self.audit.record(actor.username, "verification.rule_set", f"verification_rule:{stage}", {"cycle": cycle})
        return {"stage": stage, "cycle": cycle, "by": actor.username, "at": at}

    def delete_rule(self, actor: User, stage) -> None:
        """Remove the cycle of a stage (admin); 404 if it had none."""
        access.require(actor, "verification.manage")
        if stage not in STAGE_KEYS or not self.repo.delete_rule(stage):
            raise NotFound(N_("没有这条核对规则"))
        self.audit.record(actor.username, "verification.rule_deleted", f"verification_rule:{stage}")

    def generate(self, as_of: date | None = None, owner: str | None = None) -> int:
        """Make the tasks of the period as_of falls in for every active file with a rule; how many were new."""
        as_of = as_of or self.today()
        rules = {r["_id"]: r["cycle"] for r in self.repo.rules()}
        if not rules:
            return 0
        query: dict = {"status": "active"}
        if owner is not None:
            query["owner"] = owner
        at = clock.now()
        periods = {cycle: period_of(cycle, as_of) for cycle in set(rules.values())}
        existing = self.repo.task_ids([p for p, _due in periods.values()], owner)
        batch: list[dict] = []
        made = 0
        for doc in self.files.repo.find(query, limit=0):
            stage = (doc.get("classification") or {}).get("stage") or ""
            cycle = rules.get(stage) or rules.get(OTHERS)
            if cycle is None or f"{doc['_id']}:{periods[cycle][0]}" in existing:
                continue
            batch.append(_task(doc, stage, cycle, *periods[cycle], at))
            if len(batch) >= BATCH:
                made, batch = made + self.repo.insert_tasks(batch), []
        return made + self.repo.insert_tasks(batch)

    def mine(self, actor: User, status: str = "open", as_of=None, page: int = 1,
             per_page: int = 20) -> tuple[int, list[dict]]:
        """The actor's tasks (made first if due), earliest due first."""
        access.require(actor, "verification.do")
        day = parse_day(as_of, self.today())
        self.generate(day, owner=actor.username)
        query: dict = {"owner": actor.username}
        if status:
            if status not in TASK_STATUSES:
                raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="status", values=", ".join(TASK_STATUSES)),
                                {"status": "/".join(TASK_STATUSES)})
            query["status"] = status
        return self.repo.page(query, (page - 1) * per_page, per_page)

    def task(self, actor: User, task_id) -> dict:
        """One task: to the file's owner and archivists who may see the file; 404 otherwise."""
        access.require(actor, "verification.do")
        doc = self.repo.task(task_id)
        if doc is None or not (doc["owner"] == actor.username or actor.has("archivist")):
            raise NotFound(N_("没有这个核对任务"))
        try:
            self.files.load(actor, doc["file_id"], "file.view")
        except NotFound:
            raise NotFound(N_("没有这个核对任务")) from None
        return doc

    def _close(self, actor: User, doc: dict, at) -> None:
        if doc["status"] != "open":
            raise Conflict(N_("该核对任务已处理"), {"status": doc["status"]})
        if not self.repo.claim_done(doc["_id"], actor.username, at):
            raise Conflict(N_("该核对任务刚被处理"))

    def confirm(self, actor: User, task_id) -> dict:
        """The contact details are still right: close the task."""
        doc = self.task(actor, task_id)
        at = clock.now()
        self._close(actor, doc, at)
        changes = {"status": "confirmed", "done_by": actor.username, "done_at": at}
        self.repo.set_task(doc["_id"], changes)
        self.audit.record(actor.username, "verification.confirmed", f"file:{doc['file_id']}", {"task": doc["_id"]})
        return {**doc, **changes}

    def record_changes(self, actor: User, task_id, version, changes) -> dict:
        """Record what changed: the file is edited (version check, audit) and the task closed."""
        doc = self.task(actor, task_id)
        if not isinstance(changes, dict) or not changes or set(changes) - set(CHANGEABLE):
            raise Malformed(N_("changes 应为含 name 或 fields 的对象"), {"changes": "/".join(CHANGEABLE)})
        at = clock.now()
        self._close(actor, doc, at)
        try:
            file_doc = self.files.patch(actor, doc["file_id"], version, changes)
        except Exception:
            self.repo.release_done(doc["_id"])
            raise
        result = {"status": "changed", "done_by": actor.username, "done_at": at, "file_version": file_doc["version"]}
        self.repo.set_task(doc["_id"], result)
        self.audit.record(actor.username, "verification.changed", f"file:{doc['file_id']}",
                          {"task": doc["_id"], "version": file_doc["version"]})
        return {**doc, **result}

    def _overdue_query(self, as_of: date) -> dict:
        return {"status": "open", "due_date": {"$lt": as_of.isoformat()}}

    def overdue(self, actor: User, as_of=None, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Open tasks past their due date, for the archivist (made first if due)."""
        access.require(actor, "verification.read")
        day = parse_day(as_of, self.today())
        self.generate(day)
        query = self._overdue_query(day)
        visible = access.visibility_query(actor, id_field="file_id")
        return self.repo.page(mongo.all_of(query, visible), (page - 1) * per_page, per_page)

    def overdue_count(self, as_of: date | None = None) -> int:
        """How many tasks are open past their due date on as_of (for the dashboard)."""
        return self.repo.count(self._overdue_query(as_of or self.today()))
