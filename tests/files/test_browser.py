"""Browser test: register a file from its template, edit it, read its history, print its label."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests.support.auth import PASSWORD
from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.files import individual

pytestmark = pytest.mark.browser


def test_a_clerk_registers_edits_reads_history_and_prints_a_label(page, live_server, auth):
    auth.user("clerk", ["staff"], display_name="王芳")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")

    page.click("#nav-files")
    assert page.locator("#file-list", has_text="没有符合条件的档案").is_visible()
    page.click("#new-individual")
    page.fill("input[name=name]", "张伟")
    page.select_option("select[name='c.stage']", "意向")
    page.fill("input[name='c.project']", "JXLT")
    page.select_option("select[name='f.id_type']", "身份证")
    page.fill("input[name='f.id_number']", "110105194912310021")  # wrong check digit
    page.fill("input[name='f.phone']", "13812345678")
    page.fill("input[name='l.room']", "A101")
    page.fill("input[name='l.cabinet']", "3")
    page.click("#file-form button[type=submit]")
    assert page.locator(".field-error[data-field='fields.id_number']").is_visible()

    page.fill("input[name='f.id_number']", "11010519491231002X")
    page.click("#file-form button[type=submit]")
    archive_no = page.locator("#archive-no").inner_text()
    assert archive_no.startswith("JXLT-")

    page.click("#edit-file")
    page.fill("input[name='f.occupation']", "教师")
    page.select_option("select[name='c.stage']", "成交")
    page.click("#file-form button[type=submit]")
    assert page.locator("td[data-field=occupation]").inner_text() == "教师"

    page.click("#tab-history-tab")  # the versions are under the history tab
    page.click("#file-history")
    history = page.locator("#history").inner_text()
    assert "fields.occupation" in history and "成交" in history and "王芳" in history

    page.go_back()
    page.click("#print-label")
    label = page.locator(".label")
    assert archive_no in label.inner_text() and "张伟" in label.inner_text()
    shot = Image.open(io.BytesIO(label.screenshot()))
    decoded = [result.text for result in zxingcpp.read_barcodes(shot)]
    assert decoded == [archive_no]


def test_merging_a_duplicate_asks_first_and_cancelling_changes_nothing(page, live_server, auth, services):
    keeper = auth.user("keeper", ["archivist"], display_name="档案员")
    first = services.files.create(keeper, individual(name="张伟"))
    second = services.files.create(keeper, individual(name="张伟"))
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{second['_id']}")
    page.select_option("#merge-form select[name=into]", str(first["_id"]))
    page.fill("#merge-form input[name=reason]", "同一客户重复登记")
    page.click("#merge-form button[type=submit]")
    dialog = page.locator("#confirm-dialog")
    asked = dialog.inner_text()  # names both files, the one chosen as it reads in the list, and what follows
    assert dialog.is_visible() and second["archive_no"] in asked and f"{first['archive_no']} 张伟" in asked
    assert "两份档案将合为一份" in asked and "不可撤销" in asked
    screenshot(page, "merge-confirm-zh")
    page.keyboard.press("Escape")  # closing the dialog is cancelling
    assert not dialog.is_visible()
    assert services.files.repo.by_id(str(second["_id"]))["status"] == "active"
    page.click("#merge-form button[type=submit]")
    page.click("#confirm-ok")
    page.wait_for_url(f"**/files/{first['_id']}")
    assert services.files.repo.by_id(str(second["_id"]))["status"] == "merged"


def test_the_label_page_prints_with_one_click_and_keeps_each_archive_number_on_one_line(page, live_server, auth,
                                                                                        services):
    keeper = auth.user("keeper", ["archivist"], display_name="档案员")
    made = services.files.create(keeper, individual(name="欧阳娜娜"))
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{made['_id']}/label")
    page.evaluate("window.print = () => { window.printed = true; }")  # the dialog itself is the browser's
    page.click("#print-labels")
    assert page.evaluate("window.printed === true")
    number = page.locator(".label .no")
    assert number.inner_text() == made["archive_no"]
    assert number.bounding_box()["height"] < 20  # one line of 10 pt, never wrapped

