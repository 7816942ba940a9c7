"""Loans at the desk (issue 7): hand-out/take-back cycles per second with concurrent clients.

    .venv/bin/python -m bench.bench_loans        (normally `scripts/bench loans` or `make bench`)

Two runs in one fresh database on the server `scripts/bench` started, each with BENCH_LOAN_CLIENTS
threads (default 16), each thread doing BENCH_LOAN_CYCLES cycles (default 10) through LoanDesk as
an archivist:

1. distinct: every client has a folder of its own. A cycle is: checkout of an approved loan, then
   take-back (ok). Requests and approvals are made before the clock starts.
2. one folder: all clients share one folder. Each client holds its own approved loans and loops:
   try to hand one out; on 409 (the folder is out to someone else) try again shortly; once out,
   take it back. A cycle is one successful hand-out and its take-back; the 409s are counted.

Afterwards the benchmark checks what it claims: every loan that was handed out is returned exactly
once, no loan is out, `folders_out` is empty, the audit has one `loan.handed_out` and one
`loan.returned` per cycle, and in the one-folder run no two hand-outs overlapped (each hand-out
started after the previous take-back of that folder, by the records' times). It exits 1 otherwise.
"""
from __future__ import annotations

import os
import sys
import threading
import time

from bench.common import Stopwatch
from bench.common import fresh_settings
from bench.common import ms
from bench.common import p50
from bench.common import p95
from bench.common import rate
from bench.common import table
from bench.common import write_results
from service.errors import Conflict
from service.wiring import build_services

CLIENTS = int(os.environ.get("BENCH_LOAN_CLIENTS") or 16)
CYCLES = int(os.environ.get("BENCH_LOAN_CYCLES") or 10)
PASSWORD = "Bench-Password-42"
FIELDS = {"gender": "男", "id_type": "身份证", "id_number": "11010519491231002X", "phone": "13812345678"}


def _file(services, keeper, n: int) -> str:
    doc = services.files.create(keeper, {"template": "individual", "name": f"客户{n}", "fields": FIELDS,
                                         "classification": {"project": "BENCH"}, "department": "销售部",
                                         "location": {"room": "A1", "cabinet": str(n)}})
    return str(doc["_id"])


def _approved(services, clerk, boss, file_id: str) -> str:
    loan = services.loans.request(clerk, {"file_id": file_id, "kind": "physical", "purpose": "压测", "days": 3})
    services.loans.approve(boss, str(loan["_id"]))
    return str(loan["_id"])


def _run(services, keeper, loans_per_client: list[list[str]]) -> dict:
    """Each client cycles through its loans: hand out (retrying on 409), take back."""
    lock = threading.Lock()
    latencies: list[float] = []
    conflicts = [0]
    errors: list[str] = []

    def client(loans: list[str]) -> None:
        for loan_id in loans:
            started = time.perf_counter()
            while True:
                try:
                    services.loan_desk.checkout(keeper, loan_id)
                    break
                except Conflict:
                    with lock:
                        conflicts[0] += 1
                    time.sleep(0.002)
            try:
                services.loan_desk.take_back(keeper, loan_id, "ok", "")
            except Exception as exc:  # noqa: BLE001  (counted and reported, the run goes on)
                with lock:
                    errors.append(f"{loan_id}: {type(exc).__name__} {exc}")
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(loans,)) for loans in loans_per_client]
    with Stopwatch() as sw:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {"seconds": sw.seconds, "cycles": len(latencies), "latencies": latencies,
            "conflicts": conflicts[0], "errors": errors}


def _check(services, loan_ids: list[str], one_folder: bool) -> list[str]:
    """What went wrong with the records after a run (empty when nothing did)."""
    problems = []
    docs = [services.loans.repo.by_id(i) for i in loan_ids]
    not_returned = [str(d["_id"]) for d in docs if d["status"] != "returned"]
    if not_returned:
        problems.append(f"{len(not_returned)} loans not returned")
    if services.db["folders_out"].count_documents({}):
        problems.append("folders still marked out")
    for action in ("loan.handed_out", "loan.returned"):
        count = services.db["audit"].count_documents({"action": action,
                                                      "target": {"$in": [f"loan:{i}" for i in loan_ids]}})
        if count != len(loan_ids):
            problems.append(f"{count} {action} entries for {len(loan_ids)} loans")
    if one_folder:
        spans = sorted((d["handed_out_at"], d["returned_at"]) for d in docs if d.get("handed_out_at"))
        overlaps = sum(1 for (_, back), (out, _) in zip(spans, spans[1:]) if out < back)
        if overlaps:
            problems.append(f"{overlaps} hand-outs overlapped another")
    return problems


def main() -> int:
    """Run both scenarios and print the table."""
    services = build_services(fresh_settings("loans"))
    services.ensure_schema()
    try:
        keeper = services.users.create("keeper", PASSWORD, ["archivist"], "档案室")
        boss = services.users.create("boss", PASSWORD, ["approver"], "销售部")
        # one open request per person and file: a borrower for each (client, cycle)
        clerks = [[services.users.create(f"c{c}-{k}", PASSWORD, ["staff"], "销售部") for k in range(CYCLES)]
                  for c in range(CLIENTS)]
        distinct_loans = []
        for c in range(CLIENTS):
            file_id = _file(services, keeper, c)
            distinct_loans.append([_approved(services, clerks[c][k], boss, file_id) for k in range(CYCLES)])
        shared = _file(services, keeper, CLIENTS)
        shared_loans = [[_approved(services, clerks[c][k], boss, shared) for k in range(CYCLES)]
                        for c in range(CLIENTS)]
        rows, results, failures = [], {}, []
        for name, loans, one in (("distinct folders", distinct_loans, False), ("one folder", shared_loans, True)):
            run = _run(services, keeper, loans)
            problems = _check(services, [i for group in loans for i in group], one) + run["errors"]
            failures += [f"{name}: {p}" for p in problems]
            results[name] = {"clients": CLIENTS, "cycles": run["cycles"], "seconds": run["seconds"],
                             "cycles_per_second": rate(run["cycles"], run["seconds"]),
                             "p50_ms": p50(run["latencies"]) * 1000, "p95_ms": p95(run["latencies"]) * 1000,
                             "conflicts_409": run["conflicts"], "problems": problems}
            rows.append([name, CLIENTS, run["cycles"], f"{run['seconds']:.1f}",
                         f"{rate(run['cycles'], run['seconds']):.1f}", ms(p50(run["latencies"])),
                         ms(p95(run["latencies"])), run["conflicts"], len(problems)])
        table(rows, ["scenario", "clients", "cycles", "s", "cycles/s", "p50 ms", "p95 ms", "409s", "problems"])
        write_results("loans", {"scenarios": results})
        for failure in failures:
            print("FAILED:", failure, file=sys.stderr)
        return 1 if failures else 0
    finally:
        services.client.drop_database(services.settings.db_name)
        services.objects.drop_all()
        services.close()


if __name__ == "__main__":
    sys.exit(main())
