"""Shared steps of the follow-up tests: the people, a bought customer's file, a recorded contact."""
from __future__ import annotations

from datetime import date
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from service import clock
from tests.support.files import individual

ZONE = ZoneInfo("Asia/Shanghai")
PEOPLE = {
    "clerk": (["staff"], "销售部", "王芳"), "clerk2": (["staff"], "销售部", "李娜"),
    "boss": (["approver"], "销售部", "赵总监"), "cs1": (["staff"], "客服部", "陈客服"),
    "eng": (["staff"], "工程部", "周工"), "engboss": (["approver"], "工程部", "孙经理"),
    "gm": (["executive"], "总经办", "总经理"), "keeper": (["archivist"], "档案室", "档案员"),
    "admin": (["admin"], "信息部", "管理员"), "auditor": (["auditor"], "审计部", "审计员"),
}


def today() -> date:
    """Today where the product shows dates, by the product's clock (which the `clock` fixture sets)."""
    return clock.today(ZONE)


def in_days(n: int) -> str:
    """Today plus n days, as YYYY-MM-DD."""
    return (today() + timedelta(days=n)).isoformat()


def contact(**overrides) -> dict:
    """A good contact record body."""
    body = {"person": "张伟本人", "channel": "phone", "purpose": "成交后首次回访", "content": "询问入住准备情况",
            "feedback": "对销售服务满意", "satisfaction": 9, "next_step": "一个月后再访"}
    body.update(overrides)
    return body


class Team:
    """Everybody of the follow-up stories, with their API headers."""

    def __init__(self, client, auth, services):
        self.client, self.services = client, services
        self.users = {name: auth.user(name, roles, department=dep, display_name=shown)
                      for name, (roles, dep, shown) in PEOPLE.items()}
        self.h = {name: auth.token(name) for name in PEOPLE}

    def file(self, who: str = "clerk", stage: str = "成交", **overrides) -> dict:
        """A file registered through the API by `who` (its owner), in 销售部."""
        body = individual(department="销售部", classification={"customer_type": "刚需", "stage": stage,
                                                                 "project": overrides.pop("project", "JXLT")},
                          **overrides)
        response = self.client.post("/api/v1/files", headers=self.h[who], json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def followups(self, who: str, **args) -> list[dict]:
        """The follow-ups someone lists (all pages)."""
        response = self.client.get("/api/v1/followups", headers=self.h[who], query_string={"per_page": 200, **args})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    def record(self, who: str, file_id: str, **overrides):
        """POST a contact record; the response."""
        return self.client.post(f"/api/v1/files/{file_id}/contacts", headers=self.h[who], json=contact(**overrides))

    def get(self, who: str, path: str, **args):
        """GET from the API as someone."""
        return self.client.get(f"/api/v1{path}", headers=self.h[who], query_string=args)


@pytest.fixture
def team(clock, client, auth, services):
    """The people of the follow-up stories, on the `clock` fixture's day."""
    return Team(client, auth, services)
