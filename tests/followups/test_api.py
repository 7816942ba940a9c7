"""Follow-ups (回访) through the API: schedules, recording, owner moves, complaints, visibility, bad input."""
from __future__ import annotations

import threading

import pytest

from tests.support.followups import contact
from tests.support.followups import in_days
from tests.support.followups import today


def _by_rule(items: list[dict]) -> dict[str, dict]:
    return {f["rule"]: f for f in items}


@pytest.mark.calendar
def test_a_bought_customers_file_gets_the_seeds_schedule(team):
    f = team.file("clerk", stage="成交")
    mine = _by_rule(team.followups("clerk", file_id=f["id"]))
    assert {r: d["due"] for r, d in mine.items()} == {"owner:3": in_days(3), "owner:30": in_days(30),
                                                     "owner:60": in_days(60)}
    assert all(d["assignee"] == "clerk" and d["team"] == "销售部" and d["status"] == "open" for d in mine.values())
    cs = _by_rule(team.followups("cs1", file_id=f["id"]))
    assert {r: d["due"] for r, d in cs.items()} == {"cs:15": in_days(15), "cs:30": in_days(30), "cs:60": in_days(60)}
    assert all(d["assignee"] == "" and d["team"] == "客服部" for d in cs.values())
    assert team.followups("clerk", file_id=f["id"], bucket="upcoming", as_of=in_days(2)) != []
    assert [d["rule"] for d in team.followups("clerk", bucket="today", as_of=in_days(3))] == ["owner:3"]
    assert [d["rule"] for d in team.followups("clerk", bucket="overdue", as_of=in_days(31))] == ["owner:3", "owner:30"]


def test_a_file_not_bought_gets_day_3_and_15_and_buying_later_adds_the_rest(team):
    f = team.file("clerk", stage="意向")
    assert sorted(_by_rule(team.followups("clerk", file_id=f["id"]))) == ["owner:15", "owner:3"]
    assert team.followups("cs1", file_id=f["id"]) == []
    response = team.client.patch(f"/api/v1/files/{f['id']}", headers={**team.h["clerk"], "If-Match": "1"},
                                 json={"classification": {"stage": "成交"}})
    assert response.status_code == 200, response.get_json()
    assert sorted(_by_rule(team.followups("clerk", file_id=f["id"]))) == ["owner:3", "owner:30", "owner:60"]
    assert len(team.followups("cs1", file_id=f["id"])) == 3


def test_generation_is_idempotent(team, services):
    f = team.file("clerk")
    before = services.db["followups"].count_documents({"file_id": f["id"]})
    for _ in range(3):
        services.followups.file_changed(f["id"])
    assert services.db["followups"].count_documents({"file_id": f["id"]}) == before == 6


def test_recording_the_first_closes_it_and_reassigning_moves_the_rest(team, services):
    f = team.file("clerk")
    first = f"{f['id']}:owner:3"
    response = team.record("clerk", f["id"], followup_id=first)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["followup_id"] == first
    done = team.followups("clerk", file_id=f["id"], bucket="done")
    assert [d["id"] for d in done] == [first] and done[0]["on_time"] is True
    moved = team.client.post(f"/api/v1/files/{f['id']}/owner", headers={**team.h["boss"], "If-Match": "1"},
                             json={"owner": "clerk2", "reason": "王芳调岗"})
    assert moved.status_code == 200, moved.get_json()
    assert team.followups("clerk", file_id=f["id"]) == []
    assert sorted(_by_rule(team.followups("clerk2", file_id=f["id"]))) == ["owner:30", "owner:60"]
    assert services.db["followups"].find_one({"_id": first})["assignee"] == "clerk"  # the done one stays
    assert len(team.followups("cs1", file_id=f["id"])) == 3  # customer service's pool does not move
    actions = [e["action"] for e in services.db["audit"].find({"target": {"$in": [f"file:{f['id']}",
                                                                                  f"followups:{f['id']}"]}})]
    assert {"followup.scheduled", "contact.recorded", "followup.done", "followup.reassigned"} <= set(actions)


@pytest.mark.calendar
def test_a_complaint_routed_to_engineering_is_on_its_list_and_late_the_day_after(team):
    f = team.file("clerk")
    promised = in_days(5)
    response = team.record("clerk", f["id"], complaint={"category": "repair", "description": "卫生间漏水",
                                                         "department": "工程部", "promised_date": promised})
    assert response.status_code == 201, response.get_json()
    listed = team.get("eng", "/complaints", department="工程部", status="open", as_of=promised).get_json()
    assert [(c["description"], c["late"]) for c in listed["items"]] == [("卫生间漏水", False)]
    late = team.get("engboss", "/complaints", department="工程部", status="late", as_of=in_days(6)).get_json()
    assert [c["late"] for c in late["items"]] == [True]
    assert team.get("eng", "/complaints", status="late", as_of=promised).get_json()["total"] == 0
    complaint_id = listed["items"][0]["id"]
    assert team.client.post(f"/api/v1/complaints/{complaint_id}/close", headers=team.h["cs1"],
                            json={"resolution": "已修"}).status_code == 403
    closed = team.client.post(f"/api/v1/complaints/{complaint_id}/close", headers=team.h["eng"],
                              json={"resolution": "已更换防水层"})
    assert closed.status_code == 200 and closed.get_json()["on_time"] is True
    again = team.client.post(f"/api/v1/complaints/{complaint_id}/close", headers=team.h["engboss"],
                             json={"resolution": "再关一次"})
    assert again.status_code == 409


