"""Loans through the API: request, decide, hand out, renew, return; the bad cases change nothing."""
from __future__ import annotations

import threading
from datetime import datetime
from datetime import timedelta

import pytest

from service import clock
from tests.support.jobs import drain


def test_request_approve_hand_out_renew_and_return_ok(desk, services):
    f = desk.file()
    loan = desk.ask("clerk", f["archive_no"], days=7)
    assert desk.loan(loan, "clerk")["status"] == "requested"
    approved = desk.post("boss", f"/loans/{loan}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    out = desk.post("keeper", f"/loans/{loan}/checkout")
    assert out.status_code == 200 and out.get_json()["status"] == "out"
    due = datetime.fromisoformat(out.get_json()["due_at"])
    renewed = desk.post("clerk", f"/loans/{loan}/renew", {"days": 5})
    assert renewed.status_code == 200
    assert datetime.fromisoformat(renewed.get_json()["due_at"]) - due == timedelta(days=5)
    back = desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok", "note": ""})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    assert services.db["folders_out"].count_documents({}) == 0
    actions = [e["action"] for e in services.db["audit"].find({"target": f"loan:{loan}"}).sort("seq", 1)]
    assert actions == ["loan.requested", "loan.approved", "loan.handed_out", "loan.renewed", "loan.returned"]


def test_request_then_reject_needs_a_reason_and_the_requester_sees_it(desk):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("boss", f"/loans/{loan}/reject", {"reason": ""}).status_code == 422
    assert desk.loan(loan, "clerk")["status"] == "requested"
    rejected = desk.post("boss", f"/loans/{loan}/reject", {"reason": "用途不明确"})
    assert rejected.status_code == 200
    mine = desk.client.get("/api/v1/loans", headers=desk.h["clerk"]).get_json()
    assert (mine["total"] == 1 and mine["items"][0]["status"] == "rejected"
            and mine["items"][0]["reason"] == "用途不明确")
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 409


def test_nobody_approves_their_own_request_and_a_sealed_file_needs_the_executive(desk):
    f = desk.file()
    own = desk.ask("boss", f["id"])
    assert desk.post("boss", f"/loans/{own}/approve").status_code == 403
    sealed = desk.file(security="sealed", name="封存客户")
    loan = desk.ask("clerk", sealed["archive_no"])
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 403
    assert desk.post("otherboss", f"/loans/{loan}/approve").status_code == 403
    assert desk.post("clerk2", f"/loans/{loan}/approve").status_code == 403
    assert desk.loan(loan)["status"] == "requested"
    assert desk.post("gm", f"/loans/{loan}/approve").status_code == 200
    assert desk.loan(loan)["status"] == "approved"


def test_an_approver_of_another_department_cannot_decide(desk):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("otherboss", f"/loans/{loan}/approve").status_code == 403
    assert desk.post("otherboss", f"/loans/{loan}/reject", {"reason": "x"}).status_code == 403
    assert desk.loan(loan)["status"] == "requested"


def test_asking_for_a_sealed_file_reveals_nothing_of_it(desk):
    sealed = desk.file(security="sealed", name="封存客户")
    response = desk.client.post("/api/v1/loans", headers=desk.h["clerk"],
                                json={"file_id": sealed["archive_no"], "kind": "physical", "purpose": "核对",
                                      "days": 3})
    assert response.status_code == 201 and set(response.get_json()) == {"id", "status"}
    item = desk.client.get("/api/v1/loans", headers=desk.h["clerk"]).get_json()["items"][0]
    assert item["file_name"] is None and "封存客户" not in str(item)
    assert desk.client.get(f"/api/v1/files/{sealed['id']}", headers=desk.h["clerk"]).status_code == 404


def test_bad_requests_are_refused_and_store_nothing(desk, services):
    f = desk.file()
    cases = [({"file_id": f["id"], "kind": "borrow", "purpose": "x", "days": 3}, 422, "kind"),
             ({"file_id": f["id"], "kind": "physical", "purpose": "", "days": 3}, 422, "purpose"),
             ({"file_id": f["id"], "kind": "physical", "purpose": "x" * 201, "days": 3}, 422, "purpose"),
             ({"file_id": f["id"], "kind": "physical", "purpose": "x", "days": "3"}, 422, "days"),
             ({"file_id": f["id"], "kind": "physical", "purpose": "x", "days": 15}, 422, "days"),  # staff: 14
             ({"file_id": f["id"], "kind": "physical", "purpose": "x", "days": 0}, 422, "days"),
             ({"file_id": "NOPE-2026-00001", "kind": "physical", "purpose": "x", "days": 3}, 404, None)]
    for body, status, field in cases:
        response = desk.client.post("/api/v1/loans", headers=desk.h["clerk"], json=body)
        assert response.status_code == status, (body, response.get_json())
        if field:
            assert field in response.get_json()["error"]["fields"]
    assert desk.client.post("/api/v1/loans", headers=desk.h["clerk"], data="x").status_code == 400
    assert desk.client.post("/api/v1/loans", json={"file_id": f["id"]}).status_code == 401
    auditor_headers = _auditor(desk)
    assert desk.client.post("/api/v1/loans", headers=auditor_headers, json={
        "file_id": f["id"], "kind": "physical", "purpose": "x", "days": 3}).status_code == 403
    assert services.db["loans"].count_documents({}) == 0
    boss_days = desk.client.post("/api/v1/loans", headers=desk.h["boss"],
                                 json={"file_id": f["id"], "kind": "physical", "purpose": "x", "days": 30})
    assert boss_days.status_code == 201  # the approver's limit is 30 days


def _auditor(desk) -> dict:
    desk.client.application.extensions["archive"].users.create("audit1", "Correct-Horse-42", ["auditor"], "审计部")
    response = desk.client.post("/api/v1/auth/token", json={"username": "audit1", "password": "Correct-Horse-42"})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_stale_steps_are_409_and_wrong_roles_403(desk, services):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("keeper", f"/loans/{loan}/checkout").status_code == 409  # not approved yet
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 409  # not out
    desk.post("boss", f"/loans/{loan}/approve")
    assert desk.post("clerk", f"/loans/{loan}/checkout").status_code == 403
    assert desk.post("keeper", f"/loans/{loan}/checkout").status_code == 200
    assert desk.post("keeper", f"/loans/{loan}/checkout").status_code == 409
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "broken"}).status_code == 422
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok", "note": "x" * 501}).status_code == 422
    assert desk.post("clerk", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 403
    assert desk.loan(loan)["status"] == "out"
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 200
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 409
    assert desk.post("keeper", "/loans/not-an-id/checkout").status_code == 404
    assert desk.post("boss", "/loans/64b7f0c2a1b2c3d4e5f60718/approve").status_code == 404


def test_fifty_concurrent_hand_outs_of_one_folder_have_exactly_one_winner(app, desk, services):
    f = desk.file()
    people = []
    for n in range(50):
        services.users.create(f"s{n:02d}", "Correct-Horse-42", ["staff"], "销售部")
        people.append(f"s{n:02d}")
    loans = []
    for name in people:
        token = desk.client.post("/api/v1/auth/token", json={"username": name, "password": "Correct-Horse-42"})
        headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
        response = desk.client.post("/api/v1/loans", headers=headers,
                                    json={"file_id": f["id"], "kind": "physical", "purpose": "核对", "days": 3})
        loans.append(response.get_json()["id"])
        assert desk.post("boss", f"/loans/{loans[-1]}/approve").status_code == 200
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(loans))

    def hand_out(loan_id):
        client = app.test_client()
        start.wait()
        response = client.post(f"/api/v1/loans/{loan_id}/checkout", headers=desk.h["keeper"])
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=hand_out, args=(loan_id,)) for loan_id in loans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 49
    out = desk.client.get(f"/api/v1/loans?status=out&file_id={f['id']}", headers=desk.h["keeper"]).get_json()
    assert out["total"] == 1
    assert services.db["folders_out"].count_documents({}) == 1
    approved = desk.client.get(f"/api/v1/loans?status=approved&file_id={f['id']}", headers=desk.h["keeper"])
    assert approved.get_json()["total"] == 49


