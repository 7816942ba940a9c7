"""Duplicate warnings and the archivist's merge, through the API against the real servers."""
from __future__ import annotations

import threading

from bson import ObjectId

from service.files import credit_check_char
from service.files import id_check_char


def id_number(serial: str) -> str:
    """A valid 身份证 number born 1980-01-01 in Beijing, with a three-digit serial."""
    first17 = f"11010519800101{serial}"
    return first17 + id_check_char(first17)


def credit_code(serial: str) -> str:
    """A valid unified social credit code ending in a five-digit serial."""
    first17 = f"91350100M0001{serial[:4]}"
    return first17 + credit_check_char(first17)


def person(name: str, serial: str, phone: str, project: str = "JXLT", **overrides) -> dict:
    body = {"template": "individual", "name": name,
            "fields": {"id_type": "身份证", "id_number": id_number(serial), "phone": phone},
            "classification": {"customer_type": "刚需", "stage": "意向", "project": project}}
    body.update(overrides)
    return body


def company(name: str, code: str, project: str = "JXLT") -> dict:
    return {"template": "enterprise", "name": name, "fields": {"ownership_type": "私营", "credit_code": code},
            "classification": {"customer_type": "私营", "project": project}}


def create(client, headers, body) -> dict:
    response = client.post("/api/v1/files", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_first_file_has_no_duplicates(client, clerk):
    created = create(client, clerk, person("张伟", "001", "13812345678"))
    assert created["duplicates"] == [] and created["hidden_duplicates"] == 0


def test_the_same_id_number_written_differently_is_a_duplicate_and_the_file_is_still_created(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    number = id_number("001")
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    second = create(client, clerk, person("李娜", "002", "13900000000", project="HYC",
                                          fields={"id_type": "身份证", "id_number": spaced, "phone": "13900000000"}))
    assert second["duplicates"] == [{"id": first["id"], "archive_no": first["archive_no"], "name": "张伟",
                                     "reasons": ["id_number"]}]
    assert client.get(f"/api/v1/files/{second['id']}", headers=clerk).status_code == 200


def test_the_same_mobile_with_a_country_code_is_a_duplicate(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    second = create(client, clerk, person("王芳", "002", "+86 138-1234-5678", project="HYC"))
    assert [(d["id"], d["reasons"]) for d in second["duplicates"]] == [(first["id"], ["phone"])]


def test_the_same_credit_code_is_a_duplicate_company(client, clerk):
    code = credit_code("0001")
    first = create(client, clerk, company("华夏置业有限公司", code))
    second = create(client, clerk, company("华夏置业（集团）", code.lower(), project="HYC"))
    assert [(d["name"], d["reasons"]) for d in second["duplicates"]] == [("华夏置业有限公司", ["credit_code"])]
    assert first["duplicates"] == []


def test_a_name_that_sounds_the_same_is_a_duplicate_only_within_the_project(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    same_project = create(client, clerk, person("章玮", "002", "13900000002"))
    other_project = create(client, clerk, person("张伟", "003", "13900000003", project="HYC"))
    assert [(d["id"], d["reasons"]) for d in same_project["duplicates"]] == [(first["id"], ["name_pinyin"])]
    assert other_project["duplicates"] == []


def test_several_shared_keys_are_one_duplicate_with_every_reason(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    again = create(client, clerk, person("张伟", "001", "13812345678"))
    assert [(d["id"], d["reasons"]) for d in again["duplicates"]] == [
        (first["id"], ["id_number", "name_pinyin", "phone"])]


def test_an_edit_that_makes_two_files_alike_shows_on_the_duplicates_page(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    second = create(client, clerk, person("李娜", "002", "13900000000"))
    url = f"/api/v1/files/{second['id']}"
    assert client.get(f"{url}/duplicates", headers=clerk).get_json()["items"] == []
    changed = client.patch(url, headers={**clerk, "If-Match": "1"}, json={"fields": {"phone": "138 1234 5678"}})
    assert changed.status_code == 200
    found = client.get(f"{url}/duplicates", headers=clerk).get_json()
    assert [(d["id"], d["reasons"]) for d in found["items"]] == [(first["id"], ["phone"])]
    assert found["hidden"] == 0


def test_a_staff_member_of_another_department_learns_a_confidential_duplicate_exists_but_not_whose(client, auth):
    auth.user("sales", ["staff"], department="销售部")
    auth.user("engineer", ["staff"], department="工程部")
    sales, engineer = auth.token("sales"), auth.token("engineer")
    secret = create(client, sales, person("秘密客户", "001", "13812345678", security="confidential"))
    mine = client.post("/api/v1/files", headers=engineer, json=person("赵六", "001", "13900000000"))
    assert mine.status_code == 201
    assert mine.get_json()["duplicates"] == [] and mine.get_json()["hidden_duplicates"] == 1
    assert "秘密客户" not in mine.get_data(as_text=True) and secret["id"] not in mine.get_data(as_text=True)
    page = client.get(f"/api/v1/files/{mine.get_json()['id']}/duplicates", headers=engineer)
    assert page.get_json() == {"total": 0, "items": [], "hidden": 1}
    seen_by_sales = client.get(f"/api/v1/files/{mine.get_json()['id']}/duplicates", headers=sales).get_json()
    assert [d["name"] for d in seen_by_sales["items"]] == ["秘密客户"] and seen_by_sales["hidden"] == 0


def test_the_duplicates_of_a_file_one_may_not_see_are_404(client, auth):
    auth.user("sales", ["staff"], department="销售部")
    auth.user("engineer", ["staff"], department="工程部")
    secret = create(client, auth.token("sales"), person("秘密客户", "001", "13812345678", security="confidential"))
    assert client.get(f"/api/v1/files/{secret['id']}/duplicates", headers=auth.token("engineer")).status_code == 404


def test_an_archivist_merges_a_duplicate_which_then_redirects_to_the_survivor(client, clerk, keeper, services):
    survivor = create(client, clerk, person("张伟", "001", "13812345678"))
    duplicate = create(client, clerk, person("张伟", "001", "13900000000",
                                             fields={"id_type": "身份证", "id_number": id_number("001"),
                                                     "phone": "13900000000", "occupation": "教师"}))
    services.db["documents"].insert_many([{"file_id": duplicate["id"], "title": "购房合同"},
                                          {"file_id": ObjectId(duplicate["id"]), "title": "身份证复印件"}])
    services.db["loans"].insert_one({"file_id": duplicate["id"], "status": "out"})
    response = client.post(f"/api/v1/files/{duplicate['id']}/merge", headers=keeper,
                           json={"into": survivor["id"], "reason": "同一客户重复建档"})
    assert response.status_code == 200, response.get_json()
    merged = response.get_json()
    assert merged["id"] == survivor["id"] and merged["version"] == 2 and merged["merged_from"] == [duplicate["id"]]
    assert merged["fields"]["phone"] == "138****5678" and merged["fields"]["occupation"] == "教师"

    redirect = client.get(f"/api/v1/files/{duplicate['id']}", headers=clerk)
    assert redirect.status_code == 200
    assert redirect.get_json()["id"] == survivor["id"] and redirect.get_json()["redirected_from"] == duplicate["id"]
    assert {d["file_id"] for d in services.db["documents"].find()} == {survivor["id"], ObjectId(survivor["id"])}
    assert [loan["file_id"] for loan in services.db["loans"].find()] == [survivor["id"]]
    assert client.get(f"/api/v1/files/{survivor['id']}/duplicates", headers=clerk).get_json()["items"] == []

    survivor_history = client.get(f"/api/v1/files/{survivor['id']}/history", headers=clerk).get_json()["items"]
    assert survivor_history[0]["note"] == {"merged_from": duplicate["id"], "reason": "同一客户重复建档"}
    assert "fields.occupation" in survivor_history[0]["changes"]
    merged_history = client.get(f"/api/v1/files/{duplicate['id']}/history", headers=clerk).get_json()["items"]
    assert [v["version"] for v in merged_history] == [2, 1]
    assert merged_history[0]["changes"] == ["merged_into", "status"]
    for file_id in (survivor["id"], duplicate["id"]):
        assert "file.merged" in [e["action"] for e in services.audit.search(target=f"file:{file_id}")[1]]


def test_merging_into_itself_a_merged_or_destroyed_file_or_from_a_stale_version_is_409(client, clerk, keeper, services):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    second = create(client, clerk, person("张伟", "002", "13900000002"))
    third = create(client, clerk, person("张伟", "003", "13900000003"))

    def merge(file_id, **body):
        return client.post(f"/api/v1/files/{file_id}/merge", headers=keeper, json={"reason": "重复", **body})

    assert merge(first["id"], into=first["id"]).status_code == 409
    client.patch(f"/api/v1/files/{second['id']}", headers={**clerk, "If-Match": "1"}, json={"name": "张伟伟"})
    stale = merge(second["id"], into=first["id"], version=1)
    assert stale.status_code == 409 and stale.get_json()["error"]["fields"]["version"] == 2
    assert merge(second["id"], into=first["id"], version=2, into_version=1).status_code == 200
    assert merge(third["id"], into=second["id"]).status_code == 409  # second is a redirect now
    assert merge(second["id"], into=third["id"]).status_code == 409  # and cannot be merged again
    services.db["files"].update_one({"_id": ObjectId(third["id"])}, {"$set": {"status": "destroyed"}})
    assert merge(first["id"], into=third["id"]).status_code == 409
    assert client.get(f"/api/v1/files/{first['id']}", headers=clerk).get_json()["version"] == 2


def test_a_merge_needs_a_reason_and_a_file_of_the_same_template(client, clerk, keeper):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    firm = create(client, clerk, company("华夏置业有限公司", credit_code("0001")))
    url = f"/api/v1/files/{first['id']}/merge"
    assert client.post(url, headers=keeper, json={"into": firm["id"]}).status_code == 422
    assert client.post(url, headers=keeper, json={"into": firm["id"], "reason": "重复"}).status_code == 409


def test_staff_cannot_merge_files(client, clerk):
    first = create(client, clerk, person("张伟", "001", "13812345678"))
    second = create(client, clerk, person("张伟", "002", "13900000002"))
    response = client.post(f"/api/v1/files/{second['id']}/merge", headers=clerk,
                           json={"into": first["id"], "reason": "重复"})
    assert response.status_code == 403


def test_two_archivists_merging_one_file_at_once_have_exactly_one_winner(app, clerk, keeper):
    client = app.test_client()
    loser = create(client, clerk, person("张伟", "001", "13812345678"))
    targets = [create(client, clerk, person("张伟", f"00{n}", f"1390000000{n}")) for n in range(2, 6)]
    statuses: list[int] = []
    lock = threading.Lock()

    def merge(target):
        response = app.test_client().post(f"/api/v1/files/{loser['id']}/merge", headers=keeper,
                                          json={"into": target["id"], "reason": "重复"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=merge, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * (len(targets) - 1)
    winners = [t for t in targets if client.get(f"/api/v1/files/{t['id']}", headers=clerk).get_json()["version"] == 2]
    assert len(winners) == 1
    assert client.get(f"/api/v1/files/{loser['id']}", headers=clerk).get_json()["id"] == winners[0]["id"]
