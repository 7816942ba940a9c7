"""The due list from the search index with read-your-writes: a file whose retention ran out, a hold, a
lifted hold, a changed contract date and a new policy show at once, before any index job runs, and the
list is the same once the worker has indexed them; the dashboard counts what the list shows."""
from __future__ import annotations

from tests.support.jobs import drain


def due_page(office, **params) -> dict:
    response = office.client.get("/api/v1/retention/due", headers=office.h["keeper"], query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def dashboard_due(office) -> int:
    return office.get("keeper", "/dashboard").get_json()["retention"]["due"]


def test_holds_and_changed_dates_reach_the_due_list_at_once(office, services):
    office.policy(years=10, trigger="contract_end")
    old, older = office.file(ended="2000-06-30"), office.file(ended="1999-01-31")
    office.file(ended="2030-01-31")
    assert office.due() == [older["archive_no"], old["archive_no"]] and dashboard_due(office) == 2
    held = office.post("auditor", f"/files/{old['id']}/holds", {"reason": "litigation", "note": "诉讼"})
    assert held.status_code == 201
    assert office.due() == [older["archive_no"]]
    drain(services)
    assert office.due() == [older["archive_no"]] and dashboard_due(office) == 1
    lifted = office.client.delete(f"/api/v1/files/{old['id']}/holds/{held.get_json()['id']}",
                                  headers=office.h["keeper"], json={"reason": "已结案"})
    assert lifted.status_code == 200
    assert office.due() == [older["archive_no"], old["archive_no"]]  # before the index job
    patched = office.client.patch(f"/api/v1/files/{older['id']}", json={"fields": {"contract_end_date": "2021-03-01"}},
                                  headers={**office.h["keeper"], "If-Match": "1",
                                           "Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 200, patched.get_json()
    assert office.due() == [old["archive_no"]] and dashboard_due(office) == 1
    drain(services)
    assert office.due() == [old["archive_no"]] and dashboard_due(office) == 1
    assert services.db["index_pending"].count_documents({}) == 0


def test_a_new_policy_makes_files_due_at_once_without_touching_the_file_list(office, services):
    files = [office.file(ended=f"200{n}-06-30") for n in range(3)]
    drain(services)
    office.policy(years=10, trigger="contract_end")
    assert services.db["index_pending"].count_documents({"reason": "retention"}) == 3
    assert services.db["index_pending"].count_documents({"reason": "file"}) == 0
    want = [f["archive_no"] for f in files]
    assert office.due() == want
    first, second = due_page(office, per_page=2), due_page(office, page=2, per_page=2)
    assert first["total"] == second["total"] == 3
    assert [i["archive_no"] for i in first["items"] + second["items"]] == want
    assert due_page(office, page=3, per_page=2) == {"total": 3, "items": []}
    assert first["items"][0]["destroy_after"] == "2010-06-30" and first["items"][0]["name"] == "张伟"
    drain(services)
    assert office.due() == want and due_page(office, per_page=2) == first


def test_a_destroyed_file_leaves_the_due_list_and_stays_in_the_file_list_as_a_tombstone(office, services):
    office.policy(years=10, trigger="contract_end")
    f = office.file(ended="2000-06-30")
    drain(services)
    batch = office.approved_batch([f["id"]])
    executed = office.post("keeper", f"/destructions/{batch}/execute")
    assert executed.status_code == 200, executed.get_json()
    assert office.due() == []
    listed = office.get("keeper", "/files").get_json()
    assert [(i["id"], i["status"], i["name"]) for i in listed["items"]] == [(f["id"], "destroyed", "")]
    assert office.get("keeper", "/files?name=zhangwei").get_json()["total"] == 0
    found = office.client.get("/api/v1/search", headers=office.h["keeper"], query_string={"q": f["archive_no"]})
    assert found.get_json()["total"] == 0
    drain(services)
    assert office.due() == [] and office.get("keeper", "/files").get_json() == listed
    assert services.search.check().ok
