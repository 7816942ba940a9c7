"""The pages and API calls staff use every day, timed at two archive sizes in one run (default 10,000
and 100,000 customer files), against the issue's targets: p95 <= 150 ms at the larger size and at most
1.5x the smaller size's p95; the 5,000-row import (dry run, and the import job) <= 60 s.

    .venv/bin/python -m bench.bench_pages      (normally `make bench ARGS=pages`)

Knobs: BENCH_PAGES_SIZES (default 10000,100000), BENCH_PAGES_SAMPLES (timed requests per row,
default 20), BENCH_PAGES_ROW_SECONDS (a row's time budget, default 20), BENCH_PAGES_REINDEX (1 times
`archive reindex`'s reads up to its first batch at each size; default 1), BENCH_PAGES_IMPORT_ROWS (default 5000; the
imported files stay, so each size must exceed the one before plus these), BENCH_PAGES_VERIFY (1 runs
the audit chain's verification and `archive search-check`'s comparison of the files' index entries
after each seeding; both read everything, the second per batch of 200 files: small sizes only),
BENCH_PAGES_ROWS (comma-separated parts of row names: only the rows that contain one are timed, e.g.
`search,loans`; `-` times none, leaving the import), BENCH_PAGES_PROFILE (a folder: each timed row also
runs under cProfile, its statistics written there as `<size>-<row>.prof` and its 15 costliest
functions printed; the times then include the profiler's overhead, so use it to find where time
goes, not to measure).

What runs, in one fresh database on the servers `scripts/bench` started:

1. Shapes (bench/pages_world.py). In a scratch database the services register files, upload
   text-layer PDFs whose OCR jobs the worker runs, take loans through every step, record a contact.
   The key set of every kind of record they stored is kept, with the audit details of each action
   and the page entries the index builds from the stored OCR text.
2. People. 55 accounts through UserService (staff in five sales departments and customer service,
   approvers, archivists, the executive, an auditor, an admin) and four retention policies through
   RetentionService (about 1 % of files fall due).
3. Seeding (bench/pages_seed.py, pages_records.py) up to each size: per file the record, its version,
   its claimed archive number, its retention state, three OCR'd documents (3-4 pages of short text
   from bench/corpus.py) with their content claims, the 2-6 follow-ups the rules give it (past ones
   mostly closed by a contact record), a loan for one file in five (returned, out, overdue,
   approved, requested, rejected, cancelled, with step claims and the folders out) and about 13
   audit entries, chained. Creation times spread over three years. Every record is checked against
   the shapes of step 1; derived values come from the product's functions. The search index is
   written the way `archive reindex` writes it, and the listing indexes are rebuilt as it rebuilds
   them (the seeding leaves no marks). The second size adds files to the first's archive.
4. Requests (bench/pages_rows.py), in-process through Flask's test client, on an app made over new
   services after the seeding (as a web process started then; before each row the listing indexes
   take in what the rows before wrote, as the worker's thread does every second): people sign in through the login form
   (API calls carry a bearer token from /api/v1/auth/token). Each row: one warm-up request, then up
   to BENCH_PAGES_SAMPLES requests with varied ids and terms; a row stops early once it has spent
   BENCH_PAGES_ROW_SECONDS, and a warm-up slower than 1.5 s (10x the target) counts as its first
   sample. Rows: file page (HTML and API); the file list (HTML and API: default, filtered by
   project, stage, customer type, every other sort both ways, page 200) as staff; search; the loan
   desk's lookup by archive number; my loans, the loan register and its overdue filter; the start
   page's dashboard for five roles; the audit trail (all, by actor, by target); my follow-ups
   (我的回访) and the team view; the retention due list.
5. The import (bench/pages_import.py): a 5,000-row .xlsx through ImportService (upload, mapping),
   the dry run, then the `import` job run by a worker; then the index jobs it queued.

Why the test client and not gunicorn: these rows measure the server's own time (queries, Python,
templates); bench_uploads needs gunicorn because streaming a 50 MB body through a real socket is
what it measures. In one process the database client, the search index and the audit trail's tip
stay warm across requests, as in a long-running gunicorn worker, and no HTTP server competes for the
two cores. The first audited request of a new process (a sign-in) finds the end of the audit trail
(AuditTrail reads the newest entry once per process): that read is timed as a row of its own, and
the app's trail is then given its end, as a process that has been running knows it.

The table: per row p50/p95 in ms at each size, the ratio of the p95s, and whether the targets are
met (a failed request, e.g. a 503 after the database client's 30 s socket timeout, misses it).
Results go to bench/results/pages.json. Exits 1 if a request failed or a check of the seeding did.
The database, buckets and index are removed at the end.
"""
from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from pymongo.errors import PyMongoError

