"""Birthday and anniversary reminders: candidate files come from the search index by the month and day
of their fields' dates, and the answer is the one reading every own file gives."""
from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from service.followups import reminder_days
from service.fulltext import key_days
from tests.support.files import enterprise
from tests.support.followups import today
from tests.support.jobs import drain


def test_the_window_holds_each_month_day_and_29_february_where_it_falls_on_the_28th():
    assert reminder_days(date(2027, 12, 29), 4) == {"1229", "1230", "1231", "0101", "0102"}
    assert "0229" in reminder_days(date(2027, 2, 20), 8) and "0301" not in reminder_days(date(2027, 2, 20), 8)
    assert "0229" not in reminder_days(date(2028, 2, 20), 8)  # a leap year shows the 29th itself
    assert reminder_days(date(2028, 2, 20), 9) >= {"0228", "0229"}
    assert reminder_days(date(2027, 6, 1), 0) == {"0601"}


def test_a_files_key_days_are_the_month_days_of_every_date_among_its_fields():
    fields = {"birth_date": "1980-02-29", "legal_rep": {"birth_date": "1975-11-03"}, "note": "2026-13-01",
              "contacts": [{"since": "2001-07-15"}], "budget": 320, "phone": "2026-01-0"}
    assert sorted(key_days(fields)) == ["0229", "0715", "1103"]


def _birth(day: date, years: int = 40) -> str:
    # a birth date `years` before `day`, on the same month and day (the 28th if the year has no 29th)
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:
        return day.replace(year=day.year - years, day=28).isoformat()


@pytest.mark.calendar
def test_reminders_from_the_index_agree_with_every_own_file_read(team, services):
    as_of, ahead = today(), services.followups.rules()["remind_days"]
    edge, beyond = as_of + timedelta(days=ahead), as_of + timedelta(days=ahead + 1)
    within = team.file("clerk", fields=_fields(birth_date=_birth(edge)))
    team.file("clerk", fields=_fields(birth_date=_birth(beyond)))
    team.file("clerk", fields=_fields(contract_end_date=as_of.isoformat()))  # a date no reminder rule names
    team.file("clerk2", fields=_fields(birth_date=_birth(as_of)))  # someone else's customer
    company = team.file("clerk", template="enterprise", name=enterprise()["name"], fields={
        **enterprise()["fields"], "legal_rep": {"name": "李娜", "title": "董事长", "birth_date": _birth(as_of, 50)}})
    closed = team.file("clerk", fields=_fields(birth_date=_birth(as_of)))
    services.files.patch(team.users["clerk"], closed["id"], closed["version"], {"status": "closed"})

    clerk = team.users["clerk"]
    expected = [(company["archive_no"], "birthday", "legal_rep.birth_date", as_of.isoformat()),
                (within["archive_no"], "birthday", "birth_date", edge.isoformat())]

    def shown(found):
        return sorted((r["archive_no"], r["kind"], r["field"], r["day"]) for r in found)

    written = services.followup_team.reminders(clerk, as_of)  # the files are still marked pending
    drain(services)
    indexed = services.followup_team.reminders(clerk, as_of)  # the index's entries alone
    lists, services.files.lists = services.files.lists, None
    try:
        read = services.followup_team.reminders(clerk, as_of)  # every own file from the database
    finally:
        services.files.lists = lists
    assert shown(written) == shown(indexed) == shown(read) == sorted(expected)
    assert {r["years"] for r in indexed if r["field"] == "birth_date"} == {40}


def _fields(**dates) -> dict:
    from tests.support.files import individual
    return {**individual()["fields"], **dates}
