"""Lists and counts at the issue's size without decoding large sets: the audit trail, the dashboard's
documents and jobs (listing indexes, the trail paged by sequence number).

    .venv/bin/python -m bench.bench_lists        (normally `scripts/bench lists`)

Seeds a fresh database in bulk (insert_many, no marks: as an installation that predates the indexes):
BENCH_AUDIT_ENTRIES audit entries (default 200,000, a valid hash chain), BENCH_DOCUMENTS documents
(default 300,000) and BENCH_JOBS_DONE finished jobs (default 100,000) beside 250 waiting or failed
ones. Then it builds the listing indexes (the worker's start: timed), and times each list and count
BENCH_LIST_RUNS times (default 5; p50 and p95): the whole trail (page 1 and page 1,000), by actor,
by target, by action prefix, by actor and a week; the first append of a new process (finding the
newest entry); the dashboard's document numbers, a month's and the OCR backlog's document list, OCR
pages, jobs by state and the failed jobs' list. The trail's lists are timed again with 300 entries
written after the index's last pass (read above its watermark), then the worker's pass over them; the
dashboard's again with 100 documents written through the repository (marked, read by id).

Checks (exit 1 otherwise): every total equals a count over one pass of the collection in Python.
With BENCH_LISTS_OLD=1 it also times, once each, what the code did before (count_documents and a
sort over the collection): minutes per list at these sizes.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from datetime import timedelta
from datetime import timezone

from bson import ObjectId
from pymongo import MongoClient

from bench.common import fresh_settings
from bench.common import ms
from bench.common import p50
from bench.common import p95
from bench.common import table
from bench.common import write_results
from service import clock
from service.audit import GENESIS
from service.audit import AuditTrail
from service.audit import entry_hash
from service.wiring import build_services
from storage.audit import AuditRepository
from storage.audit import key

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES") or 200_000)
DOCUMENTS = int(os.environ.get("BENCH_DOCUMENTS") or 300_000)
JOBS_DONE = int(os.environ.get("BENCH_JOBS_DONE") or 100_000)
RUNS = int(os.environ.get("BENCH_LIST_RUNS") or 5)
OLD = os.environ.get("BENCH_LISTS_OLD") == "1"
ACTIONS = ("file.viewed", "file.updated", "document.read", "loan.requested", "loan.approved", "auth.login",
           "search.run", "audit.viewed")
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
BATCH = 2000


def _bulk(collection, docs) -> None:
    batch = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        collection.insert_many(batch, ordered=False)


def _entries(count: int):
    prev = GENESIS
    for seq in range(1, count + 1):
        entry = {"seq": seq, "at": START + timedelta(seconds=seq * 60), "actor": f"user{seq % 50}",
                 "action": ACTIONS[seq % len(ACTIONS)], "target": f"file:{seq % 100_000}", "details": {"n": seq},
                 "prev_hash": prev}
        entry["hash"] = prev = entry_hash(entry)
        yield {**entry, "_id": key(seq)}


def _documents(count: int, now: datetime):
    for n in range(count):
        yield {"_id": ObjectId(), "file_id": f"{n % 100_000:024x}", "title": f"扫描件 {n}",
               "doc_type": "purchase_contract",
               "uploaded_at": now - timedelta(minutes=n * 3), "pages": 1 + n % 9,
               "ocr_status": ("done", "done", "done", "pending", "failed", "running")[n % 6],
               "status": "removed" if n % 50 == 0 else "active", "fixity_status": "mismatch" if n % 997 == 0 else "ok"}


def _jobs(services) -> None:
    now = clock.now()
    _bulk(services.db["jobs_done"], ({"_id": ObjectId(), "kind": "ocr", "state": "done", "attempts": 1, "payload": {},
                                      "created_at": now - timedelta(seconds=n)} for n in range(JOBS_DONE)))
    _bulk(services.db["jobs"], ({"_id": ObjectId(), "kind": "ocr", "state": "failed" if n % 5 == 0 else "queued",
                                 "attempts": 1, "payload": {}, "run_after": now, "last_error": None,
                                 "created_at": now - timedelta(seconds=n)} for n in range(250)))


def seed(services) -> dict:
    """Everything inserted in bulk; seconds per collection."""
    took = {}
    for name, fill in (("audit", lambda: _bulk(services.db["audit"], _entries(ENTRIES))),
                       ("documents", lambda: _bulk(services.db["documents"],
                                                   _documents(DOCUMENTS, clock.now()))),
                       ("jobs", lambda: _jobs(services))):
        started = time.perf_counter()
        fill()
        took[name] = time.perf_counter() - started
        print(f"[bench] seeded {name} in {took[name]:.0f} s", file=sys.stderr, flush=True)
    return took


def timed(fn, runs: int = RUNS) -> tuple[list[float], object]:
    """Durations of `runs` calls and the last result."""
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def audit_cases(services) -> dict:
    """The trail's lists: name -> (call, the filters for the direct count)."""
    week = (START + timedelta(days=30), START + timedelta(days=37))
    cases = {"whole trail, page 1": ({}, 1), "whole trail, page 1,000": ({}, 1000),
             "actor": ({"actor": "user7"}, 1), "actor, page 50": ({"actor": "user7"}, 50),
             "target": ({"target": "file:123"}, 1), "action prefix loan.": ({"action": "loan."}, 1),
             "actor and a week": ({"actor": "user7", "since": week[0], "until": week[1]}, 1)}
    return {name: (lambda f=filters, p=page: services.audit.search(page=p, per_page=50, **f), filters)
            for name, (filters, page) in cases.items()}


