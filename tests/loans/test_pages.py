"""Loans through the pages: request from the file page, approve, the desk, registers, reminders, handover."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from service.web.loans import pages as loans_pages
from tests.support.auth import csrf_from


def _token(client, path: str) -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def _post(client, path: str, data: dict, token_from: str = "/loans/mine"):
    return client.post(path, data={**data, "csrf_token": _token(client, token_from)})


def test_the_whole_path_through_the_pages(desk, auth, client, services):
    f = desk.file()
    auth.login("clerk")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="loan-form"' in page and 'id="folder-in"' in page
    asked = _post(client, "/loans/request",
                  {"file_id": f["id"], "kind": "physical", "purpose": "核对合同", "days": "5"})
    assert asked.status_code == 302
    mine = client.get("/loans/mine").get_data(as_text=True)
    assert "核对合同" in mine and "待审批" in mine
    loan_id = str(services.db["loans"].find_one()["_id"])
    assert _post(client, f"/loans/{loan_id}/approve", {}).status_code == 302
    assert services.loans.repo.by_id(loan_id)["status"] == "requested"  # the requester cannot approve
    auth.logout()

    auth.login("boss")
    approvals = client.get("/loans/approvals").get_data(as_text=True)
    assert "核对合同" in approvals and "王芳" in approvals
    _post(client, f"/loans/{loan_id}/approve", {}, "/loans/approvals")
    assert services.loans.repo.by_id(loan_id)["status"] == "approved"
    assert "没有待审批的申请" in client.get("/loans/approvals").get_data(as_text=True)
    auth.logout()

    auth.login("keeper")
    waiting = client.get("/loans/desk").get_data(as_text=True).split('id="desk-waiting"')[1].split("</section>")[0]
    assert f["archive_no"] in waiting and "王芳" in waiting and "赵总监" in waiting and "（1 条）" in waiting
    found = client.get(f"/loans/desk?ref={f['archive_no']}").get_data(as_text=True)
    assert "A101 / 3 / 2 / 17" in found and "签约核对" not in found and "核对合同" in found
    unconfirmed = _post(client, f"/loans/desk/{loan_id}/checkout", {"ref": f["archive_no"]}, "/loans/desk")
    assert unconfirmed.status_code == 302 and services.loans.repo.by_id(loan_id)["status"] == "approved"
    _post(client, f"/loans/desk/{loan_id}/checkout", {"ref": f["archive_no"], "confirm": "1"}, "/loans/desk")
    assert services.loans.repo.by_id(loan_id)["status"] == "out"
    waiting = client.get("/loans/desk").get_data(as_text=True).split('id="desk-waiting"')[1].split("</section>")[0]
    assert f["archive_no"] not in waiting and "没有等待出库的借阅" in waiting  # handed out: no longer waiting
    slip = client.get(f"/loans/{loan_id}/slip").get_data(as_text=True)
    assert 'id="signature-line"' in slip and "借阅人签字" in slip and f["archive_no"] in slip
    assert "赵总监（boss）" in slip and "档案员（keeper）" in slip  # who approved and handed out, by name
    assert f'<td id="loan-number">{services.loans.repo.by_id(loan_id)["number"]}</td>' in slip
    auth.logout()

    auth.login("clerk")
    _post(client, f"/loans/{loan_id}/renew", {"days": "3"})
    assert services.loans.repo.by_id(loan_id)["renewals"] == 1
    auth.logout()

    auth.login("keeper")
    _post(client, f"/loans/desk/{loan_id}/return", {"ref": f["archive_no"], "condition": "ok", "confirm": "1"},
          "/loans/desk")
    assert services.loans.repo.by_id(loan_id)["status"] == "returned"
    assert 'id="folder-state">在库' in client.get(f"/loans/desk?ref={f['archive_no']}").get_data(as_text=True)


def test_a_rejected_request_shows_its_reason_to_the_requester(desk, auth, client):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    auth.login("boss")
    _post(client, f"/loans/{loan}/reject", {"reason": ""}, "/loans/approvals")
    assert desk.loan(loan)["status"] == "requested"
    _post(client, f"/loans/{loan}/reject", {"reason": "用途不明确"}, "/loans/approvals")
    auth.logout()
    auth.login("clerk")
    mine = client.get("/loans/mine").get_data(as_text=True)
    assert "已驳回" in mine and "用途不明确" in mine


def test_forms_without_a_csrf_token_are_refused(desk, auth, client, services):
    f = desk.file()
    auth.login("clerk")
    response = client.post("/loans/request", data={"file_id": f["id"], "kind": "physical", "purpose": "x", "days": "3"})
    assert response.status_code == 400
    assert services.db["loans"].count_documents({}) == 0


def test_bad_form_input_is_explained_and_stores_nothing(desk, auth, client, services):
    f = desk.file()
    auth.login("clerk")
    response = _post(client, "/loans/request", {"file_id": f["id"], "kind": "physical", "purpose": "", "days": "99"})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "申请未提交" in shown and "purpose" in shown and "days" in shown
    assert services.db["loans"].count_documents({}) == 0


def test_the_desk_is_for_archivists_and_says_when_a_number_is_unknown(desk, auth, client):
    auth.login("clerk")
    assert client.get("/loans/desk").status_code == 403
    auth.logout()
    auth.login("keeper")
    page = client.get("/loans/desk?ref=NOPE-1").get_data(as_text=True)
    assert 'id="desk-missing"' in page and "没有超期未还的档案" in page


def test_a_damaged_return_appears_in_the_register_and_its_export(desk, auth, client, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    auth.login("keeper")
    bad = _post(client, f"/loans/desk/{loan}/return", {"ref": f["archive_no"], "condition": "damaged", "note": "水渍",
                                                        "compensation": "20", "confirm": "1"}, "/loans/desk")
    assert "50-500" in client.get(bad.headers["Location"]).get_data(as_text=True)
    assert desk.loan(loan)["status"] == "out"
    _post(client, f"/loans/desk/{loan}/return", {"ref": f["archive_no"], "condition": "damaged", "note": "水渍",
                                                 "compensation": "80", "confirm": "1"}, "/loans/desk")
    register = client.get("/loans/incidents").get_data(as_text=True)
    assert "水渍" in register and "80.00" in register and "损坏" in register
    sheet = load_workbook(io.BytesIO(client.get("/loans/incidents.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "档案号" and rows[1][1] == f["archive_no"] and rows[1][5] == 80
    loans_sheet = load_workbook(io.BytesIO(client.get("/loans/register.xlsx").data)).active
    registered = list(loans_sheet.iter_rows(values_only=True))
    assert [r[1] for r in registered][1:] == [f["archive_no"]]
    number = services.db["loans"].find_one({"file_id": f["id"]})["number"]
    assert re.fullmatch(r"JY\d{4}-\d{5}", number) and registered[1][0] == number
    assert registered[1][3] == "纸质档案" and registered[1][8] == "已归还" and registered[1][15] == "损坏"  # words
    assert "借阅登记簿" in client.get("/loans/register?status=returned").get_data(as_text=True)


def test_a_lost_folder_shows_on_its_file_page(desk, auth, client):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    desk.post("keeper", f"/loans/{loan}/return", {"condition": "lost", "note": "遗失", "compensation": 300})
    auth.login("clerk")
    page = client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="folder-lost"' in page and "纸质档案已遗失" in page


@pytest.mark.calendar
def test_overdue_loans_show_on_the_borrowers_page_the_desk_and_the_reminders(desk, auth, client, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"], days=2)
    services.loans.repo.set(loan, {"due_at": services.loans.repo.by_id(loan)["due_at"] - timedelta(days=5)})
    auth.login("clerk")
    assert 'id="my-overdue"' in client.get("/loans/mine").get_data(as_text=True)
    auth.logout()
    auth.login("keeper")
    assert f["archive_no"] in client.get("/loans/desk").get_data(as_text=True).split('id="desk-overdue"')[1]
    auth.logout()
    auth.login("boss")
    reminders = client.get("/loans/reminders").get_data(as_text=True)
    assert "销售部" in reminders and f["archive_no"] in reminders
    sheet = load_workbook(io.BytesIO(client.get("/loans/reminders.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "销售部" and rows[1][2] == f["archive_no"] and rows[1][6] >= 3
    auth.logout()
    auth.login("otherboss")
    assert f["archive_no"] not in client.get("/loans/reminders").get_data(as_text=True)
    auth.logout()
    auth.login("clerk")
    assert client.get("/loans/reminders").status_code == 403


def test_reservations_queue_and_the_notice_after_return(desk, auth, client, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    auth.login("clerk2")
    assert 'id="reserve-form"' in client.get(f"/files/{f['id']}").get_data(as_text=True)
    _post(client, "/loans/reserve", {"file_id": f["id"]})
    assert f["archive_no"] in client.get("/loans/mine").get_data(as_text=True).split('id="my-reservations"')[1]
    desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"})
    mine = client.get("/loans/mine").get_data(as_text=True)
    assert 'id="notices"' in mine and f["archive_no"] in mine.split('id="notices"')[1]


def test_handover_lists_what_a_leaving_employee_holds_and_reassigns_their_files(desk, auth, client, services):
    auth.user("root", ["admin", "archivist"], department="IT")
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    services.db["files"].update_many({}, {"$set": {"owner": "clerk"}})
    auth.login("root")
    page = client.get("/loans/handover/clerk").get_data(as_text=True)
    assert 'id="holds-folder"' in page and f["archive_no"] in page
    clerk = services.users.by_username("clerk")
    refused = client.post(f"/admin/users/{clerk.id}/active",
                          data={"active": "0", "csrf_token": _token(client, f"/admin/users/{clerk.id}")})
    assert refused.status_code == 302 and services.users.by_username("clerk").active
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "仍有借出未还的纸质档案，不能停用" in page  # said on the user's page
    _post(client, "/loans/handover/clerk/files", {"owner": "clerk2", "reason": "离职交接", "confirm": "1"},
          "/loans/handover/clerk")
    assert services.files.repo.by_id(f["id"])["owner"] == "clerk2"
    assert services.db["audit"].count_documents({"action": "user.files_handed_over"}) == 1
    desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"})
    client.post(f"/admin/users/{clerk.id}/active",
                data={"active": "0", "csrf_token": _token(client, f"/admin/users/{clerk.id}")})
    assert not services.users.by_username("clerk").active
    auth.logout()
    auth.login("clerk2")
    assert client.get("/loans/handover/clerk").status_code == 403


def test_a_digital_loan_shows_watermarked_scans_until_it_ends(desk, auth, client, services):
    import pypdfium2

    from tests.support import scans
    from tests.support.jobs import run_worker
    sealed = desk.file(security="sealed", name="封存客户")
    original = scans.text_layer_pdf("授权委托书\n委托人：赵敏，特授权办理签约手续。")
    uploaded = client.post(f"/api/v1/files/{sealed['id']}/documents", headers=desk.h["keeper"],
                           data={"file": (io.BytesIO(original), "a.pdf"), "doc_type": "authorization",
                                 "title": "委托书"},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    doc_id = uploaded.get_json()["id"]
    run_worker(services, 1)
    loan = desk.ask("clerk", sealed["id"], kind="digital", days=3)
    auth.login("clerk")
    assert client.get(f"/documents/{doc_id}").status_code == 404  # not yet approved
    desk.post("gm", f"/loans/{loan}/approve")

    viewer = client.get(f"/documents/{doc_id}")
    assert viewer.status_code == 200
    html = viewer.get_data(as_text=True)
    assert 'id="watermark"' in html and "王芳(clerk) 销售部" in html
    stamped = client.get(f"/documents/{doc_id}/pages/1/image")
    assert stamped.status_code == 200 and stamped.headers["Cache-Control"] == "private, no-store"
    plain = services.documents.page_image(services.users.by_username("keeper"), doc_id, 1)
    assert scans.stamped_share(plain) < 0.001 and scans.stamped_share(stamped.data) > 0.02  # the red stamp
    views = services.db["audit"].count_documents({"action": "loan.page_viewed", "actor": "clerk"})
    assert views == 2  # the viewer page and the image
    download = client.get(f"/documents/{doc_id}/download")
    assert download.mimetype == "application/pdf" and download.data != original
    text = pypdfium2.PdfDocument(download.data)[0].get_textpage().get_text_range()
    assert "王芳" in text and "销售部" in text
    assert services.db["audit"].count_documents({"action": "loan.download_watermarked"}) == 1

    services.loans.repo.set(loan, {"due_at": services.loans.repo.by_id(loan)["due_at"] - timedelta(days=4)})
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/documents/{doc_id}/pages/1/image").status_code == 404
    assert client.get(f"/documents/{doc_id}/download").status_code == 404
    auth.logout()
    auth.login("keeper")
    viewer = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'id="watermark"' not in viewer


def test_a_digital_borrower_opens_the_sealed_file_page_and_sees_until_when(desk, auth, client):
    sealed = desk.file(security="sealed", name="封存客户")
    loan = desk.ask("clerk", sealed["id"], kind="digital", days=3)
    auth.login("clerk")
    assert client.get(f"/files/{sealed['id']}").status_code == 404
    desk.post("gm", f"/loans/{loan}/approve")
    page = client.get(f"/files/{sealed['id']}").get_data(as_text=True)
    assert "封存客户" in page and 'id="digital-loan"' in page
    mine = client.get("/loans/mine").get_data(as_text=True)
    assert "查看扫描件" in mine and "封存客户" in mine


@pytest.mark.calendar
def test_the_overdue_box_shows_the_first_few_and_links_to_all_of_them(desk, auth, client, services, monkeypatch):
    monkeypatch.setattr(loans_pages, "OVERDUE_ROWS", 2)
    files = [desk.file() for _ in range(3)]
    for f in files:
        loan = desk.out("clerk", f["id"], days=2)
        services.loans.repo.set(loan, {"due_at": services.loans.repo.by_id(loan)["due_at"] - timedelta(days=5)})
    auth.login("clerk")
    html = client.get("/loans/mine").get_data(as_text=True)
    box = html.split('id="my-overdue"')[1].split("</section>")[0]
    assert sum(f["archive_no"] in box for f in files) == 2
    assert 'href="/loans/mine?status=overdue" id="more-overdue"' in box and "查看全部 3 条" in box
    listed = client.get("/loans/mine?status=overdue").get_data(as_text=True).split('id="my-overdue"')[1]
    assert all(f["archive_no"] in listed for f in files)


def test_approvals_list_the_department_s_requests_oldest_first_never_one_s_own_and_page(desk, auth, client,
                                                                                       services, clock):
    files = [desk.file() for _ in range(4)]
    asked = []
    for n, who in enumerate(("clerk", "clerk2", "boss", "clerk")):
        asked.append((who, desk.ask(who, files[n]["id"], purpose=f"核对{n}")))
        clock.advance(timedelta(minutes=5))
    sealed = desk.file(security="sealed")
    desk.ask("clerk", sealed["id"], purpose="核对封存")  # the executive decides on a sealed file
    others = [loan for who, loan in asked if who != "boss"]
    auth.login("boss")
    first = client.get("/loans/approvals?per_page=2").get_data(as_text=True)
    second = client.get("/loans/approvals?per_page=2&page=2").get_data(as_text=True)
    assert "共 3 条" in first and "核对2" not in first + second and "核对封存" not in first + second
    assert first.index("核对0") < first.index("核对1") and "核对3" in second  # oldest first, page by page
    assert all(f"/loans/{loan}/approve" in first + second for loan in others)  # each decidable from the list
    services.listings.catch_up()  # taken into the index: the same list
    assert client.get("/loans/approvals?per_page=2").get_data(as_text=True).count("核对") == first.count("核对")
