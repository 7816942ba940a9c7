"""Periodic verification through the API: cycle rules, one task per file per period, confirm, change, overdue."""
from __future__ import annotations

import threading
from datetime import date

import pytest

from service.intake import period_of
from tests.support.files import individual


class People:
    """An owner (staff), a colleague, an archivist, an admin, with API headers."""

    def __init__(self, client, auth, services):
        self.client, self.services = client, services
        self.owner = auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
        auth.user("clerk2", ["staff"], department="工程部")
        auth.user("keeper", ["archivist"], department="档案室")
        auth.user("root1", ["admin"], department="信息部")
        self.h = {n: auth.token(n) for n in ("clerk", "clerk2", "keeper", "root1")}

    def file(self, stage: str, **overrides) -> dict:
        """A file of the clerk's in a stage."""
        body = individual(department="销售部", classification={"stage": stage, "project": "JXLT"}, **overrides)
        return self.services.files.create(self.owner, body)

    def call(self, who: str, method: str, path: str, body=None):
        """An API call as someone."""
        return self.client.open(f"/api/v1{path}", method=method, headers=self.h[who], json=body)

    def rule(self, stage: str, cycle: str):
        """Set a rule as the admin."""
        response = self.call("root1", "PUT", "/verification/rules", {"stage": stage, "cycle": cycle})
        assert response.status_code == 200, response.get_json()


@pytest.fixture
def people(clock, client, auth, services):
    """The people of the verification stories, on the `clock` fixture's day."""
    return People(client, auth, services)


def test_periods_and_due_dates():
    assert period_of("monthly", date(2026, 2, 10)) == ("2026-02", "2026-02-28")
    assert period_of("quarterly", date(2026, 11, 26)) == ("2026-Q4", "2026-12-31")
    assert period_of("yearly", date(2026, 3, 1)) == ("2026", "2026-12-31")


