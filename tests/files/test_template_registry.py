"""Templates an admin defines without code, used by files like the built-in ones."""
from __future__ import annotations

from tests.support.auth import csrf_from

PARKING = {"key": "parking_buyer", "label": {"zh": "车位客户", "en": "Parking buyer"}, "fields": [
    {"key": "phone", "type": "string", "label": {"zh": "手机", "en": "Mobile"}, "required": True, "check": "mobile"},
    {"key": "space_no", "type": "string", "label": {"zh": "车位号", "en": "Space"}, "pattern": "^B[0-9]-[0-9]{3}$"},
    {"key": "kind", "type": "choice", "label": {"zh": "类型"}, "choices": ["产权", "租赁"]}]}


def test_an_admin_defines_a_template_and_files_are_checked_against_it(client, auth):
    auth.user("boss", ["admin"])
    auth.user("clerk", ["staff"])
    admin, clerk = auth.token("boss"), auth.token("clerk")
    defined = client.post("/api/v1/templates", headers=admin, json=PARKING)
    assert defined.status_code == 201 and defined.get_json()["version"] == 1
    assert defined.get_json()["schema"]["properties"]["space_no"]["pattern"] == "^B[0-9]-[0-9]{3}$"
    good = {"template": "parking_buyer", "name": "赵敏", "fields": {"phone": "13912345678", "space_no": "B2-017"}}
    created = client.post("/api/v1/files", headers=clerk, json=good)
    assert created.status_code == 201
    bad = {**good, "fields": {"phone": "13912345678", "space_no": "车位17", "kind": "买断"}}
    refused = client.post("/api/v1/files", headers=clerk, json=bad).get_json()["error"]["fields"]
    assert set(refused) == {"fields.space_no", "fields.kind"}
    assert "parking_buyer" in [t["key"] for t in client.get("/api/v1/templates", headers=clerk).get_json()["items"]]


def test_a_new_version_applies_to_the_next_save(client, auth, services):
    auth.user("boss", ["admin"])
    auth.user("clerk", ["staff"])
    admin, clerk = auth.token("boss"), auth.token("clerk")
    client.post("/api/v1/templates", headers=admin, json=PARKING)
    file_id = client.post("/api/v1/files", headers=clerk, json={
        "template": "parking_buyer", "name": "赵敏", "fields": {"phone": "13912345678"}}).get_json()["id"]
    stricter = {**PARKING, "fields": PARKING["fields"] + [
        {"key": "plate", "type": "string", "label": {"zh": "车牌号"}, "required": True}]}
    assert client.post("/api/v1/templates", headers=admin, json=stricter).get_json()["version"] == 2
    refused = client.patch(f"/api/v1/files/{file_id}", headers={**clerk, "If-Match": "1"}, json={"name": "赵敏敏"})
    assert refused.status_code == 422 and "fields.plate" in refused.get_json()["error"]["fields"]
    saved = client.patch(f"/api/v1/files/{file_id}", headers={**clerk, "If-Match": "1"},
                         json={"fields": {"plate": "京A12345"}})
    assert saved.status_code == 200
    assert services.db["files"].find_one({})["template_version"] == 2  # the version it was last checked against


def test_unsafe_or_built_in_definitions_are_refused(client, auth):
    auth.user("boss", ["admin"])
    admin = auth.token("boss")
    for bad in ({**PARKING, "key": "individual"},
                {**PARKING, "fields": [{"key": "a.b", "type": "string", "label": {"zh": "甲"}}]},
                {**PARKING, "fields": [{"key": "$where", "type": "string", "label": {"zh": "甲"}}]},
                {**PARKING, "fields": [{"key": "x", "type": "blob", "label": {"zh": "甲"}}]}):
        assert client.post("/api/v1/templates", headers=admin, json=bad).status_code == 422
    auth.user("clerk", ["staff"])
    assert client.post("/api/v1/templates", headers=auth.token("clerk"), json=PARKING).status_code == 403


def test_an_admin_defines_a_template_on_the_page_and_its_form_is_generated(client, auth):
    auth.user("boss", ["admin"])
    auth.login("boss")
    page = client.get("/admin/templates/new").get_data(as_text=True)
    response = client.post("/admin/templates/new", data={
        "csrf_token": csrf_from(page), "key": "shop_tenant", "label_zh": "商铺租户", "label_en": "Shop tenant",
        "fields.0.key": "phone", "fields.0.type": "string", "fields.0.zh": "电话", "fields.0.required": "on",
        "fields.0.check": "phone", "fields.1.key": "trade", "fields.1.type": "choice", "fields.1.zh": "业态",
        "fields.1.choices": "餐饮、零售,服务"})
    assert response.status_code == 302
    assert "shop_tenant" in client.get("/admin/templates").get_data(as_text=True)
    auth.logout()
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    form = client.get("/files/new?template=shop_tenant").get_data(as_text=True)
    assert "业态" in form and ">零售</option>" in form, form[form.find("档案内容"):][:1500]


def test_a_bad_template_form_names_the_row(client, auth):
    auth.user("boss", ["admin"])
    auth.login("boss")
    page = client.get("/admin/templates/new").get_data(as_text=True)
    response = client.post("/admin/templates/new", data={
        "csrf_token": csrf_from(page), "key": "t1", "label_zh": "甲", "fields.0.key": "Bad Key",
        "fields.0.type": "string", "fields.0.zh": "乙"})
    assert response.status_code == 422 and 'data-field="fields.0.key"' in response.get_data(as_text=True)
