"""Fixity checks, the sweeper of orphaned objects, periodic upkeep, and an object store that dies mid-upload."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from bson import ObjectId

from service import clock
from service.app import create_app
from service.cli.commands import main as archive_main
from service.wiring import build_services
from service.worker import Worker
from storage import StorageUnavailable
from storage.documents import original_key
from tests.support import scans
from tests.support.files import individual
from tests.support.servers import settings_for


@pytest.fixture
def keeper(services):
    return services.users.create("keeper", "Correct-Horse-42", ["archivist"], "档案室", "档案员")


@pytest.fixture
def stored(services, keeper):
    file_doc = services.files.create(keeper, individual())
    docs = [services.documents.upload(keeper, str(file_doc["_id"]), io.BytesIO(scans.contract_page_png(buyer=name)),
                                      "scan.png", "purchase_contract", name)
            for name in ("张伟", "李娜", "王芳")]
    return file_doc, docs


def test_fixity_reports_a_corrupted_and_a_missing_object_and_audits_them(services, stored):
    _, (good, corrupted, missing) = stored
    services.objects.put_bytes("originals", corrupted["key"], b"%PDF-1.4 tampered")
    services.objects.remove("originals", missing["key"])
    report = services.fixity.run()
    assert report.checked == 3 and report.ok == 1
    outcomes = {f["document_id"]: f["outcome"] for f in report.failed}
    assert outcomes == {str(corrupted["_id"]): "mismatch", str(missing["_id"]): "missing"}
    audited = services.audit.search(action="fixity.failed")[1]
    assert {e["target"] for e in audited} == {f"document:{corrupted['_id']}", f"document:{missing['_id']}"}
    assert services.documents.repo.by_id(good["_id"])["fixity_status"] == "ok"


def test_the_fixity_command_exits_1_naming_the_corrupted_object(services, stored, settings, capsys, monkeypatch):
    _, (_, corrupted, _) = stored
    services.objects.put_bytes("originals", corrupted["key"], b"\x89PNG not the scan")
    for name, value in {"ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix}.items():
        monkeypatch.setenv(name, value)
    assert archive_main(["fixity"]) == 1
    out = capsys.readouterr().out
    assert f"mismatch: document {corrupted['_id']}" in out
    assert json.loads(out.strip().splitlines()[-1])["failed"] == 1


def test_a_fixity_sample_checks_the_least_recently_checked_first(services, stored):
    first = services.fixity.run(sample=2)
    second = services.fixity.run(sample=2)
    assert first.checked == 2 and second.checked == 2
    checked = services.documents.repo.find({"fixity_status": "ok"})
    assert len(checked) == 3  # the second run took the one the first left out


def test_fixity_page_lists_failures_for_archivists_only(app, client, auth, services, stored):
    _, (_, corrupted, _) = stored
    services.objects.put_bytes("originals", corrupted["key"], b"changed")
    services.fixity.run()
    auth.login("keeper")
    page = client.get("/fixity")
    assert page.status_code == 200 and corrupted["title"] in page.get_data(as_text=True)
    auth.logout()
    auth.user("sales", ["staff"])
    auth.login("sales")
    assert client.get("/fixity").status_code == 403


def test_the_sweeper_removes_old_orphans_and_keeps_young_ones_and_referenced_ones(services, stored):
    orphan_old, orphan_young = original_key(ObjectId()), original_key(ObjectId())
    services.objects.put_bytes("originals", orphan_old, b"%PDF-1.4 lost upload")
    services.objects.put_bytes("originals", orphan_young, b"%PDF-1.4 upload in flight")
    services.objects.put_bytes("derivatives", f"{ObjectId()}/thumb-0001.jpg", b"jpeg")
    later = clock.now() + timedelta(seconds=services.settings.sweep_grace_seconds + 60)
    young = services.sweeper.run()
    assert young.removed == [] and young.kept_young == 3
    report = services.sweeper.run(now=later)
    assert sorted(report.removed)[0].startswith("derivatives/") and len(report.removed) == 3
    remaining = set(services.objects.keys("originals"))
    assert remaining == {d["key"] for d in stored[1]}


def test_periodic_upkeep_is_queued_once_per_period_however_many_workers(services):
    first, second = Worker(services, schedule=True), Worker(services, schedule=True)
    assert sorted(first.queue_periodic()) == ["fixity", "sweep"]
    assert second.queue_periodic() == []
    assert services.jobs.counts().get("queued") == 2
    first.run(max_jobs=2)
    assert services.jobs.counts().get("done") == 2


def test_minio_dying_mid_upload_gives_503_and_leaves_nothing_half_there(private_servers, base_settings):
    env = private_servers.start()
    settings = settings_for(base_settings, env, "midupload")
    services = build_services(settings)
    services.ensure_schema()
    keeper = services.users.create("keeper", "Correct-Horse-42", ["archivist"], "档案室")
    file_id = str(services.files.create(keeper, individual())["_id"])

    class DiesHalfWay(io.RawIOBase):
        """60 MB of a 'PDF' whose reading kills MinIO after 40 MB (two parts already sent)."""
        def __init__(self):
            self.sent = 0

        def read(self, n=-1):
            if self.sent >= 60 * 1024 * 1024:
                return b""
            if self.sent >= 40 * 1024 * 1024 and not getattr(self, "killed", False):
                private_servers.kill("minio")
                self.killed = True
            n = 1024 * 1024 if n is None or n < 0 else min(n, 1024 * 1024)
            data = (b"%PDF-1.4\n" if self.sent == 0 else b"") + b"\0" * n
            self.sent += len(data)
            return data

    with pytest.raises(StorageUnavailable):
        services.documents.upload(keeper, file_id, DiesHalfWay(), "big.pdf", "other", "big")
    assert services.documents.repo.count({}) == 0
    private_servers.start()
    assert list(services.objects.keys("originals")) == []

    client = create_app(settings, services).test_client()
    private_servers.kill("minio")
    token = client.post("/api/v1/auth/token", json={"username": "keeper", "password": "Correct-Horse-42"})
    response = client.post(f"/api/v1/files/{file_id}/documents", headers={
        "Authorization": f"Bearer {token.get_json()['token']}"},
        data={"file": (io.BytesIO(scans.contract_page_png()), "scan.png")}, content_type="multipart/form-data")
    assert response.status_code == 503 and response.get_json()["error"]["fields"] == {"service": "storage"}
    assert services.documents.repo.count({}) == 0
    private_servers.start()
    assert list(services.objects.keys("originals")) == []
    services.client.drop_database(settings.db_name)
    services.close()