def test_a_due_task_is_confirmed_or_changes_edit_the_file_and_unhandled_ones_fall_overdue(people, services):
    people.rule("成交", "monthly")
    people.rule("*", "yearly")
    deal = people.file("成交")
    other = people.file("意向", name="李雷")
    tasks = people.call("clerk", "GET", "/verification/tasks?as_of=2026-11-10").get_json()
    by_file = {t["file_id"]: t for t in tasks["items"]}
    assert by_file[str(deal["_id"])]["period"] == "2026-11" and by_file[str(deal["_id"])]["due_date"] == "2026-11-30"
    assert by_file[str(other["_id"])]["period"] == "2026" and by_file[str(other["_id"])]["cycle"] == "yearly"
    assert people.call("clerk", "GET", "/verification/tasks?as_of=2026-11-12").get_json()["total"] == 2  # idempotent
    assert services.verification.generate(date(2026, 11, 15)) == 0

    deal_task = by_file[str(deal["_id"])]["id"]
    confirmed = people.call("clerk", "POST", f"/verification/tasks/{deal_task}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert people.call("clerk", "POST", f"/verification/tasks/{deal_task}/confirm").status_code == 409

    other_task = by_file[str(other["_id"])]["id"]
    stale = people.call("clerk", "POST", f"/verification/tasks/{other_task}/changes",
                        {"version": 7, "changes": {"fields": {"phone": "13900001111"}}})
    assert stale.status_code == 412
    changed = people.call("clerk", "POST", f"/verification/tasks/{other_task}/changes",
                          {"version": 1, "changes": {"fields": {"phone": "13900001111"}}})
    assert changed.status_code == 200 and changed.get_json()["file_version"] == 2
    stored = services.files.repo.by_id(str(other["_id"]))
    assert stored["version"] == 2 and stored["fields"]["phone"] == "13900001111"
    _total, entries = services.audit.search(target=f"file:{other['_id']}", page=1, per_page=20)
    assert {"file.updated", "verification.changed"} <= {e["action"] for e in entries}

    assert services.verification.overdue_count(date(2026, 11, 30)) == 0
    third = people.file("成交", name="韩梅梅")
    services.verification.generate(date(2026, 11, 20))
    assert services.verification.overdue_count(date(2026, 11, 30)) == 0  # due on the last day
    assert services.verification.overdue_count(date(2026, 12, 1)) == 1  # overdue the day after
    listed = people.call("keeper", "GET", "/verification/overdue?as_of=2026-12-01").get_json()
    assert [t["file_id"] for t in listed["items"]] == [str(third["_id"])]
    december = people.call("clerk", "GET", "/verification/tasks?as_of=2026-12-01").get_json()
    assert {t["period"] for t in december["items"]} == {"2026-11", "2026-12"}


def test_closing_a_task_twice_at_once_is_one_200_and_one_409(app, people):
    people.rule("成交", "monthly")
    people.file("成交")
    task = people.call("clerk", "GET", "/verification/tasks?as_of=2026-11-10").get_json()["items"][0]["id"]
    codes, barrier = [], threading.Barrier(2)

    def confirm():
        own = app.test_client()
        barrier.wait()
        codes.append(own.post(f"/api/v1/verification/tasks/{task}/confirm", headers=people.h["clerk"]).status_code)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(codes) == [200, 409]


def test_bad_cycles_roles_and_tasks(people, services):
    for body in ({"stage": "成交", "cycle": "weekly"}, {"stage": "谈判", "cycle": "monthly"}, {"stage": "成交"},
                 {"stage": 3, "cycle": []}):
        assert people.call("root1", "PUT", "/verification/rules", body).status_code == 400
    assert people.call("root1", "PUT", "/verification/rules", [1]).status_code == 400
    assert people.call("keeper", "PUT", "/verification/rules", {"stage": "成交", "cycle": "monthly"}).status_code == 403
    assert people.call("clerk", "GET", "/verification/rules").status_code == 403
    assert services.verification.rules() == []
    people.rule("成交", "monthly")
    assert people.call("root1", "GET", "/verification/rules").get_json()["items"][0]["cycle"] == "monthly"
    people.file("成交")
    task = people.call("clerk", "GET", "/verification/tasks?as_of=2026-11-10").get_json()["items"][0]["id"]
    assert people.call("clerk2", "POST", f"/verification/tasks/{task}/confirm").status_code == 404
    assert people.call("root1", "POST", f"/verification/tasks/{task}/confirm").status_code == 403
    assert people.call("clerk", "POST", "/verification/tasks/nope/confirm").status_code == 404
    assert people.call("clerk", "POST", f"/verification/tasks/{task}/changes",
                       {"version": 1, "changes": {"security": "sealed"}}).status_code == 400
    assert people.call("clerk", "POST", f"/verification/tasks/{task}/changes",
                       {"version": 1, "changes": {"fields": {"phone": "12"}}}).status_code == 422
    assert people.call("clerk", "GET", "/verification/tasks?as_of=2026-99-01").status_code == 400
    assert people.call("clerk", "GET", "/verification/tasks?status=bogus").status_code == 400
    assert people.call("clerk", "GET", "/verification/overdue").status_code == 403
    assert services.verification.repo.task(task)["status"] == "open"  # refused changes left it open
    assert people.call("root1", "DELETE", "/verification/rules/成交").status_code == 204
    assert people.call("root1", "DELETE", "/verification/rules/成交").status_code == 404


@pytest.mark.calendar
def test_upkeep_makes_the_tasks(people, services):
    from service.worker import upkeep
    from service.worker.context import JobContext
    people.rule("*", "quarterly")
    people.file("意向")
    upkeep.verification(JobContext(services, None), {"as_of": "2026-11-26"})
    assert services.verification.repo.count({"period": "2026-Q4"}) == 1
    upkeep.sweep(JobContext(services, None), {})  # the periodic sweep makes the current period's tasks too
    current, _due = period_of("quarterly", services.verification.today())
    assert services.verification.repo.count({"period": current}) == 1


def test_batch_insert_skips_tasks_that_exist(services):
    repo = services.verification.repo
    assert repo.insert_tasks([{"_id": "a:2026-11", "period": "2026-11"}]) == 1
    assert repo.insert_tasks([{"_id": "a:2026-11", "period": "2026-11"}, {"_id": "b:2026-11", "period": "2026-11"},
                              {"_id": "c:2026-11", "period": "2026-11"}]) == 2
    assert repo.task_ids(["2026-11"]) == {"a:2026-11", "b:2026-11", "c:2026-11"}


def test_two_generations_at_once_make_one_task_per_file(people, services):
    people.rule("*", "monthly")
    for n in range(5):
        people.file("意向", name=f"客户{n}")
    results = []
    threads = [threading.Thread(target=lambda: results.append(services.verification.generate(date(2026, 11, 5))))
               for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(results) == 5 and services.verification.repo.count({}) == 5
