"""Scans through the API: typed by content, size-limited, hashed, de-duplicated, read by the worker."""
from __future__ import annotations

import hashlib
import io
import threading

from tests.support import scans
from tests.support.files import individual
from tests.support.jobs import run_worker


def upload(client, headers, file_id, data: bytes, name="scan.png", doc_type="purchase_contract", title="合同"):
    return client.post(f"/api/v1/files/{file_id}/documents", headers=headers,
                       data={"file": (io.BytesIO(data), name), "doc_type": doc_type, "title": title},
                       content_type="multipart/form-data")


def test_a_scan_is_stored_with_the_checksum_of_the_bytes_downloaded_back(client, services, archivist, file_id):
    png = scans.contract_page_png()
    response = upload(client, archivist, file_id, png)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ocr_status"] == "pending" and body["media_type"] == "image/png" and body["size"] == len(png)
    assert body["sha256"] == hashlib.sha256(png).hexdigest()
    content = client.get(f"/api/v1/documents/{body['id']}/content", headers=archivist)
    assert content.status_code == 200
    assert hashlib.sha256(content.data).hexdigest() == body["sha256"]
    actions = [e["action"] for e in services.audit.search(target=f"document:{body['id']}")[1]]
    assert "document.uploaded" in actions and "document.downloaded" in actions


def test_the_original_is_streamed_not_read_whole_before_the_answer_starts(client, services, archivist, file_id,
                                                                          monkeypatch):
    """The content view's answer passes the API's checks as the stream it is: an original of up to the upload
    limit is never held in memory whole."""
    png = scans.contract_page_png()
    doc = upload(client, archivist, file_id, png).get_json()
    pulled: list[int] = []
    content = services.documents.content

    def counted(actor, document_id):
        found, chunks = content(actor, document_id)
        data = b"".join(chunks)

        def pieces():
            for start in range(0, len(data), 1024):
                pulled.append(start)
                yield data[start:start + 1024]
        return found, pieces()

    monkeypatch.setattr(services.documents, "content", counted)
    response = client.get(f"/api/v1/documents/{doc['id']}/content", headers=archivist, buffered=False)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert len(pulled) <= 1, "the original was read before its answer started"
    body = b"".join(response.response)
    response.close()
    assert body == png and len(pulled) == -(-len(png) // 1024)
    assert response.headers["Content-Length"] == str(len(png))


def test_an_executable_named_pdf_is_refused_and_leaves_nothing(client, services, archivist, file_id):
    response = upload(client, archivist, file_id, scans.windows_exe(), name="contract.pdf")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert list(services.objects.keys("originals")) == []
    assert client.get(f"/api/v1/files/{file_id}/documents", headers=archivist).get_json()["total"] == 0


def test_an_upload_over_the_limit_is_refused_after_reading_little_more(app, client, services, archivist, file_id):
    limit = 1024 * 1024
    services.documents.max_bytes = limit
    oversized = b"%PDF-1.4\n" + b"\0" * (limit + 10)
    response = upload(client, archivist, file_id, oversized, name="big.pdf")
    assert response.status_code == 413
    assert list(services.objects.keys("originals")) == []
    assert services.documents.repo.count({}) == 0


def test_a_201_mb_upload_is_refused_before_its_body_is_read(live_server, services, auth, file_id):
    """With the default 200 MB limit, the server answers 413 having read at most a little over it."""
    import http.client
    from urllib.parse import urlsplit
    token = auth.token("keeper")["Authorization"]
    target = urlsplit(live_server)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    size = 201 * 1024 * 1024
    boundary = "x" * 16
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
    connection.putrequest("POST", f"/api/v1/files/{file_id}/documents")
    connection.putheader("Authorization", token)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size))
    connection.endheaders()
    sent = 0
    chunk = b"\0" * (1024 * 1024)
    try:
        connection.send(head)
        while sent < size:
            connection.send(chunk)
            sent += len(chunk)
    except OSError:
        pass  # the server answered and closed: exactly what a limit should do
    response = connection.getresponse()
    assert response.status == 413
    assert sent <= services.settings.max_upload_bytes + 2 * 1024 * 1024
    assert list(services.objects.keys("originals")) == []


