"""Destruction batches through the API: propose with checks, approve by another person, record the paper
destruction, execute (idempotent, resumable after a kill, verified), the register and the certificate."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from bson import ObjectId

from tests.support import scans
from tests.support.jobs import drain
from tests.support.retention import PAPER
from tests.support.retention import pdf_text
from tests.support.retention import stored_versions

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "商品房买卖合同\n买受人：张伟\n本合同项目锦绣澜庭位于滨江路88号。"


def upload_contract(office, file_id: str) -> dict:
    response = office.client.post(f"/api/v1/files/{file_id}/documents", headers=office.h["keeper"],
                                  data={"file": (io.BytesIO(scans.text_layer_pdf(CONTRACT)), "合同.pdf"),
                                        "doc_type": "purchase_contract", "title": "张伟购房合同"},
                                  content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def search(office, q: str) -> int:
    response = office.client.get("/api/v1/search", headers=office.h["keeper"], query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["total"]


def test_proposer_gets_403_another_approver_succeeds_and_execution_leaves_only_a_tombstone(office, services):
    office.policy(years=10)
    f = office.file(ended="2000-06-30")
    contract = upload_contract(office, f["id"])
    drain(services)
    assert stored_versions(services, contract["id"]) and search(office, "锦绣澜庭") == 1 and search(office, "张伟") >= 1

    proposed = office.propose([f["id"]], who="keeper2")
    assert proposed.status_code == 201 and proposed.get_json()["status"] == "proposed"
    batch = proposed.get_json()["id"]
    own = office.post("keeper2", f"/destructions/{batch}/approve")
    assert own.status_code == 403
    assert office.get("keeper", f"/destructions/{batch}").get_json()["status"] == "proposed"
    approved = office.post("boss", f"/destructions/{batch}/approve")
    assert approved.status_code == 200 and approved.get_json()["approved_by"] == "boss"
    assert office.post("keeper", f"/destructions/{batch}/execute").status_code == 409  # no paper record yet
    assert office.get("keeper", f"/destructions/{batch}").get_json()["execution"] == {
        "status": None, "done": 0, "total": 1, "failed": 0, "error": None, "started_at": None, "ended_at": None}
    executed = office.post("keeper", f"/destructions/{batch}/execute", PAPER)
    assert executed.status_code == 200, executed.get_json()
    assert executed.get_json()["status"] == "done" and executed.get_json()["counts"]["files"] == 1
    execution = office.get("auditor", f"/destructions/{batch}").get_json()["execution"]
    assert execution["status"] == "done" and execution["done"] == execution["total"] == 1
    assert execution["failed"] == 0 and execution["started_at"] and execution["ended_at"]

    assert stored_versions(services, contract["id"]) == []
    assert search(office, "锦绣澜庭") == 0 and search(office, "张伟") == 0
    for path in ("", "/content", "/text"):
        assert office.get("keeper", f"/documents/{contract['id']}{path}").status_code == 410
    tomb = office.get("keeper", f"/files/{f['id']}").get_json()
    assert tomb["status"] == "destroyed" and tomb["archive_no"] == f["archive_no"]
    assert tomb["name"] == "" and tomb["fields"] == {} and tomb["classification"]["project"] == "JXLT"
    snapshots = list(services.db["file_versions"].find({"file_id": f["id"]}))
    assert snapshots and "张伟" not in str(snapshots) and "11010519491231002X" not in str(snapshots)
    assert "张伟" not in str(services.db["documents"].find_one({"_id": ObjectId(contract["id"])}))
    patched = office.client.patch(f"/api/v1/files/{f['id']}", headers={**office.h["keeper"], "If-Match": "1"},
                                  json={"name": "复活"})
    assert patched.status_code == 410

    record = office.get("auditor", f"/destructions/{batch}").get_json()
    (item,) = record["items"]
    assert item["archive_no"] == f["archive_no"]
    assert item["documents"] == [{"id": contract["id"], "doc_type": "purchase_contract",
                                  "sha256": contract["sha256"], "size": contract["size"]}]
    assert record["paper"]["witnesses"] == PAPER["witnesses"] and record["proposed_by"] == "keeper2"
    certificate = office.get("auditor", f"/destructions/{batch}/certificate")
    assert certificate.status_code == 200 and certificate.mimetype == "application/pdf"
    text = pdf_text(certificate.data)
    assert f["archive_no"] in text and "碎纸机粉碎" in text and "李审计" in text and contract["sha256"][:16] in text
    register = office.get("auditor", "/destruction-register").get_json()
    assert register["total"] == 1 and register["items"][0]["files"][0]["archive_no"] == f["archive_no"]
    assert office.get("auditor", "/destruction-register/verify").get_json() == {"ok": True, "entries": 1,
                                                                                "first_bad": None}
    actions = [e["action"] for e in services.audit.search(target=f"destruction:{batch}")[1]]
    assert {"destruction.proposed", "destruction.approved", "destruction.paper_recorded", "destruction.started",
            "destruction.executed", "destruction.certificate_printed"} <= set(actions)


def test_proposing_is_refused_naming_each_file_and_why_and_stores_nothing(office, services):
    office.policy(years=10)
    held, young, out, fine = (office.file(ended="2000-06-30"), office.file(ended="2030-01-31"),
                              office.file(ended="2000-06-30"), office.file(ended="2000-06-30"))
    assert office.post("auditor", f"/files/{held['id']}/holds", {"reason": "litigation"}).status_code == 201
    loan = office.post("clerk", "/loans", {"file_id": out["id"], "kind": "physical", "purpose": "核对", "days": 3})
    assert office.post("boss", f"/loans/{loan.get_json()['id']}/approve").status_code == 200
    assert office.post("keeper", f"/loans/{loan.get_json()['id']}/checkout").status_code == 200
    refused = office.propose([held["id"], young["id"], out["id"], fine["id"]])
    assert refused.status_code == 409
    why = refused.get_json()["error"]["fields"]
    assert set(why) == {held["id"], young["id"], out["id"]}
    assert why[held["id"]] == "已冻结：诉讼" and "2040-01-31" in why[young["id"]] and why[out["id"]] == "纸质档案借出中"
    assert held["archive_no"] in refused.get_json()["error"]["message"]
    assert services.db["destructions"].count_documents({}) == 0
    assert services.db["destruction_claims"].count_documents({}) == 0
    first = office.propose([fine["id"]])
    assert first.status_code == 201
    again = office.propose([fine["id"]])
    assert again.status_code == 409 and first.get_json()["number"] in again.get_json()["error"]["fields"][fine["id"]]


def test_bad_inputs_and_wrong_roles_get_clear_errors_and_change_nothing(office, services):
    office.policy(years=10)
    f = office.file()
    for body in ({"file_ids": f["id"], "reason": "x"}, {"file_ids": [], "reason": "x"},
                 {"file_ids": [f["id"]], "reason": ""}, {"file_ids": [7], "reason": "x"},
                 {"file_ids": ["ffffffffffffffffffffffff"], "reason": "x"}):
        assert office.post("keeper", "/destructions", body).status_code == 422
    assert office.post("keeper", "/destructions", ["x"]).status_code == 400
    for who in ("clerk", "boss", "auditor", "admin"):
        assert office.propose([f["id"]], who=who).status_code == 403
    assert services.db["destructions"].count_documents({}) == 0
    batch = office.propose([f["id"]]).get_json()["id"]
    assert office.post("clerk", f"/destructions/{batch}/approve").status_code == 403
    assert office.post("keeper", f"/destructions/{batch}/approve").status_code == 403
    assert office.post("boss", "/destructions/nope/approve").status_code == 404
    assert office.post("keeper", f"/destructions/{batch}/execute").status_code == 409
    assert office.post("keeper", f"/destructions/{batch}/paper", PAPER).status_code == 409
    assert office.get("keeper", f"/destructions/{batch}/certificate").status_code == 409
    assert office.post("boss", f"/destructions/{batch}/reject", {"reason": ""}).status_code == 422
    assert office.post("gm", f"/destructions/{batch}/approve").status_code == 200
    assert office.post("boss", f"/destructions/{batch}/approve").status_code == 409
    for paper in ({**PAPER, "witnesses": ["李审计"]}, {**PAPER, "witnesses": ["李审计", "李审计"]},
                  {**PAPER, "method": ""}, {**PAPER, "date": "2999-01-01"}, {**PAPER, "witnesses": "李审计,陈主任"}):
        assert office.post("keeper", f"/destructions/{batch}/paper", paper).status_code == 422
    assert office.post("boss", f"/destructions/{batch}/paper", PAPER).status_code == 403
    assert office.post("clerk", f"/destructions/{batch}/execute", PAPER).status_code == 403
    assert office.get("keeper", f"/destructions/{batch}").get_json()["paper"] is None
    assert office.get("clerk", f"/destructions/{batch}").status_code == 403
    assert services.files.repo.by_id(f["id"])["status"] == "active"


def test_an_execute_body_is_a_json_object_and_its_paper_record_is_checked_like_the_paper_step(office, services):
    office.policy(years=10)
    f = office.file()
    batch = office.propose([f["id"]]).get_json()["id"]
    assert office.post("boss", f"/destructions/{batch}/approve").status_code == 200
    assert office.post("keeper", f"/destructions/{batch}/execute", ["碎纸机粉碎"]).status_code == 400
    for paper, field in (({**PAPER, "witnesses": "李审计,陈主任"}, "witnesses"), ({**PAPER, "method": 7}, "method"),
                         ({**PAPER, "date": "2999-01-01"}, "date")):
        refused = office.post("keeper", f"/destructions/{batch}/execute", paper)
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    assert office.get("keeper", f"/destructions/{batch}").get_json()["paper"] is None
    assert services.files.repo.by_id(f["id"])["status"] == "active"


def test_the_description_gives_the_certificate_as_a_pdf(office):
    described = office.client.get("/api/v1/openapi.json").get_json()["paths"][
        "/api/v1/destructions/{batch_id}/certificate"]["get"]["responses"]
    assert list(described["200"]["content"]) == ["application/pdf"] and "409" in described


def test_a_rejected_batch_frees_its_files_and_a_hold_after_approval_stops_execution(office, services):
    office.policy(years=10)
    f = office.file()
    first = office.propose([f["id"]]).get_json()["id"]
    rejected = office.post("boss", f"/destructions/{first}/reject", {"reason": "再核对一遍"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    batch = office.approved_batch([f["id"]])
    office.post("auditor", f"/files/{f['id']}/holds", {"reason": "audit", "note": "年度审计"})
    refused = office.post("keeper", f"/destructions/{batch}/execute")
    assert refused.status_code == 409 and "审计检查" in refused.get_json()["error"]["fields"][f["id"]]
    assert services.files.repo.by_id(f["id"])["status"] == "active"
    assert office.get("keeper", f"/destructions/{batch}").get_json()["status"] == "approved"


def test_concurrent_approvals_have_one_winner_and_concurrent_executions_destroy_once(app, office, services):
    office.policy(years=10)
    files = [office.file() for _ in range(3)]
    for f in files:
        office.scan(f["id"])
    batch = office.propose([f["id"] for f in files]).get_json()["id"]
    answers: list[int] = []

    def call(who: str, step: str, body=None):
        answers.append(app.test_client().post(f"/api/v1/destructions/{batch}/{step}", headers=office.h[who],
                                              json=body or {}).status_code)

    threads = [threading.Thread(target=call, args=(who, "approve")) for who in ("boss", "gm", "keeper2")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(answers) == [200, 409, 409]
    office.post("keeper", f"/destructions/{batch}/paper", PAPER)
    answers.clear()
    threads = [threading.Thread(target=call, args=(who, "execute")) for who in ("keeper", "keeper2", "admin")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert 200 in answers and set(answers) <= {200, 409}
    done = office.get("keeper", f"/destructions/{batch}").get_json()
    assert done["status"] == "done" and done["counts"] == {"files": 3, "documents": 3,
                                                           "bytes": sum(i["documents"][0]["size"]
                                                                        for i in done["items"])}
    assert len(services.audit.search(action="destruction.file_destroyed")[1]) == 3
    assert office.get("auditor", "/destruction-register").get_json()["total"] == 1
    again = office.post("keeper", f"/destructions/{batch}/execute")
    assert again.status_code == 200 and again.get_json()["counts"]["files"] == 3
    assert office.get("auditor", "/destruction-register").get_json()["total"] == 1


def _crash_run(services, settings, batch: str, stage: str, nth: int) -> int:
    """Execute the batch in another process that SIGKILLs itself at a file's stage; its exit code."""
    env = {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
           "ARCHIVE_INDEX_DIR": str(settings.search_dir), "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run([sys.executable, "-m", "tests.retention.crash", batch, "keeper", stage, str(nth)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return done.returncode


def test_a_run_killed_half_way_is_finished_by_the_next_and_the_register_shows_it_once(office, services, settings):
    office.policy(years=10)
    files = [office.file() for _ in range(3)]
    scans_of = {f["id"]: office.scan(f["id"]) for f in files}
    batch = office.approved_batch([f["id"] for f in files])
    assert _crash_run(services, settings, batch, "done", 1) == -signal.SIGKILL  # killed after the first file
    assert services.db["destruction_steps"].count_documents({"_id": {"$regex": f"^{batch}:file:"}}) == 1
    assert _crash_run(services, settings, batch, "objects", 1) == -signal.SIGKILL  # after the second file's objects
    assert services.db["destruction_steps"].count_documents({"_id": {"$regex": f"^{batch}:file:"}}) == 1
    assert office.get("keeper", f"/destructions/{batch}").get_json()["status"] == "executing"
    stopped = office.get("keeper", f"/destructions/{batch}").get_json()["execution"]
    assert stopped["status"] == "running" and stopped["done"] == 1  # its process died without a word
    queued = services.destruction_executor.queue(office.user("keeper"), batch)  # so the page may start it again
    assert queued["execution"]["state"] == "queued" and queued["execution"]["done"] == 1
    assert services.db["jobs"].count_documents({"kind": "destruction"}) == 1

    finished = office.post("keeper", f"/destructions/{batch}/execute")
    assert finished.status_code == 200, finished.get_json()
    body = finished.get_json()
    assert body["status"] == "done" and body["counts"]["files"] == 3 and body["counts"]["documents"] == 3
    assert all(stored_versions(services, s["id"]) == [] for s in scans_of.values())
    everything = [v.key for role in ("originals", "derivatives") for v in services.objects.versions(role)]
    assert not any(s["id"] in key for key in everything for s in scans_of.values())
    register = office.get("auditor", "/destruction-register").get_json()
    assert register["total"] == 1 and len(register["items"][0]["files"]) == 3
    assert len(services.audit.search(action="destruction.file_destroyed")[1]) == 3
    assert {i["archive_no"] for i in register["items"][0]["files"]} == {f["archive_no"] for f in files}


def _register_record(n: int) -> dict:
    """What the executor appends for a batch (a made-up one: the register's paging needs only entries)."""
    return {"batch_id": f"batch{n}", "number": f"XH-2026-{n:03d}", "reason": "保管期满",
            "files": [{"archive_no": f"JXLT-2000-{n:05d}", "template": "individual", "destroy_after": "2010-06-30",
                       "documents": [{"id": f"d{n}", "doc_type": "purchase_contract", "sha256": "ab" * 32,
                                      "size": n}]}],
            "counts": {"files": 1, "documents": 1, "bytes": n}, "proposed_by": "keeper2",
            "proposed_at": "2026-01-05T08:00:00+00:00", "approved_by": "boss",
            "approved_at": "2026-01-06T08:00:00+00:00",
            "paper": PAPER, "executed_by": "keeper", "executed_at": f"2026-01-{n + 6:02d}T08:00:00+00:00"}


def test_the_register_pages_by_number_and_its_page_checks_the_entries_it_shows(office, services, auth, client):
    for n in range(1, 8):
        services.destruction_register.append(_register_record(n))
    first = office.get("auditor", "/destruction-register?per_page=3").get_json()
    assert first["total"] == services.db["destruction_register"].count_documents({}) == 7
    assert [item["seq"] for item in first["items"]] == [7, 6, 5]
    assert [i["seq"]
            for i in office.get("auditor", "/destruction-register?page=3&per_page=3").get_json()["items"]] == [1]
    assert office.get("auditor", "/destruction-register?page=4&per_page=3").get_json() == {"total": 7, "items": []}
    assert office.get("clerk", "/destruction-register").status_code == 403
    assert office.get("auditor", "/destruction-register?page=0").status_code == 400
    repo = services.destruction_register.repo
    services.db["destruction_register"].update_one({"_id": repo.key(2)}, {"$set": {"reason": "改过"}})
    auth.login("auditor")
    shown = client.get("/destructions/register?per_page=3").get_data(as_text=True)
    assert 'class="status-ok"' in shown and "XH-2026-007" in shown and "XH-2026-004" not in shown
    assert 'class="status-down"' in client.get("/destructions/register?page=2&per_page=3").get_data(as_text=True)
    whole = client.get("/destructions/register/verify").get_data(as_text=True)
    assert 'class="status-down"' in whole and 'id="verify-result"' in whole
    assert services.destruction_register.verify() == {"ok": False, "entries": 1, "first_bad": 2}
