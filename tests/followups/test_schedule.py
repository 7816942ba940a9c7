"""Follow-up schedules: a file made on a given day, key dates from the file's own date fields, rule checks.

The stories run on the `clock` fixture's day; scripts/every-day runs them on every day of a year.
"""
from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from bson import ObjectId

from service import clock as product_clock
from service.errors import Malformed
from service.followups import rules
from tests.support.files import individual
from tests.support.followups import ZONE
from tests.support.followups import today


def _dues(services, file_id: str, status: str = "open") -> dict[str, str]:
    return {d["rule"]: d["due"] for d in services.db["followups"].find({"file_id": file_id, "status": status})}


def _made_on(services, clerk, day: date, **overrides) -> str:
    """A file registered, then dated back to 00:30 Shanghai time of `day` (the previous day in UTC)."""
    doc = services.files.create(clerk, individual(**overrides))
    services.db["followups"].delete_many({"file_id": str(doc["_id"])})
    made = datetime(day.year, day.month, day.day, tzinfo=timezone.utc) - timedelta(hours=7, minutes=30)
    services.db["files"].update_one({"_id": doc["_id"]}, {"$set": {"created_at": made}})
    services.followups.file_changed(str(doc["_id"]))
    return str(doc["_id"])


@pytest.mark.calendar
def test_a_bought_file_made_on_a_given_day_is_due_on_day_3_30_60_and_15_30_60(clock, services, auth):
    clerk = auth.user("clerk", ["staff"], department="销售部")
    made = today() - timedelta(days=10)
    file_id = _made_on(services, clerk, made, classification={"stage": "成交", "project": "JXLT"})
    on = {n: (made + timedelta(days=n)).isoformat() for n in (3, 15, 30, 60)}
    assert _dues(services, file_id) == {"owner:3": on[3], "owner:30": on[30], "owner:60": on[60],
                                        "cs:15": on[15], "cs:30": on[30], "cs:60": on[60]}


@pytest.mark.calendar
def test_an_old_file_changed_today_gets_no_backlog_and_open_ones_never_vanish(clock, services, auth):
    clerk = auth.user("clerk", ["staff"], department="销售部")
    old = _made_on(services, clerk, today() - timedelta(days=400), classification={"stage": "成交"})
    assert _dues(services, old) == {}
    recent = _made_on(services, clerk, today() - timedelta(days=60), classification={"stage": "成交"})
    assert sorted(_dues(services, recent)) == ["cs:30", "cs:60", "owner:30", "owner:60"]  # day 3 and 15: too late
    services.db["files"].update_one({"_id": ObjectId(recent)},
                                    {"$set": {"created_at": clock.now() - timedelta(days=200)}})
    services.followups.file_changed(recent)  # now all long overdue: still open, none cancelled
    assert sorted(_dues(services, recent)) == ["cs:30", "cs:60", "owner:30", "owner:60"]


def _buyer_template(services, auth):
    admin = auth.user("admin", ["admin"], department="信息部")
    services.templates.define(admin, {"key": "buyer", "label": {"zh": "购房客户", "en": "Home buyer"},
                                      "allow_extra": False, "fields": [
        {"key": "phone", "type": "string", "label": {"zh": "电话", "en": "Phone"}},
        {"key": "contract_date", "type": "date", "label": {"zh": "签约日期", "en": "Contract date"}},
        {"key": "handover_date", "type": "date", "label": {"zh": "交房日期", "en": "Handover date"}},
        {"key": "move_in_date", "type": "date", "label": {"zh": "入住日期", "en": "Move-in date"}}]})


@pytest.mark.calendar
def test_key_dates_come_from_the_files_date_fields_and_follow_their_changes(clock, services, auth):
    _buyer_template(services, auth)
    clerk = auth.user("clerk", ["staff"], department="销售部")
    signed, handover = today() - timedelta(days=2), today() + timedelta(days=100)
    doc = services.files.create(clerk, {"template": "buyer", "name": "刘洋", "classification": {"stage": "成交"},
                                        "fields": {"contract_date": signed.isoformat(),
                                                   "handover_date": handover.isoformat()}})
    file_id = str(doc["_id"])
    dues = _dues(services, file_id)
    contract_due = (signed + timedelta(days=7)).isoformat()
    handover_due = rules.add_months(handover, -1).isoformat()
    assert dues[f"contract:{contract_due}"] == contract_due
    assert dues[f"handover:{handover_due}"] == handover_due
    assert not any(r.startswith("move_in") for r in dues)  # no move-in date: nothing scheduled
    moved_in = today() - timedelta(days=1)
    # a month before the new handover must still lie ahead: a month is up to 31 days back (31 March -> 28 February)
    later = today() + timedelta(days=45)
    services.files.patch(clerk, file_id, 1, {"fields": {"move_in_date": moved_in.isoformat(),
                                                         "handover_date": later.isoformat()}})
    dues = _dues(services, file_id)
    assert dues[f"move_in:{rules.add_months(moved_in, 3).isoformat()}"] == rules.add_months(moved_in, 3).isoformat()
    assert f"handover:{rules.add_months(later, -1).isoformat()}" in dues
    assert f"handover:{handover_due}" in _dues(services, file_id, "cancelled")


