"""Corrections (信息更正): staff record a customer's request, an archivist applies or rejects it."""
from __future__ import annotations

import threading

import pytest

VALID_ID = "11010519491231002X"
EVIDENCE = "客户来电更正，提供了新手机号的实名登记截图"


def individual(**overrides) -> dict:
    body = {"template": "individual", "name": "张伟",
            "fields": {"id_type": "身份证", "id_number": VALID_ID, "phone": "13812345678",
                       "address": "北京市朝阳区建国路88号"},
            "classification": {"customer_type": "刚需", "stage": "意向", "project": "JXLT"}}
    body.update(overrides)
    return body


@pytest.fixture
def file(client, clerk) -> dict:
    response = client.post("/api/v1/files", headers=clerk, json=individual())
    assert response.status_code == 201
    return response.get_json()


def ask(client, headers, file_id, changes, evidence=EVIDENCE):
    return client.post(f"/api/v1/files/{file_id}/corrections", headers=headers,
                       json={"changes": changes, "evidence": evidence})


def test_a_correction_requested_by_staff_and_applied_by_an_archivist_makes_a_new_version(
        client, clerk, keeper, file, services):
    requested = ask(client, clerk, file["id"],
                    {"fields": {"phone": "13900001111", "address": "上海市浦东新区世纪大道1号"}})
    assert requested.status_code == 201, requested.get_json()
    correction = requested.get_json()
    assert correction["state"] == "pending" and correction["requested_by"] == "clerk"
    assert client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()["version"] == 1  # nothing yet

    applied = client.post(f"/api/v1/corrections/{correction['id']}/apply", headers=keeper)
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["state"] == "applied" and applied.get_json()["version"] == 2
    now = client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()
    assert now["version"] == 2 and now["fields"]["phone"] == "139****1111"  # masked for staff (service/pii.py)
    assert now["fields"]["id_number"] == "110105********002X"  # the rest of the file is untouched
    newest = client.get(f"/api/v1/files/{file['id']}/history", headers=clerk).get_json()["items"][0]
    assert newest["actor"] == "keeper" and set(newest["changes"]) == {"fields.phone", "fields.address"}
    assert newest["note"] == {"correction": correction["id"], "requested_by": "clerk"}
    listed = client.get(f"/api/v1/files/{file['id']}/corrections", headers=clerk).get_json()
    assert [(c["id"], c["state"], c["decided_by"])
            for c in listed["items"]] == [(correction["id"], "applied", "keeper")]
    entries = services.audit.search(target=f"file:{file['id']}")[1]
    steps = {e["action"]: e["details"] for e in entries}
    assert steps["file.correction_requested"]["correction"] == f"correction:{correction['id']}"
    assert steps["file.correction_applied"] == {"correction": f"correction:{correction['id']}", "version": 2}


def test_a_rejected_correction_keeps_the_file_and_records_the_reason(client, clerk, keeper, file, services):
    correction = ask(client, clerk, file["id"], {"name": "张卫"}).get_json()
    url = f"/api/v1/corrections/{correction['id']}/reject"
    assert client.post(url, headers=keeper, json={}).status_code == 422  # a reason is required
    rejected = client.post(url, headers=keeper, json={"reason": "证据不足，需本人持身份证到场"})
    assert rejected.status_code == 200
    assert rejected.get_json()["state"] == "rejected"
    assert rejected.get_json()["reason"] == "证据不足，需本人持身份证到场"
    assert client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()["name"] == "张伟"
    listed = client.get(f"/api/v1/files/{file['id']}/corrections", headers=clerk).get_json()["items"]
    assert listed[0]["reason"] == "证据不足，需本人持身份证到场"
    audit = [e for e in services.audit.search(target=f"file:{file['id']}")[1]
             if e["action"] == "file.correction_rejected"]
    assert audit[0]["details"]["reason"] == "证据不足，需本人持身份证到场"
    assert client.post(f"/api/v1/corrections/{correction['id']}/apply", headers=keeper).status_code == 409


def test_applying_a_correction_twice_is_409_and_makes_one_version(client, clerk, keeper, file):
    correction = ask(client, clerk, file["id"], {"fields": {"occupation": "教师"}}).get_json()
    url = f"/api/v1/corrections/{correction['id']}/apply"
    assert client.post(url, headers=keeper).status_code == 200
    assert client.post(url, headers=keeper).status_code == 409
    assert client.post(f"/api/v1/corrections/{correction['id']}/reject", headers=keeper,
                       json={"reason": "晚了"}).status_code == 409
    assert client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()["version"] == 2


