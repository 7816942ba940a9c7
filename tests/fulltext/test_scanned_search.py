"""Scans are searchable as soon as they are read: a scanned image and a scanned two-page PDF (no text
layer) uploaded through the API, read by real RapidOCR in a running worker, say `search_status:
indexed` only once a search finds their words, names, phrases, a phone printed with spaces and
amounts written in capitals (by their digits); a read scan is indexed before the
next one in the queue is read; a busy index delays the update without losing it."""
from __future__ import annotations

import io
import time

import pytest

from service.worker import Worker
from service.worker import index_job
from service.worker import ocr_job
from tests.support import scans
from tests.support.files import individual
from tests.support.jobs import drain
from tests.support.jobs import run_worker
from tests.support.jobs import running_worker
from tests.support.search import index_held
from tests.support.search import page_hits

READ_TIMEOUT = 600.0  # a deadline for a loaded machine, not a pause: the polls end as soon as it is done


def upload(client, headers, file_id: str, data: bytes, name: str, title: str) -> dict:
    response = client.post(f"/api/v1/files/{file_id}/documents", headers=headers,
                           data={"file": (io.BytesIO(data), name), "doc_type": "purchase_contract",
                                 "title": title}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def document(client, headers, document_id: str) -> dict:
    response = client.get(f"/api/v1/documents/{document_id}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def wait_until_indexed(client, headers, document_ids: list[str]) -> None:
    """Poll the API until every document says indexed (failing on a failed read or the deadline)."""
    deadline = time.monotonic() + READ_TIMEOUT
    waiting = set(document_ids)
    while waiting:
        for document_id in sorted(waiting):
            state = document(client, headers, document_id)
            assert state["ocr_status"] != "failed", state
            if state["search_status"] == "indexed":
                assert state["ocr_status"] == "done"
                waiting.discard(document_id)
        assert time.monotonic() < deadline, f"not indexed in time: {waiting}"
        time.sleep(0.2)


@pytest.fixture
def scanned(client, services, archivist):
    """赵磊's file holding a scanned parking-space contract (PNG) and a scanned two-page PDF (a sale
    contract, then a lease), read by a running worker; the ids, once the API says they are indexed."""
    file_id = client.post("/api/v1/files", headers=archivist, json=individual(name="赵磊")).get_json()["id"]
    image = upload(client, archivist, file_id,
                   scans.contract_page_png(title="车位买卖合同", buyer="陈静", phone="158 2093 6471"),
                   "车位.png", "车位合同")
    pdf = upload(client, archivist, file_id, scans.scanned_pdf([
        scans.contract_page_png(title="商品房买卖合同", buyer="王芳", seed=5),
        scans.contract_page_png(title="房屋租赁合同", buyer="刘洋", tilt=-1.0, seed=3)]), "合同.pdf", "合同扫描件")
    assert image["search_status"] == pdf["search_status"] == "pending"
    with running_worker(services):
        wait_until_indexed(client, archivist, [image["id"], pdf["id"]])
    return {"file_id": file_id, "image": image["id"], "pdf": pdf["id"]}


def test_scanned_pages_are_indexed_with_the_files_documents_saying_so(client, archivist, scanned):
    listed = client.get(f"/api/v1/files/{scanned['file_id']}/documents", headers=archivist).get_json()
    assert {(d["id"], d["ocr_status"], d["search_status"], d["pages"]) for d in listed["items"]} == {
        (scanned["image"], "done", "indexed", 1), (scanned["pdf"], "done", "indexed", 2)}


@pytest.mark.parametrize("q, pages", [
    ("租赁", {("pdf", 2)}),                                   # a word
    ("车位", {("image", 1)}),
    ("刘洋", {("pdf", 2)}),                                   # a customer's name on a page
    ("陈静", {("image", 1)}),
    ('"北京华远房地产开发有限公司"', {("image", 1), ("pdf", 1), ("pdf", 2)}),  # a quoted phrase
    ('"车位买卖合同"', {("image", 1)}),
    ("15820936471", {("image", 1)}),                          # a phone printed as 158 2093 6471
    ("158-2093-6471", {("image", 1)}),
    ("15820936472", set()),                                   # another number is not it
    ("3200000", {("image", 1), ("pdf", 1), ("pdf", 2)}),      # 人民币叁佰贰拾万元整, by its digits
    ("3,200,000", {("image", 1), ("pdf", 1), ("pdf", 2)}),
    ("2,200,000", set()),                                     # shares 200,000 with it, and is not it
    ("960000", {("image", 1), ("pdf", 1), ("pdf", 2)}),       # 玖拾陆万元整
])
def test_words_names_and_phrases_of_scans_are_found_once_indexed(client, archivist, scanned, q, pages):
    assert page_hits(client, archivist, q) == {(scanned[kind], number) for kind, number in pages}


def test_a_read_scan_is_searchable_before_the_next_one_in_the_queue_is_read(client, services, archivist,
                                                                             file_id):
    drain(services)  # the file's own index job
    first = upload(client, archivist, file_id, scans.text_layer_pdf("第一份合同\n违约金按日万分之五计算。"),
                   "1.pdf", "第一份")
    second = upload(client, archivist, file_id, scans.text_layer_pdf("第二份合同\n逾期交房"), "2.pdf", "第二份")
    run_worker(services, 1)  # the first scan's reading, and nothing else
    assert document(client, archivist, first["id"])["search_status"] == "indexed"
    assert page_hits(client, archivist, "违约金") == {(first["id"], 1)}
    assert document(client, archivist, second["id"])["ocr_status"] == "pending"


def test_a_busy_index_delays_a_read_scan_without_losing_it(client, services, archivist, file_id, monkeypatch):
    drain(services)  # the file's own index job
    scan = upload(client, archivist, file_id, scans.text_layer_pdf("委托书\n授权代理人办理过户手续"), "委托书.pdf",
                  "委托书")
    monkeypatch.setattr(ocr_job, "INDEX_WAIT", 0.3)  # the waits for the lock, short for the test
    monkeypatch.setattr(index_job, "WRITE_TIMEOUT", 0.3)
    worker = Worker(services, worker_id="patient")
    try:
        with index_held(services) as release:
            worker.run(max_jobs=1)  # read; the index is busy, so an index job is queued
            read = document(client, archivist, scan["id"])
            assert (read["ocr_status"], read["search_status"]) == ("done", "pending")  # read, not committed
            assert page_hits(client, archivist, "过户") == set()
            (job_id,) = [str(job["_id"]) for job in services.jobs.every()
                         if job["kind"] == "index" and job["state"] == "queued"]
            for _ in range(services.settings.job_max_attempts + 1):  # more tries than a job's attempts
                worker.run(max_jobs=1)
            job = services.jobs.get(job_id)
            assert job["state"] == "queued" and "locked by another writer" in job["last_error"]
            assert document(client, archivist, scan["id"])["search_status"] == "pending"
            release()
            worker.run(max_jobs=1)  # the lock is free
    finally:
        worker.close()
    assert document(client, archivist, scan["id"])["search_status"] == "indexed"
    assert page_hits(client, archivist, "过户") == {(scan["id"], 1)}
