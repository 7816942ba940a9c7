"""The job loop: claim with a lease, keep the lease alive while working, ack or fail."""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from typing import Callable

from service import clock
from service.wiring import Services
from service.worker import destruction_job
from service.worker import imports_job
from service.worker import index_job
from service.worker import noop
from service.worker import notice_job
from service.worker import scan_import_job
from service.worker import upkeep
from service.worker.context import JobContext
from service.worker.context import PermanentFailure
from service.worker.context import TryLater
from service.worker.ocr_job import OcrHandler
from storage import DatabaseError
from storage.jobs import Job

log = logging.getLogger(__name__)

Handler = Callable[[JobContext, dict], None]
DEFERRED = frozenset({"index"})  # claimed when no other kind is waiting, or DEFERRED_AT_MOST after their last turn
DEFERRED_AT_MOST = 30.0  # seconds a steady stream of other jobs may keep index updates waiting
LISTINGS_INTERVAL = 1.0  # seconds between passes of the listing indexes, long jobs or not
# Kinds whose waiting jobs a worker takes together (at most so many more), with how their payloads are
# joined: every file change waiting for the index is then written in one commit instead of one each.
TOGETHER = {"index": (index_job.combine, 500)}


def default_handlers() -> dict[str, Handler]:
    """Every job kind the worker knows; later areas add theirs here."""
    return {"noop": noop.run, "import": imports_job.run, "ocr": OcrHandler(),
            "fixity": upkeep.fixity, "sweep": upkeep.sweep, "scan_import": scan_import_job.run,
            "index": index_job.run, "destruction": destruction_job.run, "loan_notice": notice_job.run}


