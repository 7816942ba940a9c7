"""Browser sweep of the states the sweep's office does not make: destruction batches proposed, approved and
executed, a submission returned to its clerk, and scan imports. Each page in Chinese and in English at
1366×768, with the sweep's checks: nothing wider than the window, no internal code, no words of the other
language, no console error, no serious or critical axe-core violation."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.support import scans
from tests.support.browser import screenshot
from tests.support.browser import sign_in
from tests.support.intake import tiny_png
from tests.support.jobs import drain
from tests.support.retention import Office
from tests.support.sweep import axe_findings
from tests.support.sweep import page_problems
from tests.support.sweep import typed_data
from tests.support.sweep import watched

pytestmark = pytest.mark.browser


@pytest.fixture
def states(clock, client, auth, services):
    """Three destruction batches (proposed, approved, executed), a returned submission and a scan import."""
    office = Office(client, auth, services)
    office.policy(years=10)
    files = [office.file(name=name) for name in ("张伟", "李娜", "王强")]
    office.scan(files[2]["id"])
    proposed = office.propose([files[0]["id"]]).get_json()["id"]
    approved = office.approved_batch([files[1]["id"]])
    executed = office.approved_batch([files[2]["id"]])
    assert office.post("keeper", f"/destructions/{executed}/execute").status_code in (200, 202)
    drain(services)
    assert services.destructions.repo.by_id(executed)["status"] == "done"
    clerk, keeper = office.user("clerk"), office.user("keeper")
    kept = services.files.create(clerk, {**_individual(), "department": "销售部", "location": {}})
    scan = services.documents.upload(clerk, str(kept["_id"]), io.BytesIO(tiny_png(40)), "合同.png",
                                     "purchase_contract", "购房合同")
    sub = services.intake.submit(clerk, {"file_id": str(kept["_id"]), "documents": [str(scan["_id"])],
                                         "paper_items": [{"name": "购房合同原件", "count": 2}], "salesperson": "王芳",
                                         "customer_name": "张伟", "customer_no": "C-0001"})
    services.intake_review.return_(keeper, sub["_id"], {"version": 1, "items": [
        {"item": "document:id_copy", "reason": "请补身份证复印件"}]})
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("loose.png", scans.contract_page_png())
    started = services.scan_imports.upload(keeper, io.BytesIO(bundle.getvalue()), "batch.zip")
    services.scan_imports.run(str(started["_id"]))
    return {"keeper": ["/destructions", f"/destructions/{proposed}", f"/destructions/{approved}",
                       f"/destructions/{executed}", f"/intake/{sub['_id']}", "/intake/register?status=returned",
                       "/scans/imports", f"/scans/imports/{started['_id']}", "/scans/inbox"],
            "clerk": ["/intake/mine", f"/intake/{sub['_id']}"],
            "data": sorted(typed_data(services) + ["请补身份证复印件", "购房合同原件", "保管期满", "碎纸机粉碎",
                                              "档案室 A101", "李审计", "陈主任", "C-0001", "loose.png", "batch.zip"],
                           key=len, reverse=True)}  # what people typed, longest first


def _individual() -> dict:
    from tests.support.files import individual
    return individual(name="赵六")


@pytest.mark.parametrize("username", ["keeper", "clerk"])
def test_pages_of_states_the_seed_does_not_make_fit_and_speak_one_language(page, live_server, states, username):
    errors = watched(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, username)
    problems, violations = [], []
    for language in ("zh", "en"):
        page.goto(f"{live_server}/lang/{language}?next=/")
        for path in states[username]:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, (path, response.status, page.inner_text("main")[:300])
            page.wait_for_load_state("load")
            problems += page_problems(page, path, language, 1366, states["data"], errors)
            violations += [f"{language} {path}: {v}" for v in axe_findings(page, live_server)]
            screenshot(page, f"states-{username}-{path.strip('/').replace('/', '-').split('?')[0]}-{language}")
    assert not problems, "\n".join(problems)
    assert not violations, "\n".join(violations)
