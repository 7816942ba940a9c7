"""Checking a contact record (回访记录) and the complaint raised in it; pure functions, no storage."""
from __future__ import annotations

from datetime import date

from service.errors import Malformed
from service.followups.rules import parse_day
from service.messages import N_

CHANNELS = ("phone", "sms", "visit", "wechat", "office")
CATEGORIES = ("quality", "attitude", "policy", "repair", "other")
TEXT_LIMITS = {"person": 60, "purpose": 200, "content": 2000, "feedback": 2000, "next_step": 500}
REQUIRED = ("person", "purpose", "content")


def _text(body: dict, name: str, problems: dict) -> str:
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > TEXT_LIMITS.get(name, 1000):
        problems[name] = N_("应为至多 %(n)s 个字符的文本", n=TEXT_LIMITS.get(name, 1000))
        return ""
    if name in REQUIRED and not value.strip():
        problems[name] = N_("必填")
    return value.strip()


def satisfaction(value, problems: dict) -> int | None:
    """A satisfaction score 1-10 (or None when not asked); a problem otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
        problems["satisfaction"] = N_("满意度应为 1-10 的整数")
        return None
    return value


def _day(value, name: str, problems: dict, default: date | None = None) -> date | None:
    if value in (None, "") and default is not None:
        return default
    day = parse_day(value)
    if day is None:
        problems[name] = N_("日期格式应为 YYYY-MM-DD")
    return day


def contact_fields(body, today: date) -> dict:
    """The checked parts of a contact record; Malformed naming every bad field (nothing is stored then)."""
    if not isinstance(body, dict):
        raise Malformed(N_("请求体应为 JSON 对象"))
    problems: dict = {}
    fields = {name: _text(body, name, problems) for name in TEXT_LIMITS}
    fields["channel"] = body.get("channel")
    if fields["channel"] not in CHANNELS:
        problems["channel"] = N_("应为 %(values)s 之一", values="/".join(CHANNELS))
    fields["satisfaction"] = satisfaction(body.get("satisfaction"), problems)
    day = _day(body.get("date"), "date", problems, default=today)
    if day is not None and day > today:
        problems["date"] = N_("不能晚于今天")
    fields["date"] = day.isoformat() if day else None
    followup_id = body.get("followup_id")
    if followup_id not in (None, "") and (not isinstance(followup_id, str) or len(followup_id) > 200):
        problems["followup_id"] = N_("无效")
    fields["followup_id"] = followup_id or None
    complaint = body.get("complaint")
    fields["complaint"] = None
    if complaint not in (None, {}, ""):
        fields["complaint"] = complaint_fields(complaint, day or today, problems)
    if problems:
        raise Malformed(N_("回访记录无效"), problems)
    return fields


def complaint_fields(raw, raised: date, problems: dict) -> dict | None:
    """The checked parts of a complaint; problems are added under `complaint.*`."""
    if not isinstance(raw, dict):
        problems["complaint"] = N_("应为对象")
        return None
    category = raw.get("category")
    if category not in CATEGORIES:
        problems["complaint.category"] = N_("应为 %(values)s 之一", values="/".join(CATEGORIES))
    description, department = raw.get("description"), raw.get("department")
    if not isinstance(description, str) or not description.strip() or len(description) > 1000:
        problems["complaint.description"] = N_("请填写 1-1000 个字符")
    if not isinstance(department, str) or not department.strip() or len(department) > 60:
        problems["complaint.department"] = N_("请填写责任部门")
    promised = parse_day(raw.get("promised_date"))
    if promised is None:
        problems["complaint.promised_date"] = N_("承诺解决日期应为 YYYY-MM-DD")
    elif promised < raised:
        problems["complaint.promised_date"] = N_("不能早于回访日期")
    if any(k.startswith("complaint.") for k in problems):
        return None
    return {"category": category, "description": description.strip(), "department": department.strip(),
            "promised": promised.isoformat()}
