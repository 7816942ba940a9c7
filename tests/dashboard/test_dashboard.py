"""The dashboard's numbers equal counts made directly in the database, per role, and link to their lists."""
from __future__ import annotations

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from service import clock
from tests.support.dashboard import seed

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def seeded(desk, services):  # noqa: F811
    """The desk's people and the seeded records."""
    return seed(desk, services)


def _api(desk, who):
    response = desk.client.get("/api/v1/dashboard", headers=desk.h[who])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.calendar
def test_archivist_numbers_equal_direct_database_counts(desk, services, seeded):
    body = _api(desk, "keeper")
    db = services.db
    live = {"status": {"$ne": "merged"}}
    assert body["scope"] == "all"
    assert body["files"]["total"] == db["files"].count_documents(live) == 5
    stages = {row["value"]: row["count"] for row in body["files"]["stage"]}
    for stage in ("意向", "成交", "潜在"):
        assert stages[stage] == db["files"].count_documents({**live, "classification.stage": stage})
    projects = {row["value"]: row["count"] for row in body["files"]["project"]}
    assert projects["HXY"] == db["files"].count_documents({"classification.project": "HXY"}) == 2
    active = {"status": "active"}
    assert body["ocr"]["backlog"] == db["documents"].count_documents(
        {**active, "ocr_status": {"$in": ["pending", "running"]}}) == 2
    assert body["ocr"]["failed"] == db["documents"].count_documents({**active, "ocr_status": "failed"}) == 1
    assert body["fixity"]["failures"] == db["documents"].count_documents(
        {**active, "fixity_status": {"$in": ["mismatch", "missing"]}}) == 2
    this_month = body["scans"][-1]
    assert len(body["scans"]) == 12
    assert this_month["documents"] == 4 and this_month["pages"] == 3 + 2 + 4 + 1
    month_ago = (clock.now() - timedelta(days=35)).astimezone(ZONE).strftime("%Y-%m")  # last month, or two back
    assert [(m["documents"], m["pages"]) for m in body["scans"] if m["month"] == month_ago] == [(2, 5 + 1)]
    assert sum(m["documents"] for m in body["scans"]) == 6  # the 400-day-old one is outside the window
    assert body["loans"] == {"out": db["loans"].count_documents({"status": "out"}), "overdue": 1,
                             "due_soon": 1, "sees_all": True}
    assert body["retention"]["holds"] == db["retention_holds"].count_documents({"status": "active"}) == 1
    assert body["retention"]["due"] == 1  # ids[2]; ids[1] is held, ids[3] is further away
    assert body["jobs"]["by_state"]["queued"] == db["jobs"].count_documents({"state": "queued"})
    assert body["jobs"]["oldest_queued_seconds"] >= 0
    assert body["verification"]["overdue"] == db["verification_tasks"].count_documents(
        {"status": "open", "due_date": {"$lt": clock.today(ZONE).isoformat()}}) == 1


@pytest.mark.calendar
def test_numbers_equal_the_lists_behind_them(desk, services, seeded):
    body = _api(desk, "keeper")
    h = desk.h["keeper"]
    for status in ("out", "overdue", "due_soon"):
        listed = desk.client.get(f"/api/v1/loans?status={status}", headers=h).get_json()
        assert listed["total"] == body["loans"][status], status
    due = desk.client.get(f"/api/v1/retention/due?as_of={body['retention']['as_of']}", headers=h)
    assert due.status_code == 200
    assert len(due.get_json()["items"]) == body["retention"]["due"]
    overdue = desk.client.get("/api/v1/verification/overdue", headers=h).get_json()
    assert overdue["total"] == body["verification"]["overdue"]
    files = desk.client.get("/api/v1/files?stage=成交", headers=h).get_json()
    assert files["total"] == {r["value"]: r["count"] for r in body["files"]["stage"]}["成交"]


