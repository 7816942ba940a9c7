"""Follow-up (回访) schedule rules: the seeds' defaults, their validation, and the due dates they give a file.

The seeds (001: 顾客档案表的回访原则; 002: 回访计划制定) ask for:
- bought (stage 成交): the owner within 3, 30 and 60 days of the file being made; customer service at 15, 30, 60;
- not bought: the owner within 3 and 15 days;
- key dates of a purchase: 1 week after the contract, 1 month before handover, 3 months after moving in.
A key date is read from the file's own date field (named in the rule); a file without it gets no such follow-up.
"""
from __future__ import annotations

import calendar
import copy
import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from service.errors import Malformed
from service.messages import N_

OWNER, CS, KEY, CAMPAIGN = "owner", "cs", "key", "campaign"
KINDS = (OWNER, CS, KEY, CAMPAIGN)
MAX_DAY = 3650
# A follow-up already this many days overdue when it would be scheduled is not scheduled: an old file
# changed today (or every file, after the feature is deployed) gets no backlog of long-missed visits.
STALE_DAYS = 30
FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}(\.[A-Za-z_][A-Za-z0-9_]{0,40})?$")

DEFAULT_RULES: dict = {
    "bought_stages": ["成交"],
    "owner_bought": [3, 30, 60],
    "cs_bought": [15, 30, 60],
    "owner_not_bought": [3, 15],
    "cs_not_bought": [],
    "cs_department": "客服部",
    "key_dates": [
        {"key": "contract", "field": "contract_date", "months": 0, "days": 7, "purpose": "签约后一周回访"},
        {"key": "handover", "field": "handover_date", "months": -1, "days": 0, "purpose": "交房前一个月回访"},
        {"key": "move_in", "field": "move_in_date", "months": 3, "days": 0, "purpose": "入住后三个月回访"},
    ],
    "birthday_fields": ["birth_date", "legal_rep.birth_date"],
    "anniversary_fields": ["founded_date", "established_date"],
    "remind_days": 7,
}
DAY_LISTS = ("owner_bought", "cs_bought", "owner_not_bought", "cs_not_bought")


def defaults() -> dict:
    """A fresh copy of the seeds' rules."""
    return copy.deepcopy(DEFAULT_RULES)


def _day_list(value, name: str, problems: dict) -> list[int]:
    if not isinstance(value, list) or len(value) > 12 or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DAY for d in value):
        problems[name] = N_("应为 0-%(n)s 之间的天数列表", n=MAX_DAY)
        return []
    return sorted(set(value))


def _key_date(rule, index: int, problems: dict) -> dict | None:
    here = f"key_dates.{index}"
    if not isinstance(rule, dict):
        problems[here] = N_("应为对象")
        return None
    key, field = rule.get("key"), rule.get("field")
    months, days = rule.get("months", 0), rule.get("days", 0)
    purpose = rule.get("purpose", "")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z_]{1,20}", key) or key in KINDS:
        problems[f"{here}.key"] = N_("小写字母和下划线，至多 20 个")
    if not isinstance(field, str) or not FIELD_PATH.match(field):
        problems[f"{here}.field"] = N_("应为档案字段名")
    for name, value, limit in (("months", months, 120), ("days", days, MAX_DAY)):
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > limit:
            problems[f"{here}.{name}"] = f"应为 -{limit} 到 {limit} 的整数 (a whole number within ±{limit})"
    if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > 100:
        problems[f"{here}.purpose"] = N_("请填写 1-100 个字符")
    return {"key": key, "field": field, "months": months, "days": days,
            "purpose": purpose.strip() if isinstance(purpose, str) else purpose}


