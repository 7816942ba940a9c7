"""Shared steps of the sharing and privacy tests: a partner with an NDA, an authorization on a file."""
from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from service import clock
from tests.support import scans
from tests.support.jobs import run_worker

NDA_PDF = b"%PDF-1.4\n% signed NDA\n"


def day(offset: int = 0) -> str:
    """A date relative to today by the product's clock (the `desk` fixture sets it), YYYY-MM-DD."""
    return (clock.today(ZoneInfo("Asia/Shanghai")) + timedelta(days=offset)).isoformat()


def partner(desk, name: str = "招商银行朝阳支行", kind: str = "bank", nda: tuple[int, int] | None = (-10, 300)) -> str:
    """A partner in the register (by the archivist), with an NDA valid over the offsets; its id."""
    response = desk.post("keeper", "/partners", {"name": name, "kind": kind, "contact": "李经理 010-66668888"})
    assert response.status_code == 201, response.get_json()
    partner_id = response.get_json()["id"]
    if nda:
        uploaded = desk.client.post(f"/api/v1/partners/{partner_id}/ndas", headers=desk.h["keeper"],
                                    data={"file": (io.BytesIO(NDA_PDF), "nda.pdf"), "valid_from": day(nda[0]),
                                          "valid_to": day(nda[1])}, content_type="multipart/form-data")
        assert uploaded.status_code == 201, uploaded.get_json()
    return partner_id


def authorization_document(desk, services, file_id: str, worker: bool = True) -> str:
    """An authorization document (授权委托书) with a rendered page, on the file; its id."""
    original = scans.text_layer_pdf("授权委托书\n委托人：张伟，授权银行办理按揭贷款审核。")
    uploaded = desk.client.post(f"/api/v1/files/{file_id}/documents", headers=desk.h["keeper"],
                                data={"file": (io.BytesIO(original), "auth.pdf"), "doc_type": "authorization",
                                      "title": "授权委托书"}, content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    if worker:
        run_worker(services, 1)
    return uploaded.get_json()["id"]


def authorize(desk, document_id: str, partner_ids: list[str], purposes=("按揭贷款审核",), span=(-1, 60)):
    """Record what the authorization covers."""
    response = desk.client.put(f"/api/v1/documents/{document_id}/authorization", headers=desk.h["keeper"],
                               json={"partners": partner_ids, "purposes": list(purposes),
                                     "valid_from": day(span[0]), "valid_to": day(span[1])})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def share_body(file_id: str, partner_id: str, document_id: str | None = None, **overrides) -> dict:
    """A share request body."""
    body = {"file_id": file_id, "partner_id": partner_id, "purpose": "按揭贷款审核",
            "fields": ["name", "id_number", "phone"], "documents": [document_id] if document_id else [],
            "expires_on": day(7)}
    body.update(overrides)
    return body


def ready_share(desk, services):
    """A file, a partner with an NDA and an authorization covering it: (file, partner_id, document_id)."""
    file = desk.file()
    partner_id = partner(desk)
    document_id = authorization_document(desk, services, file["id"])
    authorize(desk, document_id, [partner_id])
    return file, partner_id, document_id
