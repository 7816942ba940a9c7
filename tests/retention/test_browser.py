"""Browser test: the archivist proposes a due file for destruction, the department head approves, the archivist
records the paper destruction, executes, and downloads the certificate; the file page then shows the tombstone."""
from __future__ import annotations

import threading

import pypdfium2
import pytest
from playwright.sync_api import expect

from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.browser import sign_out
from tests.support.files import individual
from tests.support.jobs import running_job

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1366, 768



def test_propose_approve_as_another_user_execute_and_download_the_certificate(page, live_server, auth, services,
                                                                                tmp_path):
    admin = auth.user("admin", ["admin"], department="信息部")
    auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
    keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
    services.retention.create_policy(admin, {"name": "合同终止后十年", "trigger": "contract_end", "years": 10})
    body = individual(department="销售部")
    body["fields"] = {**body["fields"], "contract_end_date": "2000-06-30"}
    f = services.files.create(keeper, body)
    archive_no = f["archive_no"]

    sign_in(page, live_server, "keeper")
    page.click("#nav-due")
    row = page.locator("#due-list tr", has_text=archive_no)
    assert "2010-06-30" in row.inner_text()
    row.locator("input[name=file_id]").check()
    page.click("#propose-batch")
    assert page.locator("#batch-status").inner_text() == "待审批"
    assert page.locator("#approve-batch").count() == 0  # the proposer cannot approve
    batch_url = page.url
    sign_out(page)

    sign_in(page, live_server, "boss")
    page.goto(batch_url)
    page.click("#approve-batch")
    assert page.locator("#batch-status").inner_text() == "已批准"
    sign_out(page)

    sign_in(page, live_server, "keeper")
    page.goto(batch_url)
    page.fill("#paper-form input[name=method]", "碎纸机粉碎")
    page.fill("#paper-form input[name=place]", "档案室 A101")
    page.fill("#paper-form input[name=witness1]", "李审计")
    page.fill("#paper-form input[name=witness2]", "陈主任")
    page.click("#record-paper")
    assert "李审计、陈主任" in page.locator("#paper-record").inner_text()
    page.click("#execute-batch")  # asks first; cancelling leaves everything as it was
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible() and "1 份档案" in dialog.inner_text() and "不可撤销" in dialog.inner_text()
    assert page.evaluate("document.activeElement.id") == "confirm-cancel"
    page.click("#confirm-cancel")
    assert not dialog.is_visible() and page.locator("#batch-status").inner_text() == "已批准"
    assert services.files.repo.by_id(str(f["_id"]))["status"] == "active"
    page.click("#execute-batch")
    page.click("#confirm-ok")  # the form is sent once the dialog has closed; the worker executes the batch
    expect(page.locator("#execution-state")).to_contain_text("已销毁 0 / 1 卷档案")
    with running_job(services, "destruction"):
        expect(page.locator("#batch-status")).to_have_text("已销毁")  # the page follows without a reload
    with page.expect_download() as download:
        page.click("#certificate")
    saved = tmp_path / "certificate.pdf"
    download.value.save_as(saved)
    pdf = pypdfium2.PdfDocument(str(saved))
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert archive_no in text and "李审计" in text

    page.goto(f"{live_server}/files/{f['_id']}")
    assert page.locator("#tombstone").inner_text() == "已销毁"
    assert "张伟" not in page.content()


def test_the_batch_page_follows_an_execution_file_by_file_in_both_languages(page, live_server, auth, services):
    admin = auth.user("admin", ["admin"], department="信息部")
    boss = auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
    keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
    services.retention.create_policy(admin, {"name": "合同终止后十年", "trigger": "contract_end", "years": 10})
    ids = []
    for name in ("张伟", "李娜"):
        body = individual(name=name, department="销售部")
        body["fields"] = {**body["fields"], "contract_end_date": "2000-06-30"}
        ids.append(str(services.files.create(keeper, body)["_id"]))
    batch = services.destructions.propose(keeper, {"file_ids": ids, "reason": "保管期满"})
    services.destructions.approve(boss, batch["_id"])
    services.destructions.record_paper(keeper, batch["_id"], {"method": "碎纸机粉碎", "place": "档案室",
                                                              "witnesses": ["李审计", "陈主任"]})
    second_begins, go_on = threading.Event(), threading.Event()

    def hold_before_the_second_file(stage, file_id):
        if file_id == ids[1] and not second_begins.is_set():
            second_begins.set()
            assert go_on.wait(120)

    services.destruction_executor.checkpoint = hold_before_the_second_file
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/destructions/{batch['_id']}")
    page.click("#execute-batch")
    assert "2 份档案" in page.locator("#confirm-dialog").inner_text()
    screenshot(page, "destruction-confirm-zh")
    page.click("#confirm-ok")
    expect(page.locator("#execution-state")).to_contain_text("排队等待执行… 已销毁 0 / 2 卷档案")
    assert page.locator("#execute-batch").count() == 0
    with running_job(services, "destruction"):
        expect(page.locator("#execution-state")).to_contain_text("正在销毁… 已销毁 1 / 2 卷档案")
        screenshot(page, "destruction-progress-zh")
        page.goto(f"{live_server}/lang/en?next=/destructions/{batch['_id']}")
        expect(page.locator("#execution-state")).to_contain_text("Destroying… 1 / 2 files destroyed")
        screenshot(page, "destruction-progress-en")
        page.evaluate("window.notReloaded = true")
        go_on.set()
        expect(page.locator("#certificate")).to_be_visible()
    assert page.evaluate("window.notReloaded === true")  # the page was brought up to date in place
    assert page.locator("#execution-progress").count() == 0 and "Files: 2" in page.locator("#batch-counts").inner_text()
    screenshot(page, "destruction-done-en")
    page.goto(f"{live_server}/lang/zh?next=/destructions/{batch['_id']}")
    expect(page.locator("#batch-status")).to_have_text("已销毁")
    screenshot(page, "destruction-done-zh")
