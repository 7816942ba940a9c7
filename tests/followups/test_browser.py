"""Browser test: a clerk opens 我的回访, records a phone call with a complaint for 工程部, and the department
head sees it in the satisfaction and complaints report."""
from __future__ import annotations

import pytest

from tests.support.browser import sign_in
from tests.support.files import individual
from tests.support.followups import in_days

pytestmark = pytest.mark.browser


def test_clerk_records_a_call_with_a_complaint_and_the_manager_sees_it(clock, page, live_server, auth, services):
    clerk = auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
    auth.user("boss", ["approver"], department="销售部", display_name="赵总监")
    f = services.files.create(clerk, individual(department="销售部", classification={
        "customer_type": "刚需", "stage": "成交", "project": "JXLT"}))

    sign_in(page, live_server, "clerk")
    page.click("#nav-followups")
    row = page.locator("#due-upcoming tr", has_text=f["archive_no"]).first
    assert "成交客户回访" in row.inner_text()
    row.locator("a.record-followup").click()
    assert page.locator("#closing-followup").is_visible()
    page.fill("#contact-form input[name=person]", "张伟本人")
    page.select_option("#contact-form select[name=channel]", "phone")
    page.fill("#contact-form textarea[name=content]", "询问入住后使用情况")
    page.fill("#contact-form textarea[name=feedback]", "卫生间有渗水")
    page.fill("#contact-form input[name=satisfaction]", "6")
    page.select_option("#contact-form select[name=complaint_category]", "repair")
    page.fill("#contact-form textarea[name=complaint_description]", "卫生间渗水")
    page.fill("#contact-form input[name=complaint_department]", "工程部")
    page.fill("#contact-form input[name=complaint_promised]", in_days(7))
    page.click("#save-contact")
    assert page.locator(".flash", has_text="回访记录已保存").is_visible()
    assert page.locator("#due-done tr", has_text=f["archive_no"]).count() == 1
    page.goto(f"{live_server}/files/{f['_id']}#followups")
    assert page.locator("#file-complaints", has_text="卫生间渗水").is_visible()
    page.click("#logout")

    sign_in(page, live_server, "boss")
    page.click("#nav-followup-report")
    row = page.locator("#report-table tr[data-project=JXLT]")
    assert row.locator("td.avg").inner_text() == "6.0"
    assert row.locator("td.complaints").inner_text() == "1"
    assert page.locator("#report-charts svg").count() == 2
