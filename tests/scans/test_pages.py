"""Scans through the pages: upload from a file's page, the viewer, downloads, 资料不全, document types."""
from __future__ import annotations

import hashlib
import io
import re

from PIL import Image

from tests.support import scans
from tests.support.auth import csrf_from
from tests.support.files import register
from tests.support.jobs import run_worker

JSON = {"Accept": "application/json"}


def small_png(shade: int) -> bytes:
    """A tiny scan whose bytes differ with the shade."""
    return scans.png_bytes(Image.new("L", (64, 48), shade))


def file_page(client, file_id: str) -> str:
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def send(client, file_id: str, data: bytes, name="scan.png", doc_type="purchase_contract", title="", token=None,
         headers=JSON):
    form = {"file": (io.BytesIO(data), name), "doc_type": doc_type, "title": title}
    if token is not False:
        form["csrf_token"] = token or csrf_from(file_page(client, file_id))
    return client.post(f"/files/{file_id}/documents", data=form, headers=headers, content_type="multipart/form-data")


def audit_actions(services, document_id: str) -> list[str]:
    return [e["action"] for e in services.audit.search(target=f"document:{document_id}")[1]]


def test_an_archivist_uploads_a_scan_from_the_file_page_and_sees_it_listed(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    page = file_page(client, file_id)
    assert 'id="upload-form"' in page and 'id="drop-zone"' in page and 'id="no-documents"' in page
    response = send(client, file_id, small_png(10), name="contract.png", title="购房合同（首页）")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["media_type"] == "image/png" and body["ocr_status"] == "pending"
    assert body["url"] == f"/documents/{body['id']}"
    page = file_page(client, file_id)
    assert "购房合同（首页）" in page and f'href="/documents/{body["id"]}"' in page and "排队等待识别" in page
    listed = client.get(f"/files/{file_id}/documents").get_data(as_text=True)
    assert "购房合同（首页）" in listed and "<html" not in listed
    client.set_cookie("lang", "en")
    assert 'data-type="purchase_contract">Purchase contract</td>' in file_page(client, file_id)


def test_an_executable_named_contract_pdf_is_refused_and_nothing_is_stored(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    response = send(client, file_id, scans.windows_exe(), name="contract.pdf")
    assert response.status_code == 415
    assert "PDF、JPEG、PNG 或 TIFF" in response.get_json()["error"]["message"]
    assert services.db["documents"].count_documents({}) == 0
    assert list(services.objects.keys("originals")) == []


def test_the_same_scan_twice_in_one_file_is_refused_with_a_link_to_the_first(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    first = send(client, file_id, small_png(20)).get_json()
    again = send(client, file_id, small_png(20), name="again.png")
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["duplicate_url"] == f"/documents/{first['id']}" and "内容相同" in error["message"]
    assert services.db["documents"].count_documents({}) == 1


def test_without_a_csrf_token_an_upload_is_refused(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    response = send(client, file_id, small_png(30), token=False)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    assert services.db["documents"].count_documents({}) == 0


def test_the_plain_form_uploads_one_file_and_comes_back_with_a_message(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    response = send(client, file_id, small_png(40), name="登记表.png", doc_type="registration_form", headers={})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/files/{file_id}#tab-documents")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已上传 登记表.png" in page
    refused = send(client, file_id, scans.windows_exe(), name="contract.pdf", headers={})
    assert refused.status_code == 302
    assert ("contract.pdf：不是 PDF、JPEG、PNG 或 TIFF 文件"
            in client.get(refused.headers["Location"]).get_data(as_text=True))


def test_the_download_is_the_original_and_viewing_and_downloading_are_audited(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    png = small_png(50)
    document_id = send(client, file_id, png, name="合同.png").get_json()["id"]
    viewer = client.get(f"/documents/{document_id}")
    assert viewer.status_code == 200 and "排队等待识别" in viewer.get_data(as_text=True)
    download = client.get(f"/documents/{document_id}/download")
    assert download.status_code == 200 and download.data == png
    assert download.headers["Content-Disposition"].startswith("attachment;")
    record = services.db["documents"].find_one({})
    assert hashlib.sha256(download.data).hexdigest() == record["sha256"]
    actions = audit_actions(services, document_id)
    assert "document.viewed" in actions and "document.downloaded" in actions


def test_staff_of_another_department_cannot_open_a_confidential_files_scans(app, auth, services):
    owner, outsider = app.test_client(), app.test_client()
    auth.user("clerk", ["staff"], department="销售部")
    auth.user("stranger", ["staff"], department="客服部")
    auth.client = owner
    auth.login("clerk")
    file_id = register(owner, security="confidential")
    document_id = send(owner, file_id, scans.contract_page_png(dpi=100)).get_json()["id"]
    run_worker(services, 1)
    urls = [f"/documents/{document_id}", f"/documents/{document_id}/download", f"/documents/{document_id}/state",
            f"/documents/{document_id}/pages/1", f"/documents/{document_id}/pages/1/thumb",
            f"/documents/{document_id}/pages/1/image"]
    for url in urls:
        assert owner.get(url).status_code == 200, url
    assert owner.get(urls[4]).headers["Cache-Control"].startswith("private")
    auth.client = outsider
    auth.login("stranger")
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    assert outsider.get(f"/files/{file_id}/documents").status_code == 404
    assert "stranger" not in {e["actor"] for e in services.audit.search(target=f"document:{document_id}")[1]}


def test_the_viewer_shows_the_recognised_text_with_the_search_marked(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    document_id = send(client, file_id, scans.contract_page_png(buyer="李娜")).get_json()["id"]
    run_worker(services, 1)
    page = client.get(f"/documents/{document_id}?q=李娜").get_data(as_text=True)
    assert "<mark>李娜</mark>" in page and '<polygon class="hit"' in page
    assert 'id="thumbs"' in page and f"/documents/{document_id}/pages/1/thumb" in page
    text = client.get(f"/documents/{document_id}/pages/1", headers=JSON).get_json()
    assert "李娜" in text["text"] and text["width"] > 0 and text["lines"][0]["box"]
    assert "已识别" in file_page(client, file_id)


def test_a_failed_reading_shows_its_reason_and_can_be_queued_again(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    document_id = send(client, file_id, scans.broken_pdf(), name="坏文件.pdf").get_json()["id"]
    run_worker(services, 1)
    page = file_page(client, file_id)
    assert "识别失败" in page and "rerun-ocr" in page
    response = client.post(f"/documents/{document_id}/ocr", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert services.db["documents"].find_one({})["ocr_status"] == "pending"
    assert "已重新排队识别" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_missing_types_warning_goes_once_the_required_scans_are_in(client, auth, services):
    auth.user("keeper", ["archivist"])
    auth.login("keeper")
    file_id = register(client)
    page = file_page(client, file_id)
    warning = re.search(r'id="missing-types">(.*?)</p>', page).group(1)
    assert "资料不全" in warning and "购房合同" in warning and "身份证复印件" in warning and "业主登记表" in warning
    for shade, doc_type in ((60, "purchase_contract"), (70, "id_copy")):
        assert send(client, file_id, small_png(shade), doc_type=doc_type).status_code == 201
    warning = re.search(r'id="missing-types">(.*?)</p>', file_page(client, file_id)).group(1)
    assert "业主登记表" in warning and "购房合同" not in warning
    assert send(client, file_id, small_png(80), doc_type="registration_form").status_code == 201
    page = file_page(client, file_id)
    assert 'id="missing-types"' not in page and 'id="documents-complete"' in page


def test_an_admin_adds_a_document_type_and_makes_it_required(client, auth, services):
    auth.user("root", ["admin"])
    auth.user("clerk", ["staff"])
    auth.login("root")
    page = client.get("/admin/doc-types").get_data(as_text=True)
    assert 'id="nav-doc-types"' in page and "授权委托书" in page
    token = csrf_from(page)
    bad = client.post("/admin/doc-types", data={"csrf_token": token, "code": "Bank Statement!", "label_zh": "",
                                                "label_en": "Bank statement", "active": "1"})
    assert bad.status_code == 422
    assert 'data-field="code"' in bad.get_data(as_text=True) and 'data-field="label_zh"' in bad.get_data(as_text=True)
    added = client.post("/admin/doc-types", data={"csrf_token": token, "code": "bank_statement", "label_zh": "银行流水",
                                                  "label_en": "Bank statement", "active": "1"})
    assert added.status_code == 302
    assert client.post("/admin/doc-types/required/individual", data={
        "csrf_token": token, "types": ["purchase_contract", "bank_statement"]}).status_code == 302
    assert services.doc_types.required("individual") == ["purchase_contract", "bank_statement"]
    retired = client.post("/admin/doc-types", data={"csrf_token": token, "code": "survey_form", "existing": "1",
                                                    "label_zh": "调查表", "label_en": "Survey form"})
    assert retired.status_code == 302 and not services.doc_types.is_active("survey_form")
    auth.logout()
    auth.login("clerk")
    assert client.get("/admin/doc-types").status_code == 403
    file_id = register(client)
    page = file_page(client, file_id)
    assert "银行流水" in re.search(r'id="missing-types">(.*?)</p>', page).group(1)
    assert 'value="bank_statement"' in page and 'value="survey_form"' not in page
