"""Follow-ups (回访): schedules from the rules, contact records that close them, and who sees what.

Ownership: owner, key-date and campaign follow-ups belong to the file's owner (`assignee`) and move
with the owner; customer-service ones belong to the customer-service department as a pool
(`assignee` empty, `team` = the rules' cs_department): any member may record them, the first closes.
Every list is cut by the file's visibility (its security and department are copied onto each record),
so a sealed file's contacts and follow-ups are as sealed as the file.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from search import RecordKind
from search import Selection
from service import access
from service import clock
from service.accounts import User
from service.accounts import UserService
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Malformed
from service.errors import NotFound
from service.events import FileWritten
from service.files import FileService
from service.files import target_of
from service.followups import rules as rules_mod
from service.followups.contacts import contact_fields
from service.held_reads import once
from service.listings import Listed
from service.listings import Listings
from service.listings import both
from service.listings import day_number
from service.listings import epoch_ms
from service.messages import N_
from storage import mongo
from storage import new_id
from storage.followups import FollowupRepository

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
BUCKETS = ("today", "overdue", "upcoming", "open", "done")
SYSTEM = "system"
FOLLOWUP_LISTING = RecordKind("followup", coded=("status", "assignee", "team", "person", "kind", "file_id",
                                                 "campaign_id", "security", "file_department", "on_time"),
                              numbers=("due", "done_at"))


def followup_values(doc: dict) -> dict:
    """A follow-up's values in their listing index (`person`: who it counts for in the team view)."""
    values = {name: doc.get(name) for name in ("status", "assignee", "team", "kind", "file_id", "campaign_id",
                                               "security", "file_department")}
    return {**values, "person": doc.get("assignee") or doc.get("done_by") or "",
            "on_time": "1" if doc.get("on_time") else "", "due": day_number(doc.get("due")),
            "done_at": epoch_ms(doc.get("done_at"))}


def listed_followups(repo: FollowupRepository) -> Listed:
    """How the listing indexes read follow-ups."""
    return Listed(FOLLOWUP_LISTING, repo.followup, repo.every_followup, followup_values)


def file_snapshot(file_doc: dict) -> dict:
    """What each follow-up record copies of its file, for lists, filters and visibility."""
    return {"archive_no": file_doc.get("archive_no", ""), "file_name": file_doc.get("name", ""),
            "project": (file_doc.get("classification") or {}).get("project") or "",
            "security": file_doc.get("security", access.NORMAL), "file_department": file_doc.get("department", "")}


def visible(user: User) -> dict:
    """The database filter of records whose file the user may see."""
    return access.visibility_query(user, department_field="file_department", id_field="file_id")


def combine(*queries: dict) -> dict:
    """All the non-empty queries at once."""
    return mongo.all_of(*queries)