def validate(raw) -> dict:
    """The rules as stored, or Malformed naming each bad part (nothing is stored then)."""
    if not isinstance(raw, dict):
        raise Malformed(N_("规则应为 JSON 对象"))
    problems: dict = {}
    rules = {name: _day_list(raw.get(name, DEFAULT_RULES[name]), name, problems) for name in DAY_LISTS}
    stages = raw.get("bought_stages", DEFAULT_RULES["bought_stages"])
    if not isinstance(stages, list) or not stages or not all(isinstance(s, str) and s for s in stages):
        problems["bought_stages"] = N_("至少一个阶段")
    cs_department = raw.get("cs_department", DEFAULT_RULES["cs_department"])
    if not isinstance(cs_department, str) or not cs_department.strip() or len(cs_department) > 60:
        problems["cs_department"] = N_("请填写 1-60 个字符的部门")
    key_dates = raw.get("key_dates", DEFAULT_RULES["key_dates"])
    if not isinstance(key_dates, list) or len(key_dates) > 10:
        problems["key_dates"] = N_("至多 10 条")
        key_dates = []
    checked = [_key_date(rule, i, problems) for i, rule in enumerate(key_dates)]
    if len({r["key"] for r in checked if r}) != len([r for r in checked if r]):
        problems["key_dates"] = N_("关键节点名称重复")
    for name in ("birthday_fields", "anniversary_fields"):
        value = raw.get(name, DEFAULT_RULES[name])
        if not isinstance(value, list) or len(value) > 10 or not all(
                isinstance(v, str) and FIELD_PATH.match(v) for v in value):
            problems[name] = N_("应为字段名列表")
    remind = raw.get("remind_days", DEFAULT_RULES["remind_days"])
    if not isinstance(remind, int) or isinstance(remind, bool) or not 0 <= remind <= 60:
        problems["remind_days"] = N_("应为 0-60")
    if problems:
        raise Malformed(N_("回访规则无效"), problems)
    rules.update(bought_stages=stages, cs_department=cs_department.strip(), key_dates=checked,
                 birthday_fields=raw.get("birthday_fields", DEFAULT_RULES["birthday_fields"]),
                 anniversary_fields=raw.get("anniversary_fields", DEFAULT_RULES["anniversary_fields"]),
                 remind_days=remind)
    return rules


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def field_value(fields: dict, path: str):
    """A (possibly nested, one dot) field of a file, or None."""
    value = fields
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def parse_day(value) -> date | None:
    """A YYYY-MM-DD text as a date, or None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of a stored UTC time in the configured zone."""
    return moment.astimezone(zone).date()


def stale(occurrence: dict, today: date) -> bool:
    """True if the occurrence is too long overdue to be scheduled now (see STALE_DAYS)."""
    return occurrence["due"] < today - timedelta(days=STALE_DAYS)


def bought(file_doc: dict, rules: dict) -> bool:
    """True if the file's stage counts as a purchase."""
    return (file_doc.get("classification") or {}).get("stage") in rules["bought_stages"]


def occurrences(file_doc: dict, rules: dict, zone: ZoneInfo) -> list[dict]:
    """The follow-ups the rules give a file: {rule, kind, due (date), purpose, day}; key dates before the
    file was made are left out (they would be overdue at birth)."""
    made = local_day(file_doc["created_at"], zone)
    is_bought = bought(file_doc, rules)
    found = []
    for kind, days in ((OWNER, rules["owner_bought" if is_bought else "owner_not_bought"]),
                       (CS, rules["cs_bought" if is_bought else "cs_not_bought"])):
        for day in days:
            found.append({"rule": f"{kind}:{day}", "kind": kind, "due": made + timedelta(days=day), "day": day,
                          "purpose": _schedule_purpose(kind, day, is_bought)})
    fields = file_doc.get("fields") or {}
    for key_rule in rules["key_dates"]:
        anchor = parse_day(field_value(fields, key_rule["field"]))
        if anchor is None:
            continue
        due = add_months(anchor, key_rule["months"]) + timedelta(days=key_rule["days"])
        if due >= made:
            found.append({"rule": f"{key_rule['key']}:{due.isoformat()}", "kind": KEY, "due": due, "day": None,
                          "purpose": key_rule["purpose"]})
    return found


def _schedule_purpose(kind: str, day: int, is_bought: bool) -> str:
    # kept as the Chinese text; pages show it in the reader's language (service.web.i18n.stored)
    if kind == CS:
        return N_("客服回访（建档后 %(day)s 日内）", day=day)
    if is_bought:
        return N_("成交客户回访（建档后 %(day)s 日内）", day=day)
    return N_("未成交客户回访（建档后 %(day)s 日内）", day=day)


def next_anniversary(anchor: date, today: date) -> date:
    """The next day (today included) with the anchor's month and day; 29 February falls on the 28th."""
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, anchor.month)[1]
        candidate = date(year, anchor.month, min(anchor.day, last))
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")