@pytest.mark.calendar
def test_the_monthly_report_equals_a_count_of_the_records(team, services):
    a, b = team.file("clerk", project="JXLT"), team.file("clerk", project="YHY")
    month = today().isoformat()[:7]
    first_day = f"{month}-01"
    team.record("clerk", a["id"], satisfaction=8, date=first_day)
    team.record("clerk", a["id"], satisfaction=5, date=first_day,
                complaint={"category": "quality", "description": "墙面开裂", "department": "工程部",
                           "promised_date": today().isoformat()})
    team.record("clerk", b["id"], satisfaction=None, channel="sms", date=first_day,
                complaint={"category": "attitude", "description": "置业顾问态度差", "department": "销售部",
                           "promised_date": in_days(3)})
    complaint = team.get("boss", "/complaints", department="销售部").get_json()["items"][0]
    team.client.post(f"/api/v1/complaints/{complaint['id']}/close", headers=team.h["boss"], json={"resolution": "道歉"})
    report = team.get("boss", "/followups/report", month=month).get_json()
    contacts = list(services.db["contacts"].find({"date": {"$regex": f"^{month}"}}))
    complaints = list(services.db["complaints"].find({"month": month}))
    for row in report["rows"]:
        mine = [c for c in contacts if c["project"] == row["project"]]
        rated = [c["satisfaction"] for c in mine if c.get("satisfaction") is not None]
        theirs = [c for c in complaints if c["project"] == row["project"]]
        assert row["contacts"] == len(mine)
        assert row["avg_satisfaction"] == (round(sum(rated) / len(rated), 2) if rated else None)
        assert row["complaints"] == len(theirs)
        for category, n in row["by_category"].items():
            assert n == sum(1 for c in theirs if c["category"] == category)
        on_time = sum(1 for c in theirs if c["status"] == "closed" and c["closed_on"] <= c["promised"])
        assert row["on_time_share"] == (round(on_time / len(theirs), 4) if theirs else None)
    assert {r["project"]: r["avg_satisfaction"] for r in report["rows"]} == {"JXLT": 6.5, "YHY": None}
    assert report["total"]["complaints"] == 2 and report["total"]["on_time_share"] == 0.5
    assert team.get("clerk", "/followups/report", month=month).status_code == 403
    assert team.get("boss", "/followups/report", month="2026-13").status_code == 400


def test_bad_satisfaction_is_400_and_stores_nothing(team, services):
    f = team.file("clerk")
    for bad in (11, 0, "abc", "7", 7.5, True):
        response = team.record("clerk", f["id"], satisfaction=bad, followup_id=f"{f['id']}:owner:3")
        assert response.status_code == 400, bad
        assert "satisfaction" in response.get_json()["error"]["fields"]
    for body in ({"channel": "fax"}, {"content": ""}, {"date": "2026-02-30"}, {"date": in_days(1)},
                 {"complaint": {"category": "noise", "description": "x", "department": "工程部",
                                "promised_date": in_days(1)}},
                 {"complaint": {"category": "repair", "description": "x", "department": "工程部",
                                "promised_date": in_days(-400)}}):
        assert team.record("clerk", f["id"], **body).status_code == 400, body
    assert services.db["contacts"].count_documents({}) == 0
    assert services.db["complaints"].count_documents({}) == 0
    assert services.db["followups"].count_documents({"status": "done"}) == 0


def test_wrong_role_is_403_and_an_invisible_file_is_404(team):
    f = team.file("clerk")
    assert team.record("auditor", f["id"]).status_code == 403
    assert team.record("admin", f["id"]).status_code == 403
    sealed = team.file("keeper", security="sealed")
    assert team.record("clerk", sealed["id"]).status_code == 404
    assert team.get("clerk", f"/files/{sealed['id']}/contacts").status_code == 404
    assert team.record("keeper", sealed["id"]).status_code == 201
    assert team.get("keeper", f"/files/{sealed['id']}/contacts").get_json()["total"] == 1
    assert team.followups("cs1", file_id=sealed["id"]) == []  # customer service cannot see a sealed file
    assert team.get("boss", "/followups/report").get_json()["total"]["contacts"] == 0
    # someone else's follow-up: 403; a follow-up of another file: 404
    assert team.record("clerk2", f["id"], followup_id=f"{f['id']}:owner:3").status_code == 403
    assert team.record("clerk", f["id"], followup_id=f"{sealed['id']}:owner:3").status_code == 404
    assert team.get("clerk", "/followups", team="客服部").status_code == 403
    assert team.get("clerk", "/followups", as_of="tomorrow").status_code == 400


