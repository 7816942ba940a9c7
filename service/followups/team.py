"""A manager's view of follow-ups per person, birthday and anniversary reminders, and one-off campaigns."""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import replace
from datetime import date
from datetime import timedelta

from search import Selection
from service import access
from service import clock
from service.accounts import User
from service.errors import Forbidden
from service.errors import Malformed
from service.followups import rules as rules_mod
from service.followups.service import DONE
from service.followups.service import FOLLOWUP_LISTING
from service.followups.service import OPEN
from service.followups.service import FollowupService
from service.followups.service import combine
from service.followups.service import file_snapshot
from service.listings import day_number
from service.messages import N_
from storage import new_id
from storage.files import oid

CAMPAIGN_FILTERS = ("name", "customer_type", "stage", "project", "status", "owner")
MAX_CAMPAIGN_FILES = 2000


def reminder_days(as_of: date, remind_days: int) -> frozenset[str]:
    """The month-days (MMDD) of the days from `as_of` to `remind_days` later; 29 February too when the
    28th of a year without it is among them (next_anniversary puts that anchor there)."""
    days = set()
    for offset in range(remind_days + 1):
        day = as_of + timedelta(days=offset)
        days.add(day.strftime("%m%d"))
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            days.add("0229")
    return frozenset(days)


class FollowupTeam:
    """What managers and the header's reminders need beyond one person's list."""

    def __init__(self, followups: FollowupService):
        self.followups = followups
        self.repo = followups.repo

    def team_view(self, actor: User, department: str, start: date, end: date) -> dict:
        """Per person of a department: follow-ups due in the window, done, done on time, overdue, completion
        rate. An approver sees their own department; the executive and admins any."""
        access.require(actor, "followup.team.read")
        if not actor.has("executive", "admin"):
            if department and department != actor.department:
                raise Forbidden(N_("只能查看本部门的回访"))
            department = actor.department
        if start > end:
            raise Malformed(N_("开始时间晚于结束时间"), {"from": N_("开始日期晚于结束日期")})
        counted = self._counts(actor, department, start, end)
        people: dict[str, dict] = defaultdict(lambda: {"total": 0, "done": 0, "on_time": 0, "overdue": 0})
        for key, by_person in counted.items():
            for person, n in by_person.items():
                people[person][key] = n
        rows = [{"assignee": name, **row, "rate": round(row["done"] / row["total"], 4) if row["total"] else None}
                for name, row in sorted(people.items())]
        total = {key: sum(r[key] for r in rows) for key in ("total", "done", "on_time", "overdue")}
        total["rate"] = round(total["done"] / total["total"], 4) if total["total"] else None
        return {"department": department, "from": start.isoformat(), "to": end.isoformat(), "rows": rows,
                "total": total}

    def _counts(self, actor: User, department: str, start: date, end: date) -> dict[str, dict[str, int]]:
        """Per person: follow-ups due in the window (not cancelled), done, done on time, overdue today."""
        today = day_number(self.followups.today().isoformat())
        window = (day_number(start.isoformat()), day_number(end.isoformat()))
        base = Selection(where={"team": {department}, "status": {OPEN, DONE}},
                         any_of=access.visibility_alternatives(actor, "file_department"), ranges={"due": window})
        narrower = {"done": {"where": {**base.where, "status": {DONE}}},
                    "on_time": {"where": {**base.where, "on_time": {"1"}}},
                    "overdue": {"where": {**base.where, "status": {OPEN}},
                                "ranges": {"due": (window[0], min(window[1], today - 1))}}}
        listings, kind = self.followups.listings, FOLLOWUP_LISTING.name
        counted = {"total": listings.counts(kind, "person", base)}
        for key, change in narrower.items():
            counted[key] = listings.counts(kind, "person", replace(base, **change))
        return counted

    def reminders(self, actor: User, as_of: date) -> list[dict]:
        """Birthdays and anniversaries (from the rules' field lists) of the person's own files, coming within
        the rules' remind_days."""
        rules = self.followups.rules()
        found = []
        for doc in self._own_files_with_days(actor, reminder_days(as_of, rules["remind_days"])):
            for kind, paths in (("birthday", rules["birthday_fields"]), ("anniversary", rules["anniversary_fields"])):
                for path in paths:
                    anchor = rules_mod.parse_day(rules_mod.field_value(doc.get("fields") or {}, path))
                    if anchor is None:
                        continue
                    day = rules_mod.next_anniversary(anchor, as_of)
                    if day <= as_of + timedelta(days=rules["remind_days"]):
                        found.append({"file_id": str(doc["_id"]), "archive_no": doc["archive_no"],
                                      "name": doc["name"], "kind": kind, "field": path, "day": day.isoformat(),
                                      "years": day.year - anchor.year})
        return sorted(found, key=lambda r: (r["day"], r["archive_no"]))

    def _own_files_with_days(self, actor: User, days: frozenset[str]) -> list[dict]:
        # the search index's file entries know the month and day of every date in the fields: only
        # the person's files with one in the window are read (a superset: any field, any year)
        files = self.followups.files
        ids = files.lists.on_key_days(actor, actor.username, days) if files.lists is not None else None
        if ids is None:  # the index cannot answer: every own file, as the database finds them
            query = combine({"owner": actor.username, "status": "active"}, access.visibility_query(actor))
            return list(files.repo.find(query, limit=0))
        docs = files.repo.batch([key for key in map(oid, ids) if key is not None])
        return [doc for doc in docs if doc.get("owner") == actor.username and doc.get("status") == "active"
                and access.can_see(actor, access.FileTarget(security=doc.get("security") or access.NORMAL,
                                                            department=doc.get("department") or ""))]

    def create_campaign(self, actor: User, filters: dict, purpose, deadline_raw) -> dict:
        """A one-off campaign: every file the filter finds (that the manager may see) gets a follow-up for its
        owner, due on the deadline."""
        access.require(actor, "followup.campaign")
        problems = {}
        if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > 100:
            problems["purpose"] = N_("请填写 1-100 个字符的回访目的")
        deadline = rules_mod.parse_day(deadline_raw)
        if deadline is None or deadline < self.followups.today():
            problems["deadline"] = N_("截止日期应为今天或以后的 YYYY-MM-DD")
        chosen = {k: v.strip() for k, v in (filters or {}).items()
                  if k in CAMPAIGN_FILTERS and isinstance(v, str) and v.strip()}
        if not chosen:
            problems["filters"] = N_("至少填写一个筛选条件")
        if problems:
            raise Malformed(N_("回访活动无效"), problems)
        files = self._chosen_files(actor, chosen)
        if not files:
            raise Malformed(N_("没有符合条件的档案"), {"filters": N_("没有符合条件的档案")})
        campaign_id = str(new_id())
        doc = {"_id": campaign_id, "purpose": purpose.strip(), "deadline": deadline.isoformat(), "filters": chosen,
               "files": len(files), "created_by": actor.username, "created_at": clock.now()}
        self.repo.add_campaign(doc)
        for file_doc in files:
            self.repo.add_followup({
                "_id": f"{file_doc['_id']}:campaign:{campaign_id}", "file_id": str(file_doc["_id"]),
                "kind": rules_mod.CAMPAIGN, "rule": f"campaign:{campaign_id}", "purpose": purpose.strip(),
                "due": deadline.isoformat(), "assignee": file_doc.get("owner", ""),
                "team": self.followups._department_of(file_doc.get("owner", "")), "status": OPEN,
                "campaign_id": campaign_id, "created_at": doc["created_at"], **file_snapshot(file_doc)})
        self.followups.audit.record(actor.username, "followup.campaign_created", f"campaign:{campaign_id}",
                                    {"purpose": doc["purpose"], "files": len(files), "filters": chosen})
        return doc

    def _chosen_files(self, actor: User, filters: dict) -> list[dict]:
        found, page = [], 1
        while len(found) < MAX_CAMPAIGN_FILES:
            total, docs = self.followups.files.list(actor, filters, page, 200)
            found.extend(d for d in docs if d.get("status") == "active")
            if page * 200 >= total:
                break
            page += 1
        return found[:MAX_CAMPAIGN_FILES]

    def campaigns(self, actor: User, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Campaigns, newest first, with how many of their follow-ups are done."""
        access.require(actor, "followup.campaign")
        total, docs = self.repo.find_campaigns((page - 1) * per_page, per_page)
        for doc in docs:
            doc["done"], _ = self.repo.find_followups({"campaign_id": doc["_id"], "status": "done"}, limit=1)
        return total, docs
