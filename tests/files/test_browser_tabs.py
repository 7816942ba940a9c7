"""Browser test: the file page in tabs on an office laptop's screen (1366×768). In both languages the first tab
fits in about two screens, with the main actions on the first and nothing scrolling sideways; each tab shows its
own panel (by mouse or by the arrow keys); an address opens its tab; a form sent from a tab comes back to it."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from service.web.file_tabs import TABS
from tests.support import scans
from tests.support.browser import sign_in
from tests.support.jobs import drain

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1366, 768
ACTIONS = ("#action-request-loan", "#action-upload", "#print-label", "#edit-file")
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS", "")  # a folder: the screenshots are kept there to look at


def _with_a_read_scan(desk, services) -> dict:
    """A file of the sales department holding one contract, read and searchable."""
    f = desk.file()
    body = scans.text_layer_pdf("商品房买卖合同\n买受人：张伟")
    uploaded = desk.client.post(f"/api/v1/files/{f['id']}/documents", headers=desk.h["keeper"],
                                data={"file": (io.BytesIO(body), "合同.pdf"), "doc_type": "purchase_contract",
                                      "title": "购房合同"}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    drain(services)
    return f


def _shown(page) -> list[str]:
    """The tabs whose panels are on screen, by name."""
    return [name for name in TABS if page.locator(f"#tab-{name}").is_visible()]


def _selected(page) -> str:
    return page.locator("#file-tabs [role=tab][aria-selected=true]").get_attribute("aria-controls")


def _in_view(page, target) -> bool:
    """True when the element (a selector or a locator) is wholly on the first screen as the page is scrolled."""
    box = (page.locator(target) if isinstance(target, str) else target).bounding_box()
    return bool(box) and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= WIDTH \
        and box["y"] + box["height"] <= HEIGHT


def _shoot(page, name: str) -> None:
    """The screen, and the whole page beside it, when ARCHIVE_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png")
        page.screenshot(path=f"{SHOTS}/{name}-full.png", full_page=True)


def test_the_first_tab_fits_with_the_main_actions_in_view_in_both_languages(page, live_server, desk, services):
    f = _with_a_read_scan(desk, services)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, live_server, "clerk")
    for language in ("zh", "en"):
        page.goto(f"{live_server}/lang/{language}?next=/files/{f['id']}")
        assert page.locator("#file-tabs").get_attribute("role") == "tablist"
        assert page.locator("#file-tabs [role=tab]").count() == len(TABS)
        assert _selected(page) == "tab-basic" and _shown(page) == ["basic"]
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 1500, (language, height)
        for selector in ACTIONS:
            assert _in_view(page, selector), (language, selector)
        for tab in page.locator("#file-tabs [role=tab]").all():
            box = tab.bounding_box()
            assert box["height"] < 48 and box["x"] + box["width"] <= WIDTH, (language, tab.inner_text())
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # no sideways scrolling
        scans_tab = page.locator("#tab-documents-tab").inner_text()
        assert scans_tab == ("扫描件 (1)" if language == "zh" else "Scans (1)")
        _shoot(page, f"file-tab-basic-{language}")


def test_each_tab_shows_its_own_panel_by_mouse_and_by_keyboard(page, live_server, desk, services):
    f = _with_a_read_scan(desk, services)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{f['id']}")
    page.evaluate("window.stillTheSamePage = true")
    for name in TABS:
        page.click(f"#tab-{name}-tab")
        assert _selected(page) == f"tab-{name}" and _shown(page) == [name]
        assert page.locator(f"#tab-{name}").get_attribute("aria-labelledby") == f"tab-{name}-tab"
        assert page.evaluate("location.hash") == f"#tab-{name}"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
        if name == "documents":
            assert page.locator("#document-table tr.document").count() == 1
            assert page.locator("#upload-form").is_visible() and page.locator("#print-separator").is_visible()
            _shoot(page, "file-tab-documents-zh")
    assert page.evaluate("window.stillTheSamePage === true")  # no tab reloaded the page

    page.focus("#tab-basic-tab")
    page.keyboard.press("ArrowRight")
    assert _selected(page) == "tab-documents"
    assert page.evaluate("document.activeElement.id") == "tab-documents-tab"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")  # from the first tab round to the last
    assert _selected(page) == f"tab-{TABS[-1]}" and _shown(page) == [TABS[-1]]
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    assert _selected(page) == "tab-basic"
    assert page.locator("#file-tabs [role=tab][tabindex='0']").count() == 1  # one stop for Tab: the chosen tab


def test_an_address_opens_its_tab_and_a_form_sent_from_a_tab_comes_back_to_it(page, live_server, desk, services):
    f = _with_a_read_scan(desk, services)
    desk.out("clerk", f["id"])
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(page, live_server, "clerk2")
    page.goto(f"{live_server}/files/{f['id']}?tab=retention")
    assert _shown(page) == ["retention"]
    page.goto(f"{live_server}/files/{f['id']}#tab-loans")
    assert _shown(page) == ["loans"] and page.locator("#folder-out").is_visible()
    assert _in_view(page, "#print-label")  # the page opens at its top, header and all
    page.click("#reserve-form button[type=submit]")
    page.wait_for_url(f"**/files/{f['id']}#tab-loans")
    flash = page.locator(".flash", has_text="已预约")
    assert flash.is_visible() and _in_view(page, flash)  # the message about the form is on screen
    assert _shown(page) == ["loans"]
    page.goto(f"{live_server}/files/{f['id']}")
    page.click("#action-request-loan")  # the header's action opens the loans tab at its form
    assert _shown(page) == ["loans"] and _in_view(page, "#loan-form input[name=purpose]")

    page.click("#logout")
    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/files/{f['id']}#tab-documents")
    assert _shown(page) == ["documents"]
    page.click("#document-table button.rerun-ocr")
    page.wait_for_url(f"**/files/{f['id']}#tab-documents")
    assert page.locator(".flash", has_text="已重新排队识别").is_visible()
    assert _shown(page) == ["documents"] and _selected(page) == "tab-documents"
    page.goto(f"{live_server}/files/{f['id']}#corrections")  # a section's own anchor opens the tab holding it
    assert _shown(page) == ["privacy"] and page.locator("#corrections").is_visible()
