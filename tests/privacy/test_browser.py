"""Browser tests (1366×768): recording an erasure request asks first, naming the file and who asked and what
follows, and cancelling records nothing (both languages); a staff member sees a scan's ID number masked in the
viewer's text and covered on its page image until a reveal with a purpose, which the audit trail holds."""
from __future__ import annotations

import base64
import io

import pytest
from playwright.sync_api import expect

from tests.support import scans
from tests.support.browser import cancel_confirmation
from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.jobs import drain

pytestmark = pytest.mark.browser


def test_an_erasure_request_asks_first_and_cancelling_records_nothing(page, live_server, desk, services):
    file = desk.file(name="张伟")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "keeper")
    for language, words in (("en", ("Record the erasure request", file["archive_no"], "张伟本人", "1 file")),
                            ("zh", ("登记不能撤回", file["archive_no"], "张伟本人", "1 份档案"))):
        page.goto(f"{live_server}/lang/{language}?next=/files/{file['id']}%23tab-privacy")
        page.fill("#erasure-form input[name=requester]", "张伟本人")
        page.fill("#erasure-form input[name=reason]", "不再购房，要求删除")
        cancel_confirmation(page, "#erasure-submit", words, f"erasure-confirm-{language}")
        assert services.privacy.erasure(file["id"]) is None
    page.click("#erasure-submit")
    page.click("#confirm-ok")
    expect(page.locator("#erasure-state")).to_contain_text("不再购房")
    assert services.privacy.erasure(file["id"])["requester"] == "张伟本人"


def test_a_staff_member_sees_a_scans_id_number_masked_and_covered_until_a_reveal_with_a_purpose(
        page, live_server, desk, auth, client, services):
    id_number, masked = "110105198803152417", "110105********2417"  # printed on the contract page
    file = desk.file(name="张伟")
    uploaded = client.post(f"/api/v1/files/{file['id']}/documents", headers=desk.h["keeper"],
                           data={"file": (io.BytesIO(scans.contract_page_png()), "合同.png"),
                                 "doc_type": "purchase_contract", "title": "购房合同"},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    document = uploaded.get_json()["id"]
    drain(services)  # real RapidOCR reads the scan
    read = services.documents.page(services.users.by_username("keeper"), document, 1)
    number = scans.band_of_line(read, id_number, 0.45, 0.95)

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/documents/{document}")
    expect(page.locator("#page-text")).to_contain_text(masked)
    assert id_number not in page.locator("#page-text").inner_text()
    expect(page.locator("#reveal-page")).to_be_visible()
    expect(page.locator("#reveal-page")).to_contain_text("本页的证件号码和手机号码已遮盖")
    page.wait_for_function("document.getElementById('page-image').naturalWidth > 0")
    shown = page.request.get(f"{live_server}/documents/{document}/pages/1/image")  # what the <img> shows
    assert scans.lightest(shown.body(), number) < 40  # an opaque box over the number
    page.locator("#page-box").scroll_into_view_if_needed()
    screenshot(page, "viewer-covered")

    page.fill("#reveal-purpose", "办理按揭核对身份")
    page.click("#reveal-submit")
    expect(page.locator("#revealed-text")).to_contain_text(id_number)
    page.wait_for_function("document.getElementById('revealed-image').naturalWidth > 0")
    revealed = page.evaluate("document.getElementById('revealed-image').src")
    assert scans.lightest(base64.b64decode(revealed.split(",", 1)[1]), number) > 200  # the digits on paper
    screenshot(page, "viewer-revealed")
    auth.user("auditor", ["auditor"])
    trail = client.get("/api/v1/audit", headers=auth.token("auditor"), query_string={"action": "pii.revealed"})
    (entry,) = trail.get_json()["items"]
    assert entry["actor"] == "clerk" and entry["target"] == f"file:{file['id']}"
    assert entry["details"]["purpose"] == "办理按揭核对身份" and entry["details"]["document_id"] == document

    page.click("#back-to-viewer")  # the reveal held for that answer only
    expect(page.locator("#page-text")).to_contain_text(masked)
    page.goto(f"{live_server}/lang/en?next=/documents/{document}")
    expect(page.locator("#reveal-page")).to_contain_text("ID and mobile numbers on this page are covered.")
    expect(page.locator("#reveal-submit")).to_have_text("Show the page in full")
