"""Browser test: the side menu groups each role's entries by task and, with the header, fits an office
laptop's screen (1366×768) and a desktop's (1920×1080) in both languages, with search, the person's
name, "sign out" and the language switch on screen."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import sign_in

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
        seen[username] = {group.locator("h3").inner_text(): [a.inner_text() for a in group.locator("a").all()]
                          for group in page.locator("#side-menu .menu-group").all()}
        page.click("#logout")
    assert "用户管理" in seen["admin"]["系统"] and "系统" not in seen["clerk"] and "系统" not in seen["keeper"]
    assert seen["keeper"]["借阅"] == ["我的借阅", "借还台"] and "扫描导入" in seen["keeper"]["扫描"]
    assert seen["clerk"]["借阅"] == ["我的借阅"] and seen["clerk"]["回访"] == ["我的回访"]
    assert "借阅审批" in seen["boss"]["借阅"]
    assert all(entries for groups in seen.values() for entries in groups.values())  # no empty heading
