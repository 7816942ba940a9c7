"""Intake review and periodic verification through the pages: forms, lists, register, Excel, bad cases."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.auth import csrf_from
from tests.support.intake import PLACE


def _post(client, path: str, data: dict, token_from: str = "/intake/mine"):
    token = csrf_from(client.get(token_from).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_submit_return_resubmit_accept_through_the_pages(intake, auth, client, services):
    f = intake.file()
    fid = str(f["_id"])
    contract = intake.scan(fid, "purchase_contract", 10)
    form = intake.scan(fid, "registration_form", 20)
    auth.login("clerk")
    assert 'id="new-submission"' in client.get(f"/files/{fid}").get_data(as_text=True)
    page = client.get(f"/intake/new?file_id={fid}").get_data(as_text=True)
    assert "王芳" in page and "身份证复印件" in page  # pre-filled salesperson, the required types named
    sent = _post(client, "/intake/new", {"file_id": fid, "documents": [contract, form], "salesperson": "王芳",
                                         "customer_name": "张伟", "customer_no": "C-1", "paper_name": ["合同原件", ""],
                                         "paper_count": ["2", ""]})
    assert sent.status_code == 302
    sub = services.intake.repo.find({})[0]
    assert sub["paper_items"] == [{"name": "合同原件", "count": 2}]
    auth.logout()

    auth.login("keeper")
    review = client.get(f"/intake/{sub['_id']}").get_data(as_text=True)
    assert 'data-item="document:id_copy"' in review and 'id="accept-form"' in review
    _post(client, f"/intake/{sub['_id']}/accept", {"version": "1", "confirm": "1", **PLACE}, "/intake/register")
    assert services.intake.repo.by_id(sub["_id"])["status"] == "pending"  # incomplete: refused
    _post(client, f"/intake/{sub['_id']}/return", {"version": "1", "item": ["document:id_copy", ""],
                                                   "reason": ["请补身份证复印件", ""]}, "/intake/register")
    assert services.intake.repo.by_id(sub["_id"])["status"] == "returned"
    auth.logout()

    auth.login("clerk")
    mine = client.get("/intake/mine").get_data(as_text=True)
    assert "请补身份证复印件" in mine and "已退回" in mine
    assert "身份证复印件：请补身份证复印件" in mine and "document:" not in mine  # named, never by its code
    id_copy = intake.scan(fid, "id_copy", 30)
    _post(client, f"/intake/{sub['_id']}/resubmit", {"version": "1", "documents": [contract, form, id_copy],
                                                     "salesperson": "王芳", "customer_name": "张伟",
                                                     "customer_no": "C-1",
                                                     "paper_name": ["合同原件"], "paper_count": ["2"]})
    assert services.intake.repo.by_id(sub["_id"])["version"] == 2
    auth.logout()

    auth.login("keeper")
    unconfirmed = _post(client, f"/intake/{sub['_id']}/accept", {"version": "2", **PLACE}, "/intake/register")
    assert unconfirmed.status_code == 302 and services.intake.repo.by_id(sub["_id"])["status"] == "pending"
    done = _post(client, f"/intake/{sub['_id']}/accept", {"version": "2", "confirm": "1", **PLACE}, "/intake/register")
    assert done.headers["Location"].endswith(f"/intake/{sub['_id']}/contents")
    contents = client.get(f"/intake/{sub['_id']}/contents").get_data(as_text=True)
    assert f["archive_no"] in contents and "A101 / 3 / 2 / 17" in contents and "合同原件" in contents
    client.set_cookie("lang", "en")
    assert "Contents and label" in client.get(f"/intake/{sub['_id']}").get_data(as_text=True)
    assert "Intake register" in client.get("/intake/register").get_data(as_text=True)
    client.set_cookie("lang", "zh")
    register = client.get("/intake/register?status=accepted").get_data(as_text=True)
    assert f["archive_no"] in register
    sheet = client.get("/intake/register.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.values)
    assert rows[0][0] == "档案号" and rows[1][0] == f["archive_no"] and rows[1][4] == "已接收"


def test_pages_refuse_the_wrong_people(intake, auth, client, services):
    f = intake.file()
    doc = intake.scan(str(f["_id"]), "purchase_contract", 40)
    sub = services.intake.submit(intake.clerk, {"file_id": str(f["_id"]), "documents": [doc]})
    auth.login("clerk2")
    assert client.get(f"/intake/{sub['_id']}").status_code == 404
    assert client.get("/intake/register").status_code == 403
    assert _post(client, f"/intake/{sub['_id']}/accept", {"confirm": "1", **PLACE}).status_code == 403
    assert client.get("/intake/new?file_id=" + "0" * 24).status_code == 404
    auth.logout()
    auth.login("audit1")
    assert client.get("/intake/register").status_code == 200
    read_only = client.get(f"/intake/{sub['_id']}").get_data(as_text=True)
    assert "accept-form" not in read_only and "missing-list" in read_only
    assert client.get("/intake/mine").status_code == 403
    assert services.intake.repo.by_id(sub["_id"])["status"] == "pending"


def test_verification_pages(intake, auth, client, services):
    auth.login("root1")
    assert "尚未设置核对周期" in client.get("/verification/rules").get_data(as_text=True)
    _post(client, "/verification/rules", {"stage": "成交", "cycle": "monthly"}, "/verification/rules")
    _post(client, "/verification/rules", {"stage": "成交", "cycle": "weekly"}, "/verification/rules")
    assert [r["cycle"] for r in services.verification.rules()] == ["monthly"]
    auth.logout()
    f = services.files.create(intake.clerk, {**_individual(), "classification": {"stage": "成交"}})
    auth.login("clerk")
    mine = client.get("/verification/mine").get_data(as_text=True)
    assert f["archive_no"] in mine and "record-changes" in mine
    task = services.verification.repo.page({}, 0, 0)[1][0]
    _post(client, f"/verification/tasks/{task['_id']}/changes", {"version": "1", "field_phone": "13900002222",
                                                                   "field_address": "上海市"}, "/verification/mine")
    stored = services.files.repo.by_id(str(f["_id"]))
    assert stored["version"] == 2 and stored["fields"]["phone"] == "13900002222"
    assert services.verification.repo.task(task["_id"])["status"] == "changed"
    auth.logout()
    auth.login("keeper")
    assert "没有超期的核对" in client.get("/verification/overdue").get_data(as_text=True)
    sheet = client.get("/verification/overdue.xlsx?as_of=2099-01-01")
    assert sheet.status_code == 200 and list(load_workbook(io.BytesIO(sheet.data)).active.values)[0][0] == "档案号"
    auth.logout()
    auth.login("clerk")
    assert client.get("/verification/overdue").status_code == 403
    assert client.get("/verification/rules").status_code == 403


def _individual() -> dict:
    from tests.support.files import individual
    return individual(department="销售部")
