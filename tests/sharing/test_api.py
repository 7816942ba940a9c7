"""External sharing through the API: the three pieces (authorization, NDA, approval), the link, revocation."""
from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta

from tests.support import scans
from tests.support.sharing import authorization_document
from tests.support.sharing import authorize
from tests.support.sharing import partner
from tests.support.sharing import ready_share
from tests.support.sharing import share_body


def test_a_share_without_an_nda_is_refused_naming_it(desk, services):
    file = desk.file()
    no_nda = partner(desk, "某装修公司", "decoration", nda=None)
    document_id = authorization_document(desk, services, file["id"], worker=False)
    authorize(desk, document_id, [no_nda])
    response = desk.post("clerk", "/shares", share_body(file["id"], no_nda))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"nda"} and "保密协议" in error["message"]
    assert services.db["shares"].count_documents({}) == 0


def test_an_expired_nda_counts_as_none(desk, services):
    file = desk.file()
    old = partner(desk, "某律师事务所", "lawyer", nda=(-400, -1))
    document_id = authorization_document(desk, services, file["id"], worker=False)
    authorize(desk, document_id, [old])
    response = desk.post("clerk", "/shares", share_body(file["id"], old))
    assert response.status_code == 409 and set(response.get_json()["error"]["fields"]) == {"nda"}


def test_a_share_without_an_authorization_for_that_partner_and_purpose_is_refused(desk, services):
    file = desk.file()
    bank = partner(desk)
    other = partner(desk, "另一家银行")
    response = desk.post("clerk", "/shares", share_body(file["id"], bank))
    assert response.status_code == 409
    assert set(response.get_json()["error"]["fields"]) == {"authorization"}
    assert "授权委托书" in response.get_json()["error"]["message"]
    document_id = authorization_document(desk, services, file["id"], worker=False)
    authorize(desk, document_id, [other])  # covers another partner
    assert desk.post("clerk", "/shares", share_body(file["id"], bank)).status_code == 409
    authorize(desk, document_id, [bank], purposes=["装修"])  # another purpose
    assert desk.post("clerk", "/shares", share_body(file["id"], bank)).status_code == 409
    authorize(desk, document_id, [bank], span=(-30, -1))  # expired yesterday
    assert desk.post("clerk", "/shares", share_body(file["id"], bank)).status_code == 409
    authorize(desk, document_id, [bank])
    assert desk.post("clerk", "/shares", share_body(file["id"], bank)).status_code == 201


def test_missing_both_names_both(desk, services):
    file = desk.file()
    bank = partner(desk, nda=None)
    error = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["error"]
    assert set(error["fields"]) == {"authorization", "nda"}


def test_bad_requests_change_nothing(desk, services, client):
    file, bank, document_id = ready_share(desk, services)
    for bad in ({"partner_id": "nope"}, {"purpose": ""}, {"fields": ["salary"]}, {"documents": ["x"]},
                {"expires_on": "2020-01-01"}, {"expires_on": "tomorrow"}, {"fields": [], "documents": []}):
        response = desk.post("clerk", "/shares", {**share_body(file["id"], bank, document_id), **bad})
        assert response.status_code == 422, (bad, response.get_json())
    assert desk.post("clerk", "/shares", ["not", "an", "object"]).status_code == 400
    auditor_headers = desk.h["keeper"]
    assert client.post("/api/v1/partners", headers=desk.h["clerk"],
                       json={"name": "x", "kind": "bank"}).status_code == 403
    assert desk.post("keeper", "/partners", {"name": "", "kind": "pawn"}).status_code == 422
    bad_nda = client.post(f"/api/v1/partners/{bank}/ndas", headers=auditor_headers,
                          data={"file": (io.BytesIO(b"hello"), "x.txt"), "valid_from": "2026-01-01",
                                "valid_to": "2025-01-01"}, content_type="multipart/form-data")
    assert bad_nda.status_code == 422 and set(bad_nda.get_json()["error"]["fields"]) == {"file", "valid_to"}
    contract = client.put(f"/api/v1/documents/{document_id}/authorization", headers=desk.h["keeper"],
                          json={"partners": [bank], "purposes": [], "valid_from": "x", "valid_to": "y"})
    assert contract.status_code == 422
    assert services.db["shares"].count_documents({}) == 0