@pytest.mark.calendar
def test_staff_counts_only_visible_files_and_own_loans(desk, services, seeded):
    body = _api(desk, "clerk")
    assert body["scope"] == "visible"
    # the clerk (销售部) sees normal files and 销售部's confidential ones: not 工程部's, not the sealed one
    assert body["files"]["total"] == 3
    listed = desk.client.get("/api/v1/files", headers=desk.h["clerk"]).get_json()
    assert listed["total"] == body["files"]["total"]
    assert body["loans"] == {"out": 2, "overdue": 1, "due_soon": 0, "sees_all": False}
    for section in ("ocr", "scans", "jobs", "fixity", "retention", "verification"):
        assert section not in body
    clerk2 = _api(desk, "clerk2")
    assert clerk2["loans"]["out"] == 1 and clerk2["loans"]["due_soon"] == 1


def test_executive_sees_everything_but_the_fixity_register(desk, seeded):
    body = _api(desk, "gm")
    assert body["files"]["total"] == 5 and body["scope"] == "all"
    assert "ocr" in body and "retention" in body and "fixity" not in body


@pytest.mark.calendar
def test_dashboard_page_links_every_number_to_its_list(auth, client, desk, seeded):
    auth.login("keeper")
    html = client.get("/").get_data(as_text=True)
    assert 'id="dash-loans-overdue"' in html
    overdue = re.search(r'id="dash-loans-overdue"[^>]*href="([^"]+)"', html).group(1)
    assert overdue == "/loans/register?status=overdue"
    for anchor in ("dash-loans-due", "dash-due", "dash-holds", "dash-ocr-backlog", "dash-ocr-failed",
                   "dash-fixity-failures", "dash-files-total", "dash-jobs-queued", "dash-verification-overdue"):
        href = re.search(rf'id="{anchor}"[^>]*href="([^"]+)"', html).group(1)
        assert client.get(href.replace("&amp;", "&")).status_code == 200, anchor
    assert "<svg" in html and "/files?stage=" in html and "/dashboard/documents?month=" in html
    failed = client.get("/dashboard/documents?ocr=failed").get_data(as_text=True)
    assert "共 1 个文件" in failed
    month = clock.today(ZONE).isoformat()[:7]
    assert f'href="/dashboard/documents?month={month}"' in html
    this_month = client.get(f"/dashboard/documents?month={month}").get_data(as_text=True)
    assert "共 4 个文件" in this_month  # the chart's bar for this month: the removed one counts as scanned
    assert "共 2 个文件" in client.get("/dashboard/documents?ocr=backlog").get_data(as_text=True)


def test_staff_page_links_to_own_loans_and_hides_operations(auth, client, desk, seeded):
    auth.login("clerk")
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'id="dash-loans-overdue"[^>]*href="([^"]+)"', html).group(1)
    assert href == "/loans/mine?status=overdue"
    assert "dash-ocr" not in html and "dash-fixity" not in html and "只统计您有权查看的档案" in html
    assert client.get("/dashboard/documents?ocr=failed").status_code == 403
    assert client.get("/dashboard/jobs?state=failed").status_code == 403
    assert "dash-search-index" not in html and client.get("/dashboard/search-index.json").status_code == 403


def test_bad_filters_and_anonymous_access(auth, client, desk, seeded):
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get("/dashboard/jobs?state=queued").status_code in (302, 401)
    auth.login("keeper")
    assert client.get("/dashboard/documents?ocr=nonsense").status_code == 400
    assert client.get("/dashboard/documents?month=2026-13").status_code == 400
    assert client.get("/dashboard/documents?month=26-1").status_code == 400
    assert client.get("/dashboard/jobs?state=done").status_code == 400
    assert client.get("/dashboard/jobs?state=queued").status_code == 200
    assert client.get("/dashboard/documents?page=0").status_code == 400


def test_empty_database_shows_zeros(auth, client, services):
    auth.user("keeper", ["archivist"], department="档案室")
    auth.login("keeper")
    html = client.get("/").get_data(as_text=True)
    assert 'id="dash-loans-overdue"' in html and "暂无数据" in html
    body = services.dashboard.overview(services.users.by_username("keeper"))
    assert body["files"]["total"] == 0 and body["loans"]["out"] == 0 and body["retention"]["due"] == 0
    assert 'id="dash-search-index"' in html and 'data-progress-url="/dashboard/search-index.json"' in html
    assert client.get("/dashboard/search-index.json").get_json() == {
        "status": "ready", "done": 0, "total": None, "files_waiting": 0, "documents_waiting": 0}


