"""The job queue and the worker process, against the real database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from service.wiring import build_services
from service.worker import Worker
from storage.jobs import DONE
from storage.jobs import FAILED
from storage.jobs import QUEUED
from storage.jobs import RUNNING
from tests.support.servers import settings_for


def worker_process(settings, lease_seconds: int = 300) -> subprocess.Popen:
    """`archive worker` as its own process, pointed at the test's database."""
    env = {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
           "ARCHIVE_WORKER_LEASE_SECONDS": str(lease_seconds), "ARCHIVE_MONGO_URL": settings.mongo_url}
    return subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(predicate, timeout: float = 30.0, step: float = 0.1):
    """Poll until predicate() is truthy; its value, or AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def completions(services, job_id: str) -> int:
    doc = services.db["noop_runs"].find_one({"_id": job_id})
    return doc["completions"] if doc else 0


def test_a_job_queued_while_no_worker_runs_is_done_once_one_starts(settings, services):
    job_id = services.jobs.enqueue("noop", {"sleep": 0})
    time.sleep(0.3)
    assert services.jobs.get(job_id)["state"] == QUEUED
    process = worker_process(settings)
    try:
        wait_for(lambda: services.jobs.get(job_id)["state"] == DONE)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert completions(services, job_id) == 1


def test_a_job_whose_worker_dies_is_taken_again_after_its_lease_and_runs_once(settings, services):
    job_id = services.jobs.enqueue("noop", {"sleep": 4})
    first = worker_process(settings, lease_seconds=2)
    wait_for(lambda: services.jobs.get(job_id)["state"] == RUNNING)
    time.sleep(0.5)
    first.kill()
    first.wait()
    assert services.jobs.get(job_id)["state"] == RUNNING  # the dead worker's lease still stands
    second = worker_process(settings, lease_seconds=2)
    try:
        wait_for(lambda: services.jobs.get(job_id)["state"] == DONE, timeout=40)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=15)
    job = services.jobs.get(job_id)
    assert job["attempts"] == 2
    assert completions(services, job_id) == 1


def test_a_live_worker_keeps_its_lease_on_a_job_longer_than_the_lease(settings, services):
    job_id = services.jobs.enqueue("noop", {"sleep": 3})
    worker = Worker(services.__class__(**{**services.__dict__, "settings": settings.with_overrides(
        worker_lease_seconds=1)}), worker_id="w1")
    thief = services.jobs
    runner = threading.Thread(target=worker.run, kwargs={"max_jobs": 1})
    runner.start()
    wait_for(lambda: services.jobs.get(job_id)["state"] == RUNNING)
    for _ in range(20):  # another worker keeps trying to take it while the first one works
        assert thief.claim("w2", 1) is None
        time.sleep(0.1)
    runner.join(timeout=20)
    assert services.jobs.get(job_id)["state"] == DONE
    assert services.jobs.get(job_id)["attempts"] == 1


def test_failures_are_retried_with_backoff_then_marked_failed_with_the_reason(settings, services):
    tight = services.__class__(**{**services.__dict__})
    tight.jobs = type(services.jobs)(services.db, max_attempts=2)
    job_id = tight.jobs.enqueue("noop", {"fail": "scanner page unreadable"})
    worker = Worker(tight, worker_id="w")
    job = tight.jobs.claim("w", 60)
    worker.run_one(job)
    after_first = tight.jobs.get(job_id)
    assert after_first["state"] == QUEUED
    assert after_first["run_after"] - after_first["finished_at"] >= timedelta(seconds=2)  # backed off 2 ** 1 s
    assert "scanner page unreadable" in after_first["last_error"]
    assert tight.jobs.claim("w", 60) is None  # not before its backoff

    services.db["jobs"].update_one({"_id": __import__("bson").ObjectId(job_id)},
                                   {"$set": {"run_after": after_first["created_at"]}})
    worker.run_one(tight.jobs.claim("w", 60))
    final = tight.jobs.get(job_id)
    assert final["state"] == FAILED and final["attempts"] == 2
    assert "RuntimeError: scanner page unreadable" == final["last_error"]
    assert tight.jobs.retry(job_id) is True
    assert tight.jobs.get(job_id)["state"] == QUEUED
    again = tight.jobs.claim("w", 60)
    assert again is not None and again.id == job_id and again.attempts == 3


def test_a_late_worker_cannot_ack_a_job_someone_else_took(services):
    services.jobs.enqueue("noop")
    first = services.jobs.claim("a", 0.2)
    time.sleep(0.4)
    second = services.jobs.claim("b", 60)
    assert second is not None and second.id == first.id
    assert services.jobs.ack(first) is False
    assert services.jobs.ack(second) is True


def test_concurrent_workers_never_claim_the_same_job(services):
    ids = [services.jobs.enqueue("noop") for _ in range(60)]
    claimed: list[str] = []
    lock = threading.Lock()

    def drain(name):
        while (job := services.jobs.claim(name, 60)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(ids)


def test_the_worker_survives_a_database_restart(private_servers, base_settings):
    env = private_servers.start()
    settings = settings_for(base_settings, env, "restart")
    services = build_services(settings)
    services.ensure_schema()
    worker = Worker(services, worker_id="survivor")
    runner = threading.Thread(target=worker.run)
    runner.start()
    try:
        private_servers.kill("ferretdb")
        time.sleep(3)  # the worker meets the outage and waits
        assert runner.is_alive()
        private_servers.start()
        job_id = services.jobs.enqueue("noop")
        wait_for(lambda: services.jobs.get(job_id)["state"] == DONE, timeout=60)
    finally:
        worker.stop()
        runner.join(timeout=30)
        services.close()


def test_the_listing_indexes_keep_up_while_a_long_job_runs(services):
    from search import Selection
    services.audit.record("keeper", "file.viewed", "file:1")
    services.listings.select("audit", Selection())  # built: holds entry 1
    job_id = services.jobs.enqueue("noop", {"sleep": 4})
    runner = threading.Thread(target=Worker(services, worker_id="w").run, kwargs={"max_jobs": 1})
    runner.start()
    wait_for(lambda: services.jobs.get(job_id)["state"] == RUNNING)
    newest = max(services.audit.record("keeper", "file.viewed", f"file:{n}") for n in range(2, 6))
    wait_for(lambda: services.listings.index("audit").highest("seq") == newest, timeout=3)
    assert services.jobs.get(job_id)["state"] == RUNNING  # taken in while the job still runs
    runner.join(timeout=20)
    assert services.jobs.get(job_id)["state"] == DONE
    assert services.listings.marks.of_kind("job") == []  # its claim and its end, taken in as well


def test_a_job_queued_for_later_waits_for_its_time_then_goes_before_younger_ones(clock, services):
    later = services.jobs.enqueue("noop", {"sleep": 0}, delay_seconds=60)
    assert services.jobs.claim("w", 60, ["noop"]) is None
    clock.advance(timedelta(seconds=61))
    younger = services.jobs.enqueue("noop", {"sleep": 0})
    assert services.jobs.claim("w", 60, ["noop"]).id == later
    assert services.jobs.claim("w", 60, ["noop"]).id == younger
    assert services.jobs.claim("w", 60, ["noop"]) is None


def test_a_job_queued_before_lanes_existed_is_claimed_after_the_migration(services):
    from bson import ObjectId

    from service.migrations import job_lanes
    job_id = services.jobs.enqueue("noop", {"sleep": 0})
    services.db["jobs"].update_one({"_id": ObjectId(job_id)}, {"$unset": {"lane": ""}})
    assert services.jobs.claim("w", 60, ["noop"]) is None
    assert job_lanes(services) == {"jobs": 1}
    assert services.jobs.claim("w", 60, ["noop"]).id == job_id


def test_waiting_index_jobs_are_written_in_one_commit_and_each_is_done(desk, services):
    from search import FileQuery
    from search import Visibility
    files = [desk.file(name=name) for name in ("张伟", "李娜", "王强", "赵敏", "孙立")]
    queued = [job["_id"] for job in services.db["jobs"].find({"kind": "index", "state": QUEUED})]
    assert len(queued) >= len(files)
    generation = services.search.index.whoosh.latest_generation()
    worker = Worker(services, worker_id="w")
    try:
        assert worker.run(max_jobs=1) == len(queued)
    finally:
        worker.close()
    assert services.search.index.whoosh.latest_generation() == generation + 1
    assert all(services.jobs.get(str(job_id))["state"] == DONE for job_id in queued)
    listed = services.search.index.list_files(FileQuery(), visibility=Visibility(all=True), per_page=50)
    assert set(listed.file_ids) == {file["id"] for file in files}


def test_a_broken_job_among_jobs_run_together_fails_alone(desk, services):
    files = [desk.file(name=name) for name in ("张伟", "李娜", "王强")]
    broken = services.jobs.enqueue("index", {"file": "not a file id field"})
    worker = Worker(services, worker_id="w")
    try:
        worker.run(max_jobs=1)
    finally:
        worker.close()
    jobs = {str(job["_id"]): job for job in services.db["jobs"].find({})}
    assert jobs[broken]["state"] == FAILED and "file_id" in jobs[broken]["last_error"]
    assert set(jobs) == {broken}  # every file's job is done (moved out of the queue)
    assert services.db["index_pending"].count_documents({"file_id": {"$in": [f["id"] for f in files]}}) == 0


def test_index_jobs_get_their_turn_while_other_jobs_keep_coming(services, monkeypatch):
    from service.worker import loop
    services.jobs.enqueue("index", {"file_ids": []})
    for _ in range(3):
        services.jobs.enqueue("noop", {"sleep": 0})
    worker = Worker(services, worker_id="w")
    first = worker._claim()
    assert first.kind == "noop"  # other work first
    monkeypatch.setattr(loop, "DEFERRED_AT_MOST", 0.0)
    assert worker._claim().kind == "index"  # its turn has come although noop jobs still wait


def test_a_tests_worker_gives_index_jobs_no_turn_however_long_the_other_jobs_take(services, monkeypatch):
    from service.worker import loop
    services.jobs.enqueue("index", {"file_ids": []})
    services.jobs.enqueue("noop", {"sleep": 0})
    monkeypatch.setattr(loop, "DEFERRED_AT_MOST", 0.0)  # as if the machine were slow: the turn is due at once
    assert Worker(services, worker_id="w", deferred_turns=False)._claim().kind == "noop"
