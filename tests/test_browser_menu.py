"""Browser test: the side menu groups each role's entries by task and, with the header, fits an office
laptop's screen (1366×768) and a desktop's (1920×1080) in both languages, with search, the person's
name, "sign out" and the language switch on screen."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import sign_in
from tests.support.browser import sign_out
from tests.support.files import individual

pytestmark = pytest.mark.browser

ROLES = {"admin": ["admin"], "keeper": ["archivist"], "clerk": ["staff"], "boss": ["approver"]}
SHOTS = os.environ.get("ARCHIVE_SCREENSHOTS", "")  # a folder: the screenshots are kept there to look at


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_every_role_s_menu_and_header_fit_the_screen_in_both_languages(page, live_server, auth, width, height):
    for username, roles in ROLES.items():
        auth.user(username, roles, department="档案室" if username == "keeper" else "销售部")
    page.set_viewport_size({"width": width, "height": height})
    for username in ROLES:
        sign_in(page, live_server, username)
        for language in ("zh", "en"):
            page.goto(f"{live_server}/lang/{language}?next=/files")
            header = page.locator("header.top").bounding_box()
            assert header["height"] < 64, (username, language, header)  # one line, never wrapped
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
            for selector in ("#logout", "#nav-account", "#header-search-q", ".lang a:last-child"):
                box = page.locator(selector).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (username, language, selector)
            groups = page.locator("#side-menu .menu-group")
            assert groups.count() >= 2
            for entry in page.locator("#side-menu a").all():  # each entry on one line, reachable
                box = entry.bounding_box()
                assert box["height"] < 40 and box["x"] + box["width"] <= width / 4, (username, language)
            assert page.locator("#nav-files").get_attribute("aria-current") == "page"
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS}/menu-{username}-{language}-{width}.png")
        page.click("#logout")


def test_each_role_sees_only_its_own_entries_under_task_headings(page, live_server, auth):
    for username, roles in ROLES.items():
        auth.user(username, roles)
    seen = {}
    for username in ROLES:
        sign_in(page, live_server, username)
        page.goto(f"{live_server}/lang/zh?next=/")
        seen[username] = {group.locator("h3").inner_text():
                          [a.inner_text() for a in group.locator("a:not(.badge)").all()]
                          for group in page.locator("#side-menu .menu-group").all()}
        page.click("#logout")
    assert "用户管理" in seen["admin"]["系统"] and "系统" not in seen["clerk"] and "系统" not in seen["keeper"]
    assert seen["keeper"]["借阅"] == ["我的借阅", "借还台"] and "扫描导入" in seen["keeper"]["扫描"]
    assert seen["clerk"]["借阅"] == ["我的借阅"] and seen["clerk"]["回访"] == ["我的回访"]
    assert "借阅审批" in seen["boss"]["借阅"]
    assert all(entries for groups in seen.values() for entries in groups.values())  # no empty heading


def _fits(page, width: int) -> None:
    header = page.locator("header.top").bounding_box()
    assert header["height"] < 64, header
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for entry in page.locator("#side-menu a").all():
        box = entry.bounding_box()
        assert box["height"] < 40 and box["x"] + box["width"] <= width / 4, entry.inner_text()
    bell = page.locator("#nav-notices").bounding_box()
    assert bell["x"] >= 0 and bell["x"] + bell["width"] <= width


def test_an_approver_sees_the_queues_counted_and_the_borrower_the_notice_of_the_decision(
        page, live_server, auth, services, tmp_path):
    clerk = auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
    boss = auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
    gm = auth.user("gm", ["executive"], department="总经办", display_name="总经理")
    keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
    files = [services.files.create(keeper, individual(department="销售部", name=name)) for name in ("张伟", "李强")]
    for f in files:
        services.loans.request(clerk, {"file_id": str(f["_id"]), "kind": "physical", "purpose": "核对合同", "days": 5})
    own = services.loans.request(boss, {"file_id": str(files[0]["_id"]), "kind": "digital", "purpose": "复核",
                                        "days": 3})
    services.loans.approve(gm, own["_id"])  # the approver's own loan: due within a week, and a notice

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "boss")
    for language, label in (("en", "2 awaiting approval"), ("zh", "2 项待审批")):
        page.goto(f"{live_server}/lang/{language}?next=/files")
        badge = page.locator("#nav-approvals-count")
        assert badge.inner_text() == "2" and badge.get_attribute("aria-label") == label
        assert page.locator("#nav-my-loans-count").inner_text() == "1"
        assert page.locator("#notice-count").inner_text() == "1"
        _fits(page, 1366)
        page.screenshot(path=f"{SHOTS or tmp_path}/queues-boss-{language}-1366.png")
    badge.click()
    assert page.url.endswith("/loans/approvals")
    page.locator("#approval-list tr", has_text="张伟").locator("button.approve").click()
    assert page.locator("#nav-approvals-count").inner_text() == "1"
    sign_out(page)

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/lang/zh?next=/files")
    assert page.locator("#notice-count").inner_text() == "1"
    assert page.locator("#nav-notices").get_attribute("aria-label") == "1 条未读通知"
    page.click("#nav-notices")
    notice = page.locator("#notice-list li.unread")
    assert notice.count() == 1 and "已批准" in notice.inner_text() and "赵总监" in notice.inner_text()
    notice.locator("button.open-notice").click()
    assert page.url.endswith("/loans/mine")
    assert page.locator("#notice-count").count() == 0  # read: the bell has nothing to count
    assert page.locator("#nav-notices").get_attribute("aria-label") == "通知"


def test_every_menu_heading_stays_on_one_line_on_an_office_laptop(page, live_server, auth):
    auth.user("admin", ["admin", "archivist", "auditor"])
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "admin")
    for language in ("en", "zh"):
        page.goto(f"{live_server}/lang/{language}?next=/")
        headings = page.locator("#side-menu .menu-group h3")
        one_line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#side-menu h3')).lineHeight)"
                                 " || 1.2 * parseFloat(getComputedStyle(document.querySelector('#side-menu h3'))"
                                 ".fontSize)")
        heights = {h.inner_text(): h.bounding_box()["height"] for h in headings.all()}
        assert len(heights) >= 6 and all(height < 1.5 * one_line for height in heights.values()), (language, heights)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/menu-headings-{language}-1366.png")
