"""Migrations: an older version's database is brought up to date; runs are idempotent and decided by claims."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from datetime import timezone

import pytest
from bson import ObjectId

from service.cli import migrations as migrations_cli
from service.files import duplicate_keys
from service.files import find_duplicates
from service.migrations import MIGRATIONS
from service.migrations import Migration
from service.migrations import MigrationError
from service.migrations import Migrator
from tests.support.files import VALID_ID

OLD_AT = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _old_file(n: int, **extra) -> dict:
    """A file as the first version of the customer-files code stored it (cc56d5d): no dup_keys."""
    return {"_id": ObjectId(), "template": "individual", "name": f"张伟{n}" if n else "张伟",
            "fields": {"gender": "男", "id_type": "身份证", "id_number": VALID_ID, "phone": "13812345678",
                       "address": "北京市朝阳区建国路88号", "budget": 320},
            "classification": {"customer_type": "刚需", "stage": "意向", "project": "JXLT"},
            "security": "normal", "department": "销售部", "location": {"room": "A101"}, "status": "active",
            "owner": "keeper", "version": 1, "archive_no": f"JXLT-2026-{n + 1:05d}", "created_at": OLD_AT,
            "created_by": "keeper", "updated_at": OLD_AT, "updated_by": "keeper", **extra}


def _old_database(services) -> list[ObjectId]:
    """Raw documents in the older shapes: with pinyin keys (cc56d5d), and an even older one without."""
    docs = [_old_file(0, name_pinyin="zhangwei", name_initials="zw", template_version=1),
            _old_file(1, name_pinyin="zhangwei1", name_initials="zw1", template_version=1),
            _old_file(2)]  # before ab6986c: not even the name keys
    services.db["files"].insert_many(docs)
    services.db["migrations"].drop()
    return [d["_id"] for d in docs]


def test_an_older_database_is_upgraded_and_the_current_code_works_on_it(services, auth):
    ids = _old_database(services)
    keeper = auth.user("keeper", ["archivist"], department="档案室")
    migrator = Migrator(services)
    assert [r["state"] for r in migrator.status()] == ["pending"] * len(MIGRATIONS)
    assert migrator.run() == [m.number for m in MIGRATIONS]
    assert [r["state"] for r in migrator.status()] == ["applied"] * len(MIGRATIONS)
    for doc in services.db["files"].find({"_id": {"$in": ids}}):
        assert doc["dup_keys"] == duplicate_keys(doc) and doc["dup_keys"]
        assert doc["name_pinyin"].startswith("zhangwei") and doc["template_version"] == 1
    # the duplicate check now finds the old files; lists sort by pinyin; edits work
    state = {"name": "张伟", "fields": {"id_number": VALID_ID}, "classification": {"project": "JXLT"}}
    assert {str(m["file"]["_id"]) for m in find_duplicates(services.files.repo, state)} == {str(i) for i in ids}
    total, rows = services.files.list(keeper, {"name": "zhangwei"}, sort="name")
    assert total == 3 and rows[0]["name"] == "张伟"
    changed = services.files.patch(keeper, str(ids[2]), 1, {"name": "张伟二"})
    assert changed["version"] == 2 and changed["name_pinyin"] == "zhangweier"


def test_running_twice_changes_nothing(services):
    _old_database(services)
    Migrator(services).run()
    before = list(services.db["files"].find({}).sort("_id", 1))
    records = services.db["migrations"].count_documents({})
    assert Migrator(services).run() == []
    assert list(services.db["files"].find({}).sort("_id", 1)) == before
    assert services.db["migrations"].count_documents({}) == records == len(MIGRATIONS)


def test_two_processes_starting_at_once_run_each_migration_once(services):
    calls: list[int] = []

    def slow(number):
        def run(_services):
            calls.append(number)
            time.sleep(0.3)
            return {}
        return run

    steps = (Migration(1, "a", "", slow(1)), Migration(2, "b", "", slow(2)))
    results, errors = [], []

    def start():
        try:
            results.append(Migrator(services, steps, poll_seconds=0.05).run())
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(calls) == [1, 2]
    assert sorted(n for ran in results for n in ran) == [1, 2]


def test_a_failed_migration_stops_the_start_until_retried(services):
    attempts = []

    def flaky(_services):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("disk full")
        return {"ok": True}

    steps = (Migration(1, "flaky", "", flaky), Migration(2, "after", "", lambda s: {}))
    with pytest.raises(MigrationError, match="retry 1"):
        Migrator(services, steps).run()
    assert [r["state"] for r in Migrator(services, steps).status()] == ["failed", "pending"]
    with pytest.raises(MigrationError, match="failed"):
        Migrator(services, steps).run()  # another process starting later stops too, and 2 did not run
    assert Migrator(services, steps).retry(1) is True
    assert Migrator(services, steps).run() == [1, 2]
    with pytest.raises(MigrationError, match="applied"):
        Migrator(services, steps).retry(1)
    with pytest.raises(MigrationError, match="no migration"):
        Migrator(services, steps).retry(42)


def test_a_stuck_claim_and_an_unknown_migration_are_reported(services, capsys):
    steps = (Migration(1, "one", "", lambda s: {}),)
    services.db["migrations"].insert_one({"_id": 1, "name": "one", "state": "running", "owner": "gone:1",
                                          "started_at": OLD_AT})
    with pytest.raises(MigrationError, match="still running in gone:1"):
        Migrator(services, steps, wait_seconds=0.2, poll_seconds=0.05).run()
    Migrator(services, steps).retry(1)
    assert Migrator(services, steps).run() == [1]
    services.db["migrations"].insert_one({"_id": 99, "name": "from-the-future", "state": "done"})
    with pytest.raises(MigrationError, match="newer version"):
        Migrator(services, steps).run()
    assert Migrator(services, steps).status()[-1]["state"] == "unknown"
    assert migrations_cli.migrate(services, list_only=True) == 1
    out = capsys.readouterr().out
    assert "unknown" in out and "from-the-future" in out
    assert migrations_cli.migrate(services) == 1
    assert "newer version" in capsys.readouterr().err


def test_cli_lists_then_applies(services, capsys):
    assert migrations_cli.migrate(services, list_only=True) == 0
    assert capsys.readouterr().out.count("pending") == len(MIGRATIONS)
    assert migrations_cli.migrate(services) == 0
    out = capsys.readouterr().out
    assert f"applied {len(MIGRATIONS)} migration(s)" in out
    assert migrations_cli.migrate(services) == 0
    assert "applied 0 migration(s)" in capsys.readouterr().out
    assert migrations_cli.migrate(services, retry=7) == 1


def test_the_web_server_start_applies_pending_migrations(settings, services):
    from service.app import create_app
    app = create_app(settings)  # as gunicorn calls it: the app builds (and migrates) its own services
    try:
        assert services.db["migrations"].count_documents({"state": "done"}) == len(MIGRATIONS)
    finally:
        app.extensions["archive"].close()
