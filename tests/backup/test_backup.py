"""Backup and restore against real servers: a running archive backed up, restored into an empty
installation (another database and bucket prefix on the same servers) and compared; incremental
second backups; the destruction register replayed; damaged backups and non-empty targets refused."""
from __future__ import annotations

import hashlib
import json
import time

import pytest

from service.cli import backup as backup_cli
from service.errors import Conflict
from service.errors import Invalid
from storage.backup import BackupDir
from storage.errors import ObjectMissing
from tests.support.backup import api_of
from tests.support.backup import destroy
from tests.support.backup import populate
from tests.support.backup import search_total

SKIP_COMPARE = {"audit", "jobs", "job_slots", "retention_states"}  # grow or change by the restore's own work


def stored(services) -> dict:
    """Every object of an installation: 'role/key' -> sha256."""
    found = {}
    for role in ("originals", "derivatives"):
        for key in services.objects.keys(role):
            found[f"{role}/{key}"] = hashlib.sha256(services.objects.read(role, key)).hexdigest()
    return found


def records(services, name: str) -> list[dict]:
    """A collection's documents; retention states without the time they were computed (a restore
    computes them again to set the originals' locks)."""
    found = list(services.db[name].find().sort("_id", 1))
    return [{k: v for k, v in d.items() if k != "computed_at"} for d in found] if name == "retention" else found


def measured(label: str, seconds: float, path) -> None:
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    print(f"\nMEASURED {label}: {seconds:.2f} s, backup directory {size} bytes")


def test_backup_restores_everything_into_an_empty_installation_and_a_second_backup_copies_nothing(
        office, services, installations, tmp_path):
    ids = populate(office, services)
    destroy(office, ids["doomed"]["id"])
    before_objects = stored(services)
    dest = tmp_path / "backup"

    clock = time.monotonic()
    first = backup_cli.backup_service(services).run(dest)
    measured("first backup", time.monotonic() - clock, dest)
    assert first.objects == len(before_objects) and first.copied > 0 and not first.missing and not first.mismatched
    assert first.copied + first.reused == first.objects
    manifest = BackupDir(dest).manifest(first.snapshot)
    assert set(manifest["collections"]) == set(services.db.list_collection_names())
    assert {"users", "audit", "destruction_register", "loans", "files", "documents"} <= set(manifest["collections"])
    assert {k: v["sha256"] for k, v in manifest["objects"].items()} == before_objects
    assert not list((dest / "snapshots").glob("*.tmp"))

    second = backup_cli.backup_service(services).run(dest)
    print(f"MEASURED second backup: copied {second.copied}, read from the store {second.downloaded}, "
          f"{second.seconds:.2f} s")
    assert second.copied == 0 and second.downloaded == 0 and second.reused == first.objects
    assert BackupDir(dest).snapshot_ids() == sorted([first.snapshot, second.snapshot])

    target = installations("restored")
    clock = time.monotonic()
    report = backup_cli.restore_service(target).run(dest)
    print(f"MEASURED restore: {time.monotonic() - clock:.2f} s, {report.records} records, {report.objects} objects")
    assert report.ok, report.summary()

    for name in sorted(set(manifest["collections"]) - SKIP_COMPARE):
        assert records(target, name) == records(services, name), name
    source_audit, target_audit = records(services, "audit"), records(target, "audit")
    assert target_audit[:len(source_audit)] == source_audit
    assert target_audit[-1]["action"] == "system.restored"
    assert target.audit.verify()["ok"] and target.destruction_register.verify()["ok"]
    assert stored(target) == before_objects

    doomed = target.files.repo.by_id(ids["doomed"]["id"])
    assert doomed["status"] == "destroyed" and doomed["name"] == ""
    assert not [k for k in stored(target) if ids["doomed_doc"]["id"] in k]

    source_client, _ = api_of(services)
    target_client, target_auth = api_of(target)
    keeper = target_auth.token("keeper")  # the users came back, passwords included
    for q in ("翠湖天地", "李娜", "锦绣澜庭", "张伟"):
        assert search_total(target_client, keeper, q) == search_total(source_client, office.h["keeper"], q), q
    assert search_total(target_client, keeper, "翠湖天地") == 2 and search_total(target_client, keeper, "锦绣澜庭") == 0
    loan = target_client.get(f"/api/v1/loans/{ids['loan']}", headers=keeper).get_json()
    assert loan["status"] == "out"
    content = target_client.get(f"/api/v1/documents/{ids['kept_doc']['id']}/content", headers=keeper)
    assert hashlib.sha256(content.get_data()).hexdigest() == ids["kept_doc"]["sha256"]