def test_two_archivists_applying_one_correction_at_once_have_exactly_one_winner(app, auth, clerk, file):
    client = app.test_client()
    correction = ask(client, clerk, file["id"], {"fields": {"household": "三口之家"}}).get_json()
    auth.user("keeper1", ["archivist"])
    auth.user("keeper2", ["archivist"])
    keepers = [auth.token("keeper1"), auth.token("keeper2")] * 4
    statuses: list[int] = []
    lock = threading.Lock()

    def apply(headers):
        response = app.test_client().post(f"/api/v1/corrections/{correction['id']}/apply", headers=headers)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=apply, args=(h,)) for h in keepers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * (len(keepers) - 1)
    assert client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()["version"] == 2
    history = client.get(f"/api/v1/files/{file['id']}/history", headers=clerk).get_json()
    assert [v["version"] for v in history["items"]] == [2, 1]


def test_a_correction_that_would_make_the_file_invalid_is_422_when_requested_and_not_stored(client, clerk, file):
    bad_phone = ask(client, clerk, file["id"], {"fields": {"phone": "12345"}})
    assert bad_phone.status_code == 422 and "fields.phone" in bad_phone.get_json()["error"]["fields"]
    assert ask(client, clerk, file["id"], {"security": "normal"}).status_code == 422  # only name and fields
    assert ask(client, clerk, file["id"], {"name": "张伟"}).status_code == 422  # changes nothing
    assert ask(client, clerk, file["id"], {"name": "张卫"}, evidence="").status_code == 422
    assert client.get(f"/api/v1/files/{file['id']}/corrections", headers=clerk).get_json()["total"] == 0


def test_a_correction_still_pending_when_the_file_changed_applies_to_the_current_version(client, clerk, keeper, file):
    correction = ask(client, clerk, file["id"], {"fields": {"phone": "13900001111"}}).get_json()
    client.patch(f"/api/v1/files/{file['id']}", headers={**clerk, "If-Match": "1"},
                 json={"fields": {"occupation": "医生"}})
    applied = client.post(f"/api/v1/corrections/{correction['id']}/apply", headers=keeper)
    assert applied.status_code == 200 and applied.get_json()["version"] == 3
    now = client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()
    assert now["fields"]["phone"] == "139****1111" and now["fields"]["occupation"] == "医生"


def test_auditors_cannot_request_and_staff_cannot_decide(client, auth, clerk, file):
    auth.user("shenji", ["auditor"])
    auditor = auth.token("shenji")
    assert ask(client, auditor, file["id"], {"name": "张卫"}).status_code == 403
    correction = ask(client, clerk, file["id"], {"name": "张卫"}).get_json()
    assert client.post(f"/api/v1/corrections/{correction['id']}/apply", headers=clerk).status_code == 403
    assert client.post(f"/api/v1/corrections/{correction['id']}/reject", headers=auditor,
                       json={"reason": "不行"}).status_code == 403
    assert client.get(f"/api/v1/files/{file['id']}/corrections", headers=auditor).status_code == 200


def test_staff_of_another_department_cannot_ask_to_correct_a_confidential_file(client, auth):
    auth.user("sales", ["staff"], department="销售部")
    auth.user("engineer", ["staff"], department="工程部")
    secret = client.post("/api/v1/files", headers=auth.token("sales"), json=individual(security="confidential"))
    response = ask(client, auth.token("engineer"), secret.get_json()["id"], {"name": "张卫"})
    assert response.status_code == 404


def test_an_unknown_correction_is_404(client, keeper):
    assert client.post("/api/v1/corrections/6b075a702e2eb535456c8caa/apply", headers=keeper).status_code == 404
    assert client.post("/api/v1/corrections/not-an-id/apply", headers=keeper).status_code == 404


def test_pending_corrections_follow_a_merged_file_to_its_survivor(client, clerk, keeper, file):
    twin = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    correction = ask(client, clerk, twin["id"], {"fields": {"occupation": "律师"}}).get_json()
    merged = client.post(f"/api/v1/files/{twin['id']}/merge", headers=keeper,
                         json={"into": file["id"], "reason": "重复"})
    assert merged.status_code == 200
    assert [c["id"] for c in client.get(f"/api/v1/files/{file['id']}/corrections", headers=clerk).get_json()["items"]] \
        == [correction["id"]]
    assert client.post(f"/api/v1/corrections/{correction['id']}/apply", headers=keeper).status_code == 200
    assert client.get(f"/api/v1/files/{file['id']}", headers=clerk).get_json()["fields"]["occupation"] == "律师"
