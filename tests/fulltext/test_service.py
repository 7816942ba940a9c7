"""Search through the service and the API: scans found by their words, names by pinyin, permissions,
a rebuilt index answering like the kept one, and the drift check."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import timedelta

import pytest

from service.cli.commands import main as archive_main
from storage.errors import StorageUnavailable
from tests.support import scans
from tests.support.files import individual
from tests.support.jobs import drain

CONTRACT = ("商品房买卖合同\n买受人：张伟\n本合同项目锦绣澜庭位于滨江路88号。\n"
            "出卖人逾期交房的，应向买受人支付违约金，违约金按日万分之五计算。")


@pytest.fixture
def archive(client, services, archivist):
    """张伟's file with a contract whose text layer mentions 锦绣澜庭, 违约金 and 逾期交房, indexed;
    and a confidential file of the sales department."""
    body = individual(classification={"customer_type": "刚需", "stage": "成交", "project": "锦绣澜庭"})
    file_id = client.post("/api/v1/files", headers=archivist, json=body).get_json()["id"]
    upload = client.post(f"/api/v1/files/{file_id}/documents", headers=archivist,
                         data={"file": (io.BytesIO(scans.text_layer_pdf(CONTRACT)), "合同.pdf"),
                               "doc_type": "purchase_contract", "title": "购房合同"},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_data(as_text=True)
    secret = individual(name="欧阳娜娜", security="confidential", department="销售部")
    secret_id = client.post("/api/v1/files", headers=archivist, json=secret).get_json()["id"]
    drain(services)
    return {"file_id": file_id, "document_id": upload.get_json()["id"], "secret_id": secret_id}


def find(client, headers, q: str, **params) -> dict:
    response = client.get("/api/v1/search", headers=headers, query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def page_hits(result: dict) -> list[dict]:
    return [item for item in result["items"] if item["document_id"]]


@pytest.mark.parametrize("q", ["锦绣澜庭", "违约金", '"逾期交房"'])
def test_words_of_a_scanned_contract_find_its_page_marked(client, archivist, archive, q):
    result = find(client, archivist, q)
    hits = page_hits(result)
    assert [(h["document_id"], h["page"], h["file_id"]) for h in hits] == [
        (archive["document_id"], 1, archive["file_id"])]
    assert "<mark>" in hits[0]["snippet"] and hits[0]["doc_type"] == "purchase_contract"
    assert result["total"] == 1 and result["groups"][0]["archive_no"] == hits[0]["archive_no"]


@pytest.mark.parametrize("q", ["张伟", "zhangwei", "zw"])
def test_a_name_finds_the_file_by_characters_and_pinyin(client, archivist, archive, q):
    result = find(client, archivist, q)
    assert archive["file_id"] in {item["file_id"] for item in result["items"]}
    own = [item for item in result["items"] if item["file_id"] == archive["file_id"] and item["document_id"] is None]
    assert own and own[0]["name"] == "张伟" and own[0]["page"] is None


def test_a_facet_narrows_and_counts_files(client, archivist, archive):
    result = find(client, archivist, "违约金")
    assert result["facets"]["doc_type"] == {"purchase_contract": 1}
    assert result["facets"]["project"] == {"锦绣澜庭": 1}
    assert find(client, archivist, "违约金", doc_type="id_copy")["total"] == 0
    assert find(client, archivist, "违约金", project="锦绣澜庭", date_from="2000-01-01")["total"] == 1


def test_another_department_finds_nothing_of_a_confidential_file(client, auth, archivist, archive):
    auth.user("outsider", ["staff"], department="市场部")
    auth.user("insider", ["staff"], department="销售部")
    outsider = find(client, auth.token("outsider"), "欧阳娜娜")
    assert outsider["total"] == 0 and outsider["items"] == []
    assert all(values == {} for values in outsider["facets"].values())
    assert find(client, auth.token("insider"), "欧阳娜娜")["total"] == 1
    assert find(client, archivist, "欧阳娜娜")["items"][0]["file_id"] == archive["secret_id"]


def test_a_query_that_cannot_be_understood_is_422_naming_q(client, archivist, archive):
    response = client.get("/api/v1/search", headers=archivist, query_string={"q": '违约金 ("逾期'})
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert "q" in error["fields"] and error["message"]
    bad_date = client.get("/api/v1/search", headers=archivist, query_string={"q": "x", "date_from": "soon"})
    assert bad_date.status_code == 422 and "date_from" in bad_date.get_json()["error"]["fields"]


def test_a_rebuilt_index_answers_like_the_kept_one(client, services, settings, archivist, archive):
    queries = ["锦绣澜庭", "违约金", '"逾期交房"', "张伟", "zhangwei", "zw", "欧阳娜娜", "违约金 OR 欧阳"]

    def answers():
        return {q: [(i["file_id"], i["document_id"], i["page"], i["snippet"])
                    for i in find(client, archivist, q)["items"]]
                for q in queries}

    kept = answers()
    shutil.rmtree(settings.search_dir)
    seen = []
    stats = services.search.reindex(lambda done, total: seen.append((done, total)), batch_size=1)
    assert seen == [(0, 2), (1, 2), (2, 2)]  # one committed batch per file here
    assert stats["files"] == 2 and stats["pages"] == 1 and stats["resumed_after"] == 0
    assert answers() == kept
    assert not [p for p in settings.search_dir.parent.iterdir() if p.name.endswith(".rebuild")]
    services.search.reindex()  # a rebuild over a live index swaps it too
    assert answers() == kept


class Killed(Exception):
    """Stands for the process dying half-way through a rebuild."""


def test_a_rebuild_that_stopped_resumes_where_it_stopped(client, services, settings, archivist, archive):
    kept = find(client, archivist, "锦绣澜庭")["items"]

    def die_after_the_first_batch(done, total):
        if done == 1:
            raise Killed()

    with pytest.raises(Killed):
        services.search.reindex(die_after_the_first_batch, batch_size=1)
    seen = []
    stats = services.search.reindex(lambda done, total: seen.append((done, total)), batch_size=1)
    assert stats["resumed_after"] == 1 and seen == [(1, 2), (2, 2)]
    assert find(client, archivist, "锦绣澜庭")["items"] == kept
    assert services.search.check().ok
    fresh = services.search.reindex(restart=True)  # or starts over when told
    assert fresh["resumed_after"] == 0 and services.search.check().ok


def test_the_index_state_follows_a_rebuild_file_by_file_and_says_when_one_stopped(client, auth, services, settings,
                                                                                 archivist, archive):
    def state(headers=archivist):
        response = client.get("/api/v1/dashboard/search-index", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    assert state() == {"status": "ready", "done": 0, "total": None, "files_waiting": 0, "documents_waiting": 0}
    seen = []
    services.search.reindex(lambda done, total: seen.append(state()), batch_size=1)
    assert [(s["status"], s["done"], s["total"]) for s in seen] == [("running", 0, 2), ("running", 1, 2),
                                                                    ("running", 2, 2)]

    def die_after_the_first_batch(done, total):
        if done == 1:
            raise Killed()

    with pytest.raises(Killed):
        services.search.reindex(die_after_the_first_batch, batch_size=1)
    saved = settings.search_dir.with_name(f"{settings.search_dir.name}.rebuild") / "rebuild.json"
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id nobody holds any more: the rebuild's process died
    saved.write_text(json.dumps({**json.loads(saved.read_text()), "pid": gone.pid}))
    assert state() == {"status": "stopped", "done": 1, "total": 2, "files_waiting": 0, "documents_waiting": 0}
    services.search.reindex(batch_size=1)
    assert state()["status"] == "ready"

    keeper = services.users.by_username("keeper")
    services.files.create(keeper, individual(name="李娜"))  # its index job waits
    assert state()["files_waiting"] == 1  # two marks (before and after the write), one file
    services.files.create(keeper, individual(name="王强"))
    assert state()["files_waiting"] == 2
    drain(services)
    assert state()["files_waiting"] == 0
    auth.user("clerk", ["staff"])
    assert client.get("/api/v1/dashboard/search-index", headers=auth.token("clerk")).status_code == 403
    assert client.get("/api/v1/dashboard/search-index").status_code == 401


def test_a_change_during_a_rebuild_is_in_the_index_it_swaps_in(client, services, archivist, archive):
    secret = archive["secret_id"]

    def rename_while_rebuilding(done, total):
        if done == 1:
            response = client.patch(f"/api/v1/files/{secret}", json={"name": "欧阳改名"},
                                    headers={**archivist, "If-Match": "1",
                                             "Content-Type": "application/merge-patch+json"})
            assert response.status_code == 200, response.get_data(as_text=True)
            drain(services)  # the worker writes the live index; the rebuild journals the file

    stats = services.search.reindex(rename_while_rebuilding, batch_size=1)
    assert stats["caught_up"] >= 1
    assert [i["file_id"] for i in find(client, archivist, "欧阳改名")["items"]] == [secret]
    assert find(client, archivist, "欧阳娜娜")["total"] == 0
    assert services.search.check().ok


def test_a_second_rebuild_at_the_same_time_is_refused(services, settings, archive):
    from service.fulltext import rebuild as search_rebuild
    with search_rebuild._only_one(settings.search_dir):
        with pytest.raises(search_rebuild.RebuildRunning):
            services.search.reindex()
    assert services.search.check().ok


def test_the_check_finds_no_drift_after_indexing_and_drift_without_an_index(services, settings, archive, capsys,
                                                                            monkeypatch):
    for name, value in {"ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
                        "ARCHIVE_INDEX_DIR": str(settings.search_dir)}.items():
        monkeypatch.setenv(name, value)
    assert services.search.check().ok
    assert archive_main(["search-check"]) == 0
    shutil.rmtree(settings.search_dir)
    drift = services.search.check()
    assert drift.counts() == {"missing": 3, "stale": 0, "extra": 0}
    assert ("page", f"{archive['document_id']}:1") in drift.missing
    assert archive_main(["search-check"]) == 1
    assert '"missing": 3' in capsys.readouterr().out
    assert archive_main(["reindex"]) == 0
    printed = capsys.readouterr()
    assert "reindex [" in printed.err and "100% 2/2 files" in printed.err  # the progress bar
    assert json.loads(printed.out.strip().splitlines()[-1])["files"] == 2
    assert archive_main(["search-check"]) == 0


def test_a_renamed_file_and_a_merge_reach_the_index(client, services, archivist, archive):
    response = client.get(f"/api/v1/files/{archive['file_id']}", headers=archivist)
    version = response.get_json()["version"]
    patched = client.patch(f"/api/v1/files/{archive['file_id']}", headers={**archivist, "If-Match": str(version),
                                                                   "Content-Type": "application/merge-patch+json"},
                           json={"name": "张伟强"})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    drain(services)
    assert find(client, archivist, "张伟强")["items"][0]["file_id"] == archive["file_id"]
    assert page_hits(find(client, archivist, "违约金"))[0]["name"] == "张伟强"
    assert services.search.check().ok
    other = client.post("/api/v1/files", headers=archivist, json=individual(name="张伟")).get_json()["id"]
    merged = client.post(f"/api/v1/files/{archive['file_id']}/merge", headers=archivist,
                         json={"into": other, "reason": "重复登记"})
    assert merged.status_code == 200, merged.get_data(as_text=True)
    drain(services)
    hits = page_hits(find(client, archivist, "违约金"))
    assert [(h["file_id"], h["document_id"]) for h in hits] == [(other, archive["document_id"])]
    assert archive["file_id"] not in {i["file_id"] for i in find(client, archivist, "张伟")["items"]}
    assert services.search.check().ok


def test_a_bulk_import_is_indexed_in_batches_not_one_commit_per_file(client, services, archivist):
    actor = services.users.by_username("keeper")
    with services.index_queue.collecting():
        for name in ("周杰", "吴磊", "郑爽"):
            services.files.create(actor, individual(name=name))
    queued = services.jobs.counts().get("queued")
    assert queued == 1  # one index job carrying the three files
    drain(services)
    for name in ("周杰", "吴磊", "郑爽"):
        assert find(client, archivist, name)["total"] == 1


def test_an_index_of_an_older_schema_answers_503_until_the_worker_rebuilds_it(client, services, settings,
                                                                              archivist, archive):
    services.search.index.close()
    (settings.search_dir / "schema_version.txt").write_text("1\n")
    services.search._index = None  # as a process that starts after the upgrade
    response = client.get("/api/v1/search", headers=archivist, query_string={"q": "锦绣澜庭"})
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "搜索索引正在为新版本重建，请稍后再试"
    assert services.search.rebuild_if_outdated() is True
    assert services.search.rebuild_if_outdated() is False
    assert find(client, archivist, "锦绣澜庭")["total"] == 1


def test_a_file_whose_index_job_was_lost_is_indexed_after_the_sweepers_grace(clock, client, services, archivist,
                                                                              monkeypatch):
    def died(file_id):  # the process died after the write, before the index job was queued
        raise StorageUnavailable("database", "ServerSelectionTimeoutError")
    with monkeypatch.context() as patched:
        patched.setattr(services.index_queue, "file_changed", died)
        response = client.post("/api/v1/files", headers=archivist, json=individual(name="林晓"))
    assert response.status_code == 503
    assert services.db["jobs"].count_documents({"kind": "index"}) == 0
    drain(services)
    assert services.search.check().counts() == {"missing": 1, "stale": 0, "extra": 0}
    assert services.sweeper.run().reindexed == 0  # within the grace: its job may still come
    clock.advance(timedelta(seconds=services.settings.sweep_grace_seconds + 1))
    assert services.sweeper.run().reindexed == 1
    drain(services)
    assert services.search.check().ok
    assert find(client, archivist, "林晓")["total"] == 1