def test_an_older_backup_restored_with_the_newer_register_keeps_the_destroyed_file_destroyed(
        office, services, installations, tmp_path):
    ids = populate(office, services)
    dest = tmp_path / "backup"
    older = backup_cli.backup_service(services).run(dest)  # taken BEFORE the destruction
    destroy(office, ids["doomed"]["id"])
    register = tmp_path / "register.jsonl"
    assert backup_cli.export_register(services, register) == 0
    assert len(register.read_text().splitlines()) == 1

    plain = installations("plain")
    without = backup_cli.restore_service(plain).run(dest, older.snapshot)
    assert without.ok and plain.files.repo.by_id(ids["doomed"]["id"])["status"] == "active"  # what it held then

    target = installations("replayed")
    report = backup_cli.restore_service(target).run(dest, older.snapshot, register)
    assert report.ok, report.summary()
    assert report.register_added == 1 and report.replayed == 1 and report.withheld >= 2
    doomed = target.files.repo.by_id(ids["doomed"]["id"])
    assert doomed["status"] == "destroyed" and doomed["name"] == "" and doomed["fields"] == {}
    assert doomed["destroyed"]["replayed_from_register"] == 1
    assert target.documents.repo.by_id(ids["doomed_doc"]["id"])["status"] == "destroyed"
    assert not [k for k in stored(target) if ids["doomed_doc"]["id"] in k]
    assert "张伟" not in json.dumps(records(target, "file_versions"), default=str, ensure_ascii=False)
    assert target.destruction_register.verify() == {"ok": True, "entries": 1, "first_bad": None}
    assert target.audit.verify()["ok"]
    assert [e["action"] for e in records(target, "audit")][-2:] == ["destruction.replayed", "system.restored"]
    client, auth = api_of(target)
    keeper = auth.token("keeper")
    assert search_total(client, keeper, "锦绣澜庭") == 0 and search_total(client, keeper, "翠湖天地") == 2
    assert target.retention.repo.state(ids["doomed"]["id"])["status"] == "destroyed"


def test_restore_refuses_a_non_empty_installation_and_changes_nothing(office, services, installations, tmp_path):
    populate(office, services)
    dest = tmp_path / "backup"
    backup_cli.backup_service(services).run(dest)
    before = {name: services.db[name].count_documents({}) for name in services.db.list_collection_names()}
    with pytest.raises(Conflict) as refused:
        backup_cli.restore_service(services).run(dest)
    assert "空的系统" in refused.value.message and "files" in refused.value.fields["records"]
    assert {name: services.db[name].count_documents({}) for name in services.db.list_collection_names()} == before

    target = installations("objects-only")
    target.objects.put_bytes("derivatives", "stray", b"x")
    with pytest.raises(Conflict):
        backup_cli.restore_service(target).run(dest)
    assert all(not target.db[n].count_documents({}) for n in target.db.list_collection_names())


def test_a_corrupted_object_is_reported_and_the_restore_exits_non_zero(office, services, installations, tmp_path,
                                                                      capsys):
    ids = populate(office, services)
    dest = tmp_path / "backup"
    report = backup_cli.backup_service(services).run(dest)
    manifest = BackupDir(dest).manifest(report.snapshot)
    name = f"originals/documents/{ids['kept_doc']['id']}"
    sha = manifest["objects"][name]["sha256"]
    path = BackupDir(dest).object_path(sha)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")  # bit rot in the backup

    target = installations("damaged")
    assert backup_cli.restore(target, dest, None, None) == 1
    out = capsys.readouterr()
    assert f"CORRUPTED: {name}" in out.err
    summary = json.loads(out.out.strip().splitlines()[-1])
    assert summary["ok"] is False and summary["corrupted"][0]["key"] == name
    assert name not in stored(target) and target.audit.verify()["ok"]


def test_a_damaged_dump_or_a_wrong_snapshot_stops_before_anything_is_written(office, services, installations,
                                                                             tmp_path):
    populate(office, services)
    dest = tmp_path / "backup"
    report = backup_cli.backup_service(services).run(dest)
    target = installations("early")
    with pytest.raises(Invalid):
        backup_cli.restore_service(target).run(dest, "20990101T000000000Z")
    with pytest.raises(Invalid):
        backup_cli.restore_service(target).run(tmp_path / "nothing-here")
    dump = BackupDir(dest).dump_path(report.snapshot, "files")
    dump.write_text(dump.read_text().replace("李娜", "李四"), encoding="utf-8")
    with pytest.raises(Invalid) as damaged:
        backup_cli.restore_service(target).run(dest)
    assert damaged.value.fields == {"collection": "files"}
    assert all(not target.db[n].count_documents({}) for n in target.db.list_collection_names())
    bad_register = tmp_path / "bad.jsonl"
    bad_register.write_text('{"seq": 1, "hash": "00", "prev_hash": "11"}\n', encoding="utf-8")
    with pytest.raises(Invalid):
        backup_cli.restore_service(target).run(dest, None, bad_register)