def test_renewals_stop_at_the_limit_and_when_someone_else_waits(desk):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    assert desk.post("clerk", f"/loans/{loan}/renew", {"days": 3}).status_code == 200
    assert desk.post("clerk", f"/loans/{loan}/renew", {"days": 3}).status_code == 200
    third = desk.post("clerk", f"/loans/{loan}/renew", {"days": 3})
    assert third.status_code == 409 and desk.loan(loan)["renewals"] == 2
    g = desk.file(name="李雷")
    other = desk.out("clerk", g["id"])
    assert desk.post("clerk", f"/loans/{other}/renew", {"days": "3"}).status_code == 422
    assert desk.post("clerk2", f"/loans/{other}/renew", {"days": 3}).status_code == 404  # not theirs to see
    reserved = desk.post("clerk2", "/reservations", {"file_id": g["archive_no"]})
    assert reserved.status_code == 201
    assert desk.post("clerk2", "/reservations", {"file_id": g["archive_no"]}).status_code == 409
    blocked = desk.post("clerk", f"/loans/{other}/renew", {"days": 3})
    assert blocked.status_code == 409 and desk.loan(other)["renewals"] == 0


def test_on_return_the_next_in_the_queue_is_notified(desk, services):
    f = desk.file()
    assert desk.post("clerk2", "/reservations", {"file_id": f["id"]}).status_code == 409  # in the archive
    loan = desk.out("clerk", f["id"])
    assert desk.post("clerk", "/reservations", {"file_id": f["id"]}).status_code == 409  # holds it
    assert desk.post("clerk2", "/reservations", {"file_id": f["id"]}).status_code == 201
    assert services.reservations.notices_for("clerk2") == []
    desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"})
    notices = services.reservations.notices_for("clerk2")
    assert len(notices) == 1 and notices[0]["archive_no"] == f["archive_no"]
    assert services.reservations.queue(f["id"]) == []


