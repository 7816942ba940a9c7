"""The soak: a busy archive whose servers are killed and restarted, and a reckoning of what it acknowledged.

    make bench soak                     (scripts/bench runs it; `make bench` alone leaves it out)
    .venv/bin/python -m bench.soak --minutes 1

1. Its own installation in a temp dir on free ports (bench/soak_install.py): PostgreSQL, FerretDB and
   MinIO through scripts/services, gunicorn as `make run` serves the app (two worker processes of four
   threads) and one `archive worker`. Worker leases last SOAK_LEASE_SECONDS (30 s instead of 300 s, so
   a killed worker's job is taken again within the run), the sweeper's grace SOAK_GRACE_SECONDS (30 s).
2. Seeding, as bench_pages seeds (bench/pages_seed.py): SOAK_FILES files (default 10,000) with their
   versions, follow-ups, loans and audit entries, the search index written beside them; the seeded
   files hold no documents (their objects would not be in the store, which the reckoning checks).
3. For --minutes (or SOAK_MINUTES; default 10) SOAK_CLIENTS threads (default 8) work through the HTTP
   API (bench/soak_load.py), uploading SOAK_SCANS_PER_MINUTE scans a minute between them (default 30:
   what the one worker reads beside them; faster, the queue outgrows the drain), while a fault
   injector SIGKILLs, at random moments and one at a time, PostgreSQL, FerretDB, MinIO, the worker and
   one gunicorn worker process, each SOAK_FAULTS times (default: 3 in 10 minutes, at least 1), leaves
   it down 2-8 s, restarts it and times its recovery: for a server until /readyz answers 200 again,
   for the worker until it logs that it started, for a web worker until gunicorn's master has forked
   its replacement and it has loaded the app.
4. Then every server is up, the worker and SOAK_DRAIN_WORKERS more (default 2) drain the queue the run
   left, the sweeper runs after its grace, and the ledger is checked (bench/soak_check.py), with
   `archive search-check`, `archive audit-verify` and `archive destruction-register-verify`.

The table: requests per second by kind outside and inside fault windows (kill to recovery), what the
clients saw during each kind of fault, recovery times, peak resident memory per process. Results go to
bench/results/soak.json. Exits 1 on any discrepancy, any 500 or any hang (no answer in 30 s).
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections import defaultdict
from pathlib import Path

import requests

from bench.bench_files import DEPARTMENTS
from bench.common import table
from bench.common import write_results
from bench.pages_seed import Seeder
from bench.pages_texts import PageTexts
from bench.pages_world import PASSWORD
from bench.pages_world import learn_shapes
from bench.pages_world import make_people
from bench.pages_world import make_policies
from bench.soak_check import check
from bench.soak_check import failed_jobs
from bench.soak_check import unfinished_jobs
from bench.soak_install import SERVERS
from bench.soak_install import Installation
from bench.soak_load import SCANS_PER_MINUTE
from bench.soak_load import Client
from bench.soak_load import Ledger
from bench.soak_load import Pace
from bench.soak_load import Recorder
from bench.soak_load import Team
from service import clock
from service import settings as settings_module
from service.migrations import migrate_at_start
from service.wiring import build_services

FILES = int(os.environ.get("SOAK_FILES") or 10_000)
CLIENTS = int(os.environ.get("SOAK_CLIENTS") or 8)
LEASE = int(os.environ.get("SOAK_LEASE_SECONDS") or 30)
GRACE = int(os.environ.get("SOAK_GRACE_SECONDS") or 30)
TARGETS = ("postgres", "ferretdb", "minio", "worker", "web worker")
DRAIN_TIMEOUT = float(os.environ.get("SOAK_DRAIN_MINUTES") or 30) * 60
DRAIN_WORKERS = int(os.environ.get("SOAK_DRAIN_WORKERS") or 2)


class NoDocuments(PageTexts):
    """Seeded files without documents: their objects are not in the store, which the soak checks."""

    def documents(self, file_doc: dict) -> list:
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES") or 10))
    parser.add_argument("--faults", type=int, default=int(os.environ.get("SOAK_FAULTS") or 0),
                        help="kills of each target (default: 3 per 10 minutes, at least 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs) at the end")
    args = parser.parse_args()
    faults = args.faults or max(1, round(args.minutes * 0.3))
    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="archive-soak-"))
    install = Installation(tmp, "soak", LEASE, GRACE)
    report: dict = {"minutes": args.minutes, "files_seeded": FILES, "clients": CLIENTS, "faults_per_target": faults,
                    "problems": []}
    try:
        _run(install, args.minutes, faults, report)
    except (Exception, KeyboardInterrupt) as exc:  # report what was measured (Ctrl-C too), then fail
        import traceback
        traceback.print_exc()
        report["problems"].append(f"{type(exc).__name__}: {str(exc)[:500]}")
    finally:
        install.stop_sampling()
        install.stop()
        if args.keep or report["problems"]:
            print(f"logs kept in {tmp / 'logs'}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report["peak_rss_mb"] = {k: round(v, 1) for k, v in install.peak.items()}
    _print(report)
    write_results("soak", report)
    return 1 if report["problems"] else 0


def _run(install: Installation, minutes: float, faults: int, report: dict) -> None:
    say(f"starting the servers in {install.tmp}")
    install.start_servers()
    settings = settings_module.from_env(install.env)
    teams = _seed(settings, report)
    install.start_web()
    install.start_worker()
    install.start_sampling()
    say(f"web on {install.url}, worker pid {install.worker.pid}")
    tokens = _tokens(install.url, teams)
    ledger, recorder, stop = Ledger(), Recorder(), threading.Event()
    since = clock.now()
    scans = Pace(SCANS_PER_MINUTE)
    clients = [Client(n, install.url, tokens, teams[n % len(teams)], ledger, recorder, stop, seed=n, scans=scans)
               for n in range(CLIENTS)]
    injector = Injector(install, faults, minutes * 60, stop)
    began = time.monotonic()
    for client in clients:
        client.start()
    injector.start()
    while time.monotonic() - began < minutes * 60:
        time.sleep(5)
        say(f"{time.monotonic() - began:5.0f} s: {len(recorder.calls)} requests, "
            f"{sum(1 for c in recorder.calls if c.outcome == 'ok')} answered 2xx")
    stop.set()
    injector.join(timeout=300)
    for client in clients:
        client.join(timeout=60)
    ended = time.monotonic()
    report["figures"] = figures(recorder.calls, injector.windows, began, ended)
    report["faults"] = injector.windows
    report["ledger"] = {"files": len(ledger.files), "versions": sum(len(f["versions"]) for f in ledger.files.values()),
                        "documents": len(ledger.documents), "loans": len(ledger.loans),
                        "contacts": len(ledger.contacts), "uncertain_writes": len(ledger.uncertain)}
    _reckon(install, settings, ledger, since, report)


def say(message: str) -> None:
    print(f"[soak] {message}", flush=True)


def _seed(settings, report: dict) -> list[Team]:
    """Accounts, policies and FILES seeded files; the teams the clients work in."""
    services = build_services(settings)
    try:
        services.ensure_schema()
        migrate_at_start(services)  # on the empty database, as a first start does: the seeding is current
        started = time.monotonic()
        shapes = learn_shapes(settings)
        people = make_people(services)
        make_policies(services, people)
        seeder = Seeder(services, people, shapes)
        seeder.records.texts = NoDocuments(seeder.rng)
        try:
            seeder.grow(FILES, report=say)
        finally:
            seeder.close()
        for kind in services.listings.kinds:
            services.listings.rebuild(kind)
        report["seed_seconds"] = time.monotonic() - started
        say(f"seeded {FILES} files in {report['seed_seconds']:.0f} s")
        teams = []
        for number, department in enumerate(DEPARTMENTS[:2]):
            loanable = [str(d["_id"]) for d in services.db["files"].find(
                {"department": department, "security": "normal"}, {"_id": 1}).limit(150)]
            teams.append(Team(department=department, staff=[u.username for u in people.staff[department]],
                              approver=people.approvers[department].username,
                              archivist=people.archivists[number % len(people.archivists)].username,
                              loanable=loanable))
        return teams
    finally:
        services.close()


def _tokens(url: str, teams: list[Team]) -> dict[str, dict]:
    """A bearer header for every account the clients use."""
    names = {n for t in teams for n in (*t.staff, t.approver, t.archivist)}
    tokens = {}
    for name in sorted(names):
        answer = requests.post(f"{url}/api/v1/auth/token", json={"username": name, "password": PASSWORD}, timeout=60)
        answer.raise_for_status()
        tokens[name] = {"Authorization": f"Bearer {answer.json()['token']}"}
    return tokens


class Injector(threading.Thread):
    """Kills each target `faults` times at random moments (one fault at a time), restarts it, times recovery."""

    def __init__(self, install: Installation, faults: int, seconds: float, stop: threading.Event):
        super().__init__(name="faults", daemon=True)
        self.install, self.stop = install, stop
        rng = random.Random(20261205)
        plan = [t for t in TARGETS for _ in range(faults)]
        rng.shuffle(plan)
        slot = seconds * 0.8 / len(plan)  # faults spread over the first 80 % of the run, one per slot
        self.plan = [(seconds * 0.05 + i * slot + rng.uniform(0, slot * 0.3), target, rng.uniform(2, 8))
                     for i, target in enumerate(plan)]
        self.windows: list[dict] = []

    def run(self) -> None:
        began = time.monotonic()
        for at, target, down in self.plan:
            time.sleep(max(0.0, began + at - time.monotonic()))
            if self.stop.is_set():
                break
            self.windows.append(self.fault(target, down, began))

    def fault(self, target: str, down: float, began: float) -> dict:
        install = self.install
        before = set(install.web_workers())
        log_size = install.log_size("worker")
        killed_at = time.monotonic()
        pid = install.kill(target)
        if target == "web worker":  # gunicorn's master forks its replacement at once
            down = 0.0
        say(f"killed {target} (pid {pid}); down for {down:.1f} s")
        time.sleep(down)
        restarted_at = time.monotonic()
        install.restart(target)
        recovered = self.wait_recovered(target, before, log_size)
        say(f"{target} recovered {recovered - restarted_at:.1f} s after its restart")
        return {"target": target, "pid": pid, "killed_at": killed_at - began, "restarted_at": restarted_at - began,
                "recovered_at": recovered - began, "recovery_seconds": recovered - restarted_at,
                "window": (killed_at, recovered)}

    def wait_recovered(self, target: str, before: set[int], log_size: int) -> float:
        install = self.install
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if target in SERVERS and _ready(install.url):
                break
            if target == "worker" and install.worker_started(log_size):
                break
            if target == "web worker" and self.web_worker_loaded(before):
                break
            time.sleep(0.1)
        return time.monotonic()


    def web_worker_loaded(self, before: set[int]) -> bool:
        """Whether gunicorn forked a new worker and it has loaded the app."""
        new = set(self.install.web_workers()) - before
        return bool(new) and new <= self.install.web_ready()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def figures(calls, windows: list[dict], began: float, ended: float) -> dict:
    """Rates by kind inside and outside fault windows; outcomes by fault target."""
    spans = [(w["window"][0], w["window"][1], w["target"]) for w in windows]

    def during(call) -> str | None:
        for start, end, target in spans:
            if start <= call.started <= end:
                return target
        return None

    fault_seconds = sum(end - start for start, end, _ in spans)
    calm_seconds = (ended - began) - fault_seconds
    by_kind: dict[str, Counter] = defaultdict(Counter)
    by_target: dict[str, Counter] = defaultdict(Counter)
    latencies: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        target = during(call)
        by_kind[call.kind]["fault" if target else "calm"] += 1
        by_kind[call.kind]["fault_ok" if target else "calm_ok"] += call.outcome == "ok"
        by_target[target or "none"][call.outcome] += 1
        latencies[call.kind].append(call.ended - call.started)
    rates = {kind: {"calm_per_s": c["calm"] / calm_seconds if calm_seconds > 0 else None,
                    "fault_per_s": c["fault"] / fault_seconds if fault_seconds > 0 else None,
                    "calm_ok_per_s": c["calm_ok"] / calm_seconds if calm_seconds > 0 else None,
                    "fault_ok_per_s": c["fault_ok"] / fault_seconds if fault_seconds > 0 else None,
                    "max_seconds": max(latencies[kind])}
             for kind, c in sorted(by_kind.items())}
    return {"seconds": ended - began, "fault_seconds": fault_seconds, "rates": rates,
            "outcomes_by_fault": {t: dict(c) for t, c in by_target.items()},
            "requests": len(calls), "http_500": sum(1 for c in calls if c.outcome == "500"),
            "hangs": sum(1 for c in calls if c.outcome == "timeout")}


def _reckon(install: Installation, settings, ledger: Ledger, since, report: dict) -> None:
    """Bring everything up, drain, sweep, and compare."""
    say("the run is over: every server up, the worker drains its queue")
    install.restart_servers()
    if install.worker.poll() is not None:
        install.start_worker()
    install.start_drain_workers(DRAIN_WORKERS)
    services = build_services(settings)
    try:
        drained = _drain(services)
        report["drain_seconds"] = drained
        time.sleep(GRACE + 1)
        swept = install.run_cli("sweep")
        report["sweep"] = swept.stdout.strip()[-2000:]
        _drain(services)
        problems = check(services, ledger, since)
        problems += unfinished_jobs(services.db, clock.now())
        report["failed_jobs"] = [{"kind": k, "reason": r, "count": n} for (k, r), n in failed_jobs(services.db).items()]
        again = install.run_cli("sweep")
        if '"removed": []' not in again.stdout:
            problems.append(f"a second sweep still removed orphans: {again.stdout.strip()[:500]}")
        for command in ("search-check", "audit-verify", "destruction-register-verify"):
            done = install.run_cli(*([command, "--show", "30"] if command == "search-check" else [command]))
            report[command] = done.stdout.strip()[-2000:]
            if done.returncode != 0:
                problems.append(f"`archive {command}` failed: {done.stdout.strip()[-500:]} "
                                f"{done.stderr.strip()[-500:]}")
    finally:
        services.close()
    figures_ = report["figures"]
    if figures_["http_500"]:
        problems.append(f"{figures_['http_500']} requests answered 500")
    if figures_["hangs"]:
        problems.append(f"{figures_['hangs']} requests had no answer within 30 s")
    report["discrepancies"] = problems
    report["problems"] += problems


def _drain(services) -> float:
    """Wait until no job is waiting for its turn or running; seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT:
        if not unfinished_jobs(services.db, clock.now()):
            break
        time.sleep(2)
    return time.monotonic() - started


