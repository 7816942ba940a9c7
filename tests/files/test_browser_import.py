"""Browser test: a clerk starts the import of a customer register and watches it finish on the page that started
it, without a reload, in Chinese and in English (1366×768)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.jobs import running_job
from tests.support.sheets import sheet

pytestmark = pytest.mark.browser
MAPPING = {"客户编号": "external_key", "客户姓名": "name", "手机号码": "fields.phone", "证件类型": "fields.id_type",
           "证件号码": "fields.id_number", "阶段": "classification.stage", "项目": "classification.project"}



def checked_import(services, clerk, rows: int, name: str) -> str:
    """A register uploaded, its columns mapped and checked: ready to start on its page."""
    run = services.imports.upload(clerk, "individual", sheet(rows, bad_every=3), name)
    services.imports.set_mapping(clerk, run["_id"], MAPPING)
    services.imports.dry_run(clerk, run["_id"])
    return str(run["_id"])


def test_the_import_page_follows_the_run_without_a_reload_in_both_languages(page, live_server, auth, services):
    clerk = auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "clerk")
    for language, rows, queued, finished in (
            ("zh", 4, "排队中… · 已处理 0 / 4 行", "已完成 · 已处理 4 / 4 行：新建 2，跳过（已导入过） 0，失败 2。"),
            ("en", 5, "Queued… · Processed 0 of 5 rows", "Finished · Processed 5 of 5 rows: 1 created, 2 skipped")):
        import_id = checked_import(services, clerk, rows, f"登记表-{language}.xlsx")
        page.goto(f"{live_server}/lang/{language}?next=/files/import/{import_id}")
        page.click("#start-import")
        expect(page.locator("#import-state")).to_contain_text(queued)
        page.evaluate("window.notReloaded = true")
        screenshot(page, f"register-import-queued-{language}")
        with running_job(services, "import"):
            expect(page.locator("#import-state")).to_contain_text(finished)
        expect(page.locator("#import-errors")).to_be_visible()  # the failed rows, brought in when it ended
        expect(page.locator("#import-files")).to_be_visible()
        assert page.evaluate("window.notReloaded === true")
        screenshot(page, f"register-import-done-{language}")
