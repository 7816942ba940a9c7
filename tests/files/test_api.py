"""Customer files through the API: numbers, validation, versions, history and visibility."""
from __future__ import annotations

import threading

from tests.support.files import enterprise
from tests.support.files import individual


def test_individual_and_enterprise_files_get_distinct_numbers_from_the_rule(client, clerk):
    first = client.post("/api/v1/files", headers=clerk, json=individual())
    second = client.post("/api/v1/files", headers=clerk, json=enterprise())
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 201, second.get_json()
    a, b = first.get_json(), second.get_json()
    year = a["created_at"][:4]
    assert a["archive_no"] == f"JXLT-{year}-00001" and b["archive_no"] == f"JXLT-{year}-00002"
    assert a["version"] == 1 and a["fields"]["address"] == "北京市朝阳区建国路88号"
    fetched = client.get(f"/api/v1/files/{b['id']}", headers=clerk).get_json()
    assert fetched["fields"]["contacts"][0]["name"] == "王强"


def test_a_wrong_id_check_digit_or_credit_code_is_422_naming_the_field_and_stores_nothing(client, clerk, services):
    bad_id = individual(fields={"id_type": "身份证", "id_number": "110105194912310021", "phone": "13812345678"})
    response = client.post("/api/v1/files", headers=clerk, json=bad_id)
    assert response.status_code == 422
    assert "fields.id_number" in response.get_json()["error"]["fields"]
    bad_code = enterprise()
    bad_code["fields"] = {**bad_code["fields"], "credit_code": "91350100M000100Y44"}
    response = client.post("/api/v1/files", headers=clerk, json=bad_code)
    assert response.status_code == 422
    assert "fields.credit_code" in response.get_json()["error"]["fields"]
    assert services.db["files"].count_documents({}) == 0


def test_the_second_of_two_editors_gets_412_and_the_first_change_survives(client, clerk):
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    url = f"/api/v1/files/{created['id']}"
    headers = {**clerk, "If-Match": "1", "Content-Type": "application/merge-patch+json"}
    first = client.patch(url, headers=headers, json={"fields": {"occupation": "教师"}})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    second = client.patch(url, headers=headers, json={"fields": {"occupation": "医生"}})
    assert second.status_code == 412
    assert second.get_json()["error"]["fields"]["version"] == 2
    now = client.get(url, headers=clerk).get_json()
    assert (now["fields"]["occupation"] == "教师"
            and now["fields"]["phone"] == "138****5678")  # masked for staff (service/pii.py)