def test_a_key_date_moved_to_before_the_file_was_made_cancels_its_follow_up_and_schedules_none(services, auth):
    # on 5 December 2026 a handover 30 days ahead (4 January) is due a month before: 4 December, a day too early
    _buyer_template(services, auth)
    clerk = auth.user("clerk", ["staff"], department="销售部")
    with product_clock.frozen(datetime(2026, 12, 5, 10, tzinfo=ZONE)):
        doc = services.files.create(clerk, {"template": "buyer", "name": "刘洋", "classification": {"stage": "成交"},
                                            "fields": {"handover_date": "2027-03-15"}})
        file_id = str(doc["_id"])
        assert "handover:2027-02-15" in _dues(services, file_id)
        services.files.patch(clerk, file_id, 1, {"fields": {"handover_date": "2027-01-04"}})
    assert not any(r.startswith("handover") for r in _dues(services, file_id))
    assert "handover:2027-02-15" in _dues(services, file_id, "cancelled")


@pytest.mark.calendar
def test_a_key_date_already_past_when_the_file_is_made_is_not_scheduled(clock, services, auth):
    _buyer_template(services, auth)
    clerk = auth.user("clerk", ["staff"], department="销售部")
    doc = services.files.create(clerk, {"template": "buyer", "name": "刘洋", "classification": {"stage": "成交"},
                                        "fields": {"contract_date": (today() - timedelta(days=400)).isoformat()}})
    assert not any(r.startswith("contract") for r in _dues(services, str(doc["_id"])))


def test_closing_a_file_cancels_its_open_follow_ups(services, auth):
    clerk = auth.user("clerk", ["staff"], department="销售部")
    doc = services.files.create(clerk, individual(classification={"stage": "意向"}))
    services.files.patch(clerk, str(doc["_id"]), 1, {"status": "closed"})
    assert _dues(services, str(doc["_id"])) == {}
    assert len(_dues(services, str(doc["_id"]), "cancelled")) == 2


def test_month_arithmetic_and_anniversaries():
    assert rules.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert rules.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert rules.add_months(date(2026, 1, 10), -13) == date(2024, 12, 10)
    assert rules.next_anniversary(date(1980, 2, 29), date(2026, 2, 1)) == date(2026, 2, 28)
    assert rules.next_anniversary(date(1980, 1, 5), date(2026, 3, 1)) == date(2027, 1, 5)


@pytest.mark.parametrize("change", [
    {"owner_bought": [3, -1]}, {"cs_bought": "15"}, {"cs_department": ""}, {"remind_days": 61},
    {"key_dates": [{"key": "Contract", "field": "contract_date", "months": 0, "days": 7, "purpose": "x"}]},
    {"key_dates": [{"key": "contract", "field": "a.b.c", "months": 0, "days": 7, "purpose": "x"}]},
    {"key_dates": [{"key": "contract", "field": "contract_date", "months": 0, "days": True, "purpose": "x"}]},
    {"birthday_fields": ["$where"]}, {"bought_stages": []},
])
def test_bad_rules_are_refused(change):
    with pytest.raises(Malformed):
        rules.validate({**rules.defaults(), **change})


def test_the_defaults_are_the_seeds_rules():
    checked = rules.validate(rules.defaults())
    assert (checked["owner_bought"], checked["cs_bought"], checked["owner_not_bought"]) == ([3, 30, 60],
                                                                                            [15, 30, 60], [3, 15])
    assert [(k["field"], k["months"], k["days"]) for k in checked["key_dates"]] == [
        ("contract_date", 0, 7), ("handover_date", -1, 0), ("move_in_date", 3, 0)]
