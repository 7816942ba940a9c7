"""Duplicates, merge, corrections and owner reassignment from a file's page; reassignment in the API."""
from __future__ import annotations

from tests.support.auth import csrf_from
from tests.support.files import register


def detail(client, file_id):
    response = client.get(f"/files/{file_id}", follow_redirects=True)
    return response.get_data(as_text=True)


def test_a_duplicate_is_flagged_on_registration_and_merged_by_an_archivist(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    first = register(client, name="张伟")
    response = client.post("/files/new", data={"csrf_token": csrf_from(client.get("/files/new").get_data(as_text=True)),
                                               "template": "individual", "name": "张伟", "security": "normal",
                                               "c.project": "JXLT", "f.phone": "13812345678"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "可能与已有档案重复" in page and 'id="merge-form"' in page
    reasons = page.split('id="merge-form"')[0].rsplit("<table", 1)[1]
    assert "手机号码相同" in reasons and "phone" not in reasons  # why, in words: never the field's code
    second = services.db["files"].find_one({"version": 1, "_id": {"$ne": __import__("bson").ObjectId(first)}})
    merged = client.post(f"/files/{second['_id']}/merge", data={
        "csrf_token": csrf_from(page), "into": first, "reason": "同一客户重复登记", "version": "1"})
    assert merged.status_code == 302 and merged.headers["Location"].endswith(first)
    assert services.db["files"].find_one({"_id": second["_id"]})["status"] == "merged"
    followed = client.get(f"/files/{second['_id']}")
    assert followed.status_code == 302 and followed.headers["Location"].endswith(first)


def test_staff_request_a_correction_and_an_archivist_applies_it(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.user("keeper", ["archivist"])
    auth.login("clerk")
    file_id = register(client)
    page = detail(client, file_id)
    assert 'id="correction-form"' in page and "apply-correction" not in page
    client.post(f"/files/{file_id}/corrections", data={"csrf_token": csrf_from(page), "field": "fields.address",
                                                      "value": "上海市浦东新区世纪大道100号",
                                                      "evidence": "客户来电，附新房产证"})
    assert "客户来电" in detail(client, file_id)
    auth.logout()
    auth.login("keeper")
    page = detail(client, file_id)
    correction = services.db["corrections"].find_one({})
    applied = client.post(f"/corrections/{correction['_id']}/apply",
                          data={"csrf_token": csrf_from(page), "file_id": file_id})
    assert applied.status_code == 302
    doc = services.db["files"].find_one({})
    assert doc["fields"]["address"] == "上海市浦东新区世纪大道100号" and doc["version"] == 2
    assert "已更正" in detail(client, file_id)


def test_a_correction_that_would_make_the_file_invalid_is_not_recorded(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    file_id = register(client)
    page = detail(client, file_id)
    response = client.post(f"/files/{file_id}/corrections", data={
        "csrf_token": csrf_from(page), "field": "fields.phone", "value": "12345", "evidence": "电话"},
        follow_redirects=True)
    assert "更正申请未登记" in response.get_data(as_text=True)
    assert services.db["corrections"].count_documents({}) == 0


def test_a_manager_reassigns_the_owner_with_a_reason_kept_in_the_history(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.user("newbie", ["staff"])
    auth.user("head", ["approver"])
    auth.login("clerk")
    file_id = register(client)
    assert 'id="owner-form"' not in detail(client, file_id)
    auth.logout()
    auth.login("head")
    page = detail(client, file_id)
    bad = client.post(f"/files/{file_id}/owner", data={"csrf_token": csrf_from(page), "version": "1",
                                                      "owner": "nobody", "reason": "离职交接"}, follow_redirects=True)
    assert "未能移交" in bad.get_data(as_text=True)
    client.post(f"/files/{file_id}/owner", data={"csrf_token": csrf_from(page), "version": "1",
                                                 "owner": "newbie", "reason": "离职交接"})
    assert services.db["files"].find_one({})["owner"] == "newbie"
    history = client.get(f"/api/v1/files/{file_id}/history", headers=auth.token("head")).get_json()["items"]
    assert history[0]["changes"] == ["owner"]
    entry = services.audit.search(action="file.reassigned")[1][0]
    assert entry["details"] == {"from": "clerk", "to": "newbie", "reason": "离职交接"}


def test_reassignment_in_the_api_needs_the_role_a_reason_and_the_current_version(client, auth):
    auth.user("clerk", ["staff"])
    auth.user("keeper", ["archivist"])
    clerk, keeper = auth.token("clerk"), auth.token("keeper")
    file_id = client.post("/api/v1/files", headers=clerk, json={
        "template": "individual", "name": "李娜", "fields": {"phone": "13912345678"}}).get_json()["id"]
    url = f"/api/v1/files/{file_id}/owner"
    assert client.post(url, headers={**clerk, "If-Match": "1"},
                       json={"owner": "keeper", "reason": "x"}).status_code == 403
    assert client.post(url, headers={**keeper, "If-Match": "1"}, json={"owner": "keeper"}).status_code == 422
    assert client.post(url, headers={**keeper, "If-Match": "7"},
                       json={"owner": "keeper", "reason": "x"}).status_code == 412
    moved = client.post(url, headers={**keeper, "If-Match": "1"}, json={"owner": "keeper", "reason": "归档"})
    assert moved.status_code == 200 and moved.get_json()["owner"] == "keeper" and moved.get_json()["version"] == 2


def test_merged_files_leave_the_list_unless_asked_for(client, auth, services):
    auth.user("keeper", ["archivist"])
    headers = auth.token("keeper")
    body = {"template": "individual", "name": "张伟", "fields": {"phone": "13812345678"}}
    a = client.post("/api/v1/files", headers=headers, json=body).get_json()["id"]
    b = client.post("/api/v1/files", headers=headers, json=body).get_json()["id"]
    assert client.post(f"/api/v1/files/{b}/merge", headers=headers,
                       json={"into": a, "reason": "重复"}).status_code == 200
    assert [f["id"] for f in client.get("/api/v1/files", headers=headers).get_json()["items"]] == [a]
    assert [f["id"] for f in client.get("/api/v1/files?status=merged", headers=headers).get_json()["items"]] == [b]


def test_the_file_page_title_is_just_its_number_and_name(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    file_id = register(client)
    page = detail(client, file_id)
    title = page[page.index("<title>") + 7:page.index("</title>")]
    assert title.startswith("JXLT-") and "张伟" in title and "<" not in title
    assert page.count('id="correction-form"') == 1