from bench.bench_files import DEPARTMENTS
from bench.common import RoundTrips
from bench.common import Stopwatch
from bench.common import fresh_settings
from bench.common import ms
from bench.common import p50
from bench.common import p95
from bench.common import profiled
from bench.common import table
from bench.common import write_results
from bench.pages_import import run_import
from bench.pages_import import sheet
from bench.pages_records import check_page_entries
from bench.pages_rows import TARGET_SECONDS
from bench.pages_rows import Clients
from bench.pages_rows import Measured
from bench.pages_rows import Timing
from bench.pages_rows import rows
from bench.pages_rows import time_row
from bench.pages_seed import Seeder
from bench.pages_world import learn_shapes
from bench.pages_world import make_people
from bench.pages_world import make_policies
from service.app import create_app
from service.wiring import build_services

SIZES = [int(s) for s in (os.environ.get("BENCH_PAGES_SIZES") or "10000,100000").split(",")]
TIMING = Timing(samples=int(os.environ.get("BENCH_PAGES_SAMPLES") or 20),
                budget=float(os.environ.get("BENCH_PAGES_ROW_SECONDS") or 20))
REINDEX = os.environ.get("BENCH_PAGES_REINDEX", "1") != "0"
IMPORT_ROWS = int(os.environ.get("BENCH_PAGES_IMPORT_ROWS") or 5000)
VERIFY = os.environ.get("BENCH_PAGES_VERIFY", "0") == "1"
TRIPS = RoundTrips().register()  # before any client: the import's commands are counted
PROFILE = os.environ.get("BENCH_PAGES_PROFILE", "")
ONLY = [part.strip() for part in os.environ.get("BENCH_PAGES_ROWS", "").split(",") if part.strip()]
RATIO_TARGET = 1.5
IMPORT_TARGET_SECONDS = 60.0
STAFF_DEPARTMENT = DEPARTMENTS[0]


