"""Seed data for the dashboard tests: files in several stages, documents, loans, a hold, fixity failures."""
from __future__ import annotations

from datetime import timedelta

from bson import ObjectId

from service import clock
from service.intake import period_of
from tests.support.files import individual


def _file(desk, **overrides) -> dict:
    response = desk.client.post("/api/v1/files", headers=desk.h["keeper"], json=individual(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def seed(desk, services) -> dict:
    """Files, documents, loans, a hold and retention dates, as of the product's clock; the ids worth knowing."""
    now = clock.now()
    files = [desk.file(name="张伟"), desk.file(name="李雷", classification={"stage": "成交", "customer_type": "改善",
                                                                          "project": "HXY"}),
             desk.file(name="王五", classification={"stage": "成交", "customer_type": "刚需", "project": "JXLT"}),
             _file(desk, name="赵六", security="confidential", department="工程部",
                   classification={"stage": "潜在", "project": "JXLT"}),
             desk.file(name="孙七", security="sealed", classification={"stage": "成交", "project": "HXY"})]
    ids = [f["id"] for f in files]
    db = services.db
    keeper = services.users.by_username("keeper")
    services.holds.place(keeper, ids[1], "dispute", "合同纠纷")  # before the raw documents (it locks originals)
    month_ago = now - timedelta(days=35)
    docs = [(ids[0], now, 3, "done", "ok"), (ids[0], now, 2, "pending", None), (ids[1], month_ago, 5, "failed", None),
            (ids[2], month_ago, 1, "done", "mismatch"), (ids[3], now, 4, "running", "missing"),
            (ids[4], now - timedelta(days=400), 7, "done", None)]
    db["documents"].insert_many([
        {"_id": ObjectId(), "file_id": fid, "title": f"doc {n}", "uploaded_at": at, "pages": pages,
         "ocr_status": ocr, "fixity_status": fixity, "status": "active", "doc_type": None}
        for n, (fid, at, pages, ocr, fixity) in enumerate(docs)])
    db["documents"].insert_one({"_id": ObjectId(), "file_id": ids[0], "title": "removed", "uploaded_at": now,
                                "pages": 1, "ocr_status": "failed", "fixity_status": "missing", "status": "removed"})
    overdue = desk.out("clerk", ids[0], days=3)
    services.loans.repo.set(overdue, {"due_at": now - timedelta(days=2)})
    soon = desk.out("clerk2", ids[1], days=3)
    desk.out("clerk", ids[2], days=14)
    day = (now + timedelta(days=10)).date().isoformat()
    far = (now + timedelta(days=200)).date().isoformat()
    for file_id, when in ((ids[2], day), (ids[1], day), (ids[3], far)):  # ids[1] is held
        db["retention"].replace_one({"_id": file_id}, {"kind": "dated", "destroy_after": when,
                                                                "archive_no": file_id, "policy_name": "test"},
                                    upsert=True)
    period, due = period_of("monthly", (now - timedelta(days=70)).date())
    db["verification_tasks"].insert_one({  # a monthly verification of an earlier period, never done
        "_id": f"{ids[0]}:{period}", "file_id": ids[0], "archive_no": files[0]["archive_no"], "file_name": "张伟",
        "owner": "keeper", "department": "销售部", "security": "normal", "stage": "意向", "cycle": "monthly",
        "period": period, "due_date": due, "status": "open", "created_at": now})
    services.jobs.enqueue("noop", {})
    return {"ids": ids, "overdue": overdue, "soon": soon}
