"""Erasure requests restrict a file (no new loans, no new shares) until its retention lets it go;
the subject access package holds the customer's own data."""
from __future__ import annotations

import io
import json
import zipfile

from tests.support.files import VALID_ID
from tests.support.sharing import ready_share
from tests.support.sharing import share_body


def test_an_erasure_request_restricts_new_loans_and_shares_and_shows_on_the_file(desk, services, client, auth):
    file, bank, _ = ready_share(desk, services)
    url = f"/api/v1/files/{file['id']}/erasure"
    assert desk.post("clerk", url.removeprefix("/api/v1"), {"requester": "张伟", "reason": "x"}).status_code == 403
    assert desk.post("keeper", url.removeprefix("/api/v1"), {"requester": "张伟"}).status_code == 400
    recorded = desk.post("keeper", url.removeprefix("/api/v1"),
                         {"requester": "张伟本人", "reason": "不再购房，要求删除"})
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["status"] == "pending"
    again = desk.post("keeper", url.removeprefix("/api/v1"), {"requester": "张伟本人", "reason": "再次"})
    assert again.status_code == 409
    loan = desk.post("clerk", "/loans", {"file_id": file["id"], "kind": "physical", "purpose": "核对", "days": 3})
    assert loan.status_code == 409 and "删除请求" in loan.get_json()["error"]["message"]
    share = desk.post("clerk", "/shares", share_body(file["id"], bank))
    assert share.status_code == 409 and "restriction" in share.get_json()["error"]["fields"]
    assert services.db["loans"].count_documents({}) == 0 and services.db["shares"].count_documents({}) == 0
    assert services.db["audit"].count_documents({"action": "privacy.erasure_requested"}) == 1
    auth.login("clerk")
    page = client.get(f"/files/{file['id']}").get_data(as_text=True)
    assert 'id="erasure-state"' in page and "不再购房" in page and "暂停借阅" in page


def test_an_approved_share_cannot_be_approved_after_an_erasure_request(desk, services):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    desk.post("keeper", f"/files/{file['id']}/erasure", {"requester": "张伟", "reason": "删除"})
    response = desk.post("gm", f"/shares/{share_id}/approve")
    assert response.status_code == 409 and "restriction" in response.get_json()["error"]["fields"]


def test_an_erasure_is_due_once_retention_has_run_out(desk, services, client):
    file = desk.file()
    desk.post("keeper", f"/files/{file['id']}/erasure", {"requester": "张伟", "reason": "删除"})
    services.db["retention"].update_one({"_id": file["id"]}, {"$set": {"destroy_after": "2000-01-01"}},
                                               upsert=True)
    state = client.get(f"/api/v1/files/{file['id']}/erasure", headers=desk.h["keeper"]).get_json()
    assert state["status"] == "due" and state["until"] == "2000-01-01"


def test_the_subject_access_package_holds_the_customers_own_data(desk, services, client):
    file, bank, document_id = ready_share(desk, services)
    desk.ask("clerk", file["id"])
    assert client.get(f"/api/v1/files/{file['id']}/subject-access", headers=desk.h["clerk"]).status_code == 403
    response = client.get(f"/api/v1/files/{file['id']}/subject-access", headers=desk.h["keeper"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        record = json.loads(archive.read("customer.json"))
        assert record["files"][0]["fields"]["id_number"] == VALID_ID  # the customer's own data, in full
        assert record["files"][0]["documents"][0]["sha256"]
        assert archive.read(record["files"][0]["documents"][0]["path"]).startswith(b"%PDF")
        assert record["loans"][0]["purpose"] == "签约核对"
    entry = services.db["audit"].find_one({"action": "privacy.subject_access_exported"})
    assert entry["actor"] == "keeper"


def test_a_file_without_an_erasure_request_answers_null_and_the_description_says_so(desk, client):
    file = desk.file()
    state = client.get(f"/api/v1/files/{file['id']}/erasure", headers=desk.h["keeper"])
    assert state.status_code == 200 and state.get_json() is None
    doc = client.get("/api/v1/openapi.json").get_json()
    answer = doc["paths"]["/api/v1/files/{file_id}/erasure"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErasureOrNone")
    assert {"type": "null"} in doc["components"]["schemas"]["ErasureOrNone"]["anyOf"]
    page = doc["paths"]["/api/v1/documents/{document_id}/pages/{number}/reveal"]["post"]["responses"]["200"]
    assert set(page["content"]) == {"image/jpeg"}
    package = doc["paths"]["/api/v1/files/{file_id}/subject-access"]["get"]["responses"]["200"]
    assert set(package["content"]) == {"application/zip"}
