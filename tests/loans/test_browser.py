"""Browser test: a clerk asks for a folder, the department head approves, the archivist hands it out at the
desk by typing its archive number and takes it back damaged; the incident is in the register."""
from __future__ import annotations

import pytest

from tests.support.browser import sign_in
from tests.support.browser import sign_out
from tests.support.files import individual

pytestmark = pytest.mark.browser


def test_request_approve_hand_out_and_take_back_damaged(page, live_server, auth, services):
    auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
    auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
    keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
    f = services.files.create(keeper, individual(department="销售部"))
    archive_no = f["archive_no"]

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/files/{f['_id']}")
    page.click("#action-request-loan")  # the header's action opens the loans tab at its form
    assert page.locator("#folder-in").is_visible()
    page.select_option("#loan-form select[name=kind]", "physical")
    page.fill("#loan-form input[name=purpose]", "核对购房合同")
    page.fill("#loan-form input[name=days]", "5")
    page.click("#request-loan")
    assert page.locator("#my-loans .loan-status").first.inner_text() == "待审批"
    sign_out(page)

    sign_in(page, live_server, "boss")
    page.click("#nav-approvals")
    row = page.locator("#approval-list tr", has_text="核对购房合同")
    assert "王芳" in row.inner_text()
    row.locator("button.approve").click()
    assert page.locator("#approval-list", has_text="没有待审批的申请").is_visible()
    sign_out(page)

    sign_in(page, live_server, "keeper")
    page.click("#nav-desk")
    page.fill("#desk-ref", archive_no)
    page.press("#desk-ref", "Enter")
    assert page.locator("#desk-place").inner_text() == "A101 / 3 / 2 / 17"
    waiting = page.locator("#desk-waiting tr", has_text="核对购房合同")
    waiting.locator("input[name=confirm]").check()
    waiting.locator("button.checkout").click()
    assert page.locator("#folder-state").inner_text() == "已借出"
    page.check("#return-form input[name=condition][value=damaged]")
    page.fill("#return-form input[name=note]", "第3页撕裂")
    page.fill("#return-form input[name=compensation]", "120")
    page.check("#return-form input[name=confirm]")
    page.click("#take-back")
    assert page.locator("#folder-state").inner_text() == "在库"
    page.goto(f"{live_server}/loans/incidents")
    incident = page.locator("#incidents tr", has_text=archive_no)
    assert "损坏" in incident.inner_text() and "clerk" in incident.inner_text() and "120.00" in incident.inner_text()
    assert services.loans.repo.find({"file_id": str(f["_id"])})[0]["status"] == "returned"
