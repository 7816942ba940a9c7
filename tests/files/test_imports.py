"""Importing customer registers: mapping, dry run, import in the worker, idempotent re-import."""
from __future__ import annotations

import io
import itertools
import time
from datetime import timedelta

import pytest
from pymongo.errors import AutoReconnect

from service import clock as product_clock
from service.errors import Invalid
from service.errors import UnsupportedMedia
from service.worker import Worker
from tests.support.auth import csrf_from
from tests.support.sheets import sheet


def run_jobs(services) -> None:
    worker = Worker(services, worker_id="test")
    while (job := services.jobs.claim("test", 600)) is not None:
        worker.run_one(job)


@pytest.fixture
def clerk(services):
    return services.users.create("clerk", "Desk-Pass-20261", ["staff"], "销售部")


def test_columns_are_mapped_by_their_labels_and_the_mapping_is_remembered(services, clerk):
    run = services.imports.upload(clerk, "individual", sheet(3), "登记表.xlsx")
    mapping = {pair["header"]: pair["target"] for pair in run["mapping"]}
    assert mapping["手机号码"] == "fields.phone" and mapping["证件号码"] == "fields.id_number"
    assert mapping["客户编号"] == ""  # unknown label: not imported unless chosen
    mapping.update({"客户编号": "external_key", "客户姓名": "name", "阶段": "classification.stage",
                    "项目": "classification.project"})
    services.imports.set_mapping(clerk, run["_id"], mapping)
    again = services.imports.upload(clerk, "individual", sheet(3), "登记表.xlsx")
    assert {p["header"]: p["target"] for p in again["mapping"]} == mapping


@pytest.mark.timeout(900)  # about 70 s alone on FerretDB; slower beside the rest of the suite
def test_five_thousand_rows_with_fifty_bad_ones_import_once(services, clerk):
    data = sheet(5000, bad_every=100)
    mapping = {"客户编号": "external_key", "客户姓名": "name", "手机号码": "fields.phone",
               "证件类型": "fields.id_type", "证件号码": "fields.id_number", "购房预算（万元）": "fields.budget",
               "阶段": "classification.stage", "项目": "classification.project"}
    run = services.imports.upload(clerk, "individual", data, "big.xlsx")
    services.imports.set_mapping(clerk, run["_id"], mapping)
    report = services.imports.dry_run(clerk, run["_id"])
    assert [e["row"] for e in report["errors"]] == [n + 2 for n in range(0, 5000, 100)]
    assert all([p["field"] for p in e["problems"]] == ["fields.id_number"] for e in report["errors"])
    assert report["new"] == 4950 and services.db["files"].count_documents({}) == 0

    services.imports.start(clerk, run["_id"])
    started = time.monotonic()
    run_jobs(services)
    finished = services.imports.get(clerk, run["_id"])
    assert (finished["state"], finished["created"], finished["failed"]) == ("done", 4950, 50)
    assert services.db["files"].count_documents({}) == 4950
    print(f"imported 4950 rows in {time.monotonic() - started:.1f} s")
    assert [e["row"] for e in finished["errors"]] == [n + 2 for n in range(0, 5000, 100)]
    numbers = {doc["name"]: doc["archive_no"] for doc in services.db["files"].find({}, {"name": 1, "archive_no": 1})}
    in_rows = [numbers[f"客户{n}"] for n in range(5000) if n % 100]
    assert in_rows == sorted(in_rows) and len(set(in_rows)) == 4950  # stored by threads, numbered in row order
    assert services.db["jobs_done"].count_documents({"kind": "index"}) == 10  # the threads' files in jobs of 500

    second = services.imports.upload(clerk, "individual", data, "big.xlsx")
    services.imports.set_mapping(clerk, second["_id"], mapping)
    assert services.imports.dry_run(clerk, second["_id"])["already_imported"] == 4950
    services.imports.start(clerk, second["_id"])
    run_jobs(services)
    assert services.imports.get(clerk, second["_id"])["created"] == 0
    assert services.db["files"].count_documents({}) == 4950


