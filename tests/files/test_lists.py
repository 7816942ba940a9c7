"""The file list from the search index with read-your-writes: a file registered or edited shows at once,
before any index job runs, and the list is the same once the worker has indexed it; permissions,
paging and bad requests as before."""
from __future__ import annotations

import io
import shutil
from datetime import timedelta

from openpyxl import load_workbook

from search import FileQuery
from search import Visibility
from service import clock
from tests.support.jobs import drain


def listed(desk, who: str = "keeper", **params) -> dict:
    response = desk.client.get("/api/v1/files", headers=desk.h[who], query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def names(body: dict) -> list[str]:
    return [item["name"] for item in body["items"]]


def table(html: str) -> str:
    """The list's table and pager (the rest of a page carries a fresh CSRF token)."""
    return html[html.index('<table id="file-list">'):html.index("</main>") if "</main>" in html else None]


def indexed(services) -> int:
    """How many files the index itself lists (written by index jobs only)."""
    return services.search.index.list_files(FileQuery(), visibility=Visibility(all=True), per_page=0).total


def patch(desk, file: dict, body: dict, who: str = "keeper") -> dict:
    response = desk.client.patch(f"/api/v1/files/{file['id']}", json=body, headers={
        **desk.h[who], "If-Match": str(file["version"]), "Content-Type": "application/merge-patch+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_registered_file_is_listed_at_once_and_the_same_after_its_index_job(desk, services, client, auth):
    for name in ("张伟", "李娜", "王强"):
        desk.file(name=name)
    assert indexed(services) == 0  # nothing indexed yet: the list shows the pending files
    before = [listed(desk), listed(desk, sort="name", order="desc"), listed(desk, name="ln"), listed(desk, per_page=2)]
    assert before[0]["total"] == 3 and names(before[1]) == ["张伟", "王强", "李娜"] and names(before[2]) == ["李娜"]
    auth.login("clerk")
    page = table(client.get("/files?sort=name").get_data(as_text=True))
    assert page.index("李娜") < page.index("王强") < page.index("张伟") and "共 3 条" in page
    sheet = load_workbook(io.BytesIO(client.get("/files/export.xlsx").data)).active
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(["张伟", "李娜", "王强"])
    drain(services)
    assert indexed(services) == 3 and services.db["index_pending"].count_documents({}) == 0
    assert [listed(desk), listed(desk, sort="name", order="desc"), listed(desk, name="ln"),
            listed(desk, per_page=2)] == before
    assert table(client.get("/files?sort=name").get_data(as_text=True)) == page


def test_an_edit_shows_its_new_values_and_filters_at_once(desk, services):
    file = desk.file(name="张伟", classification={"customer_type": "刚需", "stage": "意向", "project": "JXLT"})
    other = desk.file(name="李娜")
    drain(services)
    patch(desk, file, {"name": "赵六", "classification": {"stage": "成交"}})
    assert listed(desk, name="zhangwei")["total"] == 0 and names(listed(desk, name="zl")) == ["赵六"]
    assert names(listed(desk, stage="成交")) == ["赵六"] and names(listed(desk, stage="意向")) == ["李娜"]
    assert names(listed(desk, sort="name")) == ["李娜", "赵六"]
    assert listed(desk, name="zl")["items"][0]["version"] == 2
    merged = desk.client.post(f"/api/v1/files/{other['id']}/merge", headers=desk.h["keeper"],
                              json={"into": file["id"], "reason": "重复登记"})
    assert merged.status_code == 200, merged.get_data(as_text=True)
    after = [listed(desk), listed(desk, status="merged"), listed(desk, stage="成交"), listed(desk, name="lina")]
    assert names(after[0]) == ["赵六"] and names(after[1]) == ["李娜"] and after[3]["total"] == 0
    drain(services)
    assert [listed(desk), listed(desk, status="merged"), listed(desk, stage="成交"), listed(desk, name="lina")] == after


def test_a_stale_pending_mark_does_not_hide_a_newer_write(desk, services, monkeypatch):
    file = desk.file(name="张伟")
    files = services.search.sources.files
    read = files.by_id
    raced = []

    def read_then_edit(file_id):
        doc = read(file_id)
        if not raced:  # the index job has read version 1 when the edit to version 2 lands
            raced.append("editing")
            raced.append(patch(desk, file, {"name": "李雷"}))
        return doc

    monkeypatch.setattr(files, "by_id", read_then_edit)
    services.search.index_file(file["id"])
    monkeypatch.undo()
    assert indexed(services) == 1 and raced[1]["version"] == 2
    stale = services.search.index.list_files(FileQuery(name="zhangwei"), visibility=Visibility(all=True))
    assert stale.total == 1  # the index holds version 1 ...
    assert names(listed(desk)) == ["李雷"] and listed(desk, name="zhangwei")["total"] == 0  # ... the list version 2
    assert services.db["index_pending"].count_documents({"file_id": file["id"]}) == 2  # the edit's own marks
    drain(services)
    assert services.db["index_pending"].count_documents({}) == 0
    assert names(listed(desk, name="lilei")) == ["李雷"] and listed(desk, name="zhangwei")["total"] == 0


def test_bad_list_requests_are_refused_and_a_page_beyond_the_end_is_empty(desk, services):
    for n in range(3):
        desk.file(name=f"客户{n}")
    for params in ({"sort": "bogus"}, {"per_page": "201"}, {"per_page": "0"}, {"page": "0"}, {"page": "x"}):
        response = desk.client.get("/api/v1/files", headers=desk.h["keeper"], query_string=params)
        assert response.status_code == 400, params
    for _ in range(2):  # pending, then indexed
        beyond = listed(desk, page=3, per_page=2)
        assert beyond == {"total": 3, "items": []}
        assert len(listed(desk, page=2, per_page=2)["items"]) == 1
        drain(services)


def test_confidential_and_sealed_files_of_others_are_never_listed_nor_counted(desk, services):
    desk.file(name="公开客户", classification={"stage": "成交"})
    desk.file(name="机密客户", security="confidential", classification={"stage": "成交"})
    sealed = desk.file(name="封存客户", security="sealed", classification={"stage": "成交"})
    expected = {"clerk": ["公开客户", "机密客户"], "otherboss": ["公开客户"],
                "keeper": ["公开客户", "封存客户", "机密客户"],
                "gm": ["公开客户", "封存客户", "机密客户"]}
    for _ in range(2):  # pending, then indexed
        for who, shown in expected.items():
            body = listed(desk, who, sort="name", stage="成交")
            assert sorted(names(body)) == sorted(shown) and body["total"] == len(shown), who
            assert listed(desk, who, name="fengcun")["total"] == int("封存客户" in shown), who
            dashboard = desk.client.get("/api/v1/dashboard", headers=desk.h[who]).get_json()["files"]
            assert dashboard["total"] == len(shown), who
            assert {r["value"]: r["count"] for r in dashboard["stage"]} == {"成交": len(shown)}, who
        drain(services)
    loan = desk.ask("clerk", sealed["id"], kind="digital", days=2)
    assert desk.post("gm", f"/loans/{loan}/approve").get_json()["status"] == "out"
    assert "封存客户" in names(listed(desk, "clerk"))  # as the file itself: a running digital loan opens it
    assert "封存客户" not in names(listed(desk, "clerk2"))
    services.loans.repo.set(loan, {"due_at": clock.now() - timedelta(seconds=1)})  # time is up
    assert "封存客户" not in names(listed(desk, "clerk"))


def test_the_list_reads_the_database_while_the_index_is_rebuilt_for_a_new_schema(desk, services, settings):
    desk.file(name="张伟")
    drain(services)
    desk.file(name="李娜")
    services.search.index.close()
    (settings.search_dir / "schema_version.txt").write_text("3\n")
    services.search._index = None  # as a process that starts after the upgrade
    assert names(listed(desk, sort="name")) == ["李娜", "张伟"]
    assert desk.client.get("/api/v1/dashboard", headers=desk.h["keeper"]).get_json()["files"]["total"] == 2
    assert services.search.rebuild_if_outdated() is True
    assert services.db["index_pending"].count_documents({}) == 0 and indexed(services) == 2
    assert names(listed(desk, sort="name")) == ["李娜", "张伟"]


def test_a_lost_index_is_rebuilt_when_the_worker_starts(desk, services, settings):
    desk.file(name="张伟")
    drain(services)
    services.search.index.close()
    shutil.rmtree(settings.search_dir)
    assert services.search.rebuild_if_outdated() is True  # empty, while the database holds a file
    assert indexed(services) == 1 and names(listed(desk)) == ["张伟"]
    assert services.search.rebuild_if_outdated() is False
