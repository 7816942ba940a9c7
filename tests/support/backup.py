"""Shared steps of the backup and bag tests: a second (third…) installation on the same servers, and a
running archive with files, scans, a loan, a destruction and audit entries."""
from __future__ import annotations

import io
import uuid

import pytest

from service.app import create_app
from service.wiring import build_services
from tests.support import scans
from tests.support.auth import AuthActions

CONTRACT = "商品房买卖合同\n买受人：{buyer}\n本合同项目{project}位于滨江路88号。"


@pytest.fixture
def installations(base_settings, tmp_path):
    """A maker of further installations: own database name, bucket prefix and index; removed afterwards."""
    made = []

    def make(name: str):
        tag = uuid.uuid4().hex[:10]
        settings = base_settings.with_overrides(db_name=f"t_{name}_{tag}", bucket_prefix=f"t-{name}-{tag}",
                                                index_dir=tmp_path / f"index-{name}",
                                                data_dir=tmp_path / f"data-{name}",
                                                worker_poll_seconds=0.1)
        services = build_services(settings)
        services.ensure_schema()
        made.append(services)
        return services

    yield make
    for services in made:
        services.client.drop_database(services.settings.db_name)
        services.objects.drop_all()
        services.close()


def api_of(services):
    """A Flask test client over an installation, and its AuthActions."""
    app = create_app(services.settings, services)
    app.config.update(TESTING=True)
    client = app.test_client()
    return client, AuthActions(client, services)


def upload_pdf(office, file_id: str, buyer: str, project: str) -> dict:
    """A contract with a text layer (read without OCR models: fast) added to a file."""
    body = scans.text_layer_pdf(CONTRACT.format(buyer=buyer, project=project))
    response = office.client.post(f"/api/v1/files/{file_id}/documents", headers=office.h["keeper"],
                                  data={"file": (io.BytesIO(body), "合同.pdf"), "doc_type": "purchase_contract",
                                        "title": f"{buyer}购房合同"},
                                  content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def search_total(client, headers, q: str) -> int:
    """How many files a search finds."""
    response = client.get("/api/v1/search", headers=headers, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


def populate(office, services) -> dict:
    """Files (one due for destruction), scans read, a folder out on loan; the ids."""
    from tests.support.jobs import drain
    office.policy(years=10)
    doomed = office.file(ended="2000-06-30", name="张伟")
    kept = office.file(ended=None, name="李娜")
    other = office.file(ended=None, name="王强")
    doomed_doc = upload_pdf(office, doomed["id"], "张伟", "锦绣澜庭")
    kept_doc = upload_pdf(office, kept["id"], "李娜", "翠湖天地")
    upload_pdf(office, other["id"], "王强", "翠湖天地")
    drain(services)
    loan = office.client.post("/api/v1/loans", headers=office.h["clerk"],
                              json={"file_id": kept["id"], "kind": "physical", "purpose": "签约核对", "days": 7})
    assert loan.status_code == 201, loan.get_json()
    loan_id = loan.get_json()["id"]
    assert office.post("boss", f"/loans/{loan_id}/approve").status_code == 200
    assert office.post("keeper", f"/loans/{loan_id}/checkout").status_code == 200
    return {"doomed": doomed, "kept": kept, "other": other, "doomed_doc": doomed_doc, "kept_doc": kept_doc,
            "loan": loan_id}


def destroy(office, file_id: str) -> str:
    """The file destroyed by an executed batch; the batch id."""
    from tests.support.retention import PAPER
    batch = office.approved_batch([file_id])
    executed = office.post("keeper", f"/destructions/{batch}/execute", PAPER)
    assert executed.status_code == 200, executed.get_json()
    return batch


__all__ = ["api_of", "destroy", "installations", "populate", "search_total", "upload_pdf"]