def test_the_same_content_twice_in_one_file_is_flagged_not_stored_twice(client, services, archivist, file_id):
    png = scans.contract_page_png(buyer="李娜")
    first = upload(client, archivist, file_id, png)
    second = upload(client, archivist, file_id, png, title="again")
    assert second.status_code == 409
    assert second.get_json()["error"]["fields"]["duplicate_of"] == first.get_json()["id"]
    assert len(list(services.objects.keys("originals"))) == 1
    other = client.post("/api/v1/files", headers=archivist, json=individual(name="李娜")).get_json()["id"]
    assert upload(client, archivist, other, png).status_code == 201  # another file may hold the same paper


def test_concurrent_uploads_of_the_same_content_store_it_once(app, services, archivist, file_id):
    png = scans.contract_page_png(buyer="王芳")
    statuses, answers = [], []

    def send():
        with app.test_client() as own:
            response = upload(own, archivist, file_id, png)
            statuses.append(response.status_code)
            answers.append(response.get_data(as_text=True)[:300])
    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409], answers
    assert services.documents.repo.count({"file_id": file_id}) == 1
    assert len(list(services.objects.keys("originals"))) == 1


def test_bad_requests_change_nothing(client, services, archivist, file_id, auth):
    no_file = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist, data={"doc_type": "other"},
                          content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert upload(client, archivist, file_id, scans.contract_page_png(), doc_type="nonsense").status_code == 422
    assert upload(client, archivist, "0" * 24, scans.contract_page_png()).status_code == 404
    auth.user("auditor1", ["auditor"])
    assert upload(client, auth.token("auditor1"), file_id, scans.contract_page_png()).status_code == 403
    assert list(services.objects.keys("originals")) == []


