"""The jobs collection: enqueue, claim with a lease (won by a unique insert), ack, fail.

A job that may run now carries its kind in `lane`; one queued for later carries LATER until its time
comes. A claim therefore asks for a few jobs of each kind by one equality (a GIN lookup on FerretDB
over PostgreSQL) instead of filtering and sorting the whole queue, which FerretDB v1 does by decoding
every queued job: 2.6 s per claim with 3,000 queued.

Every change of a job's state (queued, running, failed, done) leaves a mark for the jobs' listing
index, which answers the counts by state and the lists of jobs without decoding either collection."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from service import clock
from storage.listing_marks import ListingMarks

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LISTED = "job"
LISTED_FIELDS = {"state": 1, "kind": 1, "created_at": 1}
CLAIM_CANDIDATES = 8  # read per kind; the oldest of them is tried first
LATER = "@later"  # the lane of a queued job whose run_after is still to come (no kind starts with @)


@dataclass(frozen=True)
class Job:
    """A claimed job: its id, kind, payload and the lease token that proves the claim."""

    id: str
    kind: str
    payload: dict
    attempts: int
    lease_token: str
    attempt_limit: int = 5


class JobQueue:
    """Jobs as documents; every state change is one conditional single-document update."""

    def __init__(self, db: Database, max_attempts: int = 5):
        self._jobs = db["jobs"]
        self._claims = db["job_claims"]
        self._done = db["jobs_done"]
        self._slots = db["schedule_slots"]
        self._marks = ListingMarks(db)
        self._max_attempts = max_attempts

    def _changed(self, job_id) -> None:
        self._marks.add(LISTED, str(job_id), clock.now())

    def enqueue(self, kind: str, payload: dict | None = None, delay_seconds: float = 0) -> str:
        """Queue a job; its id."""
        now = clock.now()
        doc = {"kind": kind, "payload": payload or {}, "state": QUEUED, "attempts": 0,
               "attempt_limit": self._max_attempts,
               "run_after": now + timedelta(seconds=delay_seconds), "created_at": now,
               "lease_until": None, "lease_token": None, "last_error": None,
               "lane": kind if delay_seconds <= 0 else LATER}
        job_id = self._jobs.insert_one(doc).inserted_id
        self._changed(job_id)
        return str(job_id)

    def enqueue_once(self, kind: str, payload: dict, slot: str) -> str | None:
        """Queue a periodic job once per slot (e.g. 'fixity:20421'), however many workers ask; its id or None."""
        try:
            self._slots.insert_one({"_id": f"{kind}:{slot}", "at": clock.now()})
        except DuplicateKeyError:
            return None
        return self.enqueue(kind, payload)

    def claim(self, worker_id: str, lease_seconds: float, kinds: list[str] | None = None) -> Job | None:
        """Take the oldest runnable job of the given kinds (of any kind if None), or one whose lease ran
        out, or None.

        The claim is won by inserting `<job id>:<attempt>` into job_claims, whose _id is unique:
        FerretDB v1 applies find-and-modify and conditional updates as a read followed by a
        write, so two workers could both "win" an update; a unique insert has exactly one winner.
        """
        now = clock.now()
        self._wake(now)
        for doc in self._candidates(now, kinds):
            job = self._take(doc, worker_id, now, lease_seconds)
            if job is not None:
                return job
        return None

    def claim_more(self, worker_id: str, lease_seconds: float, kind: str, limit: int) -> list[Job]:
        """Up to `limit` more runnable jobs of one kind, for a worker that runs them together."""
        now, taken = clock.now(), []
        waiting = self._jobs.find({"lane": kind}).limit(limit)
        for doc in sorted(waiting, key=lambda doc: doc["run_after"]):
            if doc.get("state") == QUEUED and doc["run_after"] <= now:
                job = self._take(doc, worker_id, now, lease_seconds)
                if job is not None:
                    taken.append(job)
        return taken

    def _take(self, doc: dict, worker_id: str, now: datetime, lease_seconds: float) -> Job | None:
        attempt = doc.get("attempts", 0) + 1
        token = secrets.token_hex(8)
        if not self._won_claim(doc, attempt, worker_id, now, lease_seconds):
            return None
        self._jobs.update_one({"_id": doc["_id"]}, {"$set": {
            "state": RUNNING, "attempts": attempt, "lease_token": token, "worker": worker_id, "lane": None,
            "lease_until": now + timedelta(seconds=lease_seconds), "started_at": now}})
        self._changed(doc["_id"])
        return Job(id=str(doc["_id"]), kind=doc["kind"], payload=doc.get("payload") or {},
                   attempts=attempt, lease_token=token,
                   attempt_limit=doc.get("attempt_limit", self._max_attempts))

    def _wake(self, now: datetime) -> None:
        """Move the jobs queued for later whose time has come into their kind's lane (a job that left
        the queue meanwhile just leaves the LATER lane). Only retries, postponed and delayed jobs wait
        there, so this reads few."""
        for doc in self._jobs.find({"lane": LATER}, {"state": 1, "kind": 1, "run_after": 1}):
            if doc.get("state") != QUEUED:
                self._jobs.update_one({"_id": doc["_id"], "lane": LATER}, {"$set": {"lane": None}})
            elif doc["run_after"] <= now:
                self._jobs.update_one({"_id": doc["_id"], "lane": LATER}, {"$set": {"lane": doc["kind"]}})

    def _candidates(self, now: datetime, kinds: list[str] | None) -> list[dict]:
        """A few runnable jobs of each kind and every job whose lease ran out, oldest first."""
        if kinds is None:  # tools and tests: the whole queue, by state
            waiting = self._jobs.find({"state": QUEUED})
        else:
            waiting = (doc for kind in dict.fromkeys(kinds)
                       for doc in self._jobs.find({"lane": kind}).limit(CLAIM_CANDIDATES))
        found = [doc for doc in waiting if doc.get("state") == QUEUED and doc["run_after"] <= now]
        found += [doc for doc in self._jobs.find({"state": RUNNING})
                  if doc.get("lease_until") is not None and doc["lease_until"] < now
                  and (kinds is None or doc["kind"] in kinds)]
        return sorted(found, key=lambda doc: doc["run_after"])

    def _won_claim(self, doc: dict, attempt: int, worker_id: str, now: datetime, lease_seconds: float) -> bool:
        key = f"{doc['_id']}:{attempt}"
        try:
            self._claims.insert_one({"_id": key, "worker": worker_id, "at": now})
            return True
        except DuplicateKeyError:
            pass
        # A claimer that died between its insert and its update leaves the job unclaimable:
        # once that claim is older than a lease, count the lost attempt so the next one can win.
        claim = self._claims.find_one({"_id": key})
        stale = claim if claim and claim["at"] < now - timedelta(seconds=lease_seconds) else None
        if stale is not None and (self._jobs.find_one({"_id": doc["_id"]}) or {}).get("attempts") == attempt - 1:
            self._jobs.update_one({"_id": doc["_id"]}, {"$set": {"attempts": attempt}})
        return False

    def _held(self, job: Job) -> dict | None:
        """The job's document if this claim still holds it (read by _id: FerretDB's one indexed lookup)."""
        doc = self._jobs.find_one({"_id": ObjectId(job.id)})
        if doc is None or doc.get("state") != RUNNING or doc.get("lease_token") != job.lease_token:
            return None
        return doc

    def extend(self, job: Job, lease_seconds: float) -> bool:
        """Renew the lease of a job still held; False if another worker has taken it."""
        if self._held(job) is None:
            return False
        self._jobs.update_one({"_id": ObjectId(job.id)},
                              {"$set": {"lease_until": clock.now() + timedelta(seconds=lease_seconds)}})
        return True

    def ack(self, job: Job) -> bool:
        """Mark a job done, only if this claim still holds it, and move it out of the queue.

        Finished jobs live in jobs_done so that claims (a scan on FerretDB) stay fast. The copy is
        written before the queue entry is removed, so a crash in between loses nothing.
        """
        doc = self._held(job)
        if doc is None:
            return False
        doc.update(state=DONE, finished_at=clock.now(), lease_until=None)
        try:
            self._done.insert_one(doc)
        except DuplicateKeyError:
            pass
        self._jobs.delete_one({"_id": doc["_id"]})
        self._changed(doc["_id"])
        return True

    def fail(self, job: Job, reason: str, retry: bool = True) -> str:
        """Record a failure: requeue with backoff while attempts remain, else mark failed."""
        give_up = not retry or job.attempts >= job.attempt_limit
        backoff = min(600, 2 ** job.attempts)
        update = {"last_error": reason[:2000], "lease_until": None, "finished_at": clock.now()}
        if give_up:
            update.update(state=FAILED, lane=None)
        else:
            update.update(state=QUEUED, run_after=clock.now() + timedelta(seconds=backoff), lane=LATER)
        if self._held(job) is not None:
            self._jobs.update_one({"_id": ObjectId(job.id)}, {"$set": update})
            self._changed(job.id)
        return update["state"]

    def postpone(self, job: Job, reason: str, seconds: float) -> bool:
        """Queue a held job again after `seconds` without counting this attempt against its limit
        (the attempt number itself still grows: each claim inserts a new one); False if this claim
        no longer holds it."""
        if self._held(job) is None:
            return False
        self._jobs.update_one({"_id": ObjectId(job.id)}, {"$set": {
            "state": QUEUED, "run_after": clock.now() + timedelta(seconds=seconds), "lease_until": None,
            "lane": LATER, "last_error": reason[:2000], "attempt_limit": job.attempt_limit + 1}})
        self._changed(job.id)
        return True

    def retry(self, job_id: str) -> bool:
        """Put a failed job back in the queue with a fresh allowance of attempts ('run again')."""
        doc = self._jobs.find_one({"_id": ObjectId(job_id)})
        if doc is None or doc.get("state") != FAILED:
            return False
        self._jobs.update_one({"_id": doc["_id"]}, {"$set": {
            "state": QUEUED, "run_after": clock.now(), "last_error": None, "lane": doc["kind"],
            "attempt_limit": doc.get("attempts", 0) + self._max_attempts}})
        self._changed(job_id)
        return True

    def assign_lanes(self) -> int:
        """Give every queued job its lane (jobs queued before lanes existed); how many changed."""
        now, changed = clock.now(), 0
        for doc in self._jobs.find({"state": QUEUED}, {"kind": 1, "run_after": 1, "lane": 1}):
            lane = doc["kind"] if doc["run_after"] <= now else LATER
            if doc.get("lane") != lane:
                self._jobs.update_one({"_id": doc["_id"]}, {"$set": {"lane": lane}})
                changed += 1
        return changed

    def get(self, job_id: str) -> dict | None:
        """The job document, queued, running, failed or done."""
        oid = ObjectId(job_id)
        return self._jobs.find_one({"_id": oid}) or self._done.find_one({"_id": oid})

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state, counted in the database (tests and tools: it decodes both
        collections; the dashboard and /metrics read the jobs' listing index)."""
        rows = self._jobs.aggregate([{"$group": {"_id": "$state", "n": {"$sum": 1}}}])
        counts = {row["_id"]: row["n"] for row in rows}
        counts[DONE] = self._done.estimated_document_count()
        return counts

    def by_id(self, job_id: str) -> dict | None:
        """A job waiting, running or failed, else done, else None (also for a malformed id)."""
        try:
            return self.get(job_id)
        except InvalidId:
            return None

    def every(self):
        """Every job, waiting or finished, once (streamed; building the listing index): a job found in
        both collections (a crash between ack's copy and delete) counts as in the queue, as `get` reads it."""
        waiting = set()
        for doc in self._jobs.find({}, LISTED_FIELDS).batch_size(1000):
            waiting.add(doc["_id"])
            yield doc
        for doc in self._done.find({}, LISTED_FIELDS).batch_size(1000):
            if doc["_id"] not in waiting:
                yield doc
