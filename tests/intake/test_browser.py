"""Browser test: a clerk submits a file's materials, the archivist returns it naming the missing ID copy,
the clerk resubmits with it, the archivist accepts and ends at the printable contents list and label.
Then periodic verification: the owner confirms one due task and records a changed phone on another."""
from __future__ import annotations

import pytest

from tests.support.browser import sign_in
from tests.support.browser import sign_out

pytestmark = pytest.mark.browser


def test_submit_return_resubmit_accept(page, live_server, intake, services):
    f = intake.file()
    fid = str(f["_id"])
    intake.scan(fid, "purchase_contract", 10)
    intake.scan(fid, "registration_form", 20)

    sign_in(page, live_server, "clerk")
    page.goto(f"{live_server}/files/{fid}#tab-history")
    page.click("#new-submission")
    for box in page.locator("#submit-form input[name=documents]").all():
        box.check()
    page.locator("#paper-items input[name=paper_name]").first.fill("购房合同原件")
    page.locator("#paper-items input[name=paper_count]").first.fill("2")
    page.click("#submit-intake")
    assert page.locator("#submission-status").inner_text() == "待审核"
    sign_out(page)

    sign_in(page, live_server, "keeper")
    page.click("#nav-intake")
    page.locator("#intake-register a", has_text=f["archive_no"]).click()
    assert "身份证复印件" in page.locator("#missing-list").inner_text()
    assert page.locator("#accept-submission").is_disabled()
    row = page.locator("#return-form tr", has=page.locator("input[value='document:id_copy']"))
    row.locator("input[name=reason]").fill("缺身份证复印件，请补扫")
    page.click("#return-submission")
    assert page.locator("#submission-status").inner_text() == "已退回"
    sign_out(page)

    intake.scan(fid, "id_copy", 30)  # the clerk scans the missing copy into the file
    sign_in(page, live_server, "clerk")
    page.click("#nav-my-submissions")
    mine = page.locator("#my-submissions tr", has_text=f["archive_no"])
    assert "缺身份证复印件" in mine.inner_text() and "已退回" in mine.inner_text()
    mine.locator("a.open-submission").click()
    for box in page.locator("#resubmit-form input[name=documents]").all():
        box.check()
    page.click("#resubmit-intake")
    assert page.locator("#submission-status").inner_text() == "待审核"
    sign_out(page)

    sign_in(page, live_server, "keeper")
    page.goto(f"{live_server}/intake/register?status=pending")
    page.locator("#intake-register a", has_text=f["archive_no"]).click()
    assert page.locator("#nothing-missing").is_visible()
    for name, value in (("room", "A101"), ("cabinet", "3"), ("shelf", "2"), ("box", "17")):
        page.fill(f"#accept-form input[name={name}]", value)
    page.check("#accept-form input[name=confirm]")
    page.click("#accept-submission")
    assert page.locator("#label-archive-no").inner_text() == f["archive_no"]
    assert page.locator("#contents-place").inner_text() == "A101 / 3 / 2 / 17"
    assert page.locator("#contents-list tr").count() == 4  # header + three scans
    assert page.locator("#folder-label svg").count() == 1
    assert services.files.repo.by_id(fid)["location"]["box"] == "17"


def test_owner_confirms_and_records_changes(page, live_server, intake, services):
    services.verification.set_rule(services.users.by_username("root1"), {"stage": "*", "cycle": "monthly"})
    first = intake.file()
    second = intake.file(name="李雷")
    sign_in(page, live_server, "clerk")
    page.click("#nav-my-verifications")
    page.locator("#my-verifications tr", has_text=first["archive_no"]).locator("button.confirm-task").click()
    assert first["archive_no"] not in page.locator("#my-verifications").inner_text()
    row = page.locator("#my-verifications tr", has_text=second["archive_no"])
    row.locator("summary").click()
    row.locator("input[name=field_phone]").fill("13900003333")
    row.locator("button.record-changes").click()
    assert "没有需要核对的档案" in page.locator("#my-verifications").inner_text()
    stored = services.files.repo.by_id(str(second["_id"]))
    assert stored["fields"]["phone"] == "13900003333" and stored["version"] == 2