def test_an_import_that_dies_half_way_stores_each_row_once_when_run_again(services, clerk, clock, monkeypatch):
    mapping = {"客户编号": "external_key", "客户姓名": "name", "手机号码": "fields.phone",
               "阶段": "classification.stage",
               "项目": "classification.project"}
    run = services.imports.upload(clerk, "individual", sheet(120), "a.xlsx")
    services.imports.set_mapping(clerk, run["_id"], mapping)
    services.imports.dry_run(clerk, run["_id"])
    real, calls = services.files.create, itertools.count()

    def dies_on_the_fortieth(*args, **kwargs):
        if next(calls) == 40:
            raise AutoReconnect("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.files, "create", dies_on_the_fortieth)
    with pytest.raises(AutoReconnect):
        services.imports.run(run["_id"])
    stored = services.db["files"].count_documents({})
    assert 40 <= stored < 120  # the rows the threads had in hand are stored; the run stopped there
    monkeypatch.setattr(services.files, "create", real)
    services.imports.run(run["_id"])  # the worker's retry, at once: the dead row's claim is still held
    assert services.imports.get(clerk, run["_id"])["skipped"] == stored + 1
    product_clock.advance(timedelta(minutes=11))  # the dead row's claim is now stale and taken over
    services.imports.run(run["_id"])
    names = [doc["name"] for doc in services.db["files"].find({}, {"name": 1})]
    assert sorted(names) == sorted(f"客户{n}" for n in range(120))  # every row once
    numbers = [doc["archive_no"] for doc in services.db["files"].find({}, {"archive_no": 1})]
    assert len(set(numbers)) == 120


def test_rows_without_a_key_column_are_recognised_by_their_content(services, clerk):
    mapping = {"客户姓名": "name", "手机号码": "fields.phone"}
    for _ in range(2):
        run = services.imports.upload(clerk, "individual", sheet(5), "a.xlsx")
        services.imports.set_mapping(clerk, run["_id"], mapping)
        services.imports.dry_run(clerk, run["_id"])
        services.imports.start(clerk, run["_id"])
        run_jobs(services)
    assert services.db["files"].count_documents({}) == 5


def test_duplicates_inside_the_sheet_and_against_the_archive_are_listed(services, clerk):
    services.files.create(clerk, {"template": "individual", "name": "老客户", "fields": {"phone": "13800000001"}})
    run = services.imports.upload(clerk, "individual", sheet(3), "d.xlsx")
    services.imports.set_mapping(clerk, run["_id"], {"客户姓名": "name", "手机号码": "fields.phone",
                                                     "证件类型": "fields.id_type", "证件号码": "fields.id_number"})
    report = services.imports.dry_run(clerk, run["_id"])
    rows = {d["row"]: d["with"] for d in report["duplicates"]}
    assert any("KH-" in w for w in rows[3])  # row 3 has the phone of the existing file
    assert 3 in rows and 4 in rows  # the same ID number on every row: rows 3 and 4 repeat row 2


def test_a_csv_in_gbk_imports_like_a_workbook(services, clerk):
    text = "客户姓名,手机号码\n王芳,13912345678\n"
    run = services.imports.upload(clerk, "individual", text.encode("gb18030"), "gbk.csv")
    assert run["headers"] == ["客户姓名", "手机号码"] and run["rows"] == 1


def test_bad_sheets_and_mappings_are_refused(services, clerk):
    with pytest.raises(UnsupportedMedia):
        services.imports.upload(clerk, "individual", b"MZ\x90\x00\x03\x00\x00\x00" * 10, "x.csv")
    with pytest.raises(Invalid):
        services.imports.upload(clerk, "individual", b"PK\x03\x04 broken zip", "x.xlsx")
    run = services.imports.upload(clerk, "individual", sheet(2), "x.xlsx")
    with pytest.raises(Invalid):
        services.imports.set_mapping(clerk, run["_id"], {"客户姓名": "fields.$where"})
    with pytest.raises(Invalid):
        services.imports.set_mapping(clerk, run["_id"], {"手机号码": "fields.phone"})  # no name column


def test_an_import_through_the_pages_shows_the_check_and_the_progress(client, auth, services):
    auth.user("clerk2", ["staff"])
    auth.login("clerk2")
    page = client.get("/files/import").get_data(as_text=True)
    response = client.post("/files/import", data={"csrf_token": csrf_from(page), "template": "individual",
                                                  "sheet": (io.BytesIO(sheet(4, bad_every=3)), "reg.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    mapping_page = client.get(response.headers["Location"]).get_data(as_text=True)
    form = {"csrf_token": csrf_from(mapping_page)}
    for index, target in enumerate(["external_key", "name", "fields.phone", "fields.id_type", "fields.id_number",
                                    "", "classification.stage", "classification.project"]):
        form[f"map.{index}"] = target
    checked = client.post(response.headers["Location"] + "/check", data=form).get_data(as_text=True)
    assert 'id="row-errors"' in checked and "可导入 2 行，有错误 2 行" in checked
    started = client.post(response.headers["Location"] + "/start", data={"csrf_token": csrf_from(checked)})
    assert started.status_code == 302
    waiting = client.get(response.headers["Location"]).get_data(as_text=True)
    progress_url = response.headers["Location"] + "/progress.json"
    assert f'data-progress-url="{progress_url}"' in waiting and 'http-equiv="refresh"' not in waiting
    assert client.get(progress_url).get_json() == {"status": "queued", "done": 0, "total": 4, "created": 0,
                                                   "skipped": 0, "failed": 0}
    run_jobs(services)
    assert client.get(progress_url).get_json() == {"status": "done", "done": 4, "total": 4, "created": 2,
                                                   "skipped": 0, "failed": 2}
    progress = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已完成" in progress and '新建 <span data-progress="created">2</span>' in progress
    assert "data-progress-url" not in progress  # nothing left to follow
    auth.user("clerk3", ["staff"])
    auth.login("clerk3")
    assert client.get(progress_url).status_code == 404  # someone else's import
    assert "共 2 条" in client.get("/files?name=kehu").get_data(as_text=True)


def test_auditors_cannot_import(client, auth):
    auth.user("shenji", ["auditor"])
    auth.login("shenji")
    assert client.get("/files/import").status_code == 403