def direct_audit_totals(services, cases: dict) -> dict:
    """Each case's total from one pass over the collection, counted in Python."""
    totals = {name: 0 for name in cases}
    for entry in services.db["audit"].find({}, {"actor": 1, "action": 1, "target": 1, "at": 1}).batch_size(5000):
        for name, (_, f) in cases.items():
            totals[name] += all((not f.get(k) or entry[k] == f[k]) for k in ("actor", "target")) \
                and entry["action"].startswith(f.get("action", "")) \
                and (not f.get("since") or f["since"] <= entry["at"] < f["until"])
    return totals


def time_audit(services, label: str, rows: list, failures: list) -> None:
    """Time every case; check totals against one direct pass."""
    cases = audit_cases(services)
    direct = direct_audit_totals(services, cases)
    for name, (call, _) in cases.items():
        seconds, (total, items) = timed(call)
        rows.append([label, name, ms(p50(seconds)), ms(p95(seconds)), total, len(items)])
        if total != direct[name]:
            failures.append(f"{label} {name}: listed {total}, counted {direct[name]}")


def time_first_append(services, rows: list) -> None:
    """A process's first entry: it finds the newest by probing sequence numbers."""
    seconds = []
    for _ in range(RUNS):
        trail = AuditTrail(AuditRepository(services.db), services.listings)  # no tip known yet
        started = time.perf_counter()
        trail.record("bench", "bench.first_append", "bench")
        seconds.append(time.perf_counter() - started)
    rows.append(["audit", "first append of a process", ms(p50(seconds)), ms(p95(seconds)), "", ""])


def dashboard_cases(services, keeper, now: datetime, month: str) -> dict:
    """The dashboard's document and job numbers and lists."""
    return {"document numbers (12 months, OCR, fixity)": lambda: services.dashboard.documents(now),
            f"documents of {month}": lambda: services.dashboard.document_list(keeper, month=month),
            "OCR backlog list": lambda: services.dashboard.document_list(keeper, ocr="backlog"),
            "OCR pages done": services.dashboard.ocr_pages_done,
            "jobs by state": lambda: services.dashboard.job_counts(now),
            "failed jobs list": lambda: services.dashboard.job_list(keeper, "failed")}


def direct_documents(services, month: tuple[datetime, datetime]) -> dict:
    """The OCR backlog and a month's documents, from one pass over the collection."""
    backlog = inside = 0
    for doc in services.db["documents"].find({}, {"ocr_status": 1, "status": 1, "uploaded_at": 1}).batch_size(5000):
        backlog += doc["status"] == "active" and doc["ocr_status"] in ("pending", "running")
        inside += month[0] <= doc["uploaded_at"] < month[1]
    return {"backlog": backlog, "month": inside}


