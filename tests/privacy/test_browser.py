"""Browser test: recording an erasure request asks first, naming the file and who asked and what follows;
cancelling records nothing (1366×768, both languages)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import cancel_confirmation
from tests.support.browser import sign_in

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