def test_damaged_and_lost_returns_open_incidents_with_compensation_in_range(desk, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    for body in ({"condition": "damaged", "note": "封面撕裂", "compensation": 49},
                 {"condition": "damaged", "note": "封面撕裂", "compensation": 501},
                 {"condition": "damaged", "note": "封面撕裂", "compensation": "100"},
                 {"condition": "damaged", "note": "", "compensation": 100},
                 {"condition": "damaged", "note": "x", "compensation": 100, "responsible": "nobody"}):
        assert desk.post("keeper", f"/loans/{loan}/return", body).status_code == 422, body
    assert desk.loan(loan)["status"] == "out" and services.db["loan_incidents"].count_documents({}) == 0
    back = desk.post("keeper", f"/loans/{loan}/return",
                     {"condition": "damaged", "note": "封面撕裂", "compensation": 100})
    assert back.status_code == 200 and back.get_json()["status"] == "returned"
    g = desk.file(name="韩梅梅")
    lost = desk.out("clerk2", g["id"])
    gone = desk.post("keeper", f"/loans/{lost}/return", {"condition": "lost", "note": "遗失在外", "compensation": 500})
    assert gone.get_json()["status"] == "lost"
    register = desk.client.get("/api/v1/loan-incidents", headers=desk.h["keeper"]).get_json()
    assert [(i["kind"], i["responsible"], i["compensation"]) for i in register["items"]] == [
        ("lost", "clerk2", 500), ("damaged", "clerk", 100)]
    assert desk.client.get("/api/v1/loan-incidents", headers=desk.h["clerk"]).status_code == 403
    again = desk.ask("clerk", g["id"])
    desk.post("boss", f"/loans/{again}/approve")
    assert desk.post("keeper", f"/loans/{again}/checkout").status_code == 409  # a lost folder is not lent


@pytest.mark.calendar
def test_overdue_as_of_a_day_after_the_due_date_contains_the_loan(desk, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"], days=3)
    due_day = services.loans.local_day(services.loans.repo.by_id(loan)["due_at"])
    url = "/api/v1/loans?status=overdue&as_of="
    on_due_day = desk.client.get(url + due_day.isoformat(), headers=desk.h["keeper"]).get_json()
    after = desk.client.get(url + (due_day + timedelta(days=1)).isoformat(), headers=desk.h["keeper"]).get_json()
    assert on_due_day["total"] == 0
    assert after["total"] == 1 and after["items"][0]["id"] == loan
    mine = desk.client.get(url + (due_day + timedelta(days=1)).isoformat(), headers=desk.h["clerk"]).get_json()
    assert mine["total"] == 1
    assert desk.client.get(url + "2026-13-01", headers=desk.h["keeper"]).status_code == 400
    assert desk.client.get("/api/v1/loans?status=late", headers=desk.h["keeper"]).status_code == 400


def test_a_user_holding_a_folder_cannot_be_deactivated(desk, auth, services):
    auth.user("root", ["admin"], department="IT")
    admin = auth.token("root")
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    clerk = services.users.by_username("clerk")
    refused = desk.client.patch(f"/api/v1/users/{clerk.id}", headers=admin, json={"active": False})
    assert refused.status_code == 409
    assert services.users.by_username("clerk").active
    desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"})
    assert desk.client.patch(f"/api/v1/users/{clerk.id}", headers=admin, json={"active": False}).status_code == 200


def test_lists_are_paged_filtered_and_scoped(desk):
    f = desk.file()
    for _ in range(1):
        desk.ask("clerk", f["id"])
    desk.ask("clerk2", f["id"], kind="digital")
    page = desk.client.get("/api/v1/loans?per_page=1&page=2", headers=desk.h["keeper"]).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert desk.client.get("/api/v1/loans?kind=digital", headers=desk.h["boss"]).get_json()["total"] == 1
    assert desk.client.get("/api/v1/loans", headers=desk.h["clerk"]).get_json()["total"] == 1
    assert desk.client.get("/api/v1/loans", headers=desk.h["otherboss"]).get_json()["total"] == 0
    assert desk.client.get("/api/v1/loans?per_page=500", headers=desk.h["keeper"]).status_code == 400


def test_a_digital_loan_opens_a_sealed_file_until_it_ends(desk, services):
    sealed = desk.file(security="sealed", name="封存客户")
    url = f"/api/v1/files/{sealed['id']}"
    loan = desk.ask("clerk", sealed["id"], kind="digital", days=2)
    assert desk.client.get(url, headers=desk.h["clerk"]).status_code == 404
    started = desk.post("gm", f"/loans/{loan}/approve")
    assert started.get_json()["status"] == "out"
    assert desk.client.get(url, headers=desk.h["clerk"]).status_code == 200
    assert desk.client.get(url, headers=desk.h["clerk2"]).status_code == 404
    drain(services)  # the file's index entry

    def found(who):
        return desk.client.get("/api/v1/search", headers=desk.h[who],
                               query_string={"q": "封存客户"}).get_json()["total"]

    assert found("clerk") == 1 and found("clerk2") == 0  # search opens to the borrower too
    services.loans.repo.set(loan, {"due_at": clock.now() - timedelta(seconds=1)})  # time is up
    assert desk.client.get(url, headers=desk.h["clerk"]).status_code == 404
    assert found("clerk") == 0
    listed = desk.client.get("/api/v1/loans", headers=desk.h["clerk"]).get_json()["items"][0]
    assert listed["status"] == "returned" and listed["file_name"] is None


def test_cancelled_requests_cannot_be_approved(desk):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("clerk2", f"/loans/{loan}/cancel").status_code == 404
    assert desk.post("clerk", f"/loans/{loan}/cancel").status_code == 200
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 409
    assert desk.post("clerk", f"/loans/{loan}/cancel").status_code == 409


def test_the_openapi_document_describes_the_loan_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/loans"])
    assert "post" in paths["/api/v1/loans/{loan_id}/checkout"]


def test_two_approvers_deciding_at_once_have_one_winner(app, desk):
    f = desk.file()
    for _round in range(3):
        loan = desk.ask("clerk", f["id"])
        answers: list[int] = []
        lock = threading.Lock()
        start = threading.Barrier(2)

        def decide(who, path, body):
            client = app.test_client()
            start.wait()
            response = client.post(path, headers=desk.h[who], json=body)
            with lock:
                answers.append(response.status_code)

        threads = [threading.Thread(target=decide, args=("boss", f"/api/v1/loans/{loan}/approve", {})),
                   threading.Thread(target=decide, args=("gm", f"/api/v1/loans/{loan}/reject", {"reason": "不需要"}))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers) == [200, 409]
        assert desk.loan(loan)["status"] in ("approved", "rejected")
        desk.post("clerk", f"/loans/{loan}/cancel")


def test_an_overdue_loan_cannot_be_renewed_and_a_long_reason_is_refused(desk, services):
    f = desk.file()
    loan = desk.out("clerk", f["id"], days=2)
    services.loans.repo.set(loan, {"due_at": clock.now() - timedelta(hours=1)})
    assert desk.post("clerk", f"/loans/{loan}/renew", {"days": 3}).status_code == 409
    assert desk.loan(loan)["renewals"] == 0
    g = desk.file(name="李雷")
    other = desk.ask("clerk", g["id"])
    assert desk.post("boss", f"/loans/{other}/reject", {"reason": "长" * 501}).status_code == 422
    assert desk.post("boss", f"/loans/{other}/reject", {"reason": 5}).status_code == 422
    assert desk.loan(other)["status"] == "requested"


def test_a_file_whose_folder_is_out_cannot_be_merged_until_it_is_back(desk):
    out_file, other = desk.file(name="赵六"), desk.file(name="赵六")
    loan = desk.out("clerk", out_file["id"])
    body = {"into": other["id"], "reason": "重复建档"}
    refused = desk.post("keeper", f"/files/{out_file['id']}/merge", body)
    assert refused.status_code == 409 and "纸质档案已借出" in refused.get_json()["error"]["message"]
    assert desk.post("keeper", f"/files/{other['id']}/merge", {**body, "into": out_file["id"]}).status_code == 409
    assert desk.client.get(f"/api/v1/files/{out_file['id']}", headers=desk.h["keeper"]).get_json()["version"] == 1
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok"}).status_code == 200
    assert desk.post("keeper", f"/files/{out_file['id']}/merge", body).status_code == 200


# A step is claimed by an insert before the loan changes. A process or a database that dies in between
# leaves the claim without its change: the tests below store exactly that state, as a crash leaves it.

def test_an_approval_cut_off_after_its_claim_can_be_given_again_once_the_claim_is_abandoned(desk, services):
    loan = desk.ask("clerk", desk.file()["id"])
    assert services.loans.repo.claim_step(loan, "decision", "boss", clock.now())  # then the database died
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 409  # it may still be finishing
    clock.advance(timedelta(minutes=2))
    approved = desk.post("boss", f"/loans/{loan}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert desk.loan(loan)["status"] == "approved"
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 409


def test_a_hand_out_cut_off_after_taking_the_folder_can_be_done_again(desk, services):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 200
    assert services.loans.repo.claim_step(loan, "checkout", "keeper", clock.now())
    assert services.loans.repo.claim_folder(f["id"], loan, clock.now())  # then the process died
    clock.advance(timedelta(minutes=2))
    out = desk.post("keeper", f"/loans/{loan}/checkout")
    assert out.status_code == 200, out.get_json()
    assert desk.loan(loan)["status"] == "out"
    assert services.db["folders_out"].find_one({"_id": f["id"]})["loan_id"] == loan


def cut_off_return(desk, services):
    """A file lent out and its loan marked returned, with the folder not yet freed (then the database
    died): the file and the loan."""
    f = desk.file()
    loan = desk.out("clerk", f["id"])
    assert services.loans.repo.claim_step(loan, "return", "keeper", clock.now())
    services.loans.repo.set(loan, {"status": "returned", "returned_by": "keeper", "returned_at": clock.now(),
                                   "condition": "ok", "note": ""})
    return f, loan


def test_a_return_cut_off_before_freeing_the_folder_does_not_keep_it_from_the_next_borrower(desk, services):
    f, _first = cut_off_return(desk, services)
    second = desk.ask("clerk2", f["id"])
    assert desk.post("boss", f"/loans/{second}/approve").status_code == 200
    out = desk.post("keeper", f"/loans/{second}/checkout")
    assert out.status_code == 200, out.get_json()
    assert services.db["folders_out"].find_one({"_id": f["id"]})["loan_id"] == second


def test_a_return_cut_off_before_freeing_the_folder_is_finished_by_asking_again(desk, services):
    f, loan = cut_off_return(desk, services)  # the desk saw a 503
    again = desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok", "note": ""})
    assert again.status_code == 200 and again.get_json()["status"] == "returned"
    assert services.db["folders_out"].count_documents({"_id": f["id"]}) == 0
    assert desk.post("keeper", f"/loans/{loan}/return", {"condition": "ok", "note": ""}).status_code == 409
