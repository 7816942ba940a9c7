"""Intake review through the API: submit, see what is missing, return per item, resubmit, accept and catalogue."""
from __future__ import annotations

import threading

from tests.support.intake import PLACE


def test_missing_document_is_returned_then_resubmitted_accepted_numbered_located(intake, client, auth, services):
    f = intake.file()
    contract = intake.scan(f["_id"], "purchase_contract", 10)
    form = intake.scan(f["_id"], "registration_form", 20)
    sub = intake.submission(f["_id"], [contract, form])
    assert sub["status"] == "pending" and sub["version"] == 1
    assert [m["item"] for m in sub["missing"]] == ["document:id_copy"]
    assert "身份证复印件" in sub["missing"][0]["label"]
    refused = intake.call("keeper", "POST", f"/submissions/{sub['id']}/accept", {"location": PLACE})
    assert refused.status_code == 422 and "document:id_copy" in refused.get_json()["error"]["fields"]

    returned = intake.call("keeper", "POST", f"/submissions/{sub['id']}/return",
                           {"items": [{"item": "document:id_copy", "reason": "缺身份证复印件"}]})
    assert returned.status_code == 200, returned.get_json()
    mine = intake.call("clerk", "GET", "/submissions?status=returned").get_json()
    assert mine["total"] == 1 and mine["items"][0]["returned_items"] == [
        {"item": "document:id_copy", "reason": "缺身份证复印件"}]

    id_copy = intake.scan(f["_id"], "id_copy", 30)
    again = intake.call("clerk", "POST", f"/submissions/{sub['id']}/resubmit",
                        {"version": 1, "documents": [contract, form, id_copy], "salesperson": "王芳",
                         "customer_name": "张伟", "customer_no": "C-0001"})
    assert again.status_code == 200 and again.get_json()["version"] == 2 and again.get_json()["missing"] == []
    accepted = intake.call("keeper", "POST", f"/submissions/{sub['id']}/accept", {"version": 2, "location": PLACE})
    assert accepted.status_code == 200, accepted.get_json()
    body = accepted.get_json()
    assert body["status"] == "accepted" and body["archive_no"] == f["archive_no"]
    assert [c["type_label"] for c in body["catalogue"]["contents"]] == ["购房合同", "业主登记表", "身份证复印件"]
    assert [h["review"]["outcome"] for h in body["history"]] == ["returned", "accepted"]
    stored = services.files.repo.by_id(str(f["_id"]))
    assert stored["location"] == PLACE and stored["version"] == 2
    _total, entries = services.audit.search(target=f"intake:{sub['id']}", actor="", action="", page=1, per_page=50)
    assert {"intake.submitted", "intake.returned", "intake.resubmitted", "intake.accepted"} <= \
        {e["action"] for e in entries}

    auth.login("keeper")
    page = client.get(f"/intake/{sub['id']}/contents").get_data(as_text=True)
    assert f["archive_no"] in page and "身份证复印件" in page and "A101" in page and "<svg" in page


def test_a_file_without_a_number_gets_one_on_acceptance(intake, services):
    f = intake.file()
    services.files.repo.replace_state(str(f["_id"]), {"archive_no": None})
    docs = [intake.scan(f["_id"], t, 40 + n)
            for n, t in enumerate(("purchase_contract", "id_copy", "registration_form"))]
    sub = intake.submission(f["_id"], docs)
    accepted = intake.call("keeper", "POST", f"/submissions/{sub['id']}/accept", {"location": PLACE}).get_json()
    assert accepted["archive_no"] and accepted["archive_no"] != f["archive_no"]
    assert services.files.repo.by_id(str(f["_id"]))["archive_no"] == accepted["archive_no"]


def test_missing_names_and_required_fields_are_shown(intake, services):
    f = intake.file()
    services.files.repo.replace_state(str(f["_id"]), {"fields": {"gender": "男"}})
    sub = intake.submission(f["_id"], [], salesperson="", customer_no=" ")
    items = [m["item"] for m in sub["missing"]]
    assert "field:phone" in items and "submission:salesperson" in items and "submission:customer_no" in items
    assert "document:purchase_contract" in items


