"""Browser test: the dashboard loads for an archivist; a click on "overdue" opens the list of overdue loans."""
from __future__ import annotations

import pytest

from tests.support.auth import PASSWORD
from tests.support.dashboard import seed

pytestmark = pytest.mark.browser


def test_archivist_dashboard_overdue_click_opens_overdue_loans(page, live_server, desk, services):  # noqa: F811
    ids = seed(desk, services)
    overdue_no = services.loans.repo.by_id(ids["overdue"])["archive_no"]
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{live_server}/")
    assert page.locator("#dashboard").is_visible()
    assert page.locator("#dash-loans-overdue").inner_text() == "1"
    assert page.locator("#dash-files-total").inner_text() == "5"
    assert page.locator("#dash-scans-documents rect").count() == 12
    page.click("#dash-loans-overdue")
    page.wait_for_url("**/loans/register?status=overdue")
    rows = page.locator("#register tr")
    assert rows.count() == 2  # the header and the one overdue loan
    assert overdue_no in rows.nth(1).inner_text()
    assert page.locator("#register-filter select[name=status]").input_value() == "overdue"
    page.go_back()
    page.click("#dash-stage a >> nth=0")
    page.wait_for_url("**/files?stage=*")
    assert page.locator("h1").count() >= 1
