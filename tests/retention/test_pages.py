"""Retention and destruction through the pages: policies, the file's section, holds, the due list with Excel,
a batch proposed, approved, recorded and executed, the tombstone, the register and the certificate."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from service.worker import Worker
from tests.support.auth import csrf_from
from tests.support.retention import pdf_text
from tests.support.retention import stored_versions


def _post(client, path: str, data: dict, token_from: str):
    token = csrf_from(client.get(token_from).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def run_destruction_jobs(services) -> None:
    worker = Worker(services, worker_id="test")
    while (job := services.jobs.claim("test", 600, ["destruction"])) is not None:
        worker.run_one(job)


def _cells(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_admin_defines_a_policy_on_its_page_and_others_only_read_it(office, auth, client, services):
    auth.login("admin")
    page = client.get("/retention/policies").get_data(as_text=True)
    assert 'id="policy-form"' in page
    _post(client, "/retention/policies", {"name": "合同终止后十年", "trigger": "contract_end", "years": "10",
                                          "customer_type": "刚需", "doc_types": "purchase_contract"},
          "/retention/policies")
    bad = _post(client, "/retention/policies", {"name": "", "trigger": "contract_end", "years": "10"},
                "/retention/policies")
    assert bad.status_code == 302
    (policy,) = services.retention.repo.policies()
    assert policy["match"] == {"customer_type": "刚需", "doc_types": ["purchase_contract"]} and policy["years"] == 10
    listed = client.get("/retention/policies").get_data(as_text=True)
    assert "合同终止后十年" in listed
    assert 'data-confirm="确定停用保管策略 合同终止后十年？按它计算保管期限的档案将全部重新计算' in listed  # asks first
    auth.logout()
    auth.login("keeper")
    page = client.get("/retention/policies").get_data(as_text=True)
    assert "合同终止后十年" in page and 'id="policy-form"' not in page
    assert _post(client, "/retention/policies", {"name": "x", "trigger": "created", "years": "1"},
                 "/retention/policies").status_code == 302
    assert len(services.retention.repo.policies()) == 1


def test_the_file_page_shows_the_dates_and_holds_are_placed_and_lifted_there(office, auth, client, services):
    office.policy(years=10)
    f = office.file(ended="2000-06-30")
    auth.login("keeper")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="retention"' in page and "2010-06-30" in page and "合同终止后保管" in page and "已到期" in page
    _post(client, "/retention/holds", {"file_id": f["id"], "reason": "dispute", "note": "客户投诉"},
          f"/files/{f['id']}")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="file-held"' in page and "客户投诉" in page
    holds = client.get("/retention/holds").get_data(as_text=True)
    assert f["archive_no"] in holds and "纠纷" in holds
    assert f["archive_no"] not in client.get("/retention/due").get_data(as_text=True)
    (hold,) = services.retention.repo.holds({})[1]
    _post(client, f"/retention/holds/{hold['_id']}/lift", {"file_id": f["id"], "reason": "已和解"}, "/retention/holds")
    assert services.retention.repo.hold(hold["_id"])["status"] == "lifted"
    assert f["archive_no"] in client.get("/retention/due").get_data(as_text=True)
    auth.logout()
    auth.login("clerk")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="retention"' in page and 'id="hold-form"' not in page
    assert client.get("/retention/due").status_code == 403


def test_propose_approve_record_and_execute_through_the_pages_then_only_the_tombstone_shows(office, auth, client,
                                                                                            services):
    office.policy(years=10)
    f, held = office.file(ended="2000-06-30"), office.file(ended="2001-01-01", name="李娜")
    scan = office.scan(f["id"])
    office.post("auditor", f"/files/{held['id']}/holds", {"reason": "litigation"})
    auth.login("keeper")
    due = client.get("/retention/due?as_of=2026-01-01").get_data(as_text=True)
    assert f["archive_no"] in due and held["archive_no"] not in due and "张伟" in due
    sheet = _cells(client.get("/retention/due.xlsx?as_of=2026-01-01").data)
    assert sheet[0][0] == "档案号" and sheet[1][:2] == [f["archive_no"], "张伟"] and sheet[1][-1] == "2010-06-30"
    refused = _post(client, "/destructions", {"file_id": held["id"], "reason": "期满"}, "/retention/due")
    assert refused.status_code == 302
    assert "已冻结：诉讼" in client.get("/retention/due").get_data(as_text=True)  # the flash names the hold
    _post(client, "/destructions", {"file_id": f["id"], "reason": "保管期限已满"}, "/retention/due")
    batch = services.db["destructions"].find_one()
    url = f"/destructions/{batch['_id']}"
    page = client.get(url).get_data(as_text=True)
    assert batch["number"] in page and f["archive_no"] in page and 'id="approve-batch"' not in page
    assert "<td>个人客户</td>" in page.split('id="batch-items"')[1] and "individual" not in page  # named, not coded
    auth.logout()

    auth.login("boss")
    assert 'id="approve-batch"' in client.get(url).get_data(as_text=True)
    _post(client, f"{url}/approve", {}, url)
    assert services.destructions.repo.by_id(batch["_id"])["status"] == "approved"
    auth.logout()

    auth.login("keeper")
    _post(client, f"{url}/paper", {"method": "碎纸机粉碎", "place": "档案室", "witness1": "李审计",
                                   "witness2": "李审计"}, url)
    assert services.destructions.repo.by_id(batch["_id"]).get("paper") is None  # the same witness twice
    _post(client, f"{url}/paper", {"method": "碎纸机粉碎", "place": "档案室", "witness1": "李审计",
                                   "witness2": "陈主任"}, url)
    _post(client, f"{url}/execute", {}, url)  # the worker executes it; the page follows
    waiting = client.get(url).get_data(as_text=True)
    assert f'data-progress-url="{url}/progress.json"' in waiting and 'id="execute-batch"' not in waiting
    assert client.get(f"{url}/progress.json").get_json() == {
        "status": "queued", "done": 0, "total": 1, "failed": 0, "error": None, "started_at": None, "ended_at": None}
    _post(client, f"{url}/execute", {}, url)  # a second click queues nothing more
    assert services.db["jobs"].count_documents({"kind": "destruction"}) == 1
    run_destruction_jobs(services)
    progress = client.get(f"{url}/progress.json").get_json()
    assert progress["status"] == "done" and progress["done"] == progress["total"] == 1 and progress["failed"] == 0
    page = client.get(url).get_data(as_text=True)
    assert "data-progress-url" not in page
    assert 'id="certificate"' in page and scan["sha256"][:16] in page
    assert stored_versions(services, scan["id"]) == []
    certificate = client.get(f"{url}/certificate.pdf")
    assert certificate.mimetype == "application/pdf" and f["archive_no"] in pdf_text(certificate.data)
    tomb = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert "<td>个人客户</td>" in tomb
    assert 'id="tombstone"' in tomb and "张伟" not in tomb and scan["sha256"] in tomb and batch["number"] in tomb
    assert 'id="documents"' not in tomb and 'id="loan-form"' not in tomb
    assert client.get(f"/documents/{scan['id']}").status_code == 410
    register = client.get("/destructions/register").get_data(as_text=True)
    assert batch["number"] in register and f["archive_no"] in register and 'class="status-ok"' in register
    rows = _cells(client.get("/destructions/register.xlsx").data)
    assert rows[1][1] == batch["number"] and rows[1][2] == f["archive_no"] and rows[1][7] == scan["sha256"]
    assert batch["number"] in client.get("/destructions?status=done").get_data(as_text=True)


def test_an_execution_that_cannot_start_says_why_on_the_batch_page_and_may_be_started_again(office, auth, client,
                                                                                             services):
    office.policy(years=10)
    f = office.file()
    batch = office.approved_batch([f["id"]])
    url = f"/destructions/{batch}"
    auth.login("keeper")
    _post(client, f"{url}/execute", {}, url)
    office.post("auditor", f"/files/{f['id']}/holds", {"reason": "audit", "note": "年度审计"})  # meanwhile
    run_destruction_jobs(services)
    progress = client.get(f"{url}/progress.json").get_json()
    assert progress["status"] == "failed" and progress["failed"] == 1 and progress["done"] == 0
    assert f["archive_no"] in progress["error"]
    page = client.get(url).get_data(as_text=True)
    assert f["archive_no"] in page.split('id="execution-error"')[1].split("</p>")[0]
    assert 'id="execute-batch"' in page and "data-progress-url" not in page
    assert services.files.repo.by_id(f["id"])["status"] == "active"
    auth.logout()
    auth.login("clerk")
    assert client.get(f"{url}/progress.json").status_code == 403  # retention is not the clerk's


def test_the_pages_show_in_english_too(office, auth, client):
    office.policy(years=10)
    office.file()
    auth.login("keeper")
    client.set_cookie("lang", "en")
    due = client.get("/retention/due").get_data(as_text=True)
    assert "Files due for destruction" in due and "Propose destruction" in due
