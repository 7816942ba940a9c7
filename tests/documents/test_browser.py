"""Browser test: the file page follows a scan's reading (queued, then read) without being reloaded, so
nothing typed into the page's forms is lost."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.support import scans
from tests.support.browser import sign_in
from tests.support.jobs import drain

pytestmark = pytest.mark.browser


def test_the_file_page_shows_a_scan_read_while_it_stays_open(page, live_server, client, services, archivist,
                                                           file_id):
    uploaded = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist,
                           data={"file": (io.BytesIO(scans.contract_page_png()), "scan.png"),
                                 "doc_type": "purchase_contract", "title": "购房合同"},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{file_id}#tab-documents")
    cell = page.locator("tr.document .doc-ocr")
    expect(cell).to_have_text("排队等待识别")
    page.evaluate("window.stillTheSamePage = true")
    drain(services)  # the worker reads the scan while the page is open
    expect(cell).to_have_text("已识别", timeout=20_000)
    assert page.evaluate("window.stillTheSamePage === true")  # followed in place, not reloaded
