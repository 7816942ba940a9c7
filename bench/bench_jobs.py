"""The job queue: enqueue and claim+ack through the service layer, against bare pymongo.

    .venv/bin/python -m bench.bench_jobs        (normally through `make bench`)

N jobs (BENCH_JOBS, default 2000) are enqueued with JobQueue.enqueue and drained with
JobQueue.claim + JobQueue.ack, first by 1 thread, then (in a fresh database) by 4 threads.
The baseline, measured in the same run against the same server, inserts N documents of the
same shape with insert_one and "processes" them with bare pymongo: find_one a queued document,
update_one it to done by _id. That baseline is what the queue costs without claims; it is not
safe with several threads (two threads may take the same document), and the table says how often
that happened. The queue must never hand a job to two claimers: with 4 threads every job id is
counted, and the benchmark exits 1 if one was claimed twice, or if a claimed job was not done.

Each drain stops when the queue is empty or after BENCH_DRAIN_SECONDS (default 30; 0 = until
empty). A claim reads a few jobs of its kind by their lane (one equality, a GIN lookup on FerretDB
over PostgreSQL; before lanes it decoded and sorted every queued job: 350 ms at 3,000 queued); the
window keeps `make bench` under 3 minutes on 2 cores, and the rates are measured with the full
backlog of N jobs in the collection.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from datetime import timezone

from pymongo import ASCENDING

from bench.common import Stopwatch
from bench.common import fresh_settings
from bench.common import ms
from bench.common import p50
from bench.common import p95
from bench.common import rate
from bench.common import table
from bench.common import write_results
from service.wiring import build_services
from storage.jobs import DONE
from storage.jobs import QUEUED
from storage.jobs import RUNNING

N = int(os.environ.get("BENCH_JOBS") or 2000)
THREADS = (1, 4)
LEASE_SECONDS = 300
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS") or 30)
KIND = "noop"


class Drain:
    """What a drain by several threads measured."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.per_id: Counter = Counter()
        self.completed = 0
        self.refused = 0      # acks that found the job no longer held by this claim
        self.misses = 0       # claims that found nothing although work remained
        self.errors: list[str] = []
        self.seconds = 0.0
        self.cut_short = False  # the time window ended before the queue was empty

    def record(self, local_latencies: list[float], local_ids: list[str], refused: int, misses: int) -> None:
        with self.lock:
            self.latencies.extend(local_latencies)
            self.per_id.update(local_ids)
            self.refused += refused
            self.misses += misses

    @property
    def duplicates(self) -> int:
        """Claims (or processings) beyond the first, summed over all ids."""
        return sum(count - 1 for count in self.per_id.values() if count > 1)

    @property
    def ids_twice(self) -> int:
        return sum(1 for count in self.per_id.values() if count > 1)


def run_threads(threads: int, body, drain: Drain) -> None:
    def guarded(index: int) -> None:
        try:
            body(index)
        except Exception as exc:  # a crashed thread must show in the report, not vanish
            with drain.lock:
                drain.errors.append(f"thread {index}: {type(exc).__name__}: {exc}")

    pool = [threading.Thread(target=guarded, args=(i,), name=f"bench-{i}") for i in range(threads)]
    with Stopwatch() as watch:
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    drain.seconds = watch.seconds


# --- through the service layer ---------------------------------------------------------------

def service_enqueue(jobs, n: int) -> tuple[float, list[float]]:
    latencies = []
    with Stopwatch() as watch:
        for i in range(n):
            started = time.perf_counter()
            jobs.enqueue(KIND, {"sleep": 0, "n": i})
            latencies.append(time.perf_counter() - started)
    return watch.seconds, latencies


def service_drain(jobs, n: int, threads: int) -> Drain:
    drain = Drain()
    deadline = time.monotonic() + DRAIN_SECONDS if DRAIN_SECONDS > 0 else float("inf")

    def work(index: int) -> None:
        worker_id = f"bench-{index}"
        latencies, ids, refused, misses = [], [], 0, 0
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                job = jobs.claim(worker_id, LEASE_SECONDS, [KIND])
                if job is None:
                    with drain.lock:
                        finished = drain.completed >= n
                    if finished:
                        break
                    counts = jobs.counts()
                    if not counts.get(QUEUED) and not counts.get(RUNNING):
                        break
                    misses += 1
                    time.sleep(0.005)
                    continue
                ids.append(job.id)
                if not jobs.ack(job):
                    refused += 1
                latencies.append(time.perf_counter() - started)
                with drain.lock:
                    drain.completed += 1
            else:
                with drain.lock:
                    drain.cut_short = True
        finally:
            drain.record(latencies, ids, refused, misses)

    run_threads(threads, work, drain)
    return drain


