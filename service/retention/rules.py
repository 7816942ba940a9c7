"""The arithmetic of retention: which policies match a file, when its period starts and ends.

A file's destroy-after date is its trigger date plus the policy's years; it may be destroyed
from the day after. Where several policies match, the longest wins: a permanent one, else one
whose trigger date is not known yet (the file waits), else the latest date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

TRIGGERS = ("created", "closed", "contract_end", "last_activity")
MATCH_KEYS = ("template", "customer_type", "stage", "project", "doc_types")
FAR_FUTURE = datetime(2199, 12, 31, tzinfo=timezone.utc)  # the lock of a file kept for ever
NONE, PENDING, DATED, PERMANENT = "none", "pending", "dated", "permanent"


@dataclass(frozen=True)
class Outcome:
    """A file's retention as computed from the policies."""

    kind: str  # none (no policy), pending (trigger date unknown), dated, permanent
    policy: dict | None = None
    trigger_date: date | None = None
    destroy_after: date | None = None


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    """The local calendar day of a stored UTC time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).date()


def parse_date(value) -> date | None:
    """A YYYY-MM-DD value as a date, or None if it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def matches(policy: dict, file_doc: dict, doc_types: set[str]) -> bool:
    """True if every condition the policy names holds for the file."""
    match = policy.get("match") or {}
    classification = file_doc.get("classification") or {}
    if match.get("template") and match["template"] != file_doc.get("template"):
        return False
    for key in ("customer_type", "stage", "project"):
        if match.get(key) and match[key] != classification.get(key):
            return False
    wanted = match.get("doc_types") or []
    return not wanted or bool(set(wanted) & doc_types)


def trigger_date(trigger: str, file_doc: dict, last_activity: datetime | None, zone: ZoneInfo) -> date | None:
    """The day a policy's period starts for a file, or None while it is not known."""
    if trigger == "created":
        return local_day(file_doc.get("created_at"), zone)
    if trigger == "closed":
        return local_day(file_doc.get("closed_at"), zone) if file_doc.get("status") == "closed" else None
    if trigger == "contract_end":
        return parse_date((file_doc.get("fields") or {}).get("contract_end_date"))
    if trigger == "last_activity":
        return local_day(last_activity, zone)
    return None


def decide(policies: list[dict], file_doc: dict, doc_types: set[str], last_activity: datetime | None,
           zone: ZoneInfo) -> Outcome:
    """The winning policy for a file and the dates it gives."""
    matching = [p for p in policies if matches(p, file_doc, doc_types)]
    if not matching:
        return Outcome(NONE)
    permanent = [p for p in matching if p.get("years") is None]
    if permanent:
        return Outcome(PERMANENT, permanent[0])
    dated = []
    for policy in matching:
        start = trigger_date(policy["trigger"], file_doc, last_activity, zone)
        if start is None:
            return Outcome(PENDING, policy)
        dated.append((add_years(start, policy["years"]), start, policy))
    end, start, policy = max(dated, key=lambda item: (item[0], item[2]["years"]))
    return Outcome(DATED, policy, start, end)


def lock_until(outcome: Outcome, zone: ZoneInfo, now: datetime) -> datetime | None:
    """Until when the store must refuse to delete the file's originals (None: no lock, or it has passed).

    A dated file is locked to the first moment of the day after its destroy-after date (local
    time), the moment it becomes due; a permanent or pending one to a far date.
    """
    if outcome.kind in (PERMANENT, PENDING):
        return FAR_FUTURE
    if outcome.kind != DATED:
        return None
    until = datetime.combine(outcome.destroy_after + timedelta(days=1), time.min, tzinfo=zone)
    until = until.astimezone(timezone.utc)
    return until if until > now else None


def is_due(state: dict | None, as_of: date) -> bool:
    """True if a computed retention has run out by a day (the day after its destroy-after date)."""
    return bool(state and state.get("kind") == DATED and state.get("destroy_after")
                and state["destroy_after"] < as_of.isoformat())
