"""What browser tests do as a user: sign in through the login form, sign out from the header."""
from __future__ import annotations

from tests.conftest import PASSWORD


def sign_in(page, live_server, username: str) -> None:
    """Sign in as `username` (the tests' password) through the login page."""
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")


def sign_out(page) -> None:
    """Sign out with the header's button."""
    page.click("#logout")
