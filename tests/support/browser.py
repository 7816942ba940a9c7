"""What browser tests do as a user: sign in through the login form, sign out from the header."""
from __future__ import annotations

import os

from tests.support.auth import PASSWORD


def sign_in(page, live_server, username: str) -> None:
    """Sign in as `username` (the tests' password) through the login page."""
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def sign_out(page) -> None:
    """Sign out with the header's button."""
    page.click("#logout")


def screenshot(page, name: str) -> None:
    """The screen and the whole page, kept when ARCHIVE_SCREENSHOTS names a folder (to look at, not committed)."""
    folder = os.environ.get("ARCHIVE_SCREENSHOTS", "")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png")
        page.screenshot(path=f"{folder}/{name}-full.png", full_page=True)


def cancel_confirmation(page, button: str, words, name: str) -> None:
    """Click `button`, see the confirmation dialog say every one of `words`, keep a screenshot as
    `name`, and cancel it."""
    from playwright.sync_api import expect
    dialog = page.locator("#confirm-dialog")
    page.click(button)
    expect(dialog).to_be_visible()
    assert all(word in dialog.inner_text() for word in words), dialog.inner_text()
    screenshot(page, name)
    page.click("#confirm-cancel")
    expect(dialog).to_be_hidden()
