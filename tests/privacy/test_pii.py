"""Personal information: ID and phone numbers masked on pages, lists, exports, search and the API; "show in full"
asks for a purpose and is audited."""
from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from service.privacy import pii
from tests.support.files import VALID_ID
from tests.support.files import enterprise

MASKED_ID = "110105********002X"
MASKED_PHONE = "138****5678"


def test_the_masks_keep_first_six_and_last_four_or_first_three_and_last_four():
    assert pii.mask_id("110101199003071233") == "110101********1233"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone("010-88886666") == "010*****6666"
    assert pii.mask_id("") == "" and pii.mask_phone(None) == ""
    masked = pii.mask_fields({"id_number": VALID_ID, "phone": "13812345678", "address": "北京",
                              "contacts": [{"name": "王强", "phone": "13900001111"}], "legal_rep": {"name": "李"}})
    assert masked == {"id_number": MASKED_ID, "phone": MASKED_PHONE, "address": "北京",
                      "contacts": [{"name": "王强", "phone": "139****1111"}], "legal_rep": {"name": "李"}}
    # a field an admin named otherwise is personal by its check
    assert pii.mask_fields({"tel2": "13812345678"}, [{"key": "tel2", "check": "mobile"}]) == {"tel2": MASKED_PHONE}


def test_numbers_in_free_text_are_masked_even_when_a_highlight_splits_them():
    assert pii.mask_text("身份证 11010519491231002X，电话13812345678") == f"身份证 {MASKED_ID}，电话{MASKED_PHONE}"
    assert pii.mask_text("<mark>1381234</mark>5678") == "<mark>138****</mark>5678"
    assert pii.mask_text("合同编号 2026000123") == "合同编号 2026000123"


def test_the_one_rule_finds_id_and_mobile_numbers_in_a_line_however_they_are_written():
    def spans(text):
        return [(text[n.start:n.end], n.kind, text[n.hidden.start:n.hidden.stop]) for n in pii.number_spans(text)]
    assert spans("身份证号码：11010519491231002X") == [("11010519491231002X", "id", "19491231")]
    assert spans("身份证 11010519491231002x 已核") == [("11010519491231002x", "id", "19491231")]
    assert spans("手机13812345678。") == [("13812345678", "phone", "1234")]
    assert spans("联系电话：158 2093 6471") == [("158 2093 6471", "phone", "2093")]
    assert spans("电话 158-2093-6471，证件 110105-19491231-002X") == [
        ("158-2093-6471", "phone", "2093"), ("110105-19491231-002X", "id", "19491231")]
    assert spans(f"买受人 {VALID_ID} 电话 13900001111") == [(VALID_ID, "id", "19491231"),
                                                          ("13900001111", "phone", "0000")]
    assert spans("１５８ ２０９３ ６４７１") == [("１５８ ２０９３ ６４７１", "phone", "２０９３")]
    # no number: contract numbers, dates, amounts, a number too long to be either
    assert spans("合同编号 2026000123，签订日期 2026-08-15，总价 3200000 元") == []
    assert spans("流水号 1101051949123100212") == [] and spans("12345678901") == [] and spans("") == []
    assert pii.mask_text("联系电话：158 2093 6471") == "联系电话：158 **** 6471"


def test_staff_see_masked_numbers_in_the_api(desk, client):
    file = desk.file()
    assert file["fields"]["id_number"] == MASKED_ID and file["fields"]["phone"] == MASKED_PHONE
    for who in ("clerk", "keeper", "gm", "boss"):
        one = client.get(f"/api/v1/files/{file['id']}", headers=desk.h[who]).get_json()
        assert one["fields"]["id_number"] == MASKED_ID and one["fields"]["phone"] == MASKED_PHONE, who
    listed = client.get("/api/v1/files", headers=desk.h["clerk"]).get_json()["items"]
    assert listed[0]["fields"]["phone"] == MASKED_PHONE
    company = client.post("/api/v1/files", headers=desk.h["keeper"], json=enterprise(department="销售部")).get_json()
    assert company["fields"]["contacts"][0]["phone"] == "010*****6666"
    assert company["fields"]["credit_code"]  # not personal: shown