class FollowupService:
    """The business rules of follow-ups and contact records."""

    def __init__(self, repo: FollowupRepository, files: FileService, users: UserService, audit: AuditTrail,
                 listings: Listings, timezone_name: str):
        self.repo = repo
        self.listings = listings
        self.files = files
        self.users = users
        self.audit = audit
        self.zone = ZoneInfo(timezone_name)

    # -- time and rules ---------------------------------------------------------------------
    def today(self) -> date:
        """Today in the configured zone."""
        return clock.today(self.zone)

    def parse_as_of(self, raw) -> date:
        """A YYYY-MM-DD query value (today when empty); Malformed otherwise."""
        if raw in (None, ""):
            return self.today()
        day = rules_mod.parse_day(raw)
        if day is None:
            raise Malformed(N_("as_of 应为日期 YYYY-MM-DD"), {"as_of": "YYYY-MM-DD"})
        return day

    def rules(self) -> dict:
        """The configured rules, or the seeds' defaults."""
        stored = once("followups.rules", self.repo.rules)
        if stored is None:
            return rules_mod.defaults()
        return {k: v for k, v in stored.items() if k not in ("_id", "updated_at", "updated_by")}

    def save_rules(self, actor: User, raw) -> dict:
        """Replace the rules (admin); they apply to files written from now on, or after `reschedule_all`."""
        access.require(actor, "followup.manage")
        checked = rules_mod.validate(raw)
        self.repo.save_rules({**checked, "updated_at": clock.now(), "updated_by": actor.username})
        self.audit.record(actor.username, "followup.rules_changed", "followup_rules", checked)
        return checked

    def reschedule_all(self, actor: User) -> int:
        """Apply the current rules to every active file (admin); how many follow-ups were added."""
        access.require(actor, "followup.manage")
        added = 0
        for doc in self.files.repo.find({"status": "active"}, limit=0):
            added += len(self.schedule(doc))
        self.audit.record(actor.username, "followup.rescheduled", "followup_rules", {"added": added})
        return added

    # -- after a file's write ----------------------------------------------------------------
    def file_written(self, event: FileWritten) -> None:
        """The reaction to a file's write (service/events.py)."""
        self.file_changed(event.file_id, event.created)

    def file_changed(self, file_id, created: dict | None = None) -> None:
        """After a write of a file: schedule, move open ones to a new owner, copy the file's facts."""
        doc = created or self.files.repo.by_id(str(file_id))
        if doc is None:
            return
        if doc.get("version") == 1:
            # a file just made has no follow-ups, contacts or complaints to read yet (the ids added are
            # unique, so a repeated call adds nothing): a bulk import makes thousands, and a query by
            # file_id reads the whole collection on FerretDB
            self.schedule(doc, [])
            return
        _, existing = self.repo.find_followups({"file_id": str(doc["_id"])})
        self.repo.sync_file(str(doc["_id"]), file_snapshot(doc), existing)
        self._follow_owner(doc, existing)
        self.schedule(doc, existing)

    def schedule(self, file_doc: dict, existing: list[dict] | None = None) -> list[str]:
        """Insert the follow-ups the rules give the file (idempotent: unique ids), reopen cancelled ones that
        apply again, cancel open ones that no longer apply; none that is over STALE_DAYS overdue is added or
        reopened (an open one stays). The ids added or reopened."""
        file_id = str(file_doc["_id"])
        if existing is None:
            _, existing = self.repo.find_followups({"file_id": file_id})
        known = {d["_id"]: d for d in existing}
        active = file_doc.get("status") == "active"
        rules = self.rules()
        wanted = {f"{file_id}:{o['rule']}": o for o in
                  (rules_mod.occurrences(file_doc, rules, self.zone) if active else [])}
        gone = [d["_id"] for d in existing if d["status"] == OPEN and d["_id"] not in wanted
                and (d["kind"] != rules_mod.CAMPAIGN or not active)]
        if gone:
            for followup_id in gone:  # one indexed update each: FerretDB would decode all for an $in
                self.repo.set_followups({"_id": followup_id, "status": OPEN}, {"status": CANCELLED})
        today = self.today()
        fresh = {key: o for key, o in wanted.items() if not rules_mod.stale(o, today)}
        assignments = {kind: self._assignment(file_doc, kind, rules) for kind in {o["kind"] for o in fresh.values()}}
        added = self.repo.add_followups([self._new(file_doc, o, assignments[o["kind"]])
                                         for key, o in fresh.items() if key not in known])
        again = [key for key in fresh if known.get(key, {}).get("status") == CANCELLED]
        for key in again:
            self.repo.set_followups({"_id": key, "status": CANCELLED},
                                    {"status": OPEN, **self._assignment(file_doc, wanted[key]["kind"], rules)})
        if added or gone or again:
            self.audit.record(file_doc.get("updated_by") or SYSTEM, "followup.scheduled", f"followups:{file_id}",
                              {"added": added, "reopened": again, "cancelled": gone})
        return added + again

    def _assignment(self, file_doc: dict, kind: str, rules: dict) -> dict:
        if kind == rules_mod.CS:
            return {"assignee": "", "team": rules["cs_department"]}
        owner = file_doc.get("owner", "")
        return {"assignee": owner, "team": self._department_of(owner)}

    @staticmethod
    def _new(file_doc: dict, occurrence: dict, assignment: dict) -> dict:
        return {"_id": f"{file_doc['_id']}:{occurrence['rule']}", "file_id": str(file_doc["_id"]),
                "kind": occurrence["kind"], "rule": occurrence["rule"], "purpose": occurrence["purpose"],
                "due": occurrence["due"].isoformat(), **assignment, "status": OPEN, "created_at": clock.now(),
                **file_snapshot(file_doc)}

    def _department_of(self, username: str) -> str:
        try:
            return once(("department", username), lambda: self.users.by_username(username).department)
        except NotFound:
            return ""

    def _follow_owner(self, file_doc: dict, existing: list[dict]) -> None:
        owner, file_id = file_doc.get("owner", ""), str(file_doc["_id"])
        if not any(d["status"] == OPEN and d["kind"] != rules_mod.CS and d.get("assignee") != owner
                   for d in existing):
            return
        moving = {"file_id": file_id, "status": OPEN, "kind": {"$ne": rules_mod.CS}, "assignee": {"$ne": owner}}
        moved = self.repo.set_followups(moving, {"assignee": owner, "team": self._department_of(owner)})
        self.audit.record(file_doc.get("updated_by") or SYSTEM, "followup.reassigned", f"followups:{file_id}",
                          {"to": owner, "count": moved})

    # -- recording a contact ----------------------------------------------------------------
    def record(self, actor: User, file_id: str, body) -> dict:
        """Record a contact on a file (closing its follow-up, raising a complaint); 400 on bad input,
        403 without the right, 404 for a file one may not see, 409 if the follow-up was closed already."""
        access.require(actor, "contact.record")
        file_doc = self.files.load(actor, file_id, "file.view")
        if file_doc.get("status") in ("destroyed", "merged"):
            raise Conflict(N_("这个档案已不在库中"))
        fields = contact_fields(body, self.today())
        followup = self._closable(actor, str(file_doc["_id"]), fields["followup_id"])
        now, contact_id = clock.now(), new_id()
        if followup and not self.repo.claim_closure(followup["_id"], str(contact_id), actor.username, now):
            raise Conflict(N_("这次回访已由他人记录"))
        complaint = fields.pop("complaint")
        contact = {"_id": contact_id, "file_id": str(file_doc["_id"]), **fields, "recorded_by": actor.username,
                   "recorded_by_name": actor.display_name, "created_at": now, "complaint_id": None,
                   **file_snapshot(file_doc)}
        if complaint:
            contact["complaint_id"] = str(self._raise(actor, file_doc, contact, complaint))
        self.repo.add_contact(contact)
        self.audit.record(actor.username, "contact.recorded", f"file:{file_doc['_id']}",
                          {"contact": str(contact_id), "channel": fields["channel"], "followup": fields["followup_id"]})
        if followup:
            self._close(actor, followup, contact)
        return contact

    def _closable(self, actor: User, file_id: str, followup_id) -> dict | None:
        if not followup_id:
            return None
        followup = self.repo.followup(followup_id)
        if followup is None or followup["file_id"] != file_id:
            raise NotFound(N_("没有这个回访任务"))
        if followup["status"] != OPEN:
            raise Conflict(N_("这次回访已完成或已取消"))
        if not self.may_close(actor, followup):
            raise Forbidden(N_("这不是您的回访任务"))
        return followup

    def may_close(self, actor: User, followup: dict) -> bool:
        """The assignee, a member of the pool's team, the team's manager, or the executive."""
        if actor.has("executive") or actor.username == followup.get("assignee"):
            return True
        same_team = bool(actor.department) and actor.department == followup.get("team")
        return same_team and (not followup.get("assignee") or actor.has("approver"))

    def _close(self, actor: User, followup: dict, contact: dict) -> None:
        changes = {"status": DONE, "done_at": contact["created_at"], "done_on": contact["date"],
                   "done_by": actor.username, "contact_id": str(contact["_id"]),
                   "on_time": contact["date"] <= followup["due"]}
        self.repo.set_followups({"_id": followup["_id"]}, changes)
        self.audit.record(actor.username, "followup.done", f"file:{followup['file_id']}",
                          {"followup": followup["_id"], "on_time": changes["on_time"]})

    def _raise(self, actor: User, file_doc: dict, contact: dict, complaint: dict) -> object:
        complaint_id = new_id()
        self.repo.add_complaint({"_id": complaint_id, "file_id": str(file_doc["_id"]),
                                 "contact_id": str(contact["_id"]), **complaint, "raised": contact["date"],
                                 "month": contact["date"][:7], "status": OPEN, "recorded_by": actor.username,
                                 "created_at": contact["created_at"], **file_snapshot(file_doc)})
        self.audit.record(actor.username, "complaint.raised", f"file:{file_doc['_id']}",
                          {"complaint": str(complaint_id), "category": complaint["category"],
                           "department": complaint["department"], "promised": complaint["promised"]})
        return complaint_id

    # -- reading ----------------------------------------------------------------------------
    def contacts_of(self, actor: User, file_id: str, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """A file's contact records, newest first, for those who may see the file (audited)."""
        file_doc = self.files.load(actor, file_id, "file.view")
        result = self.repo.find_contacts({"file_id": str(file_doc["_id"])}, (page - 1) * per_page, per_page)
        self.audit.record(actor.username, "contact.listed", f"file:{file_doc['_id']}")
        return result

    def file_section(self, actor: User, file_doc: dict) -> dict:
        """What the follow-ups section of a file page shows (the page has checked the file's visibility)."""
        file_id = str(file_doc["_id"])
        _, contacts = self.repo.find_contacts({"file_id": file_id}, limit=50)
        _, complaints = self.repo.find_complaints({"file_id": file_id, "status": OPEN})
        _, due = self.repo.find_followups({"file_id": file_id, "status": OPEN})
        return {"contacts": contacts, "complaints": complaints, "followups": due, "today": self.today().isoformat(),
                "can_record": access.can(actor, "contact.record", target_of(file_doc))
                and file_doc.get("status") == "active"}

    def due(self, actor: User, filters: dict, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Follow-ups by bucket (today/overdue/upcoming/open/done) as of a day (upcoming: up to `until`, a
        day, if given): one's own by default; a team's or anyone's for managers (approver: their
        department; executive/admin: all)."""
        access.require(actor, "file.view")
        as_of = day_number(self.parse_as_of(filters.get("as_of")).isoformat())
        bucket = filters.get("bucket") or "open"
        if bucket not in BUCKETS:
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="bucket", values=", ".join(BUCKETS)),
                            {"bucket": "/".join(BUCKETS)})
        where = {"status": {DONE if bucket == DONE else OPEN}}
        if filters.get("file_id"):
            where["file_id"] = {str(filters["file_id"])}
        until = day_number(self.parse_as_of(filters["until"]).isoformat()) if filters.get("until") else None
        ranges = {"today": {"due": (as_of, as_of)}, "overdue": {"due": (None, as_of - 1)},
                  "upcoming": {"due": (as_of + 1, until)}}.get(bucket, {})
        alternatives = both(self._scope(actor, filters), access.visibility_alternatives(actor, "file_department"))
        selection = Selection(where=where, any_of=alternatives, ranges=ranges,
                              sort="done_at" if bucket == DONE else "due", descending=bucket == DONE,
                              offset=(page - 1) * per_page, limit=per_page)
        found = self.listings.select(FOLLOWUP_LISTING.name, selection)
        return found.total, self.repo.followups_by_ids(found.ids)

    def due_count(self, actor: User) -> int:
        """The person's open follow-ups due today or overdue (my follow-ups' first two buckets together),
        counted in the listing index."""
        if not access.can(actor, "contact.record"):
            return 0
        selection = Selection(where={"status": {OPEN}}, ranges={"due": (None, day_number(self.today().isoformat()))},
                              any_of=both(mine(actor), access.visibility_alternatives(actor, "file_department")))
        return self.listings.total(FOLLOWUP_LISTING.name, selection)

    def _scope(self, actor: User, filters: dict) -> tuple[dict, ...] | None:
        assignee, team = filters.get("assignee") or "", filters.get("team") or ""
        if not assignee and not team:
            return mine(actor)
        if assignee == actor.username and not team:
            return mine(actor)
        manages_all = actor.has("executive", "admin")
        if not access.can(actor, "followup.team.read") or (not manages_all and team and team != actor.department):
            raise Forbidden(N_("只能查看本部门的回访"))
        scope: dict = {}
        if assignee:
            scope["assignee"] = {assignee}
        if team or not manages_all:
            scope["team"] = {team or actor.department}
        return (scope,) if scope else None


def mine(actor: User) -> tuple[dict, ...]:
    """Follow-ups of the person: their own and their department's pool."""
    options: list[dict] = [{"assignee": {actor.username}}]
    if actor.department:
        options.append({"assignee": {""}, "team": {actor.department}})
    return tuple(options)