def test_two_archivists_accepting_at_once_one_wins(app, intake, services):
    f = intake.file()
    docs = [intake.scan(f["_id"], t, 60 + n)
            for n, t in enumerate(("purchase_contract", "id_copy", "registration_form"))]
    sub = intake.submission(f["_id"], docs)
    codes, barrier = [], threading.Barrier(2)

    def accept(who: str):
        own = app.test_client()
        barrier.wait()
        codes.append(own.post(f"/api/v1/submissions/{sub['id']}/accept", headers=intake.h[who],
                              json={"location": PLACE}).status_code)

    threads = [threading.Thread(target=accept, args=(w,)) for w in ("keeper", "keeper2")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(codes) == [200, 409]
    assert services.files.repo.by_id(str(f["_id"]))["version"] == 2  # catalogued once


def test_decided_and_stale_steps_are_409(intake):
    f = intake.file()
    doc = intake.scan(f["_id"], "purchase_contract", 80)
    sub = intake.submission(f["_id"], [doc])
    second = intake.call("clerk", "POST", "/submissions", {"file_id": str(f["_id"]), "documents": [doc]})
    assert second.status_code == 409 and second.get_json()["error"]["fields"]["submission_id"] == sub["id"]
    assert intake.call("keeper", "POST", f"/submissions/{sub['id']}/return",
                       {"items": [{"item": "document:id_copy", "reason": "缺"}]}).status_code == 200
    assert intake.call("keeper2", "POST", f"/submissions/{sub['id']}/accept", {"location": PLACE}).status_code == 409
    assert intake.call("keeper2", "POST", f"/submissions/{sub['id']}/return",
                       {"items": [{"item": "x", "reason": "y"}]}).status_code == 409
    first = intake.call("clerk", "POST", f"/submissions/{sub['id']}/resubmit", {"version": 1, "documents": [doc]})
    assert first.status_code == 200
    stale = intake.call("clerk", "POST", f"/submissions/{sub['id']}/resubmit", {"version": 1, "documents": [doc]})
    assert stale.status_code == 409
    pending = intake.call("clerk", "POST", f"/submissions/{sub['id']}/resubmit", {"version": 2, "documents": [doc]})
    assert pending.status_code == 409  # only a returned submission is resubmitted


def test_bad_requests_change_nothing(intake, services):
    f = intake.file()
    doc = intake.scan(f["_id"], "purchase_contract", 100)
    other = intake.file(name="李雷")
    foreign = intake.scan(other["_id"], "id_copy", 110)
    base = {"file_id": str(f["_id"]), "documents": [doc]}
    assert intake.call("audit1", "POST", "/submissions", base).status_code == 403
    assert intake.call("clerk", "POST", "/submissions", {**base, "file_id": "0" * 24}).status_code == 404
    assert intake.call("clerk", "POST", "/submissions", {**base, "documents": [foreign]}).status_code == 422
    assert intake.call("clerk", "POST", "/submissions", {**base, "documents": "x"}).status_code == 422
    assert intake.call("clerk", "POST", "/submissions",
                       {**base, "paper_items": [{"name": "合同", "count": 0}]}).status_code == 422
    assert intake.call("clerk", "POST", "/submissions", {"file_id": str(f["_id"])}).status_code == 422
    assert intake.call("clerk", "POST", "/submissions", [1]).status_code == 400
    assert services.intake.repo.find({}) == []
    sub = intake.submission(f["_id"], [doc])
    assert intake.call("clerk", "POST", f"/submissions/{sub['id']}/accept", {"location": PLACE}).status_code == 403
    assert intake.call("keeper", "POST", f"/submissions/{sub['id']}/return", {"items": []}).status_code == 422
    assert intake.call("keeper", "POST", f"/submissions/{sub['id']}/return",
                       {"items": [{"item": "document:id_copy", "reason": " "}]}).status_code == 422
    assert intake.call("clerk2", "GET", f"/submissions/{sub['id']}").status_code == 404
    assert intake.call("keeper", "GET", "/submissions/nonsense").status_code == 404
    assert intake.call("keeper", "GET", "/submissions?status=bogus").status_code == 400
    assert intake.call("keeper", "GET", "/submissions?since=2026-13-01").status_code == 400
    assert services.intake.repo.by_id(sub["id"])["status"] == "pending"


def test_a_confidential_file_is_invisible_to_other_departments(intake):
    f = intake.file(security="confidential")
    doc = intake.scan(f["_id"], "purchase_contract", 120)
    assert intake.call("clerk2", "POST", "/submissions",
                       {"file_id": str(f["_id"]), "documents": [doc]}).status_code == 404


def test_the_register_lists_outcomes_and_turnaround(intake, services):
    f = intake.file()
    docs = [intake.scan(f["_id"], t, 140 + n)
            for n, t in enumerate(("purchase_contract", "id_copy", "registration_form"))]
    sub = intake.submission(f["_id"], docs)
    intake.call("keeper", "POST", f"/submissions/{sub['id']}/accept", {"location": PLACE})
    intake.submission(f["_id"], docs[:1])
    everything = intake.call("keeper", "GET", "/submissions").get_json()
    assert everything["total"] == 2
    accepted = intake.call("audit1", "GET", "/submissions?status=accepted").get_json()
    assert accepted["total"] == 1 and accepted["items"][0]["turnaround_hours"] is not None
    paged = intake.call("keeper", "GET", "/submissions?per_page=1&page=2").get_json()
    assert paged["total"] == 2 and len(paged["items"]) == 1
    assert intake.call("clerk2", "GET", "/submissions").get_json()["total"] == 0


def test_values_of_the_wrong_type_are_refused_field_by_field_before_anything_is_stored(intake, services):
    f = intake.file()
    doc = intake.scan(f["_id"], "purchase_contract", 130)
    base = {"file_id": str(f["_id"]), "documents": [doc]}
    for body, field in (({**base, "paper_items": [{"name": "合同", "count": "2"}]}, "paper_items"),
                        ({**base, "note": 7}, "note"), ({**base, "file_id": 5}, "file_id")):
        refused = intake.call("clerk", "POST", "/submissions", body)
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"], body
    assert services.intake.repo.find({}) == []
    sub = intake.submission(f["_id"], [doc])
    refused = intake.call("keeper", "POST", f"/submissions/{sub['id']}/accept", {"location": {"room": 3}})
    assert refused.status_code == 422 and "location" in refused.get_json()["error"]["fields"]
    assert services.intake.repo.by_id(sub["id"])["status"] == "pending"


def test_the_description_gives_the_submission_models(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    submit = doc["paths"]["/api/v1/submissions"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubmissionRequest")
    assert submit["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Submission")
    listed = doc["paths"]["/api/v1/submissions"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"page", "per_page", "status", "since", "until", "mine"}
    assert "412" in doc["paths"]["/api/v1/verification/tasks/{task_id}/changes"]["post"]["responses"]