def test_a_backup_while_objects_vanish_reports_them_and_still_succeeds(office, services, tmp_path):
    ids = populate(office, services)
    key = f"documents/{ids['other']['id']}"  # not a document key: nothing refers to it
    services.objects.put_bytes("originals", key, b"written after the dump")
    original = f"documents/{ids['kept_doc']['id']}"
    real_stream = services.objects.stream

    def vanishing(role, key, chunk=1024 * 1024):
        if role == "originals" and key == original:
            raise ObjectMissing(key)  # deleted between the listing and the copy
        return real_stream(role, key, chunk)
    services.objects.stream = vanishing
    report = backup_cli.backup_service(services).run(tmp_path / "backup")
    assert report.missing == [f"originals/{original}"]
    manifest = BackupDir(tmp_path / "backup").manifest(report.snapshot)
    assert manifest["missing"] == [f"originals/{original}"] and f"originals/{key}" in manifest["objects"]


def test_the_archive_command_backs_up_restores_exports_and_imports(office, services, installations, tmp_path,
                                                                  monkeypatch, capsys):
    from service.cli.commands import main
    ids = populate(office, services)

    def point_at(target) -> None:
        s = target.settings
        for name, value in (("ARCHIVE_DB", s.db_name), ("ARCHIVE_BUCKET_PREFIX", s.bucket_prefix),
                            ("ARCHIVE_INDEX_DIR", str(s.search_dir)), ("ARCHIVE_DATA_DIR", str(s.data_dir))):
            monkeypatch.setenv(name, value)
    point_at(services)
    assert main(["backup", str(tmp_path / "b")]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["copied"] > 0
    assert main(["destruction-register-export", str(tmp_path / "r.jsonl")]) == 0
    assert main(["export-bag", "--file", ids["kept"]["id"], str(tmp_path / "bags")]) == 0
    assert main(["restore", str(tmp_path / "b")]) == 1  # this installation is not empty
    assert "空的系统" in capsys.readouterr().err

    target = installations("cli")
    point_at(target)
    assert main(["restore", str(tmp_path / "b"), "--register", str(tmp_path / "r.jsonl")]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["ok"] is True
    assert target.files.repo.by_id(ids["kept"]["id"])["name"] == "李娜"

    other = installations("cli-bag")
    point_at(other)
    bag = tmp_path / "bags" / ids["kept"]["archive_no"]
    assert main(["import-bag", str(bag)]) == 0
    assert main(["import-bag", str(bag)]) == 1  # its number is taken now
    assert main(["import-bag", str(tmp_path / "nowhere")]) == 1


def test_concurrent_backups_make_separate_snapshots_and_concurrent_restores_have_one_winner(
        office, services, installations, tmp_path):
    import threading
    populate(office, services)
    dest = tmp_path / "backup"
    reports, errors = [], []

    def run(call):
        try:
            reports.append(call())
        except Exception as exc:  # noqa: BLE001  (collected and asserted below)
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(lambda: backup_cli.backup_service(services).run(dest),))
               for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors and len({r.snapshot for r in reports}) == 3
    assert BackupDir(dest).snapshot_ids() == sorted(r.snapshot for r in reports)
    assert not list((dest / "snapshots").glob("*.tmp"))

    target = installations("race")
    reports.clear()
    threads = [threading.Thread(target=run, args=(lambda: backup_cli.restore_service(target).run(dest),))
               for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(reports) == 1 and reports[0].ok, reports[0].summary() if reports else errors
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert target.audit.verify()["ok"]
    assert target.db["files"].count_documents({}) == services.db["files"].count_documents({})


def test_a_restore_goes_into_an_installation_whose_server_has_started(office, services, installations, tmp_path):
    """Starting the web or the worker applies the migrations on the empty installation; those records
    are bookkeeping, not data: the restore accepts it and takes the backup's own list."""
    from service.migrations import migrate_at_start

    populate(office, services)
    migrate_at_start(services)
    dest = tmp_path / "backup"
    backup_cli.backup_service(services).run(dest)
    target = installations("started")
    migrate_at_start(target)
    assert target.db["migrations"].count_documents({}) > 0
    report = backup_cli.restore_service(target).run(dest)
    assert not report.failures
    assert records(target, "migrations") == records(services, "migrations")
    assert records(target, "files") == records(services, "files")
