"""Shared steps of the loan tests: people, files and a loan walked to a given state through the API."""
from __future__ import annotations

import pytest

from tests.support.files import individual


class Desk:
    """People of one department, an executive and an archivist, with their API headers."""

    def __init__(self, client, auth):
        self.client = client
        auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
        auth.user("clerk2", ["staff"], department="销售部", display_name="李娜")
        auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
        auth.user("otherboss", ["approver"], department="工程部")
        auth.user("gm", ["executive"], department="总经办", display_name="总经理")
        auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
        self.h = {name: auth.token(name) for name in ("clerk", "clerk2", "boss", "otherboss", "gm", "keeper")}

    def file(self, **overrides) -> dict:
        """A file registered by the archivist (department 销售部 unless told)."""
        body = individual(**{"department": "销售部", **overrides})
        response = self.client.post("/api/v1/files", headers=self.h["keeper"], json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def ask(self, who: str, file_ref: str, kind: str = "physical", days: int = 7, purpose: str = "签约核对") -> str:
        """A request; its id."""
        response = self.client.post("/api/v1/loans", headers=self.h[who],
                                    json={"file_id": file_ref, "kind": kind, "purpose": purpose, "days": days})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def post(self, who: str, path: str, body: dict | None = None):
        """POST to the API as someone."""
        return self.client.post(f"/api/v1{path}", headers=self.h[who], json=body if body is not None else {})

    def out(self, who: str, file_ref: str, days: int = 7) -> str:
        """A physical loan walked to `out`; its id."""
        loan = self.ask(who, file_ref, days=days)
        assert self.post("boss", f"/loans/{loan}/approve").status_code == 200
        assert self.post("keeper", f"/loans/{loan}/checkout").status_code == 200
        return loan

    def loan(self, loan_id: str, who: str = "keeper") -> dict:
        """One loan as someone sees it."""
        return self.client.get(f"/api/v1/loans/{loan_id}", headers=self.h[who]).get_json()


@pytest.fixture
def desk(clock, client, auth):
    """The people of the loan stories, on the `clock` fixture's day."""
    return Desk(client, auth)