def time_dashboard(services, keeper, label: str, rows: list, failures: list) -> None:
    """Time the dashboard's numbers and lists, checked against direct counts."""
    now = clock.now()
    month = services.dashboard.month_keys(now)[-3]
    results = {}
    for name, call in dashboard_cases(services, keeper, now, month).items():
        seconds, results[name] = timed(call)
        total = results[name][0] if isinstance(results[name], tuple) else ""
        rows.append([label, name, ms(p50(seconds)), ms(p95(seconds)), total, ""])
    direct = direct_documents(services, services.dashboard.month_bounds(month))
    listed = {"backlog": results["OCR backlog list"][0], "month": results[f"documents of {month}"][0]}
    if listed != direct or results["document numbers (12 months, OCR, fixity)"]["ocr"]["backlog"] != direct["backlog"]:
        failures.append(f"{label} documents: listed {listed}, counted {direct}")
    if results["jobs by state"]["by_state"]["done"] != JOBS_DONE:
        failures.append(f"jobs done: {results['jobs by state']['by_state']['done']}, inserted {JOBS_DONE}")


def write_documents(services, count: int) -> None:
    """Uploads' records written through the repository: each leaves a mark until the worker's pass."""
    now = clock.now()
    for doc in _documents(count, now):
        services.documents.repo.insert({**doc, "ocr_status": "pending", "fixity_status": None, "status": "active"})


def time_old_way(settings, rows: list) -> None:
    """What the lists cost before (count_documents, then a sort and a skip over the collection), on a client
    that waits longer than the application's 30 s."""
    db = MongoClient(settings.mongo_url, socketTimeoutMS=1_800_000)[settings.db_name]
    audit, documents = db["audit"], db["documents"]
    old = {"whole trail, page 1": lambda: (audit.count_documents({}), list(audit.find().sort("_id", -1).limit(50))),
           "action prefix loan.": lambda: (audit.count_documents({"action": {"$regex": "^loan\\."}}),
                                           list(audit.find({"action": {"$regex": "^loan\\."}}).sort("_id", -1)
                                                .limit(50))),
           "newest entry (a process's first append)": lambda: audit.find_one(sort=[("_id", -1)]),
           "document numbers (one pass)": lambda: sum(1 for _ in documents.find({}, {"uploaded_at": 1, "pages": 1})),
           "jobs done (estimated_document_count)": lambda: db["jobs_done"].estimated_document_count()}
    for name, call in old.items():
        seconds, _ = timed(call, runs=1)
        rows.append(["before", name, ms(seconds[0]), "", "", ""])


def main() -> int:
    """Seed, build, time, check; exit 1 if a total differs from the database's."""
    settings = fresh_settings("lists")
    services = build_services(settings)
    services.ensure_schema()
    rows, failures = [], []
    try:
        seeded = seed(services)
        started = time.perf_counter()
        built = services.listings.build_incomplete()
        build_seconds = time.perf_counter() - started
        print(f"[bench] listing indexes built in {build_seconds:.0f} s: {built}", file=sys.stderr, flush=True)
        time_audit(services, "audit", rows, failures)
        time_first_append(services, rows)
        for n in range(300):
            services.audit.record(f"user{n % 50}", ACTIONS[n % len(ACTIONS)], f"file:{n}")
        time_audit(services, "audit +300 above the watermark", rows, failures)
        seconds, written = timed(lambda: services.listings.catch_up(["audit"]), runs=1)
        rows.append(["audit", f"worker's pass over {written} entries", ms(seconds[0]), "", "", ""])
        keeper = services.users.create("keeper", "Bench-Password-42", ["archivist"], "档案室")
        time_dashboard(services, keeper, "dashboard", rows, failures)
        write_documents(services, 100)
        time_dashboard(services, keeper, "dashboard +100 marked documents", rows, failures)
        if OLD:
            time_old_way(settings, rows)
    finally:
        services.client.drop_database(settings.db_name)
        services.close()
    text = table(rows, ["part", "list", "p50 ms", "p95 ms", "total", "rows"])
    write_results("bench_lists", {"entries": ENTRIES, "documents": DOCUMENTS, "jobs_done": JOBS_DONE, "runs": RUNS,
                                  "seeded_seconds": seeded, "build_seconds": build_seconds, "built": built,
                                  "rows": rows, "table": text, "failures": failures})
    for failure in failures:
        print(f"[bench] MISMATCH {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
