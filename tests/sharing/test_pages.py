"""External sharing and the partner register through the pages (forms with CSRF, roles, refusals)."""
from __future__ import annotations

from tests.support.auth import csrf_from
from tests.support.sharing import authorization_document
from tests.support.sharing import day
from tests.support.sharing import partner
from tests.support.sharing import ready_share
from tests.support.sharing import share_body


def test_the_request_form_names_the_missing_nda(desk, auth, client, services):
    file = desk.file()
    bank = partner(desk, nda=None)
    document_id = authorization_document(desk, services, file["id"], worker=False)
    client.put(f"/api/v1/documents/{document_id}/authorization", headers=desk.h["keeper"],
               json={"partners": [bank], "purposes": ["按揭贷款审核"], "valid_from": day(-1), "valid_to": day(9)})
    auth.login("clerk")
    form = client.get(f"/files/{file['id']}/shares/new").get_data(as_text=True)
    response = client.post(f"/files/{file['id']}/shares/new", data={
        "csrf_token": csrf_from(form), "partner_id": bank, "purpose": "按揭贷款审核", "fields": ["name", "phone"],
        "expires_on": day(3)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert ('id="share-refused"' in page and "保密协议" in page
            and "授权委托书" not in page.split("share-refused")[1][:200])
    assert services.db["shares"].count_documents({}) == 0


def test_only_the_archivist_or_admin_keeps_the_partner_register(desk, auth, client, services):
    auth.login("clerk")
    listing = client.get("/partners")
    assert listing.status_code == 200 and 'id="partner-form"' not in listing.get_data(as_text=True)
    refused = client.post("/partners", data={"csrf_token": csrf_from(client.get("/shares").get_data(as_text=True)),
                                             "name": "某银行", "kind": "bank"})
    assert refused.status_code == 403
    auth.logout()
    auth.login("keeper")
    page = client.get("/partners").get_data(as_text=True)
    bad = client.post("/partners", data={"csrf_token": csrf_from(page), "name": "", "kind": "bank"})
    assert bad.status_code == 422 and 'data-error="name"' in bad.get_data(as_text=True)
    made = client.post("/partners", data={"csrf_token": csrf_from(page), "name": "某银行", "kind": "bank"})
    assert made.status_code == 302
    assert services.db["partners"].count_documents({}) == 1


def test_approve_shows_the_link_once_and_revoke_needs_confirmation(desk, auth, client, services):
    file, bank, _ = ready_share(desk, services)
    share_id = desk.post("clerk", "/shares", share_body(file["id"], bank)).get_json()["id"]
    auth.login("clerk")
    mine = client.get(f"/shares/{share_id}").get_data(as_text=True)
    assert 'id="share-approve"' not in mine
    included = mine.split("共享的档案内容")[1].split("</tr>")[0]  # the fields by their labels, never by key
    assert "名称" in included and "证件号码" in included and "手机号码" in included and "phone" not in included
    auth.logout()
    auth.login("gm")
    page = client.get(f"/shares/{share_id}").get_data(as_text=True)
    approved = client.post(f"/shares/{share_id}/approve", data={"csrf_token": csrf_from(page)})
    html = approved.get_data(as_text=True)
    link = html.split('id="share-link">')[1].split("<")[0]
    assert "/share/" in link
    assert link not in client.get(f"/shares/{share_id}").get_data(as_text=True)  # shown once
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/share/{token}").status_code == 200
    unconfirmed = client.post(f"/shares/{share_id}/revoke", data={"csrf_token": csrf_from(page)})
    assert unconfirmed.status_code == 302 and client.get(f"/share/{token}").status_code == 200
    client.post(f"/shares/{share_id}/revoke", data={"csrf_token": csrf_from(page), "confirm": "yes"})
    assert client.get(f"/share/{token}").status_code == 410
    assert "已撤销" in client.get("/shares").get_data(as_text=True)


def test_the_file_page_shows_authorizations_and_shares(desk, auth, client, services):
    file, bank, _ = ready_share(desk, services)
    desk.post("clerk", "/shares", share_body(file["id"], bank))
    auth.login("clerk")
    page = client.get(f"/files/{file['id']}").get_data(as_text=True)
    assert 'id="file-shares"' in page and "招商银行朝阳支行" in page and "按揭贷款审核" in page
    assert 'id="erasure-form"' not in page  # the archivist records erasure requests


def test_the_request_form_asks_why_numbers_are_shown_and_the_share_says_whether_they_are(desk, auth, client,
                                                                                         services):
    file, bank, document_id = ready_share(desk, services)
    auth.login("clerk")
    form = client.get(f"/files/{file['id']}/shares/new").get_data(as_text=True)
    assert 'id="share-show-numbers"' in form and 'id="share-numbers-note"' in form
    fields = {"csrf_token": csrf_from(form), "partner_id": bank, "purpose": "按揭贷款审核", "fields": ["name"],
              "documents": [document_id], "expires_on": day(3), "show_numbers": "yes"}
    refused = client.post(f"/files/{file['id']}/shares/new", data=fields)
    assert refused.status_code == 422 and "显示完整号码须填写理由" in refused.get_data(as_text=True)
    assert services.db["shares"].count_documents({}) == 0
    made = client.post(f"/files/{file['id']}/shares/new", data={**fields, "numbers_purpose": "银行核对身份"})
    assert made.status_code == 302
    shown = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "完整显示" in shown and "银行核对身份" in shown
    covered = client.post(f"/files/{file['id']}/shares/new", data={**fields, "show_numbers": ""})
    assert "已遮盖" in client.get(covered.headers["Location"]).get_data(as_text=True)
