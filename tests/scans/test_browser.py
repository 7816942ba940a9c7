"""Browser test: an archivist drops scans on a file's page, the worker reads them, the viewer finds a name."""
from __future__ import annotations

import base64
import threading

import pytest
from playwright.sync_api import expect

from service.worker import Worker
from tests.support import scans
from tests.support.auth import PASSWORD
from tests.support.files import register

pytestmark = pytest.mark.browser

DROP = """(files) => {
  const data = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
    data.items.add(new File([bytes], f.name, { type: f.type }));
  }
  return data;
}"""


def as_file(name: str, media_type: str, data: bytes) -> dict:
    return {"name": name, "type": media_type, "data": base64.b64encode(data).decode()}


def test_an_archivist_drops_three_scans_and_finds_the_buyer_in_the_viewer(page, live_server, client, auth, services):
    auth.user("keeper", ["archivist"], display_name="刘档案")
    auth.login("keeper")
    file_id = register(client)
    contract = scans.contract_page_png(buyer="张伟")
    dropped = [as_file("购房合同.png", "image/png", contract),
               as_file("业主登记表.jpg", "image/jpeg",
                       scans.jpeg_bytes(scans.contract_page_png(title="业主登记表", dpi=100))),
               as_file("身份证复印件.pdf", "application/pdf", scans.text_layer_pdf("居民身份证复印件\n姓名：张伟"))]

    problems = []  # script errors and CSP refusals (the expected 404 and 409 answers are not problems)
    page.on("console", lambda message: problems.append(message.text) if "Refused" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{live_server}/files/{file_id}?tab=documents")
    expect(page.locator("#missing-types")).to_contain_text("购房合同")
    expect(page.locator("#plain-fields")).to_be_hidden()  # the script took over the form

    files = page.evaluate_handle(DROP, dropped)
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": files})
    page.locator("#upload-input").set_input_files(
        files=[{"name": "again.png", "mimeType": "image/png", "buffer": contract}])
    rows = page.locator("#upload-queue .upload-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator(".upload-name")).to_have_text("购房合同.png")
    expect(rows.nth(0).locator(".upload-title")).to_have_value("购房合同")
    for n, doc_type in enumerate(("purchase_contract", "registration_form", "id_copy", "purchase_contract")):
        rows.nth(n).locator("select.upload-type").select_option(doc_type)
    page.click("#upload-start")

    for n in range(3):
        expect(rows.nth(n)).to_have_attribute("data-state", "done")
        expect(rows.nth(n).locator(".upload-percent")).to_have_text("100%")
        expect(rows.nth(n).locator("progress")).to_have_js_property("value", 100)
    expect(rows.nth(3)).to_have_attribute("data-state", "failed")
    expect(rows.nth(3).locator(".upload-status")).to_contain_text("内容相同")
    expect(rows.nth(3).locator(".upload-status a")).to_have_text("查看已有文件")
    expect(page.locator("#document-table tr.document")).to_have_count(3)
    expect(page.locator("#documents-complete")).to_have_text("资料齐全")
    page.screenshot(path="/tmp/shot-file.png", full_page=True)

    worker = Worker(services)
    reading = threading.Thread(target=worker.run, kwargs={"max_jobs": 3}, daemon=True)
    reading.start()
    try:
        page.locator("#document-table tr.document").first.locator("a.view-document").click()
        expect(page.locator("#document-title")).to_have_text("购房合同")
        # the viewer polls the OCR state and shows the page once the worker is done
        expect(page.locator("#page-image")).to_be_visible(timeout=180_000)
        page.fill("#search-q", "张伟")
        mark = page.locator("#page-text mark")
        expect(mark.first).to_have_text("张伟")
        expect(page.locator("#page-text p.line.hit")).to_contain_text("买受人")
        boxes = page.locator("#page-marks polygon.hit")
        expect(boxes).to_have_count(1)
        expect(page.locator("#search-count")).to_contain_text("共 1 处")
        page.screenshot(path="/tmp/shot-viewer.png")
        image, box = page.locator("#page-image").bounding_box(), boxes.first.bounding_box()
        assert image["x"] <= box["x"] and box["x"] + box["width"] <= image["x"] + image["width"] + 1
        assert image["y"] <= box["y"] and box["y"] + box["height"] <= image["y"] + image["height"] / 2
        assert box["width"] > 10 and box["height"] > 5
        assert "q=" in page.url
        page.click("#zoom-in")
        expect(page.locator("#zoom-level")).to_have_text("125%")
        assert page.locator("#page-image").bounding_box()["width"] > image["width"] * 1.2
        download = page.locator("#download")
        with page.expect_download() as info:
            download.click()
        assert info.value.suggested_filename == "购房合同.png"
        assert problems == []
    finally:
        worker.stop()
        reading.join(timeout=240)
        worker.close()
