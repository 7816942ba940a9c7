"""The audit trail: append-only, chained by hashes, correct under concurrent writers."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

from service import clock

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


THREADED_APPENDER = """
import json, sys, threading
from service import settings
from service.wiring import build_services
services = build_services(settings.from_env())
worker, threads, each = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
numbers = {}
def append(t):
    for i in range(each):
        target = f"item:{worker}:{t}:{i}"
        numbers[target] = services.audit.record(f"proc{worker}", "test.append", target, {"i": i})
running = [threading.Thread(target=append, args=(t,)) for t in range(threads)]
[r.start() for r in running]
[r.join() for r in running]
print(json.dumps(numbers))
"""


def test_threads_of_several_processes_appending_at_once_get_each_entry_stored_once_at_its_number(settings,
                                                                                                  services):
    processes = [subprocess.Popen([sys.executable, "-c", THREADED_APPENDER, str(n), "6", "60"],
                                  env=env_for(settings), stdout=subprocess.PIPE, text=True) for n in range(4)]
    returned = {}
    for process in processes:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0
        returned.update(json.loads(out))
    assert services.audit.verify() == {"ok": True, "entries": 1440, "first_bad": None}
    stored = {e["target"]: e["seq"] for e in services.audit.repo.in_order()}
    assert len(returned) == 1440 and stored == returned  # each once, at the number its caller was given


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
    assert 'data-target="file:42">档案 42</td>' in page and 'data-action="auth.login"' not in page
    assert "哈希链校验通过" in client.get("/audit/verify").get_data(as_text=True)
    assert client.get("/audit?from=yesterday").status_code == 400


def _record_trail(services, count: int, start: int = 0) -> None:
    actions = ("file.viewed", "file.updated", "auth.login", "loan.requested", "file.viewed.scan")
    for n in range(start, start + count):
        services.audit.record(f"clerk{n % 3}", actions[n % 5], f"file:{n % 4}", {"n": n})


def _direct(services, target="", actor="", action="", since=None, until=None) -> list[int]:
    """The sequence numbers the filters select, newest first, read from the database directly."""
    query: dict = {name: value for name, value in (("target", target), ("actor", actor)) if value}
    if action:
        query["action"] = {"$regex": "^" + re.escape(action)}
    if since or until:
        query["at"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    assert services.db["audit"].count_documents(query) == len(list(services.db["audit"].find(query)))
    return sorted((e["seq"] for e in services.db["audit"].find(query)), reverse=True)


def _listed(services, **filters) -> tuple[int, list[int]]:
    total, entries = services.audit.search(per_page=200, **filters)
    return total, [e["seq"] for e in entries]


def test_filtered_lists_equal_the_database_at_once_and_the_same_after_the_pass(services):
    _record_trail(services, 40)
    time.sleep(0.01)
    middle = clock.now()
    time.sleep(0.01)
    _record_trail(services, 20, start=40)
    filters = [{"actor": "clerk1"}, {"action": "file."}, {"action": "file.viewed"}, {"action": "auth.login"},
               {"target": "file:2"}, {"actor": "clerk2", "action": "file.", "target": "file:1"},
               {"since": middle}, {"until": middle, "actor": "clerk0"}, {"actor": "nobody"}, {"action": "file.x"}]
    assert all(_listed(services, **f) == (len(_direct(services, **f)), _direct(services, **f)) for f in filters)
    _record_trail(services, 15, start=60)  # after the index was built: read above its watermark
    fresh = [_listed(services, **f) for f in filters]
    assert fresh == [(len(_direct(services, **f)), _direct(services, **f)) for f in filters]
    assert services.listings.catch_up(["audit"]) == 15
    assert [_listed(services, **f) for f in filters] == fresh
    page_two = services.audit.search(actor="clerk1", page=2, per_page=4)
    assert (page_two[0], [e["seq"] for e in page_two[1]]) == (fresh[0][0], fresh[0][1][4:8])


def test_the_whole_trail_pages_by_sequence_numbers_newest_first(services):
    assert services.audit.search() == (0, [])
    _record_trail(services, 23)
    total, first = services.audit.search(per_page=10)
    assert total == services.db["audit"].count_documents({}) == 23
    assert [e["seq"] for e in first] == list(range(23, 13, -1))
    assert [e["seq"] for e in services.audit.search(page=3, per_page=10)[1]] == [3, 2, 1]
    assert services.audit.search(page=4, per_page=10) == (23, [])
    assert services.audit.repo.newest()["seq"] == 23 and services.audit.repo.newest(known=7)["seq"] == 23
    assert services.audit.repo.newest(known=99)["seq"] == 23  # a wrong hint costs lookups, not the answer


def test_the_trail_refuses_other_roles_and_bad_filters(client, auth, services):
    auth.user("shenji", ["auditor"])
    auth.user("clerk", ["staff", "approver", "archivist"])
    _record_trail(services, 5)
    assert client.get("/api/v1/audit", headers=auth.token("clerk")).status_code == 403
    auth.login("clerk")
    assert client.get("/audit?actor=clerk1").status_code == 403
    auth.logout()
    headers = auth.token("shenji")
    listing = client.get("/api/v1/audit?actor=clerk1&action=file.", headers=headers).get_json()
    assert listing["total"] == len(_direct(services, actor="clerk1", action="file."))
    for bad in ("page=0", "per_page=0", "per_page=x", "page=-1"):
        response = client.get(f"/api/v1/audit?{bad}", headers=headers)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed", bad
    auth.login("shenji")
    for bad in ("from=2026-13-01", "to=tomorrow", "from=2026-02-30", "page=0"):
        assert client.get(f"/audit?{bad}").status_code == 400, bad
    assert 'data-target="file:3"' in client.get("/audit?target=file:3&from=2020-01-01").get_data(as_text=True)