def test_a_patch_that_sends_other_fields_keeps_the_stored_numbers(desk, client, services):
    file = desk.file()
    response = client.patch(f"/api/v1/files/{file['id']}", headers={**desk.h["clerk"], "If-Match": "1"},
                            json={"fields": {"occupation": "教师"}})
    assert response.status_code == 200
    stored = services.db["files"].find_one({})
    assert stored["fields"]["id_number"] == VALID_ID and stored["fields"]["phone"] == "13812345678"


def test_staff_see_masked_numbers_on_the_pages_and_in_the_export(desk, auth, client, services):
    file = desk.file()
    auth.login("clerk")
    listing = client.get("/files").get_data(as_text=True)
    assert MASKED_PHONE in listing and "13812345678" not in listing
    page = client.get(f"/files/{file['id']}").get_data(as_text=True)
    assert MASKED_ID in page and MASKED_PHONE in page
    assert VALID_ID not in page and "13812345678" not in page
    choices = page.split('id="reveal-field"')[1].split("</select>")[0]  # numbers to show, by their labels
    assert '<option value="id_number">证件号码</option>' in choices
    assert '<option value="phone">手机号码</option>' in choices
    form = client.get(f"/files/{file['id']}/edit").get_data(as_text=True)
    assert VALID_ID not in form and MASKED_PHONE in form
    sheet = load_workbook(io.BytesIO(client.get("/files/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("证件号码", "手机号码") and rows[1][-2:] == (MASKED_ID, MASKED_PHONE)
    history = client.get(f"/files/{file['id']}/history").get_data(as_text=True)
    assert "13812345678" not in history


def test_saving_the_edit_form_with_masked_numbers_keeps_the_real_ones(desk, auth, client, services):
    from tests.support.auth import csrf_from
    file = desk.file()
    auth.login("clerk")
    form_html = client.get(f"/files/{file['id']}/edit").get_data(as_text=True)
    assert f'value="{MASKED_ID}"' in form_html
    data = {"csrf_token": csrf_from(form_html), "name": "张伟", "security": "normal", "f.id_type": "身份证",
            "f.id_number": MASKED_ID, "f.phone": MASKED_PHONE, "c.project": "JXLT", "c.stage": "意向",
            "c.customer_type": "刚需", "status": "active", "version": "1", "f.occupation": "律师",
            "f.gender": "男", "f.address": "北京市朝阳区建国路88号", "f.budget": "320",
            "l.room": "A101", "l.cabinet": "3", "l.shelf": "2", "l.box": "17"}
    response = client.post(f"/files/{file['id']}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = services.db["files"].find_one({})
    assert stored["fields"]["occupation"] == "律师"
    assert stored["fields"]["id_number"] == VALID_ID and stored["fields"]["phone"] == "13812345678"


def test_show_in_full_needs_a_purpose_and_is_audited(desk, client, services):
    file = desk.file()
    url = f"/api/v1/files/{file['id']}/reveal"
    missing = client.post(url, headers=desk.h["clerk"], json={"field": "id_number"})
    assert missing.status_code == 400 and "purpose" in missing.get_json()["error"]["fields"]
    assert client.post(url, headers=desk.h["clerk"], json={"field": "id_number", "purpose": "  "}).status_code == 400
    assert client.post(url, headers=desk.h["clerk"], json={"field": "address", "purpose": "核对"}).status_code == 404
    assert services.db["audit"].count_documents({"action": "pii.revealed"}) == 0
    shown = client.post(url, headers=desk.h["clerk"], json={"field": "id_number", "purpose": "办理按揭核对身份"})
    assert shown.status_code == 200 and shown.get_json()["value"] == VALID_ID
    entry = services.db["audit"].find_one({"action": "pii.revealed"})
    assert entry["actor"] == "clerk" and entry["details"] == {"field": "id_number", "kind": "id",
                                                              "purpose": "办理按揭核对身份"}
    # for that answer only: the file still reads masked
    assert client.get(f"/api/v1/files/{file['id']}", headers=desk.h["clerk"]).get_json()["fields"]["id_number"] \
        == MASKED_ID


def test_show_in_full_respects_roles_and_visibility(desk, auth, client):
    file = desk.file(security="confidential")
    auth.user("auditor", ["auditor"])
    auth.user("admin2", ["admin"])
    body = {"field": "phone", "purpose": "核对"}
    assert client.post(f"/api/v1/files/{file['id']}/reveal", headers=auth.token("auditor"),
                       json=body).status_code == 403
    assert client.post(f"/api/v1/files/{file['id']}/reveal", headers=auth.token("admin2"), json=body).status_code == 403
    outsider = desk.h["otherboss"]  # another department: cannot see a confidential file at all
    assert client.post(f"/api/v1/files/{file['id']}/reveal", headers=outsider, json=body).status_code == 404


def test_show_in_full_on_the_file_page(desk, auth, client, services):
    from tests.support.auth import csrf_from
    file = desk.file()
    auth.login("clerk")
    page = client.get(f"/files/{file['id']}").get_data(as_text=True)
    assert 'id="reveal-form"' in page
    token = csrf_from(page)
    empty = client.post(f"/files/{file['id']}/reveal", data={"csrf_token": token, "field": "phone", "purpose": ""})
    assert empty.status_code == 303
    shown = client.post(f"/files/{file['id']}/reveal", data={"csrf_token": token, "field": "phone",
                                                             "purpose": "回访核对"})
    assert shown.status_code == 200 and "13812345678" in shown.get_data(as_text=True)
    assert services.db["audit"].count_documents({"action": "pii.revealed", "actor": "clerk"}) == 1


def test_search_results_mask_numbers_in_snippets(desk, client, services):
    from tests.support.jobs import drain
    file = desk.file()
    drain(services)
    result = client.get("/api/v1/search", headers=desk.h["clerk"], query_string={"q": "13812345678"}).get_json()
    assert result["items"], result
    text = str(result)
    assert "13812345678" not in text and VALID_ID not in text
    assert any(file["id"] == item["file_id"] for item in result["items"])


def test_the_viewer_and_the_page_text_mask_numbers_in_what_was_read(desk, auth, client, services):
    from tests.support.jobs import drain
    from tests.support.scans import text_layer_pdf
    file = desk.file()
    body = text_layer_pdf(f"买受人身份证号码 {VALID_ID}\n联系电话 13812345678\n逾期交房违约责任")
    uploaded = client.post(f"/api/v1/files/{file['id']}/documents", headers=desk.h["keeper"],
                           data={"file": (io.BytesIO(body), "合同.pdf"), "doc_type": "purchase_contract",
                                 "title": "购房合同"}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    document = uploaded.get_json()["id"]
    drain(services)
    stored = services.documents.page(services.users.by_username("keeper"), document, 1)
    assert VALID_ID in stored["text"]  # what was read is kept whole; only what people see is masked
    answers = [client.get(f"/api/v1/documents/{document}/pages/1", headers=desk.h["clerk"]),
               client.get(f"/api/v1/documents/{document}/text", headers=desk.h["clerk"])]
    auth.login("clerk")
    answers += [client.get(f"/documents/{document}"), client.get(f"/documents/{document}/pages/1")]
    for answer in answers:
        text = json.dumps(answer.get_json(), ensure_ascii=False) if answer.is_json else answer.get_data(as_text=True)
        assert answer.status_code == 200 and VALID_ID not in text and "13812345678" not in text, text[:300]
        assert MASKED_ID in text and MASKED_PHONE in text and "逾期交房" in text
