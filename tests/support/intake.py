"""The people and steps of the intake stories: a clerk, archivists, an auditor, an admin, scans, submissions."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.files import individual


def tiny_png(shade: int) -> bytes:
    """A small PNG whose content differs by shade (a file keeps one copy of each content)."""
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (shade, 255 - shade, 90)).save(out, format="PNG")
    return out.getvalue()


class Intake:
    """A clerk, a second clerk, two archivists, an auditor and an admin, with their API headers."""

    def __init__(self, client, auth, services):
        self.client, self.services = client, services
        self.clerk = auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
        auth.user("clerk2", ["staff"], department="工程部", display_name="李娜")
        self.keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
        auth.user("keeper2", ["archivist"], department="档案室", display_name="档案员二")
        auth.user("audit1", ["auditor"], department="审计部")
        auth.user("root1", ["admin"], department="信息部")
        self.h = {n: auth.token(n) for n in ("clerk", "clerk2", "keeper", "keeper2", "audit1", "root1")}

    def file(self, **overrides) -> dict:
        """A file of the clerk's (department 销售部), with no place on the shelf yet."""
        body = individual(department="销售部", location={}, **overrides)
        return self.services.files.create(self.clerk, body)

    def scan(self, file_id, doc_type: str, shade: int) -> str:
        """A scan of the given type in the file; its id."""
        doc = self.services.documents.upload(self.clerk, str(file_id), io.BytesIO(tiny_png(shade)),
                                             f"{doc_type}.png", doc_type, doc_type)
        return str(doc["_id"])

    def call(self, who: str, method: str, path: str, body=None):
        """An API call as someone."""
        return self.client.open(f"/api/v1{path}", method=method, headers=self.h[who], json=body)

    def submission(self, file_id, documents, **extra) -> dict:
        """A submission by the clerk; its JSON."""
        body = {"file_id": str(file_id), "documents": documents, "paper_items": [{"name": "购房合同原件", "count": 2}],
                "salesperson": "王芳", "customer_name": "张伟", "customer_no": "C-0001", **extra}
        response = self.call("clerk", "POST", "/submissions", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def intake(client, auth, services):
    """The people of the intake stories."""
    return Intake(client, auth, services)


PLACE = {"room": "A101", "cabinet": "3", "shelf": "2", "box": "17"}
