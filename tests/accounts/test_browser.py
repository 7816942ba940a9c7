"""Browser test: sign in, create a user as admin, sign in as that user, see what the role allows."""
from __future__ import annotations

import pytest

from tests.support.auth import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")


def test_admin_creates_an_auditor_who_sees_only_the_audit_pages(page, live_server, auth):
    auth.user("boss", ["admin"], display_name="系统管理员甲")
    sign_in(page, live_server, "boss", PASSWORD)
    assert page.locator("#nav-users").is_visible()

    page.click("#nav-users")
    page.click("#new-user")
    page.fill("input[name=username]", "shenji1")
    page.fill("input[name=display_name]", "审计员乙")
    page.fill("input[name=department]", "审计部")
    page.fill("input[name=password]", "Audit-Pass-2026")
    page.check("input[name=roles][value=auditor]")
    page.click("#user-form button[type=submit]")
    assert page.locator("text=已创建用户 shenji1").is_visible()
    assert page.locator("td a", has_text="shenji1").is_visible()

    page.click("#logout")
    sign_in(page, live_server, "shenji1", "Audit-Pass-2026")
    assert page.locator("#nav-account", has_text="审计员乙").is_visible()
    assert page.locator("#nav-audit").is_visible()
    assert page.locator("#nav-users").count() == 0

    page.click("#nav-audit")
    assert page.locator('#audit-entries td[data-action="user.created"]').first.is_visible()
    page.click("text=校验哈希链")
    assert "校验通过" in page.locator("#verify-result").inner_text()

    response = page.goto(f"{live_server}/admin/users")
    assert response.status == 403


def test_a_wrong_password_shows_one_message_in_the_page(page, live_server, auth):
    auth.user("clerk", ["staff"])
    sign_in(page, live_server, "clerk", "not-the-password")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误"
    sign_in(page, live_server, "nobody-here", "not-the-password")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误"


def test_the_interface_switches_to_english(page, live_server, auth):
    auth.user("clerk", ["staff"])
    sign_in(page, live_server, "clerk", PASSWORD)
    page.click("text=English")
    assert page.locator("h2", has_text="System status").is_visible()
    assert page.locator("#logout").inner_text() == "Sign out"