def test_concurrent_saves_of_one_version_have_exactly_one_winner(app, clerk, services):
    client = app.test_client()
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    statuses: list[int] = []
    lock = threading.Lock()

    def save(n):
        response = app.test_client().patch(f"/api/v1/files/{created['id']}", json={"fields": {"household": f"{n}口"}},
                                           headers={**clerk, "If-Match": "1"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [412] * 7
    assert client.get(f"/api/v1/files/{created['id']}", headers=clerk).get_json()["version"] == 2


def test_merge_patch_removes_with_null_and_history_lists_changes_newest_first(client, clerk):
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    url = f"/api/v1/files/{created['id']}"
    client.patch(url, headers={**clerk, "If-Match": "1"},
                 json={"fields": {"budget": None}, "classification": {"stage": "成交"}})
    now = client.get(url, headers=clerk).get_json()
    assert "budget" not in now["fields"] and now["classification"]["stage"] == "成交"
    history = client.get(f"{url}/history", headers=clerk).get_json()
    assert [v["version"] for v in history["items"]] == [2, 1]
    assert set(history["items"][0]["changes"]) == {"fields.budget", "classification.stage"}
    assert history["items"][0]["actor"] == "clerk"


def test_bad_patches_are_refused_and_change_nothing(client, clerk):
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    url = f"/api/v1/files/{created['id']}"
    assert client.patch(url, headers=clerk, json={"name": "李四"}).status_code == 400  # no If-Match
    assert client.patch(url, headers={**clerk, "If-Match": "1"}, json={"archive_no": "X-1"}).status_code == 422
    assert client.patch(url, headers={**clerk, "If-Match": "1"}, json={"fields": {"phone": "12345"}}).status_code == 422
    assert client.patch(url, headers={**clerk, "If-Match": "1"}, json={"security": "top-secret"}).status_code == 422
    assert client.get(url, headers=clerk).get_json()["version"] == 1


def test_twenty_files_created_at_once_get_twenty_consecutive_numbers(app, clerk):
    numbers: list[str] = []
    lock = threading.Lock()

    def create(n):
        response = app.test_client().post("/api/v1/files", headers=clerk, json=individual(name=f"客户{n}"))
        with lock:
            numbers.append(response.get_json()["archive_no"])

    threads = [threading.Thread(target=create, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 21))


def test_confidential_and_sealed_files_are_hidden_from_those_who_may_not_see_them(client, auth):
    auth.user("sales", ["staff"], department="销售部")
    auth.user("engineer", ["staff"], department="工程部")
    auth.user("keeper", ["archivist"], department="档案室")
    auth.user("boss", ["executive"], department="总经办")
    sales, engineer = auth.token("sales"), auth.token("engineer")
    secret = client.post("/api/v1/files", headers=sales, json=individual(security="confidential")).get_json()
    sealed = client.post("/api/v1/files", headers=sales, json=individual(name="封存客户", security="sealed"))
    assert sealed.status_code == 201
    sealed = sealed.get_json()
    assert client.get(f"/api/v1/files/{secret['id']}", headers=engineer).status_code == 404
    assert client.get("/api/v1/files", headers=engineer).get_json()["total"] == 0
    assert client.get(f"/api/v1/files/{secret['id']}", headers=sales).status_code == 200
    assert client.get(f"/api/v1/files/{sealed['id']}", headers=sales).status_code == 404
    assert client.get("/api/v1/files", headers=sales).get_json()["total"] == 1
    for who in ("keeper", "boss"):
        headers = auth.token(who)
        assert client.get(f"/api/v1/files/{sealed['id']}", headers=headers).status_code == 200
        assert client.get("/api/v1/files", headers=headers).get_json()["total"] == 2


def test_lists_filter_by_pinyin_stage_and_sort(client, clerk):
    client.post("/api/v1/files", headers=clerk, json=individual(name="张伟"))
    client.post("/api/v1/files", headers=clerk,
                json=individual(name="李娜", classification={"stage": "成交", "project": "JXLT"}))
    assert [f["name"] for f in client.get("/api/v1/files?name=zhangwei", headers=clerk).get_json()["items"]] == ["张伟"]
    assert [f["name"] for f in client.get("/api/v1/files?name=zw", headers=clerk).get_json()["items"]] == ["张伟"]
    assert [f["name"] for f in client.get("/api/v1/files?stage=成交", headers=clerk).get_json()["items"]] == ["李娜"]
    ordered = client.get("/api/v1/files?sort=name", headers=clerk).get_json()["items"]
    assert [f["name"] for f in ordered] == ["李娜", "张伟"]
    assert client.get("/api/v1/files?sort=bogus", headers=clerk).status_code == 400


def test_views_and_changes_are_in_the_audit_trail(client, clerk, services):
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    client.get(f"/api/v1/files/{created['id']}", headers=clerk)
    actions = [e["action"] for e in services.audit.search(target=f"file:{created['id']}")[1]]
    assert actions == ["file.viewed", "file.created"]


def test_auditors_cannot_register_files(client, auth):
    auth.user("shenji", ["auditor"])
    assert client.post("/api/v1/files", headers=auth.token("shenji"), json=individual()).status_code == 403


def test_the_etag_carries_the_version_to_send_back_in_if_match(client, clerk):
    created = client.post("/api/v1/files", headers=clerk, json=individual())
    assert created.headers["ETag"] == "1"
    url = f"/api/v1/files/{created.get_json()['id']}"
    etag = client.get(url, headers=clerk).headers["ETag"]
    changed = client.patch(url, headers={**clerk, "If-Match": etag}, json={"name": "张伟伟"})
    assert changed.status_code == 200 and changed.headers["ETag"] == "2"


def test_an_unknown_or_malformed_file_id_is_404(client, clerk):
    assert client.get("/api/v1/files/not-an-id", headers=clerk).status_code == 404
    assert client.get("/api/v1/files/6b075a702e2eb535456c8caa", headers=clerk).status_code == 404


def test_only_an_archivist_registers_a_file_for_someone_else(client, auth):
    auth.user("clerk", ["staff"])
    auth.user("keeper", ["archivist"])
    mine = client.post("/api/v1/files", headers=auth.token("clerk"), json=individual(owner="somebody"))
    assert mine.get_json()["owner"] == "clerk"
    theirs = client.post("/api/v1/files", headers=auth.token("keeper"), json=individual(owner="clerk"))
    assert theirs.get_json()["owner"] == "clerk"


def test_the_description_keeps_the_merge_patch_body_and_the_required_if_match(client, clerk):
    described = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/files/{file_id}"]["patch"]
    assert {"application/merge-patch+json", "application/json"} <= set(described["requestBody"]["content"])
    if_match = [p for p in described["parameters"] if p["in"] == "header" and p["name"] == "If-Match"]
    assert if_match and if_match[0]["required"] is True
    created = client.post("/api/v1/files", headers=clerk, json=individual()).get_json()
    missing = client.patch(f"/api/v1/files/{created['id']}", headers=clerk, json={"name": "李四"})
    assert missing.status_code == 400 and missing.get_json()["error"]["fields"] == {"If-Match": "version"}