def test_a_confidential_files_scans_are_hidden_outside_its_department(client, auth, archivist):
    auth.user("sales", ["staff"], department="销售部")
    auth.user("service", ["staff"], department="客服部")
    sales = auth.token("sales")
    fid = client.post("/api/v1/files", headers=sales, json=individual(security="confidential")).get_json()["id"]
    doc = upload(client, sales, fid, scans.contract_page_png()).get_json()
    outsider = auth.token("service")
    for path in ("", "/content", "/text", "/pages/1", "/pages/1/thumb"):
        assert client.get(f"/api/v1/documents/{doc['id']}{path}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/files/{fid}/documents", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/documents/{doc['id']}/content", headers=sales).status_code == 200


def test_the_worker_reads_a_tilted_scan_and_a_two_page_pdf_and_a_text_layer(client, services, archivist, file_id):
    image = upload(client, archivist, file_id, scans.contract_page_png(tilt=1.5)).get_json()
    pdf = upload(client, archivist, file_id, scans.scanned_pdf([scans.contract_page_png(buyer="李娜"),
                                                                scans.contract_page_png(title="授权委托书")]),
                 name="two.pdf").get_json()
    text_layer = upload(client, archivist, file_id,
                        scans.text_layer_pdf("授权委托书\n委托人：赵敏，特授权办理签约手续。"),
                        name="born-digital.pdf", doc_type="authorization").get_json()
    run_worker(services, 3)
    read = {d["id"]: d for d in client.get(f"/api/v1/files/{file_id}/documents", headers=archivist).get_json()["items"]}
    assert {d["ocr_status"] for d in read.values()} == {"done"}
    text = client.get(f"/api/v1/documents/{image['id']}/text", headers=archivist)
    assert text.mimetype == "text/plain" and "charset=utf-8" in text.content_type
    assert "商品房买卖合同" in text.get_data(as_text=True) and "张伟" in text.get_data(as_text=True)
    assert read[pdf["id"]]["pages"] == 2
    assert len(list(services.objects.keys("derivatives", f"{pdf['id']}/thumb-"))) == 2
    pages = client.get(f"/api/v1/documents/{pdf['id']}/text", headers=archivist).get_data(as_text=True).split("\f")
    assert len(pages) == 2 and "李娜" in pages[0] and "授权委托书" in pages[1]
    born = client.get(f"/api/v1/documents/{text_layer['id']}/pages/1", headers=archivist).get_json()
    assert born["source"] == "text-layer" and "委托人：赵敏" in born["text"]
    line = client.get(f"/api/v1/documents/{image['id']}/pages/1", headers=archivist).get_json()["lines"][0]
    assert len(line["box"]) == 4 and line["text"]
    thumb = client.get(f"/api/v1/documents/{image['id']}/pages/1/thumb", headers=archivist)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_a_decompression_bomb_fails_with_its_reason_and_can_be_queued_again(client, services, archivist, file_id):
    doc = upload(client, archivist, file_id, scans.bomb_png(), name="bomb.png").get_json()
    assert client.get(f"/api/v1/documents/{doc['id']}/text", headers=archivist).status_code == 409
    run_worker(services, 1)
    failed = client.get(f"/api/v1/documents/{doc['id']}", headers=archivist).get_json()
    assert failed["ocr_status"] == "failed" and "pixel" in failed["ocr_error"]
    assert services.jobs.counts().get("failed") == 1  # failed at once, not retried five times
    again = client.post(f"/api/v1/documents/{doc['id']}/ocr", headers=archivist)
    assert again.status_code == 202 and again.get_json()["ocr_status"] == "pending"
    assert client.post(f"/api/v1/documents/{doc['id']}/ocr", headers=archivist).status_code == 409


def test_a_page_that_takes_too_long_fails_the_job_with_the_time_limit(client, services, archivist, file_id):
    from service.documents.ocr import Limits
    services.recognition.limits = Limits(page_timeout_seconds=0.05)
    doc = upload(client, archivist, file_id, scans.contract_page_png()).get_json()
    run_worker(services, 1)
    failed = client.get(f"/api/v1/documents/{doc['id']}", headers=archivist).get_json()
    assert failed["ocr_status"] == "failed" and "time limit" in failed["ocr_error"]


def test_document_types_are_configured_by_an_admin_and_missing_ones_are_named(client, auth, archivist, file_id):
    auth.user("boss", ["admin"])
    admin = auth.token("boss")
    listed = client.get(f"/api/v1/files/{file_id}/documents", headers=archivist).get_json()
    assert listed["missing_types"] == ["purchase_contract", "id_copy", "registration_form"]
    assert client.put("/api/v1/doc-types/parking_contract", headers=archivist,
                      json={"label_zh": "车位合同", "label_en": "Parking contract"}).status_code == 403
    saved = client.put("/api/v1/doc-types/parking_contract", headers=admin,
                       json={"label_zh": "车位合同", "label_en": "Parking contract"})
    assert saved.status_code == 200 and saved.get_json()["active"] is True
    assert client.put("/api/v1/doc-types/Bad Code", headers=admin,
                      json={"label_zh": "x", "label_en": "x"}).status_code == 422
    assert client.put("/api/v1/templates/individual/required-doc-types", headers=admin,
                      json={"types": ["parking_contract", "nope"]}).status_code == 422
    assert client.put("/api/v1/templates/individual/required-doc-types", headers=admin,
                      json={"types": ["parking_contract"]}).status_code == 200
    assert client.get(f"/api/v1/files/{file_id}/documents", headers=archivist).get_json()["missing_types"] == \
        ["parking_contract"]
    upload(client, archivist, file_id, scans.contract_page_png(), doc_type="parking_contract")
    assert client.get(f"/api/v1/files/{file_id}/documents", headers=archivist).get_json()["missing_types"] == []
