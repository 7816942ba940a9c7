"""Signing in as people do: the shared test password, CSRF tokens of forms, and the `auth` helper."""
from __future__ import annotations

import re

PASSWORD = "Correct-Horse-42"


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class AuthActions:
    """Make people and sign them in the way they would."""

    def __init__(self, client, services):
        self.client = client
        self.services = services

    def user(self, username: str, roles: list[str], department: str = "销售部", display_name: str = ""):
        """Create an account with the shared test password."""
        return self.services.users.create(username, PASSWORD, roles, department, display_name or username)

    def login(self, username: str, password: str = PASSWORD):
        """Sign in through the login form, CSRF token included."""
        token = csrf_from(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def logout(self):
        """Sign out through the header's form."""
        token = csrf_from(self.client.get("/account").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})

    def token(self, username: str, password: str = PASSWORD) -> dict:
        """Bearer headers for the API."""
        response = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {"Authorization": f"Bearer {response.get_json()['token']}"}
