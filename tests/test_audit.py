"""The audit trail: append-only, chained by hashes, correct under concurrent writers."""
from __future__ import annotations

import json
import os
import subprocess
import sys

APPENDER = """
import sys
from service import settings
from service.wiring import build_services
services = build_services(settings.from_env())
worker = sys.argv[1]
for i in range(int(sys.argv[2])):
    services.audit.record(f"proc{worker}", "test.append", f"item:{worker}:{i}", {"i": i, "名": "张伟"})
"""


def env_for(settings) -> dict:
    return {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix}


def test_eight_processes_appending_at_once_leave_one_verifiable_chain(settings, services):
    processes = [subprocess.Popen([sys.executable, "-c", APPENDER, str(n), "500"], env=env_for(settings))
                 for n in range(8)]
    assert [p.wait(timeout=600) for p in processes] == [0] * 8
    result = services.audit.verify()
    assert result == {"ok": True, "entries": 4000, "first_bad": None}
    seqs = [e["seq"] for e in services.audit.repo.in_order()]
    assert seqs == list(range(1, 4001))
    per_process = {n: services.audit.search(actor=f"proc{n}", per_page=1)[0] for n in range(8)}
    assert set(per_process.values()) == {500}


def test_changing_one_entry_in_the_database_is_reported_at_its_sequence_number(settings, services):
    for i in range(10):
        services.audit.record("clerk", "file.viewed", f"file:{i}")
    services.db["audit"].update_one({"_id": "000000000006"}, {"$set": {"details": {"forged": True}}})
    assert services.audit.verify() == {"ok": False, "entries": 10, "first_bad": 6}
    cli = subprocess.run([sys.executable, "-m", "service.cli", "audit-verify"], env=env_for(settings),
                         capture_output=True, text=True)
    assert cli.returncode == 1
    assert json.loads(cli.stdout.strip().splitlines()[-1])["first_bad"] == 6


def test_a_deleted_entry_breaks_the_chain_where_it_was(services):
    for i in range(5):
        services.audit.record("clerk", "file.viewed", f"file:{i}")
    services.db["audit"].delete_one({"_id": "000000000003"})
    assert services.audit.verify()["first_bad"] == 3


def test_an_empty_trail_verifies(services):
    assert services.audit.verify() == {"ok": True, "entries": 0, "first_bad": None}


def test_entries_keep_chinese_details_and_their_times(services):
    seq = services.audit.record("王芳", "file.viewed", "file:1", {"name": "锦绣澜庭"})
    entry = services.audit.search(target="file:1")[1][0]
    assert entry["seq"] == seq and entry["details"] == {"name": "锦绣澜庭"} and entry["actor"] == "王芳"
    assert entry["at"].tzinfo is not None


def test_the_auditor_page_filters_and_verifies(client, auth, services):
    auth.user("shenji", ["auditor"])
    services.audit.record("someone", "file.viewed", "file:42")
    auth.login("shenji")
    page = client.get("/audit?target=file:42").get_data(as_text=True)
    assert "<td>file:42</td>" in page and "<td>auth.login</td>" not in page
    assert "哈希链校验通过" in client.get("/audit/verify").get_data(as_text=True)
    assert client.get("/audit?from=yesterday").status_code == 400
