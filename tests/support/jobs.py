"""Running the worker in a test: a number of jobs, or until none waits."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from service.worker import Worker


def drain(services) -> None:
    """Run the worker until no job waits (the OCR job, then the index jobs it and the writes queued)."""
    worker = Worker(services, deferred_turns=False)
    try:
        while services.jobs.counts().get("queued"):
            worker.run(max_jobs=1)
    finally:
        worker.close()


def run_worker(services, jobs: int) -> None:
    """Run the worker for `jobs` jobs: the other kinds first, index jobs once none of them waits, however
    long the jobs take (no turn for index jobs after DEFERRED_AT_MOST)."""
    worker = Worker(services, deferred_turns=False)
    try:
        worker.run(max_jobs=jobs)
    finally:
        worker.close()


@contextmanager
def running_worker(services):
    """A worker taking jobs in a thread for the length of the block."""
    worker = Worker(services, worker_id="test")
    runner = threading.Thread(target=worker.run, daemon=True, name="worker")
    runner.start()
    try:
        yield worker
    finally:
        worker.stop()
        runner.join(timeout=120)
        worker.close()


@contextmanager
def running_job(services, kind: str):
    """The worker runs the next queued job of `kind` in a thread for the length of the block."""
    job = services.jobs.claim("test", 600, [kind])
    assert job is not None, f"no {kind} job is queued"
    worker = Worker(services, worker_id="test")
    runner = threading.Thread(target=worker.run_one, args=(job,), daemon=True)
    runner.start()
    try:
        yield job
    finally:
        runner.join(timeout=120)
        worker.close()
