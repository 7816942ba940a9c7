"""The side menu's work-queue counts, each for its person only, and the borrower's notice of a decision."""
from __future__ import annotations

from datetime import timedelta

from service.events import LoanDecided
from service.loans import loan_queues
from storage import mongo
from storage.notices import UserNoticeRepository
from tests.support.servers import free_port


def _user(services, username):
    return services.users.by_username(username)


def test_an_approver_counts_the_requests_of_their_department_only_less_their_own(desk, services):
    f, other = desk.file(), desk.file(department="工程部")
    desk.ask("clerk", f["id"])
    desk.ask("clerk2", f["id"])
    desk.ask("boss", f["id"])  # the approver's own request is not theirs to decide
    desk.ask("clerk", other["id"])  # another department's file: 工程部's approver decides
    boss, otherboss, gm = (_user(services, n) for n in ("boss", "otherboss", "gm"))
    assert loan_queues(services.loans, boss)["approvals"] == 2 == services.loans.pending_for(boss)[0]
    assert loan_queues(services.loans, otherboss)["approvals"] == 1
    assert loan_queues(services.loans, gm)["approvals"] == 4
    assert "approvals" not in loan_queues(services.loans, _user(services, "clerk"))


def test_the_desk_counts_approved_folders_waiting_to_go_out(desk, services):
    f, g = desk.file(), desk.file()
    keeper = _user(services, "keeper")
    assert loan_queues(services.loans, keeper)["desk"] == 0
    first, second = desk.ask("clerk", f["id"]), desk.ask("clerk2", g["id"])
    desk.ask("clerk", g["id"], kind="digital")  # a digital loan starts at approval: nothing to hand out
    for loan in (first, second):
        assert desk.post("boss", f"/loans/{loan}/approve").status_code == 200
    assert loan_queues(services.loans, keeper)["desk"] == 2
    assert desk.post("keeper", f"/loans/{first}/checkout").status_code == 200
    assert loan_queues(services.loans, keeper)["desk"] == 1
    assert "desk" not in loan_queues(services.loans, _user(services, "boss"))


def test_a_borrower_counts_their_loans_due_within_a_week_or_overdue(desk, services, clock):
    f, g, h = desk.file(), desk.file(), desk.file()
    desk.out("clerk", f["id"], days=3)
    desk.out("clerk", g["id"], days=14)
    desk.out("clerk2", h["id"], days=3)  # someone else's
    clerk = _user(services, "clerk")
    assert loan_queues(services.loans, clerk)["due"] == 1
    clock.advance(timedelta(days=5))  # the first is overdue now, the second due in nine days
    assert loan_queues(services.loans, clerk)["due"] == 1
    clock.advance(timedelta(days=3))
    assert loan_queues(services.loans, clerk)["due"] == 2


def test_archivists_count_submissions_waiting_for_review(intake, services):
    keeper, clerk = intake.keeper, intake.clerk
    assert services.intake.pending_count(keeper, 100) == 0
    for n in range(3):
        f = intake.file(name=f"张伟{n}")
        intake.submission(f["_id"], [intake.scan(f["_id"], "purchase_contract", 10 + n)])
    assert services.intake.pending_count(keeper, 100) == 3
    assert services.intake.pending_count(services.users.by_username("keeper2"), 100) == 3  # the archive's queue
    assert services.intake.pending_count(keeper, 2) == 2  # capped: a count is a bounded read
    assert services.intake.pending_count(clerk, 100) == 0  # not a reviewer


def test_an_owner_counts_follow_ups_due_today_or_overdue(team, services, clock):
    team.file("clerk", stage="成交")  # follow-ups on days 3, 30 and 60 for its owner
    followups, people = services.followups, team.users
    assert followups.due_count(people["clerk"]) == 0
    clock.advance(timedelta(days=3))
    assert followups.due_count(people["clerk"]) == 1  # due today
    clock.advance(timedelta(days=27))
    assert followups.due_count(people["clerk"]) == 2  # one overdue, one due today
    assert followups.due_count(people["clerk2"]) == 0  # a colleague's own are not theirs
    assert followups.due_count(people["eng"]) == 0  # another department
    assert followups.due_count(people["cs1"]) == 2  # customer service's pool: days 15 and 30


def test_a_decision_leaves_exactly_one_notice_for_the_borrower(desk, services):
    f = desk.file()
    approved, refused = desk.ask("clerk", f["id"]), desk.ask("clerk", f["id"], kind="digital")
    assert desk.post("boss", f"/loans/{approved}/approve").status_code == 200
    assert desk.post("boss", f"/loans/{refused}/reject", {"reason": "用途不明"}).status_code == 200
    assert desk.post("boss", f"/loans/{approved}/approve").status_code == 409  # decided: no second notice
    clerk = _user(services, "clerk")
    total, rows = services.notices.list(clerk)
    assert total == 2 and [n["kind"] for n in rows] == ["loan.rejected", "loan.approved"]  # newest first
    assert rows[0]["reason"] == "用途不明" and rows[1]["loan_id"] == approved
    assert services.notices.unread_count(clerk) == 2
    for other in ("boss", "clerk2", "keeper"):
        assert services.notices.list(_user(services, other)) == (0, [])
    services.events.publish(LoanDecided(services.loans.repo.by_id(approved)))  # a repeated reaction posts nothing
    assert services.notices.list(clerk)[0] == 2


