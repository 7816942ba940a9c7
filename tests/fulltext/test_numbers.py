"""Through the API: a scanned contract's phone and price are found however the search writes them,
and a price that only shares digits with another is not."""
from __future__ import annotations

import io

import pytest

from tests.support import scans
from tests.support.files import individual
from tests.support.jobs import drain

CONTRACT = ("商品房买卖合同\n买受人联系电话：158 2093 6471\n"
            "总价款：¥1,200,000.00元（大写：人民币壹佰贰拾万元整）")
APPRAISAL = "房产评估报告\n评估价：¥1,368,000元"


def upload(client, headers, file_id: str, text: str, title: str) -> str:
    """The id of a PDF with `text` as its text layer, uploaded into the file."""
    response = client.post(f"/api/v1/files/{file_id}/documents", headers=headers,
                           data={"file": (io.BytesIO(scans.text_layer_pdf(text)), f"{title}.pdf"),
                                 "doc_type": "purchase_contract", "title": title},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


@pytest.fixture
def archive(client, services, archivist):
    """A file with a contract (spaced phone, price in digits and capitals) and an appraisal, indexed."""
    file_id = client.post("/api/v1/files", headers=archivist, json=individual()).get_json()["id"]
    documents = {"contract": upload(client, archivist, file_id, CONTRACT, "购房合同"),
                 "appraisal": upload(client, archivist, file_id, APPRAISAL, "评估报告")}
    drain(services)
    return {"file_id": file_id, **documents}


def hits(client, headers, q: str) -> dict[str, str]:
    """{document_id: snippet} of the pages a search finds."""
    response = client.get("/api/v1/search", headers=headers, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["document_id"]: item["snippet"] for item in response.get_json()["items"] if item["document_id"]}


@pytest.mark.parametrize("q", ["15820936471", "158-2093-6471", "158 2093 6471"])
def test_a_spaced_phone_in_a_scan_is_found_however_searched(client, archivist, archive, q):
    assert set(hits(client, archivist, q)) == {archive["contract"]}


@pytest.mark.parametrize("q", ["1200000", "1,200,000", "壹佰贰拾万元整", "１２０００００"])
def test_a_price_is_found_in_digits_and_capitals_and_marked(client, archivist, archive, q):
    found = hits(client, archivist, q)
    assert set(found) == {archive["contract"]}
    assert "<mark>1,200,000.00</mark>" in found[archive["contract"]]


def test_a_price_sharing_digits_with_another_is_not_found(client, archivist, archive):
    assert set(hits(client, archivist, "2,368,000")) == set()
    assert set(hits(client, archivist, "1,368,000")) == {archive["appraisal"]}
    assert set(hits(client, archivist, "368")) == {archive["appraisal"]}