def test_approved_link_works_until_revoked_and_every_access_is_audited(desk, services, client):
    file, bank, document_id = ready_share(desk, services)
    created = desk.post("clerk", "/shares", share_body(file["id"], bank, document_id))
    assert created.status_code == 201 and created.get_json()["status"] == "requested"
    share_id = created.get_json()["id"]
    assert "token" not in created.get_json()
    # (c) the executive's approval is its own step: the requester cannot, a department head cannot
    assert desk.post("clerk", f"/shares/{share_id}/approve").status_code == 403
    assert desk.post("boss", f"/shares/{share_id}/approve").status_code == 403
    approved = desk.post("gm", f"/shares/{share_id}/approve")
    assert approved.status_code == 200, approved.get_json()
    token = approved.get_json()["token"]
    assert approved.get_json()["link"].endswith(f"/share/{token}")
    stored = services.db["shares"].find_one({})
    assert token not in str(stored) and len(stored["token_hash"]) == 64

    page = client.get(f"/share/{token}", headers={"User-Agent": "BankBrowser/1.0"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "11010519491231002X" in html and "仅供 招商银行朝阳支行" in html
    assert "北京市朝阳区" not in html  # the address was not included
    image = client.get(f"/share/{token}/documents/{document_id}/pages/1.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    plain = services.documents.page_image(services.users.by_username("keeper"), document_id, 1)
    assert scans.stamped_share(plain) < 0.001 and scans.stamped_share(image.data) > 0.02  # the red stamp
    pdf = client.get(f"/share/{token}/documents/{document_id}.pdf")
    import pypdfium2
    assert "招商银行朝阳支行" in pypdfium2.PdfDocument(pdf.data)[0].get_textpage().get_text_range()
    package = client.get(f"/share/{token}/package.zip")
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        names = archive.namelist()
        assert "fields.json" in names and f"documents/{document_id}.pdf" in names
        assert "招商银行朝阳支行" in archive.read("README.txt").decode()
    accesses = list(services.db["audit"].find({"action": "share.accessed"}))
    assert len(accesses) == 4
    assert {a["actor"] for a in accesses} == {"partner:招商银行朝阳支行"}
    assert accesses[0]["details"]["user_agent"] == "BankBrowser/1.0" and accesses[0]["details"]["ip"]

    assert client.get(f"/share/{token[:-2]}xx").status_code == 404  # tampered
    assert desk.post("clerk2", f"/shares/{share_id}/revoke").status_code == 404  # not theirs
    assert desk.post("clerk", f"/shares/{share_id}/revoke").status_code == 200
    assert client.get(f"/share/{token}").status_code == 410
    assert client.get(f"/share/{token}/package.zip").status_code == 410
    assert desk.post("keeper", f"/shares/{share_id}/revoke").status_code == 409
    assert services.db["audit"].count_documents({"action": "share.accessed"}) == 4


def test_an_expired_link_answers_gone(desk, services, client):
    file, bank, document_id = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    token = desk.post("gm", f"/shares/{share_id}/approve").get_json()["token"]
    assert client.get(f"/share/{token}").status_code == 200
    stored = services.db["shares"].find_one({})
    services.db["shares"].update_one({"_id": stored["_id"]},
                                     {"$set": {"expires_at": stored["expires_at"] - timedelta(days=30)}})
    assert client.get(f"/share/{token}").status_code == 410
    assert desk.client.get(f"/api/v1/shares/{share_id}", headers=desk.h["clerk"]).get_json()["status"] == "expired"


def test_a_reissued_link_replaces_the_old_one(desk, services, client):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    first = desk.post("gm", f"/shares/{share_id}/approve").get_json()["token"]
    second = desk.post("clerk", f"/shares/{share_id}/link").get_json()["token"]
    assert client.get(f"/share/{first}").status_code == 404
    assert client.get(f"/share/{second}").status_code == 200


def test_the_executive_cannot_approve_their_own_request(desk, services):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("gm", "/shares", share_body(file["id"], bank)).get_json()["id"]
    response = desk.post("gm", f"/shares/{share_id}/approve")
    assert response.status_code == 403 and "自己" in response.get_json()["error"]["message"]


def test_concurrent_approvals_one_wins(desk, services, app):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    desk.h["gm2"] = None
    services.users.create("gm2", "Correct-Horse-42", ["executive"], "总经办", "副总")
    token_response = app.test_client().post("/api/v1/auth/token", json={"username": "gm2",
                                                                         "password": "Correct-Horse-42"})
    heads = [desk.h["gm"], {"Authorization": f"Bearer {token_response.get_json()['token']}"}]
    codes = []

    def approve(headers):
        codes.append(app.test_client().post(f"/api/v1/shares/{share_id}/approve", headers=headers).status_code)

    threads = [threading.Thread(target=approve, args=(h,)) for h in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    assert services.db["audit"].count_documents({"action": "share.approved"}) == 1


def test_a_rejected_request_gives_no_link(desk, services):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    assert desk.post("gm", f"/shares/{share_id}/reject", {}).status_code == 422
    assert desk.post("gm", f"/shares/{share_id}/reject", {"reason": "用途不明"}).get_json()["status"] == "rejected"
    assert desk.post("gm", f"/shares/{share_id}/approve").status_code == 409
    assert services.db["shares"].find_one({}).get("token_hash") is None


def test_an_nda_that_lapsed_before_approval_stops_it(desk, services):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    services.db["partners"].update_one({}, {"$set": {"ndas.0.valid_to": "2020-01-01"}})
    response = desk.post("gm", f"/shares/{share_id}/approve")
    assert response.status_code == 409 and set(response.get_json()["error"]["fields"]) == {"nda"}


ID_NUMBER = "110105198803152417"
CONTRACT = scans.text_layer_pdf(f"买受人身份证号码 {ID_NUMBER}\n逾期交房违约责任")


def _numbered_share(desk, services, client, **numbers):
    """An approved share of a contract page that prints an ID number: (token, document id, page record)."""
    from tests.support.jobs import drain
    file, bank, _ = ready_share(desk, services)
    uploaded = client.post(f"/api/v1/files/{file['id']}/documents", headers=desk.h["keeper"],
                           data={"file": (io.BytesIO(CONTRACT), "合同.pdf"), "doc_type": "purchase_contract",
                                 "title": "购房合同"},
                           content_type="multipart/form-data")
    document_id = uploaded.get_json()["id"]
    drain(services)
    created = desk.post("clerk", "/shares", share_body(file["id"], bank, document_id, **numbers))
    assert created.status_code == 201, created.get_json()
    approved = desk.post("gm", f"/shares/{created.get_json()['id']}/approve")
    page = services.documents.page(services.users.by_username("keeper"), document_id, 1)
    return approved.get_json()["token"], document_id, page


def _dark_share(data: bytes, region) -> float:
    """The share of a region's pixels that read dark: nearly all under a box, few where digits stand on paper."""
    from PIL import Image
    with Image.open(io.BytesIO(data)) as image:
        pixels = list(image.convert("L").crop(region).getdata())
    return sum(1 for p in pixels if p < 100) / len(pixels)


def test_a_shared_page_image_has_its_numbers_covered_by_default(desk, services, client):
    token, document_id, page = _numbered_share(desk, services, client)
    number = scans.band_of_line(page, ID_NUMBER, 0.50, 0.95)
    image = client.get(f"/share/{token}/documents/{document_id}/pages/1.jpg")
    assert image.status_code == 200 and _dark_share(image.data, number) > 0.95
    assert _dark_share(image.data, scans.band_of_line(page, "逾期交房", 0.05, 0.95)) < 0.5  # words stay readable
    assert 'id="share-numbers"' in client.get(f"/share/{token}").get_data(as_text=True)
    share = services.db["shares"].find_one({})
    assert share["show_numbers"] is False


def test_a_share_made_to_show_numbers_serves_them_uncovered_and_the_audit_has_the_purpose(desk, services, client):
    token, document_id, page = _numbered_share(desk, services, client, show_numbers=True,
                                               numbers_purpose="银行核对借款人身份")
    image = client.get(f"/share/{token}/documents/{document_id}/pages/1.jpg")
    assert image.status_code == 200 and _dark_share(image.data, scans.band_of_line(page, ID_NUMBER, 0.50, 0.95)) < 0.5
    requested = services.db["audit"].find_one({"action": "share.requested"})
    assert requested["details"]["show_numbers"] is True
    assert requested["details"]["numbers_purpose"] == "银行核对借款人身份"
    share_id = services.db["shares"].find_one({})["_id"]
    share = client.get(f"/api/v1/shares/{share_id}", headers=desk.h["clerk"]).get_json()
    assert share["show_numbers"] is True and share["numbers_purpose"] == "银行核对借款人身份"


def test_showing_numbers_without_a_purpose_is_refused_and_nothing_is_created(desk, services):
    file, bank, document_id = ready_share(desk, services)
    for purpose in (None, "", "   "):
        body = share_body(file["id"], bank, document_id, show_numbers=True)
        if purpose is not None:
            body["numbers_purpose"] = purpose
        response = desk.post("clerk", "/shares", body)
        assert response.status_code == 422, response.get_json()
        assert set(response.get_json()["error"]["fields"]) == {"numbers_purpose"}
        assert "理由" in response.get_json()["error"]["fields"]["numbers_purpose"]
    assert desk.post("clerk", "/shares", share_body(file["id"], bank, document_id, show_numbers="yes")).status_code \
        == 422
    assert services.db["shares"].count_documents({}) == 0
    assert services.db["audit"].count_documents({"action": "share.requested"}) == 0
