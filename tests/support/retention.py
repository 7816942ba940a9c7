"""Shared steps of the retention tests: the people, a policy, files whose contracts ended, scans, a batch."""
from __future__ import annotations

import io

import pypdfium2
import pytest

from tests.support import scans
from tests.support.files import individual


class Office:
    """An admin, two archivists, an approver, the executive, an auditor and a clerk, with API headers."""

    def __init__(self, client, auth, services):
        self.client = client
        self.services = services
        auth.user("admin", ["admin"], department="信息部", display_name="管理员")
        auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
        auth.user("keeper2", ["archivist", "approver"], department="档案室", display_name="档案员乙")
        auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
        auth.user("gm", ["executive"], department="总经办", display_name="总经理")
        auth.user("auditor", ["auditor"], department="审计部", display_name="审计员")
        auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
        self.h = {name: auth.token(name) for name in ("admin", "keeper", "keeper2", "boss", "gm", "auditor", "clerk")}

    def user(self, name: str):
        """The domain user behind a name."""
        return self.services.users.by_username(name)

    def policy(self, years=10, trigger="contract_end", match=None, name="合同终止后保管") -> dict:
        """A policy defined by the admin."""
        response = self.post("admin", "/retention/policies",
                             {"name": name, "match": match or {}, "trigger": trigger, "years": years})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def file(self, ended: str | None = "2000-06-30", **overrides) -> dict:
        """A file registered by the archivist, its contract ended on a day (or not at all)."""
        body = individual(department="销售部", **overrides)
        if ended:
            body["fields"] = {**body["fields"], "contract_no": "HT-2000-017", "contract_end_date": ended}
        response = self.client.post("/api/v1/files", headers=self.h["keeper"], json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def scan(self, file_id: str, buyer: str = "张伟") -> dict:
        """A scanned contract page added to a file."""
        response = self.client.post(f"/api/v1/files/{file_id}/documents", headers=self.h["keeper"],
                                    data={"file": (io.BytesIO(scans.contract_page_png(buyer=buyer)), "scan.png"),
                                          "doc_type": "purchase_contract", "title": f"{buyer}购房合同"},
                                    content_type="multipart/form-data")
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def post(self, who: str, path: str, body: dict | None = None):
        """POST to the API as someone."""
        return self.client.post(f"/api/v1{path}", headers=self.h[who], json=body if body is not None else {})

    def get(self, who: str, path: str):
        """GET from the API as someone."""
        return self.client.get(f"/api/v1{path}", headers=self.h[who])

    def due(self, who: str = "keeper", as_of: str = "") -> list[str]:
        """Archive numbers on the due list."""
        response = self.get(who, f"/retention/due?as_of={as_of}" if as_of else "/retention/due")
        assert response.status_code == 200, response.get_json()
        return [item["archive_no"] for item in response.get_json()["items"]]

    def propose(self, file_ids: list[str], who: str = "keeper", reason: str = "保管期满"):
        """A proposal of a destruction batch (the response)."""
        return self.post(who, "/destructions", {"file_ids": file_ids, "reason": reason})

    def approved_batch(self, file_ids: list[str]) -> str:
        """A batch proposed by keeper, approved by boss, its paper destruction recorded; its id."""
        proposed = self.propose(file_ids)
        assert proposed.status_code == 201, proposed.get_json()
        batch = proposed.get_json()["id"]
        assert self.post("boss", f"/destructions/{batch}/approve").status_code == 200
        paper = self.post("keeper", f"/destructions/{batch}/paper", PAPER)
        assert paper.status_code == 200, paper.get_json()
        return batch


PAPER = {"method": "碎纸机粉碎", "place": "档案室 A101", "witnesses": ["李审计", "陈主任"]}


@pytest.fixture
def office(clock, client, auth, services):
    """The people of the retention stories, on the `clock` fixture's day."""
    return Office(client, auth, services)


def stored_versions(services, document_id: str) -> list[str]:
    """Every version, delete markers included, of a document's original and derivatives."""
    found = []
    for role, prefix in (("originals", f"documents/{document_id}"), ("derivatives", f"{document_id}/")):
        found += [f"{role}/{v.key}" for v in services.objects.versions(role, prefix)]
    return found


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in document)
