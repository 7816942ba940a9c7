"""Browser test: the file page follows a scan from the queue through its reading to 可检索 (searchable)
without being reloaded, and says 可检索 only once the search index holds its page."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from service.worker import index_job
from service.worker import ocr_job
from tests.support import scans
from tests.support.browser import sign_in
from tests.support.jobs import drain
from tests.support.jobs import running_worker
from tests.support.search import index_held
from tests.support.search import page_hits

pytestmark = pytest.mark.browser


def test_the_file_page_turns_a_read_scan_into_searchable_while_it_stays_open(page, live_server, client, services,
                                                                            archivist, file_id, monkeypatch):
    drain(services)  # the file's own index job: the file is in the index before its scan comes
    scan = scans.contract_page_png(title="车位买卖合同", buyer="陈静")
    uploaded = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist,
                           data={"file": (io.BytesIO(scan), "车位.png"), "doc_type": "purchase_contract",
                                 "title": "车位合同"}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    monkeypatch.setattr(ocr_job, "INDEX_WAIT", 0.3)  # the waits for a busy index, short for the test
    monkeypatch.setattr(index_job, "WRITE_TIMEOUT", 0.3)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{file_id}#tab-documents")
    row = page.locator("tr.document")
    expect(row.locator(".doc-ocr")).to_have_text("排队等待识别")
    expect(row.locator(".doc-search")).to_have_text("")
    page.evaluate("window.stillTheSamePage = true")

    with running_worker(services), index_held(services) as release:
        # read while another writer holds the index: read, but not searchable yet
        expect(row.locator(".doc-ocr")).to_have_text("已识别", timeout=300_000)
        expect(row.locator(".doc-search")).to_have_text("正在加入检索")
        assert page_hits(client, archivist, "陈静") == set()
        row.scroll_into_view_if_needed()
        page.screenshot(path="/tmp/shot-fresh-indexing.png")
        release()
        expect(row.locator(".doc-search")).to_have_text("可检索", timeout=60_000)
    assert page_hits(client, archivist, "陈静") == {(uploaded.get_json()["id"], 1)}
    assert page.evaluate("window.stillTheSamePage === true")  # followed in place, not reloaded
    page.screenshot(path="/tmp/shot-fresh-searchable.png")


def test_the_file_page_stops_following_a_scan_the_server_no_longer_knows(page, live_server, client, archivist,
                                                                        file_id):
    scan = scans.contract_page_png(title="车位买卖合同", buyer="陈静")
    uploaded = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist,
                           data={"file": (io.BytesIO(scan), "车位.png"), "doc_type": "purchase_contract",
                                 "title": "车位合同"}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "keeper")
    answers = []
    page.on("response", lambda response: answers.append((response.url, response.status)))
    page.goto(f"{live_server}/files/{file_id}")
    row = page.locator("tr.document")
    expect(row.locator(".doc-ocr")).to_have_text("排队等待识别")  # no worker runs: it stays queued
    # the server answers 404 for a document it does not know (deleted, or never there)
    gone = f"{live_server}/documents/{'0' * 24}/state"
    page.evaluate("url => document.querySelector('tr.document').dataset.stateUrl = url", gone)
    expect(page.locator("tr.document[data-state-url]")).to_have_count(0, timeout=30_000)
    assert [status for url, status in answers if url == gone] == [404]  # asked once, then no more
    expect(row.locator(".doc-ocr")).to_have_text("排队等待识别")  # the row keeps what it last knew