def test_page_time_with_two_thousand_files(auth, client, services):
    """Seeds 2,000 files and 6,000 documents directly and times the start page (printed for the report, not
    asserted: a test does not depend on the machine's speed)."""
    now = clock.now()
    stages = ("意向", "潜在", "准客户", "成交")
    files = [{"_id": ObjectId(), "archive_no": f"P-{n:05d}", "name": f"客户{n}", "status": "active",
              "security": "normal", "department": "销售部", "template": "individual",
              "classification": {"stage": stages[n % 4], "customer_type": "刚需", "project": f"P{n % 7}"},
              "created_at": now, "updated_at": now, "version": 1}
             for n in range(2000)]
    services.db["files"].insert_many(files)
    services.db["documents"].insert_many([
        {"_id": ObjectId(), "file_id": str(files[n % 2000]["_id"]), "uploaded_at": now - timedelta(days=n % 360),
         "pages": 1 + n % 5, "ocr_status": "done", "status": "active", "title": "t"} for n in range(6000)])
    # seeded behind the write paths' back, as a restore would: the indexes the counts come from are rebuilt
    services.search.reindex(restart=True)
    services.listings.rebuild("document")
    auth.user("keeper", ["archivist"], department="档案室")
    auth.login("keeper")
    client.get("/")
    started = time.perf_counter()
    runs = 3
    for _ in range(runs):
        assert client.get("/").status_code == 200
    elapsed = (time.perf_counter() - started) / runs
    started = time.perf_counter()
    body = services.dashboard.overview(services.users.by_username("keeper"))
    counting = time.perf_counter() - started
    print(f"\n[dashboard] start page with 2,000 files and 6,000 documents: {elapsed * 1000:.0f} ms "
          f"(of which the counting {counting * 1000:.0f} ms)")
    assert body["files"]["total"] == 2000 and len(body["scans"]) == 12


def _write_documents(services, now, count: int, start: int = 0) -> list[str]:
    """Document records written the way uploads and OCR write them (through the repository)."""
    repo, ids = services.documents.repo, []
    for n in range(start, start + count):
        doc = {"_id": ObjectId(), "file_id": f"f{n % 3}", "title": f"doc {n}",
               "uploaded_at": now - timedelta(days=n * 9),
               "pages": n % 4 or None, "ocr_status": ("pending", "running", "done", "failed")[n % 4],
               "status": "removed" if n % 7 == 6 else "active", "doc_type": "purchase_contract"}
        repo.insert(doc)
        if n % 5 == 0:
            repo.update(doc["_id"], {"fixity_status": "mismatch" if n % 2 else "missing"})
        ids.append(str(doc["_id"]))
    return ids


def _document_numbers(services, keeper, now) -> dict:
    """The dashboard's document numbers and the totals of its lists."""
    body = services.dashboard.documents(now)
    lists = {f"ocr={state}": services.dashboard.document_list(keeper, ocr=state, per_page=200)
             for state in ("backlog", "failed", "done")}
    lists.update({f"month={m['month']}": services.dashboard.document_list(keeper, month=m["month"], per_page=200)
                  for m in body["scans"]})
    return {"body": body, "lists": {k: (total, [str(r["_id"]) for r in rows]) for k, (total, rows) in lists.items()}}


def _direct_documents(services, dashboard, now) -> dict:
    """The same numbers counted in the database directly."""
    docs, active = services.db["documents"], {"status": "active"}
    scans = []
    for month in dashboard.month_keys(now):
        start, end = dashboard.month_bounds(month)
        inside = list(docs.find({"uploaded_at": {"$gte": start, "$lt": end}}))
        scans.append({"month": month, "documents": len(inside), "pages": sum(d.get("pages") or 0 for d in inside)})
    return {"scans": scans,
            "ocr": {"backlog": docs.count_documents({**active, "ocr_status": {"$in": ["pending", "running"]}}),
                    "failed": docs.count_documents({**active, "ocr_status": "failed"}),
                    "done": docs.count_documents({**active, "ocr_status": "done"})},
            "fixity": {"failures": docs.count_documents({**active, "fixity_status": {"$in": ["mismatch", "missing"]}})}}