def main() -> int:
    started = time.monotonic()
    print(f"pages benchmark: sizes {SIZES}, up to {TIMING.samples} requests per row, "
          f"{TIMING.budget:.0f} s per row", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    settings = fresh_settings("pages").with_overrides(index_dir=tmp / "index", data_dir=tmp / "data")
    services = build_services(settings)
    report: dict = {"sizes": SIZES, "phases": {}, "rows": {}, "imports": {}, "problems": []}
    try:
        services.ensure_schema()
        _run(settings, services, report)
    except Exception as exc:  # report what was measured so far, then fail
        report["problems"].append(f"{type(exc).__name__}: {str(exc)[:300]}")
        traceback.print_exc(limit=8)
    finally:
        services.client.drop_database(settings.db_name)
        services.objects.drop_all()
        services.close()
        shutil.rmtree(tmp, ignore_errors=True)
    report["total_seconds"] = time.monotonic() - started
    _print_report(report)
    return 1 if report["problems"] else 0


def _run(settings, services, report: dict) -> None:
    with Stopwatch() as learning:
        shapes = learn_shapes(settings)
        check_page_entries(shapes)
    print(f"shapes learnt through the services in {learning.seconds:.1f} s", flush=True)
    with Stopwatch() as making:
        people = make_people(services)
        make_policies(services, people)
    print(f"{len(people.everyone())} accounts and the retention policies made in {making.seconds:.1f} s", flush=True)
    report["phases"]["setup"] = {"shapes_seconds": learning.seconds, "people_seconds": making.seconds}
    seeder = Seeder(services, people, shapes)
    files = 0
    try:
        for size in SIZES:
            if size <= files:
                raise ValueError(f"BENCH_PAGES_SIZES: {size} is not above the {files} files the archive holds "
                                 f"by then (the import at the size before added {IMPORT_ROWS} rows' files)")
            print(f"\n== {size} files: seeding {size - files} more (load average {_load()})", flush=True)
            phase = {"load_average_before": os.getloadavg()}
            phase["seed"] = seeder.grow(size - files, report=lambda line: print(line, flush=True))
            _print_seed(phase["seed"])
            if VERIFY:
                report["problems"] += [f"at {size}: {problem}" for problem in seeder.verify()]
                print(f"  checked: audit chain and index entries of files ({len(report['problems'])} problems)",
                      flush=True)
            with Stopwatch() as building:  # the seeding wrote behind the services: rebuilt as `archive reindex` does
                built = {kind: services.listings.rebuild(kind) for kind in services.listings.kinds}
            phase["listings"] = {"seconds": building.seconds, "records": built}
            print(f"  listing indexes rebuilt in {building.seconds:.1f} s: "
                  + ", ".join(f"{kind} {count}" for kind, count in built.items()), flush=True)
            if REINDEX:
                seconds, outcome = seeder.reindex_batch()
                phase["reindex_batch"] = {"seconds": seconds, "outcome": outcome}
                print(f"  `archive reindex`, its reads up to its first batch (every file's id, 200 files and their "
                      f"documents): {seconds:.1f} s ({outcome}); it then reads {size / 200:.0f} batches", flush=True)
            report["phases"][size] = phase
            files = size + _measure(settings, people, seeder, size, report)
    finally:
        seeder.close()


def _measure(settings, people, seeder: Seeder, size: int, report: dict) -> int:
    """Time every row and the import at this size; how many files the import added."""
    services = build_services(settings)  # a web process started after the data was loaded
    try:
        app = create_app(settings, services)
        _record(report, size, "audit trail's end after a restart", _audit_end(services, seeder))
        with Stopwatch() as watch:
            clients = Clients(app, people, STAFF_DEPARTMENT)
        report["phases"][size]["sign_in_seconds"] = clients.sign_in_seconds
        print(f"  signed in 5 roles in {watch.seconds:.1f} s", flush=True)
        rng = random.Random(size)
        for row in rows(seeder.known, people, STAFF_DEPARTMENT):
            if ONLY and (ONLY == ["-"] or not any(part in row.name for part in ONLY)):
                continue
            services.listings.catch_up()  # as the worker's thread does every second: what earlier rows wrote
            label = f"{row.name} ({'API' if row.api else 'page'})"
            with profiled(PROFILE, f"{size}-{label}"):
                measured = time_row(clients, row, rng, TIMING)
            _record(report, size, label, measured)
        staff = people.staff[STAFF_DEPARTMENT][0]
        data = sheet(random.Random(size), f"S{size}", _existing_ids(services, seeder), IMPORT_ROWS)
        result = run_import(services, staff, data, TRIPS)
        report["imports"][size] = result
        print(f"  import of {IMPORT_ROWS} rows: dry run {result['dry_run_seconds']:.1f} s {result['dry_run']}, "
              f"import job {result['import_seconds']:.1f} s {result['imported']}; then {result['index_jobs']} "
              f"index jobs in {result['index_jobs_seconds']:.1f} s", flush=True)
        print("  the import job's database commands:", flush=True)
        table(
            [(t["command"], t["collection"], t["count"], t["per_unit"], f"{t['seconds']:.1f}")
             for t in result["import_round_trips"]], ["command", "collection", "count", "per row", "seconds"])
        report["phases"][size]["load_average_after"] = os.getloadavg()
        print(f"  load average now {_load()}", flush=True)
        return result["imported"]["created"]
    finally:
        seeder.tip = services.audit._tip or seeder.tip  # where the next seeding finds the trail's end
        services.close()


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _record(report: dict, size: int, label: str, measured: Measured) -> None:
    """Keep a row's requests in the report, print its line, note its failures as problems."""
    report["rows"].setdefault(label, {"role": measured.role, "example": measured.example})[size] = {
        "seconds": measured.seconds, "failures": measured.failures, "capped": measured.capped}
    print(f"  {label:<42} n={len(measured.seconds):>2} p50 {ms(p50(measured.seconds)):>9} "
          f"p95 {ms(p95(measured.seconds)):>9} ms" + (f"  FAILED {measured.failures[0]}"
                                                     if measured.failures else ""), flush=True)
    for failure in measured.failures:
        report["problems"].append(f"{label} at {size}: {failure}")


def _audit_end(services, seeder: Seeder) -> Measured:
    """AuditTrail reads the newest entry once per process, so the first audited request after a restart
    (a sign-in, a file view) waits for it: timed here on its own. The app's trail is then given its end,
    as a process that has been running knows it, so that every row measures its own work."""
    measured = Measured("audit trail's end after a restart", "-", "AuditTrail: repo.newest()")
    started = time.perf_counter()
    try:
        services.audit.repo.newest()
    except PyMongoError as exc:
        measured.failures.append(f"{type(exc).__name__} after {time.perf_counter() - started:.1f} s")
    measured.seconds.append(time.perf_counter() - started)
    services.audit._tip = seeder.audit_end()
    return measured


def _existing_ids(services, seeder: Seeder) -> list[str]:
    """ID numbers of a few seeded files (for duplicate rows in the sheet), read by _id."""
    ids = []
    for file_id, *_ in seeder.known.files[:200]:
        doc = services.files.repo.by_id(file_id)
        number = ((doc or {}).get("fields") or {}).get("id_number")
        if number:
            ids.append(number)
    return ids


def _print_seed(seconds: dict) -> None:
    rows_written = {k.split(":", 1)[1]: int(v) for k, v in seconds.items() if k.startswith("rows:")}
    total = sum(rows_written.values()) + int(seconds["audit_entries"])
    print(f"  seeding: draw {seconds['draw']:.1f} s, build records {seconds['build']:.1f} s, insert_many "
          f"{seconds['insert']:.1f} s ({sum(rows_written.values()) / max(seconds['insert'], 1e-9):.0f} records/s), "
          f"audit chain {seconds['audit']:.1f} s ({int(seconds['audit_entries'])} entries), index writer busy "
          f"{seconds['index_busy']:.1f} s (waited {seconds['index_wait']:.1f} s after the inserts), ANALYZE "
          f"{seconds['analyze']:.1f} s; {total} records", flush=True)
    print("  records: " + ", ".join(f"{k} {v}" for k, v in sorted(rows_written.items())), flush=True)


def _verdict(by_size: dict, sizes: list[int], seconds_target: float, ratio_target: float | None):
    first, last = by_size.get(sizes[0]), by_size.get(sizes[-1])
    if not first or not last:
        return None, "-"
    ratio = p95(last["seconds"]) / p95(first["seconds"]) if len(sizes) > 1 else None
    met = p95(last["seconds"]) <= seconds_target and not last["failures"] and not first["failures"] and (
        ratio is None or ratio_target is None or ratio <= ratio_target)
    return ratio, "yes" if met else "no"


def _count(got: dict | None) -> str:
    """Requests timed, and how many of them failed."""
    if not got:
        return "-"
    return f"{len(got['seconds'])}" + (f" ({len(got['failures'])} failed)" if got["failures"] else "")


def _print_report(report: dict) -> None:
    sizes = [s for s in report["sizes"] if s in report["phases"]]
    table_rows, missed = [], []
    for label, row in report["rows"].items():
        ratio, met = _verdict(row, sizes, TARGET_SECONDS, RATIO_TARGET)
        cells = [label, row["role"]]
        for size in sizes:
            got = row.get(size)
            cells += [_count(got), f"{ms(p50(got['seconds']))}/{ms(p95(got['seconds']))}" if got else "-"]
        table_rows.append(cells + [f"{ratio:.2f}x" if ratio else "-", met])
        if met == "no":
            missed.append(label)
    for step, key in ((f"import: dry run {IMPORT_ROWS} rows", "dry_run_seconds"),
                      (f"import: {IMPORT_ROWS} rows (job)", "import_seconds")):
        cells = [step, "staff"]
        for size in sizes:
            got = report["imports"].get(size)
            cells += ["1" if got else "-", f"{got[key] * 1000:.0f}" if got else "-"]
        values = [report["imports"][s][key] for s in sizes if s in report["imports"]]
        ratio = values[-1] / values[0] if len(values) == len(sizes) and len(sizes) > 1 else None
        met = "yes" if values and values[-1] <= IMPORT_TARGET_SECONDS else "no"
        table_rows.append(cells + [f"{ratio:.2f}x" if ratio else "-", met])
        if met == "no":
            missed.append(step)
    print()
    headers = ["row", "role"]
    for size in sizes:
        headers += [f"n@{size}", f"p50/p95 ms @{size}"]
    table(table_rows, headers + [f"p95 {sizes[-1]}/{sizes[0]}" if len(sizes) > 1 else "ratio", "target met"])
    print(f"targets: p95 <= {TARGET_SECONDS * 1000:.0f} ms at {sizes[-1] if sizes else '-'} files and <= "
          f"{RATIO_TARGET}x the p95 at {sizes[0] if sizes else '-'}; import <= {IMPORT_TARGET_SECONDS:.0f} s "
          f"(dry run and job each); {len(missed)} of {len(table_rows)} rows miss them")
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}")
    print(f"total {report['total_seconds'] / 60:.1f} min")
    path = write_results("pages", {**report, "rows_missed": missed, "ok": not report["problems"],
                                   "targets": {"p95_seconds": TARGET_SECONDS, "ratio": RATIO_TARGET,
                                               "import_seconds": IMPORT_TARGET_SECONDS}})
    print(f"results written to {path.relative_to(path.parent.parent.parent)}")


if __name__ == "__main__":
    sys.exit(main())
