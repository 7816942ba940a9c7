"""Browser test: a clerk searches from the header, narrows by document type and opens the page found."""
from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.support import scans
from tests.support.auth import PASSWORD
from tests.support.files import individual
from tests.support.jobs import drain

pytestmark = pytest.mark.browser

CONTRACT = "商品房买卖合同\n买受人：张伟\n本合同项目锦绣澜庭。\n出卖人逾期交房的，应支付违约金。"
NOTICE = "身份证复印件\n姓名：王芳\n备注：逾期未签约的，定金作为违约金不予退还。"


def a_file_with_scan(client, headers, name: str, text: str, doc_type: str, title: str) -> str:
    file_id = client.post("/api/v1/files", headers=headers, json=individual(name=name)).get_json()["id"]
    response = client.post(f"/api/v1/files/{file_id}/documents", headers=headers,
                           data={"file": (io.BytesIO(scans.text_layer_pdf(text)), f"{title}.pdf"),
                                 "doc_type": doc_type, "title": title}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_a_clerk_searches_from_the_header_narrows_by_type_and_opens_the_page(page, live_server, client, auth,
                                                                            services):
    auth.user("keeper", ["archivist"], department="档案室")
    auth.user("clerk", ["staff"], department="销售部")
    keeper = auth.token("keeper")
    contract = a_file_with_scan(client, keeper, "张伟", CONTRACT, "purchase_contract", "购房合同")
    a_file_with_scan(client, keeper, "王芳", NOTICE, "id_copy", "身份证复印件")
    drain(services)

    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.fill("#header-search-q", "违约金")
    page.click("#header-search-submit")

    expect(page.locator("#search-total")).to_contain_text("2")
    expect(page.locator("article.search-file")).to_have_count(2)
    expect(page.locator("article.search-file .snippet mark").first).to_have_text("违约金")
    facet = page.locator("#search-facets [data-facet=doc_type] a.facet-value[data-value=purchase_contract]")
    expect(facet).to_contain_text("购房合同")
    facet.click()
    expect(page.locator("article.search-file")).to_have_count(1)
    expect(page.locator("article.search-file h2")).to_contain_text("张伟")
    assert "doc_type=purchase_contract" in page.url
    page.screenshot(path="/tmp/shot-search.png", full_page=True)

    page.locator("a.search-hit").first.click()
    expect(page.locator("#document-title")).to_have_text("购房合同")
    assert f"/documents/{contract}" in page.url and "page=1" in page.url
    expect(page.locator("#page-text mark").first).to_have_text("违约金")
    page.fill("#header-search-q", '"逾期交房" OR (')
    page.click("#header-search-submit")
    expect(page.locator("#search-error")).to_be_visible()
    assert problems == []
