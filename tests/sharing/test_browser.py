"""Browser test: the archivist registers a bank with its NDA and records the customer's authorization; a clerk
asks to share, the executive approves, the partner opens the link without logging in and sees the watermark;
revoked, the link is gone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.sharing import NDA_PDF
from tests.support.sharing import authorization_document
from tests.support.sharing import day

pytestmark = pytest.mark.browser


def test_request_approve_and_open_the_link_as_the_partner(page, live_server, desk, services, tmp_path):
    file = desk.file()
    authorization_document(desk, services, file["id"])
    nda = tmp_path / "nda.pdf"
    nda.write_bytes(NDA_PDF)

    sign_in(page, live_server, "keeper")
    page.click("#nav-shares")
    page.click("#nav-partner-register")
    page.fill("#partner-name", "平安银行国贸支行")
    page.select_option("#partner-kind", "bank")
    page.click("#partner-save")
    assert "无有效保密协议" in page.locator("#partner-nda-state").inner_text()
    page.set_input_files("#nda-file", str(nda))
    page.fill("#nda-from", day(-1))
    page.fill("#nda-to", day(365))
    page.click("#nda-upload")
    assert "保密协议有效至" in page.locator("#partner-nda-state").inner_text()
    page.goto(f"{live_server}/files/{file['id']}#tab-sharing")
    page.click(".authorization-edit")
    page.check("#authorization-form input[name=partners]")
    page.fill("#authorization-purposes", "按揭贷款审核")
    page.fill("#authorization-form input[name=valid_from]", day(-1))
    page.fill("#authorization-form input[name=valid_to]", day(90))
    page.click("#authorization-save")
    assert "平安银行国贸支行" in page.locator("#sharing").inner_text()
    page.click("#logout")

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/files/{file['id']}#tab-sharing")
    page.click("#new-share")
    page.select_option("#share-partner", label="平安银行国贸支行（银行）")
    page.fill("#share-purpose", "装修贷款")  # not what the customer authorized
    page.check("#share-form input[name=fields][value=phone]")
    page.check("#share-form input[name=documents]")
    page.fill("#share-expires", day(5))
    page.click("#share-submit")
    assert "授权委托书" in page.locator("#share-refused").inner_text()
    page.fill("#share-purpose", "按揭贷款审核")
    page.click("#share-submit")
    assert page.locator("#share-status").inner_text() == "待审批"
    assert page.locator("#share-approve").count() == 0  # nobody approves their own request
    page.click("#logout")

    sign_in(page, live_server, "gm")
    page.click("#nav-shares")
    page.locator("#share-list tr", has_text="平安银行国贸支行").locator("a").click()
    page.click("#share-approve")
    link = page.locator("#share-link").get_attribute("href")
    assert "/share/" in link

    partner_context = page.context.browser.new_context(locale="zh-CN")
    partner = partner_context.new_page()
    partner.goto(link)
    assert "仅供 平安银行国贸支行 用于 按揭贷款审核" in partner.locator("#share-watermark").inner_text()
    assert "13812345678" in partner.locator("#share-fields").inner_text()
    assert "北京市朝阳区" not in partner.content()
    image = partner.locator("img.share-page").first
    image.wait_for()
    partner.wait_for_function("document.querySelector('img.share-page').naturalWidth > 0")
    assert services.db["audit"].count_documents({"action": "share.accessed"}) >= 2

    before = page.locator("#share-status").inner_text()
    page.click("#share-revoke")  # asks first, naming the partner, the file and its scans
    dialog = page.locator("#confirm-dialog")
    assert dialog.is_visible() and "平安银行国贸支行" in dialog.inner_text() and "不可恢复" in dialog.inner_text()
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot(page, "share-revoke-confirm-zh")
    page.click("#confirm-cancel")
    assert page.locator("#share-status").inner_text() == before != "已撤销"
    page.click("#share-revoke")
    page.click("#confirm-ok")
    expect(page.locator("#share-status")).to_have_text("已撤销")
    gone = partner.goto(link)
    assert gone.status == 410
    partner_context.close()