def test_document_numbers_and_lists_equal_the_database_at_once_and_the_same_after_the_pass(auth, services):
    auth.user("keeper", ["archivist"], department="档案室")
    keeper, now = services.users.by_username("keeper"), clock.now()
    _write_documents(services, now, 30)
    assert _document_numbers(services, keeper, now)["body"] == _direct_documents(services, services.dashboard, now)
    fresh = _write_documents(services, now, 12, start=30)  # after the index was built: marked, read at once
    services.documents.repo.update(fresh[0], {"ocr_status": "done", "pages": 9})
    services.documents.repo.update(fresh[1], {"ocr_progress": 3})  # no listed value: no mark
    before = _document_numbers(services, keeper, now)
    assert before["body"] == _direct_documents(services, services.dashboard, now)
    assert before["lists"]["ocr=done"][0] == services.db["documents"].count_documents(
        {"status": "active", "ocr_status": "done"})
    assert services.dashboard.ocr_pages_done() == sum(
        d.get("pages") or 0 for d in services.db["documents"].find({"ocr_status": "done"}))
    assert services.listings.catch_up(["document"]) == 42  # the first 30 too: a build leaves marks to the pass
    assert _document_numbers(services, keeper, now) == before


def test_job_numbers_and_lists_equal_the_database_at_once_and_the_same_after_the_pass(auth, services):
    auth.user("keeper", ["archivist"], department="档案室")
    keeper, queue = services.users.by_username("keeper"), services.jobs

    def direct() -> dict:
        waiting = {s: services.db["jobs"].count_documents({"state": s}) for s in ("queued", "running", "failed")}
        return {**waiting, "done": len(list(services.db["jobs_done"].find({}, {"_id": 1})))}

    def listed() -> tuple:
        counts = services.dashboard.job_counts(clock.now())["by_state"]
        lists = {s: services.dashboard.job_list(keeper, s, per_page=50) for s in ("queued", "running", "failed")}
        return counts, {s: (total, [str(j["_id"]) for j in rows]) for s, (total, rows) in lists.items()}

    for n in range(6):
        queue.enqueue("noop", {"n": n})
    assert listed()[0] == direct()
    for _ in range(4):  # two done, one failed for good, one running
        job = queue.claim("w", 60, ["noop"])
        if job.payload["n"] < 2:
            queue.ack(job)
        elif job.payload["n"] == 2:
            queue.fail(job, "broken scan", retry=False)
    counts, lists = listed()
    assert counts == direct() == {"queued": 2, "running": 1, "failed": 1, "done": 2}
    assert lists["queued"][0] == 2 and len(lists["queued"][1]) == 2 and lists["failed"][0] == 1
    assert services.listings.catch_up(["job"]) >= 6
    assert listed() == (counts, lists)
    oldest = services.db["jobs"].find_one({"state": "queued"}, sort=[("created_at", 1)])
    assert services.dashboard.oldest_queued() == oldest["created_at"].replace(microsecond=oldest["created_at"]
                                                                              .microsecond
                                                                              // 1000 * 1000)


def test_the_lists_refuse_other_roles_and_bad_filters(auth, client, services):
    auth.user("keeper", ["archivist"], department="档案室")
    auth.user("clerk", ["staff", "approver"])
    auth.login("clerk")
    for path in ("/dashboard/documents", "/dashboard/documents?ocr=failed", "/dashboard/jobs?state=queued"):
        assert client.get(path).status_code == 403, path
    auth.logout()
    auth.login("keeper")
    for path in ("/dashboard/documents?month=2026-00", "/dashboard/documents?month=2026-1",
                 "/dashboard/documents?ocr=BACKLOG",
                 "/dashboard/documents?per_page=0", "/dashboard/jobs?state=", "/dashboard/jobs?state=done&page=2"):
        assert client.get(path).status_code == 400, path
    assert client.get("/dashboard/documents?month=2026-01&ocr=done").status_code == 200