def test_concurrent_recording_of_one_follow_up_closes_it_once(team, app, services):
    f = team.file("clerk")
    target = f"{f['id']}:cs:15"
    results: list[int] = []
    barrier = threading.Barrier(2)

    def record(who: str):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/files/{f['id']}/contacts", headers=team.h[who],
                               json=contact(followup_id=target))
        results.append(response.status_code)

    threads = [threading.Thread(target=record, args=("cs1",)), threading.Thread(target=record, args=("cs1",))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [201, 409]
    assert services.db["contacts"].count_documents({"followup_id": target}) == 1
    assert services.db["followups"].find_one({"_id": target})["status"] == "done"


def test_rules_are_admin_only_and_checked(team):
    assert team.get("clerk", "/followups/rules").status_code == 403
    rules = team.get("admin", "/followups/rules").get_json()
    assert rules["owner_bought"] == [3, 30, 60] and rules["cs_bought"] == [15, 30, 60]
    bad = team.client.put("/api/v1/followups/rules", headers=team.h["admin"], json={**rules, "owner_bought": [3, "x"]})
    assert bad.status_code == 400 and "owner_bought" in bad.get_json()["error"]["fields"]
    good = team.client.put("/api/v1/followups/rules", headers=team.h["admin"], json={**rules, "owner_bought": [2, 7]})
    assert good.status_code == 200
    f = team.file("clerk")
    assert sorted(_by_rule(team.followups("clerk", file_id=f["id"]))) == ["owner:2", "owner:7"]


def test_merging_a_file_carries_its_contacts_and_complaints_to_the_survivor(team, services):
    merged, survivor = team.file("clerk"), team.file("clerk")
    team.record("clerk", merged["id"], content="合并前的回访", complaint={
        "category": "other", "description": "资料重复", "department": "销售部", "promised_date": in_days(1)})
    services.merging.merge(team.users["keeper"], merged["id"], survivor["id"], "重复建档")
    listed = team.get("clerk", f"/files/{survivor['id']}/contacts").get_json()
    assert [c["content"] for c in listed["items"]] == ["合并前的回访"]
    assert team.get("clerk", "/complaints", file_id=survivor["id"]).get_json()["total"] == 1


def test_a_stage_that_goes_back_and_forth_cancels_and_reopens_the_same_follow_ups(team, services):
    f = team.file("clerk", stage="成交")
    for version, stage in ((1, "意向"), (2, "成交")):
        response = team.client.patch(f"/api/v1/files/{f['id']}", headers={**team.h["clerk"], "If-Match": str(version)},
                                     json={"classification": {"stage": stage}})
        assert response.status_code == 200, response.get_json()
        if stage == "意向":
            assert sorted(_by_rule(team.followups("clerk", file_id=f["id"]))) == ["owner:15", "owner:3"]
            assert team.followups("cs1", file_id=f["id"]) == []
    assert sorted(_by_rule(team.followups("clerk", file_id=f["id"]))) == ["owner:3", "owner:30", "owner:60"]
    assert len(team.followups("cs1", file_id=f["id"])) == 3
    assert services.db["followups"].count_documents({"file_id": f["id"]}) == 7  # owner:15 stays cancelled


def test_managers_list_their_teams_follow_ups_and_no_other(team):
    f = team.file("clerk")
    rows = team.followups("boss", team="销售部", assignee="clerk", file_id=f["id"])
    assert sorted(_by_rule(rows)) == ["owner:3", "owner:30", "owner:60"]
    assert team.get("boss", "/followups", team="客服部").status_code == 403
    assert len(team.followups("gm", team="客服部", file_id=f["id"])) == 3
    assert team.get("clerk2", "/followups", assignee="clerk").status_code == 403
    assert team.get("boss", "/followups", bucket="someday").status_code == 400


def test_a_confidential_files_record_stays_in_its_department(team):
    f = team.file("clerk", security="confidential")
    assert team.record("clerk", f["id"], complaint={"category": "policy", "description": "贷款政策",
                                                    "department": "销售部",
                                                    "promised_date": in_days(2)}).status_code == 201
    assert team.get("clerk2", f"/files/{f['id']}/contacts").get_json()["total"] == 1
    assert team.get("eng", f"/files/{f['id']}/contacts").status_code == 404
    assert team.record("eng", f["id"]).status_code == 404
    assert team.get("eng", "/complaints", department="销售部").get_json()["total"] == 0
    assert team.get("boss", "/complaints", department="销售部").get_json()["total"] == 1
    assert team.followups("cs1", file_id=f["id"]) == []  # customer service is another department
