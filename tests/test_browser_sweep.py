"""Browser sweep: every role's home, the file page, the lists and forms its menu leads to, in Chinese and in
English at 1366×768 and 1920×1080. On each page: nothing wider than the window, no internal code
(`id_copy`, `document:`) and none of the other language's words in what the page shows, no console error,
and (at 1366 px) no serious or critical accessibility violation by axe-core.

What people typed (names, departments, addresses, purposes) is data, kept in the language it was entered
in: the sweep takes it out before it looks for the other language (not the built-in templates' choices, the
stages and the customer types: they are stored in Chinese and pages show them in the reader's language).
So is the language switch (中文 / English), and an audit entry's stored record (`.raw-record`,
folded away under 原始记录): the auditor compares it, key for key, with the export and the hash chain.
Screenshots of each role's home and the file page at 1366 px go to .local/screens/."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import cancel_confirmation
from tests.support.browser import sign_in
from tests.support.intake import tiny_png
from tests.support.sweep import axe_findings
from tests.support.sweep import page_problems
from tests.support.sweep import typed_data
from tests.support.sweep import watched

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / ".local" / "screens"
SIZES = ((1366, 768), (1920, 1080))
ROLES = {"keeper": "archivist", "clerk": "staff", "boss": "approver", "gm": "executive", "auditor": "auditor",
         "admin": "admin"}
@pytest.fixture
def office(clock, desk, auth, services):
    """The loan stories' people, an auditor and an admin; files with scans, loans, a hold, a duplicate,
    a retention policy and a verification rule."""
    auth.user("auditor", ["auditor"], department="审计部", display_name="审计员")
    admin = auth.user("admin", ["admin"], department="信息部", display_name="管理员")
    keeper = services.users.by_username("keeper")
    files = [desk.file(name="张伟"), desk.file(name="张维", classification={"stage": "成交", "project": "HXY"}),
             desk.file(name="孙七", security="sealed", classification={"stage": "潜在", "project": "HXY"})]
    ids = [f["id"] for f in files]
    for shade, doc_type, name in ((40, "purchase_contract", "合同扫描.png"), (90, "id_copy", "身份证.png")):
        services.documents.upload(keeper, ids[0], io.BytesIO(tiny_png(shade)), name, doc_type, "")
    overdue = desk.out("clerk", ids[0], days=3)
    services.loans.repo.set(overdue, {"due_at": clock.now() - timedelta(days=2)})
    desk.ask("clerk2", ids[1], kind="digital")
    services.holds.place(keeper, ids[1], "dispute", "合同纠纷")
    services.retention.create_policy(admin, {"name": "个人客户十年", "trigger": "created", "years": 10,
                                             "match": {"template": "individual", "doc_types": ["id_copy"]}})
    services.verification.set_rule(admin, {"stage": "意向", "cycle": "monthly"})
    return {"file": ids[0], "data": typed_data(services)}


def _pages_of(page, live_server, file_id: str) -> list[str]:
    """The role's home, its menu's lists and forms, the file page and its history, search, the account."""
    page.goto(f"{live_server}/lang/zh?next=/")
    menu = [a.get_attribute("href") for a in page.locator("#side-menu a").all()]
    paths = ["/", f"/files/{file_id}", f"/files/{file_id}/history", "/search?q=张伟", "/account", "/notices"]
    for href in menu:
        path = href.split("#")[0]
        if path.startswith("/") and not path.endswith((".xlsx", ".pdf", ".zip")) and path not in paths:
            paths.append(path)
    forms = {"/files/new", f"/files/{file_id}/edit", "/admin/users/new", "/admin/templates/new", "/intake/new"}
    reachable = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    page.goto(f"{live_server}/files/{file_id}")
    reachable += page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return paths + sorted({h for h in reachable if h and h.split("?")[0] in forms} - set(paths))


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_s_pages_fit_speak_one_language_and_pass_axe(page, live_server, office, username):
    errors = watched(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, username)
    paths = _pages_of(page, live_server, office["file"])
    problems, violations = [], []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        for language in ("zh", "en"):
            page.goto(f"{live_server}/lang/{language}?next=/")
            for path in paths:
                response = page.goto(f"{live_server}{path}")
                assert response.status == 200, (path, response.status, page.inner_text("main")[:300])
                page.wait_for_load_state("load")
                problems += page_problems(page, path, language, width, office["data"], errors)
                if width == 1366:
                    violations += [f"{language} {path}: {v}" for v in axe_findings(page, live_server)]
                    if path in ("/", f"/files/{office['file']}"):
                        shown = "home" if path == "/" else "file"
                        page.screenshot(path=str(SCREENS / f"{username}-{shown}-{language}-1366.png"))
    (SCREENS / f"{username}-findings.txt").write_text("\n".join(problems + violations) + "\n", encoding="utf-8")
    assert not problems, "\n".join(problems)
    assert not violations, "\n".join(violations)


def test_deleting_a_verification_cycle_asks_first_and_names_the_rule(page, live_server, auth, services):
    admin = auth.user("admin", ["admin"], department="信息部", display_name="管理员")
    services.verification.set_rule(admin, {"stage": "意向", "cycle": "monthly"})
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/lang/zh?next=/verification/rules")
    cancel_confirmation(page, "#verification-rules form button", ["意向", "每月", "不再"], "verification-rule-delete")
    assert [r["_id"] for r in services.verification.repo.rules()] == ["意向"]  # cancelled: nothing deleted
    page.click("#verification-rules form button")
    page.click("#confirm-ok")
    expect(page.locator("#verification-rules")).to_contain_text("尚未设置核对周期")
    assert services.verification.repo.rules() == []