# --- the baseline: bare pymongo --------------------------------------------------------------

def job_document(i: int) -> dict:
    """The same shape JobQueue.enqueue writes."""
    now = datetime.now(timezone.utc)
    return {"kind": KIND, "payload": {"sleep": 0, "n": i}, "state": QUEUED, "attempts": 0,
            "attempt_limit": 5, "run_after": now, "created_at": now,
            "lease_until": None, "lease_token": None, "last_error": None}


def baseline_insert(collection, n: int) -> tuple[float, list[float]]:
    latencies = []
    with Stopwatch() as watch:
        for i in range(n):
            started = time.perf_counter()
            collection.insert_one(job_document(i))
            latencies.append(time.perf_counter() - started)
    return watch.seconds, latencies


def baseline_drain(collection, threads: int) -> Drain:
    drain = Drain()
    deadline = time.monotonic() + DRAIN_SECONDS if DRAIN_SECONDS > 0 else float("inf")

    def work(index: int) -> None:
        latencies, ids = [], []
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                doc = collection.find_one({"state": QUEUED})
                if doc is None:
                    break
                collection.update_one({"_id": doc["_id"]}, {"$set": {
                    "state": DONE, "finished_at": datetime.now(timezone.utc), "worker": f"bench-{index}"}})
                latencies.append(time.perf_counter() - started)
                ids.append(str(doc["_id"]))
            else:
                with drain.lock:
                    drain.cut_short = True
        finally:
            drain.record(latencies, ids, 0, 0)

    run_threads(threads, work, drain)
    drain.completed = len(drain.per_id)
    return drain


# --- the run ---------------------------------------------------------------------------------

def check_service(services, drain: Drain, n: int, threads: int) -> list[str]:
    """Everything that must hold after a drain through the queue; the problems found."""
    problems = [*drain.errors]
    claimed = len(drain.per_id)
    if drain.ids_twice:
        worst = drain.per_id.most_common(1)[0]
        problems.append(f"{drain.ids_twice} job(s) claimed twice or more (e.g. {worst[0]} {worst[1]} times)")
    if drain.refused:
        problems.append(f"{drain.refused} ack(s) refused")
    if not drain.cut_short and claimed != n:
        problems.append(f"the queue ran dry after {claimed} distinct jobs, expected {n}")
    counts = services.jobs.counts()
    expected = {DONE: claimed, QUEUED: n - claimed}
    if {state: counts.get(state, 0) for state in (DONE, QUEUED)} != expected or sum(counts.values()) != n:
        problems.append(f"job states after the drain: {counts}, expected {expected}")
    claims = services.db["job_claims"].count_documents({})
    if claims != claimed:
        problems.append(f"{claims} documents in job_claims, expected {claimed}")
    retried = services.db["jobs"].count_documents({"state": DONE, "attempts": {"$ne": 1}})
    if retried:
        problems.append(f"{retried} done job(s) with attempts != 1")
    return [f"service, {threads} thread(s): {p}" for p in problems]