def test_notices_through_the_api_are_the_caller_s_own(desk, client):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 200
    mine = client.get("/api/v1/notices", headers=desk.h["clerk"]).get_json()
    assert mine["total"] == 1 and mine["unread"] == 1
    notice = mine["items"][0]
    assert notice["kind"] == "loan.approved" and notice["loan_id"] == loan and notice["read"] is False
    assert client.get("/api/v1/notices", headers=desk.h["clerk2"]).get_json() == {"total": 0, "unread": 0,
                                                                                    "items": []}
    path = f"/api/v1/notices/{notice['id']}/read"
    assert client.post(path, headers=desk.h["clerk2"]).status_code == 404  # someone else's: not even there
    for bad in ("nonsense", "0" * 24, "1", "%00"):
        assert client.post(f"/api/v1/notices/{bad}/read", headers=desk.h["clerk"]).status_code == 404
    assert client.get("/api/v1/notices?page=x", headers=desk.h["clerk"]).status_code == 400
    assert client.get("/api/v1/notices?per_page=0", headers=desk.h["clerk"]).status_code == 400
    assert client.post(path).status_code == 401
    read = client.post(path, headers=desk.h["clerk"])
    assert read.status_code == 200 and read.get_json()["read"] is True and read.get_json()["read_at"]
    assert client.get("/api/v1/notices", headers=desk.h["clerk"]).get_json()["unread"] == 0


def test_the_menu_shows_each_person_their_own_badges_and_the_bell(desk, auth, client):
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    auth.login("boss")
    page = client.get("/files").get_data(as_text=True)
    assert 'id="nav-approvals-count"' in page and 'aria-label="1 项待审批"' in page
    assert 'id="nav-desk-count"' not in page and 'id="notice-count"' not in page
    auth.logout()
    auth.login("otherboss")
    assert 'id="nav-approvals-count"' not in client.get("/files").get_data(as_text=True)  # 0: hidden
    auth.logout()
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 200
    auth.login("keeper")
    page = client.get("/files").get_data(as_text=True)
    assert 'id="nav-desk-count"' in page and "/loans/desk#desk-waiting" in page
    auth.logout()
    auth.login("clerk")
    page = client.get("/lang/en?next=/files", follow_redirects=True).get_data(as_text=True)
    assert 'id="notice-count"' in page and 'aria-label="1 unread notices"' in page
    notices = client.get("/notices").get_data(as_text=True)
    assert "was approved" in notices and 'class="notice unread"' in notices


def test_a_failing_count_hides_its_badge_and_the_page_still_renders(desk, auth, client, services, monkeypatch):
    f = desk.file()
    desk.ask("clerk", f["id"])
    # the notices' collection on a server that is not there: a real connection failure, after 0.2 s
    unreachable = mongo.make_client(f"mongodb://127.0.0.1:{free_port()}", timeout_ms=200)
    monkeypatch.setattr(services.notices, "repo", UserNoticeRepository(unreachable["nowhere"]))
    auth.login("boss")
    response = client.get("/files")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="nav-approvals-count"' in page and 'id="notice-count"' not in page and 'id="nav-notices"' in page


def test_a_notice_whose_write_fails_after_the_decision_reaches_the_borrower_once(desk, services, monkeypatch):
    from tests.support.jobs import drain
    f = desk.file()
    loan = desk.ask("clerk", f["id"])
    working = services.notices.repo
    # the notices' collection on a server that is not there while the decision is recorded
    unreachable = mongo.make_client(f"mongodb://127.0.0.1:{free_port()}", timeout_ms=200)
    monkeypatch.setattr(services.notices, "repo", UserNoticeRepository(unreachable["nowhere"]))
    assert desk.post("boss", f"/loans/{loan}/approve").status_code == 200  # the decision stands
    monkeypatch.setattr(services.notices, "repo", working)
    clerk = _user(services, "clerk")
    assert services.notices.list(clerk)[0] == 0
    drain(services)  # the queued notice job posts it
    total, rows = services.notices.list(clerk)
    assert total == 1 and rows[0]["kind"] == "loan.approved" and rows[0]["loan_id"] == loan
    again = desk.ask("clerk", desk.file()["id"])
    assert desk.post("boss", f"/loans/{again}/approve").status_code == 200
    assert services.notices.list(clerk)[0] == 2  # posted at once; its job then adds nothing
    drain(services)
    assert services.notices.list(clerk)[0] == 2
