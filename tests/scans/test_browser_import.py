"""Browser test: an archivist uploads a zip of scans, watches the import finish, and files the inbox item."""
from __future__ import annotations

import io
import threading
import zipfile

import pytest
from playwright.sync_api import expect

from service.worker import Worker
from tests.support import scans
from tests.support.auth import PASSWORD
from tests.support.browser import cancel_confirmation
from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.files import individual

pytestmark = pytest.mark.browser


def batch_zip(archive_no: str) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr(f"{archive_no}_合同.pdf", scans.scanned_pdf([scans.contract_page_png(seed=1)]))
        archive.writestr("loose_page.jpg", scans.jpeg_bytes(scans.contract_page_png(buyer="王芳", seed=2)))
        archive.writestr("notes.txt", "not a scan")
    return data.getvalue()


def test_an_archivist_uploads_a_zip_watches_it_finish_and_files_the_inbox_item(page, live_server, auth, services):
    keeper = auth.user("keeper", ["archivist"], display_name="档案员")
    file_doc = services.files.create(keeper, individual(name="王芳"))
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")

    page.click("#nav-scans")
    page.set_input_files("input[name=zip]", files=[{"name": "批次.zip", "mimeType": "application/zip",
                                                    "buffer": batch_zip(file_doc["archive_no"])}])
    page.set_viewport_size({"width": 1366, "height": 768})
    page.click("#scan-upload")
    assert "排队中" in page.locator("#scan-state").inner_text()  # the page polls from here on
    screenshot(page, "scan-import-queued-zh")
    page.evaluate("window.notReloaded = true")

    worker = Worker(services)
    thread = threading.Thread(target=worker.run, kwargs={"max_jobs": 1}, daemon=True)
    thread.start()
    try:
        page.wait_for_selector("#scan-summary", timeout=60_000)
    finally:
        thread.join(timeout=60)
        worker.close()
    assert page.evaluate("window.notReloaded === true")  # the summary came in place, without a reload
    assert page.locator("#scan-state").inner_text().startswith("已完成 3 / 3")
    counts = page.locator("#scan-counts").inner_text()
    assert "新存入档案 1 份" in counts and "进入待归档 1 项" in counts and "跳过 1 个" in counts
    assert file_doc["archive_no"] in page.locator("#scan-summary").inner_text()
    screenshot(page, "scan-import-done-zh")
    progress_url = page.url
    page.goto(f"{live_server}/lang/en?next={progress_url.removeprefix(live_server)}")
    assert page.locator("#scan-state").inner_text().startswith("Finished 3 / 3")
    screenshot(page, "scan-import-done-en")
    page.goto(f"{live_server}/lang/zh?next={progress_url.removeprefix(live_server)}")

    page.click("#scan-inbox-link")
    item = page.locator(".inbox-item")
    assert item.locator(".source-name").inner_text() == "loose_page.jpg"
    page.wait_for_function("() => { const img = document.querySelector('.inbox-item img');"
                           " return img && img.complete && img.naturalWidth > 0; }")  # the thumbnail loaded
    item.locator("input[name=archive_no]").fill(file_doc["archive_no"])
    item.locator("select[name=doc_type]").select_option("registration_form")
    item.locator("button.assign").click()
    assert page.locator("#inbox-empty").is_visible()
    docs = services.documents.of_file(keeper, str(file_doc["_id"]))
    assert sorted(d["doc_type"] for d in docs) == ["other", "registration_form"]


def test_discarding_an_inbox_item_asks_first_naming_the_scan_and_its_pages(page, live_server, auth, services,
                                                                           tmp_path):
    keeper = auth.user("keeper", ["archivist"], display_name="档案员")
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "loose.pdf").write_bytes(scans.scanned_pdf([scans.contract_page_png(seed=1),
                                                          scans.contract_page_png(seed=2)]))
    services.scan_imports.run_folder(keeper, folder)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "keeper")
    for language, words in (("en", ("loose.pdf", "2 pages")), ("zh", ("loose.pdf", "2 页", "不可撤销"))):
        page.goto(f"{live_server}/lang/{language}?next=/scans/inbox")
        page.fill(".discard-form input[name=reason]", "空白页")
        cancel_confirmation(page, "button.discard", words, f"discard-confirm-{language}")
        assert services.scan_inbox.page(keeper)[0] == 1
    page.click("button.discard")
    page.click("#confirm-ok")
    expect(page.locator("#inbox-empty")).to_be_visible()
    assert services.scan_inbox.page(keeper, "discarded")[0] == 1