def main() -> int:
    base = fresh_settings("jobs")
    window = f"{DRAIN_SECONDS:.0f} s" if DRAIN_SECONDS > 0 else "none"
    print(f"job queue benchmark: N={N} jobs per run, threads {', '.join(map(str, THREADS))}, "
          f"drain window {window}; database {base.mongo_url} ({base.db_name}_*)", flush=True)
    opened = []        # Services whose databases are dropped at the end
    baseline_dbs = []  # (client, name)
    problems: list[str] = []
    measured: dict = {"service": {}, "baseline": {}}
    enqueue_latencies, enqueue_seconds = [], 0.0
    insert_latencies, insert_seconds = [], 0.0
    started = time.monotonic()
    try:
        for threads in THREADS:
            # Through the service layer, in a database of its own.
            services = build_services(base.with_overrides(db_name=f"{base.db_name}_svc{threads}"))
            opened.append(services)
            services.ensure_schema()
            seconds, latencies = service_enqueue(services.jobs, N)
            enqueue_seconds += seconds
            enqueue_latencies += latencies
            drain = service_drain(services.jobs, N, threads)
            found = check_service(services, drain, N, threads)
            problems += found
            measured["service"][threads] = drain
            print(f"  service   {threads} thread(s): enqueue {rate(N, seconds):7.1f}/s, "
                  f"claim+ack {rate(drain.completed, drain.seconds):7.1f}/s, "
                  f"claimed twice: {drain.ids_twice}{'  PROBLEM' if found else ''}", flush=True)

            # The baseline, bare pymongo, in another database on the same server.
            name = f"{base.db_name}_base{threads}"
            baseline_dbs.append((services.client, name))
            collection = services.client[name]["jobs"]
            collection.create_index([("state", ASCENDING), ("run_after", ASCENDING)])
            seconds, latencies = baseline_insert(collection, N)
            insert_seconds += seconds
            insert_latencies += latencies
            drain = baseline_drain(collection, threads)
            problems += [f"baseline, {threads} thread(s): {e}" for e in drain.errors]
            left = collection.count_documents({"state": QUEUED})
            if left != N - drain.completed:
                problems.append(f"baseline, {threads} thread(s): {left} documents left queued, "
                                f"expected {N - drain.completed}")
            measured["baseline"][threads] = drain
            print(f"  baseline  {threads} thread(s): insert  {rate(N, seconds):7.1f}/s, "
                  f"find+update {rate(drain.completed, drain.seconds):7.1f}/s, "
                  f"processed twice: {drain.ids_twice}", flush=True)
    finally:
        for client, name in baseline_dbs:
            client.drop_database(name)
        for services in opened:
            services.client.drop_database(services.settings.db_name)
        if opened:
            opened[0].objects.drop_all()  # every run shares the one bucket prefix
        for services in opened:
            services.close()
    total_seconds = time.monotonic() - started

    enqueue_rate = rate(len(enqueue_latencies), enqueue_seconds)
    insert_rate = rate(len(insert_latencies), insert_seconds)
    rows, results = [], []

    def add(operation: str, layer: str, threads: int, n: int, seconds: float, latencies: list[float],
            baseline_rate: float | None = None, duplicates: int = 0, left: int | None = None) -> None:
        per_second = rate(n, seconds)
        ratio = per_second / baseline_rate if baseline_rate else None
        rows.append([operation, threads, n, "-" if left is None else left, f"{seconds:.2f}",
                     f"{per_second:.1f}", ms(p50(latencies)), ms(p95(latencies)),
                     f"{baseline_rate:.1f}" if baseline_rate else "-",
                     f"{ratio:.2f}x" if ratio else "-", duplicates])
        results.append({"operation": operation, "layer": layer, "threads": threads, "n": n,
                        "left_queued": left,
                        "seconds": seconds, "per_second": per_second,
                        "p50_seconds": p50(latencies), "p95_seconds": p95(latencies),
                        "baseline_per_second": baseline_rate, "ratio_to_baseline": ratio,
                        "taken_twice": duplicates})

    add("JobQueue.enqueue", "service", 1, len(enqueue_latencies), enqueue_seconds, enqueue_latencies,
        insert_rate)
    for threads in THREADS:
        svc, bl = measured["service"][threads], measured["baseline"][threads]
        add("JobQueue.claim+ack", "service", threads, svc.completed, svc.seconds, svc.latencies,
            rate(bl.completed, bl.seconds), svc.ids_twice, N - len(svc.per_id))
    add("pymongo insert_one", "baseline", 1, len(insert_latencies), insert_seconds, insert_latencies)
    for threads in THREADS:
        bl = measured["baseline"][threads]
        add("pymongo find_one+update_one", "baseline", threads, bl.completed, bl.seconds, bl.latencies,
            duplicates=bl.ids_twice, left=N - bl.completed)

    print()
    table(rows, ["operation", "threads", "n", "left queued", "seconds", "per s", "p50 ms", "p95 ms",
                 "baseline per s", "service/baseline", "taken twice"])
    print()
    four = measured["service"].get(4)
    if four is not None:
        most = max(four.per_id.values(), default=0)
        verdict = "OK" if four.ids_twice == 0 else "FAILED"
        print(f"claims with 4 threads: {len(four.per_id)} jobs claimed, at most {most} claim(s) per job id, "
              f"{four.ids_twice} job(s) claimed twice -> {verdict}")
    base4 = measured["baseline"].get(4)
    if base4 is not None:
        print(f"baseline with 4 threads (no claims): {base4.ids_twice} document(s) processed twice "
              f"({base4.duplicates} extra processing(s))")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"total {total_seconds:.1f} s")

    path = write_results("jobs", {
        "n": N, "threads": list(THREADS), "drain_window_seconds": DRAIN_SECONDS or None, "total_seconds": total_seconds,
        "rows": results,
        "double_claims_4_threads": four.ids_twice if four else None,
        "baseline_double_processing_4_threads": base4.ids_twice if base4 else None,
        "enqueue_per_second": enqueue_rate, "baseline_insert_per_second": insert_rate,
        "problems": problems, "ok": not problems,
    })
    print(f"results written to {path.relative_to(path.parent.parent.parent)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