class Worker:
    """One worker process's loop; stop() ends it after the current job."""

    def __init__(self, services: Services, handlers: dict[str, Handler] | None = None,
                 worker_id: str | None = None, schedule: bool = False, deferred_turns: bool = True):
        self.services = services
        # False: index jobs wait until no other job does, however long that takes (a test's worker that
        # runs a number of jobs must not depend on how fast the machine runs them)
        self.deferred_turns = deferred_turns
        self.schedule = schedule  # the `archive worker` process queues the periodic jobs; tests opt in
        self.handlers = handlers or default_handlers()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._lease = services.settings.worker_lease_seconds
        self._next_tick = 0.0
        self._deferred_turn = time.monotonic()  # when deferred kinds were last tried first

    def stop(self) -> None:
        """Ask the loop to end."""
        self._stop.set()

    def close(self) -> None:
        """Release what handlers hold (the OCR engine's child process)."""
        for handler in self.handlers.values():
            if hasattr(handler, "close"):
                handler.close()

    def run(self, max_jobs: int | None = None) -> int:
        """Run until stopped (or max_jobs done), the listing indexes kept up beside; survives database
        outages by waiting."""
        ended = threading.Event()
        keeper = threading.Thread(target=self._keep_listings, args=(ended,), daemon=True, name="listings")
        keeper.start()
        try:
            return self._loop(max_jobs)
        finally:
            ended.set()
            keeper.join()

    def _keep_listings(self, ended: threading.Event) -> None:
        """Take what was written into the listing indexes every LISTINGS_INTERVAL, also while a long job
        runs (lists read what the indexes lack from the database: the less, the faster), and once more
        after the loop ended."""
        while True:
            last = ended.is_set()
            try:
                self.services.listings.catch_up()
            except DatabaseError as exc:
                log.warning("listing indexes: database unavailable (%s)", type(exc).__name__)
            except Exception:  # the thread's boundary: logged with its trace, the next pass tries again
                log.exception("listing indexes: the pass failed")
            if last:
                return
            ended.wait(LISTINGS_INTERVAL)

    def _loop(self, max_jobs: int | None) -> int:
        done, pause = 0, 1.0
        while not self._stop.is_set() and (max_jobs is None or done < max_jobs):
            try:
                if self.schedule and time.monotonic() >= self._next_tick:
                    self.queue_periodic()
                    self._next_tick = time.monotonic() + 60
                job = self._claim()
            except DatabaseError as exc:
                log.warning("cannot claim jobs (%s); retrying in %.0f s", type(exc).__name__, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            pause = 1.0
            if job is None:
                self._stop.wait(self.services.settings.worker_poll_seconds)
                continue
            alongside = self._alongside(job)
            if alongside:
                self.run_together([job, *alongside])
            else:
                self.run_one(job)
            done += 1 + len(alongside)
        return done

    def _claim(self) -> Job | None:
        """The oldest job of the ordinary kinds, else the oldest deferred one (index updates); the
        deferred ones first once DEFERRED_AT_MOST has passed since their last turn.

        Index jobs come after the work that produces them, so that a bulk import's files are
        written in a few large commits. (An OCR job indexes its own document's pages as it ends,
        and queues an index job only when the index is busy: see ocr_job.) Under a steady stream of
        scans there is always an OCR job waiting, so without their turn the file changes would wait
        for the scans to stop; they are run together (TOGETHER), so a turn costs one commit.
        """
        first = [kind for kind in self.handlers if kind not in DEFERRED]
        later = [kind for kind in self.handlers if kind in DEFERRED]
        order = [first, later]
        if self.deferred_turns and time.monotonic() - self._deferred_turn >= DEFERRED_AT_MOST:
            order.reverse()
            self._deferred_turn = time.monotonic()
        for kinds in order:
            job = self.services.jobs.claim(self.worker_id, self._lease, kinds) if kinds else None
            if job is not None:
                if job.kind in DEFERRED:
                    self._deferred_turn = time.monotonic()
                return job
        return None

    def _alongside(self, job: Job) -> list[Job]:
        """More waiting jobs of the claimed job's kind, where that kind runs together; none on a
        database error (the claimed job then runs alone)."""
        if job.kind not in TOGETHER or job.kind not in self.handlers:
            return []
        try:
            return self.services.jobs.claim_more(self.worker_id, self._lease, job.kind, TOGETHER[job.kind][1])
        except DatabaseError as exc:
            log.warning("cannot claim more %s jobs (%s)", job.kind, type(exc).__name__)
            return []

    def queue_periodic(self) -> list[str]:
        """Queue fixity and sweep once per their interval (the slot claim makes it once per cluster)."""
        settings, now = self.services.settings, clock.now().timestamp()
        periodic = (("fixity", settings.fixity_interval_seconds, {"sample": settings.fixity_sample}),
                    ("sweep", settings.sweep_interval_seconds, {}))
        queued = []
        for kind, interval, payload in periodic:
            if kind in self.handlers and self.services.jobs.enqueue_once(kind, payload, str(int(now // interval))):
                queued.append(kind)
        return queued

    def run_together(self, jobs: list[Job]) -> None:
        """Run claimed jobs of one kind as their joined payloads, under leases kept alive together, and
        ack them all. A busy resource postpones them all; any other failure runs each alone, so that
        each meets its own outcome (and a broken one fails by itself)."""
        join = TOGETHER[jobs[0].kind][0]
        handler = self.handlers[jobs[0].kind]
        with self._heartbeats(jobs):
            try:
                for payload in join([job.payload for job in jobs]):
                    handler(JobContext(self.services, jobs[0]), payload)
            except TryLater as exc:
                for job in jobs:
                    self._postpone(job, exc)
                return
            except Exception:  # the batch's boundary: logged, then every job is tried on its own
                log.exception("%d %s jobs run together failed; running each alone", len(jobs), jobs[0].kind)
            else:
                for job in jobs:
                    self._ack(job)
                return
        for job in jobs:
            self.run_one(job)

    def run_one(self, job: Job) -> None:
        """Run one claimed job under a lease kept alive by a heartbeat."""
        handler = self.handlers[job.kind]
        with self._heartbeats([job]):
            self._run(handler, job)

    def _run(self, handler: Handler, job: Job) -> None:
        try:
            handler(JobContext(self.services, job), job.payload)
        except PermanentFailure as exc:
            self._record_failure(job, f"{exc}", retry=False)
        except TryLater as exc:
            self._postpone(job, exc)
        except Exception as exc:  # the job boundary: every failure is recorded with its reason
            log.exception("job %s (%s) failed", job.id, job.kind)
            self._record_failure(job, f"{type(exc).__name__}: {exc}", retry=True)
        else:
            self._ack(job)

    def _ack(self, job: Job) -> None:
        try:
            self.services.jobs.ack(job)
        except DatabaseError as exc:
            log.warning("could not ack job %s (%s); its lease will expire and it runs again",
                        job.id, type(exc).__name__)

    @contextmanager
    def _heartbeats(self, jobs: list[Job]):
        """Keep the leases of these jobs alive while the block runs."""
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(jobs, stop), daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()

    def _postpone(self, job: Job, exc: TryLater) -> None:
        try:
            if self.services.jobs.postpone(job, f"{exc}", exc.seconds):
                log.info("job %s (%s) runs again in %.0f s: %s", job.id, job.kind, exc.seconds, exc)
        except DatabaseError as dberr:
            log.warning("could not postpone job %s (%s); its lease will expire and it runs again", job.id,
                        type(dberr).__name__)

    def _record_failure(self, job: Job, reason: str, retry: bool) -> None:
        try:
            state = self.services.jobs.fail(job, reason, retry=retry)
            log.info("job %s is now %s: %s", job.id, state, reason)
        except DatabaseError as exc:
            log.warning("could not record failure of job %s (%s)", job.id, type(exc).__name__)

    def _heartbeat(self, jobs: list[Job], stop: threading.Event) -> None:
        interval = max(0.5, self._lease / 3)
        held = list(jobs)
        while held and not stop.wait(interval):
            for job in list(held):
                try:
                    if not self.services.jobs.extend(job, self._lease):
                        log.warning("job %s was taken by another worker", job.id)
                        held.remove(job)
                except DatabaseError as exc:
                    log.warning("lease renewal of job %s failed (%s)", job.id, type(exc).__name__)