def _print(report: dict) -> None:
    figures_ = report.get("figures")
    if figures_:
        print(f"\nsoak: {report['minutes']:g} min, {report['clients']} clients, {report['files_seeded']} files "
              f"seeded, {figures_['requests']} requests, {figures_['fault_seconds']:.0f} s of "
              f"{figures_['seconds']:.0f} s inside fault windows", flush=True)
        table([(kind, _f(r["calm_per_s"]), _f(r["calm_ok_per_s"]), _f(r["fault_per_s"]), _f(r["fault_ok_per_s"]),
                f"{r['max_seconds']:.1f}") for kind, r in figures_["rates"].items()],
              ["request", "req/s calm", "2xx/s calm", "req/s faults", "2xx/s faults", "slowest s"])
        print(flush=True)
        outcome_names = sorted({o for c in figures_["outcomes_by_fault"].values() for o in c})
        table([(target, sum(c.values()), *[c.get(o, 0) for o in outcome_names])
               for target, c in sorted(figures_["outcomes_by_fault"].items())], ["during", "requests", *outcome_names])
        print(flush=True)
        recover: dict[str, list[float]] = defaultdict(list)
        for window in report.get("faults", []):
            recover[window["target"]].append(window["recovery_seconds"])
        table([(t, len(v), f"{min(v):.1f}", f"{max(v):.1f}") for t, v in sorted(recover.items())],
              ["killed", "times", "recovery min s", "recovery max s"])
    print(flush=True)
    table([(name, f"{mb:.0f}") for name, mb in sorted(report.get("peak_rss_mb", {}).items())],
          ["process", "peak RSS MB"])
    print(f"\nledger: {report.get('ledger')}", flush=True)
    if "drain_seconds" in report:
        print(f"after the run: the queue drained in {report['drain_seconds']:.0f} s; sweep: {report.get('sweep')}",
              flush=True)
    if report.get("failed_jobs"):
        print(f"failed jobs: {report['failed_jobs']}", flush=True)
    problems = report["problems"]
    print(f"discrepancies and failures: {len(problems)}", flush=True)
    for problem in problems[:50]:
        print(f"  - {problem}", flush=True)


def _f(value) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
