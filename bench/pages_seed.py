"""Growing the benchmark's archive by N customer files: bulk inserts, the audit chain, the search index.

`Seeder.grow(n)` draws n file bodies (bench_files.file_body: names, ID numbers, projects, stages,
customer types, departments, shelves) with owners among the department's staff and creation times
spread over the last three years, builds every record of each file (bench/pages_records.py) and
inserts them with `insert_many` in batches of BATCH files, collection by collection. Then:

- the audit events of all those files are sorted by time and appended to the hash chain after its
  current end (found by `_id` lookups from the last entry known, as AuditTrail walks forward), each
  with `service.audit.trail.entry_hash`, so the chain still verifies. A later size's history is appended
  after the earlier size's requests and import, so across sizes the trail's times are not in order;
- the search index is written by a child process while the inserts run, the way `archive reindex`
  writes it (service/search_rebuild.py): the dictionary first (document-type labels, every name
  and project), then committed batches of search_rebuild.BATCH files, each file's entry
  (`file_entry`) and its pages' entries. `rebuild()` itself is not used (it reads every document's
  page texts from the object store, which the seeding does not write); `reindex_batch` times what it
  reads first: every file's id in one pass, then a batch of 200 files by `_id` and their documents;
- PostgreSQL's statistics are refreshed (ANALYZE), as autovacuum would have done by the time a
  real archive reaches this size: right after a bulk load the planner may think a table is empty.
"""
from __future__ import annotations

import logging
import multiprocessing
import queue
import random
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from pathlib import Path

import psycopg
from pymongo.errors import PyMongoError

from bench.bench_files import file_body
from bench.common import Stopwatch
from bench.pages_records import Records
from bench.pages_records import ms
from bench.pages_world import People
from bench.pages_world import Shapes
from search import SearchIndex
from service.audit import GENESIS
from service.audit import entry_hash
from service.audit import jsonable
from service.fulltext import rebuild as search_rebuild
from service.wiring import Services

BATCH = 1000
AUDIT_BATCH = 5000
YEARS = 3
KNOWN = 5000  # files remembered (a uniform sample) for the timed requests


@dataclass
class Known:
    """A uniform sample of the seeded files (id, archive number, name, department, security, owner, phone)."""

    files: list[tuple] = field(default_factory=list)
    seen: int = 0

    def note(self, doc: dict, rng: random.Random) -> None:
        """Reservoir sampling over every file seeded."""
        self.seen += 1
        row = (str(doc["_id"]), doc["archive_no"], doc["name"], doc["department"], doc["security"], doc["owner"],
               (doc.get("fields") or {}).get("phone", ""))
        if len(self.files) < KNOWN:
            self.files.append(row)
        elif (slot := rng.randrange(self.seen)) < KNOWN:
            self.files[slot] = row


class Seeder:
    """Keeps the state that must carry from one size to the next: counters, the audit tip, the index."""

    def __init__(self, services: Services, people: People, shapes: Shapes, seed: int = 20261205):
        self.services, self.people, self.shapes = services, people, shapes
        self.rng = random.Random(seed)
        self.now = ms(datetime.now(timezone.utc))
        self.records = Records(services, people, shapes, self.rng, self.now)
        self.known = Known()
        self.tip: dict | None = None
        self.index = SearchIndex(services.settings.search_dir, mmap=False)  # as search_rebuild opens it

    def grow(self, count: int, report=print) -> dict[str, float]:
        """Add `count` files and all their records; seconds per phase."""
        seconds: dict[str, float] = {}
        self.records.counters = {}  # numbers were drawn since (the import): find each scope's highest again
        with Stopwatch() as watch:
            bodies = self._bodies(count)
            terms = self.services.search.doc_type_terms()
            terms += [w for body, _, _ in bodies for w in (body["name"], body["classification"]["project"])]
            self.index.add_terms(sorted(set(terms)), timeout=600)
        seconds["draw"] = watch.seconds
        feed = IndexFeed(self.services.settings.search_dir)
        feed.start()
        events: list[tuple] = []
        began = time.perf_counter()
        for start in range(0, count, BATCH):
            events += self._batch(bodies[start:start + BATCH], feed, seconds)
            done = min(start + BATCH, count)
            if done % (10 * BATCH) == 0 or done == count:
                report(f"  seeded {done}/{count} files ({done / (time.perf_counter() - began):.0f} files/s)")
        seconds["build_and_insert"] = time.perf_counter() - began
        with Stopwatch() as chaining:
            appended = self._append_audit(events)
        seconds["audit"], seconds["audit_entries"] = chaining.seconds, appended
        with Stopwatch() as waiting:
            feed.finish()
        seconds["index_wait"], seconds["index_busy"] = waiting.seconds, feed.busy
        with Stopwatch() as analyzing:
            self.analyze()
        seconds["analyze"] = analyzing.seconds
        return seconds

    def _bodies(self, count: int) -> list[tuple[dict, object, datetime]]:
        """(body, owner, created) of each new file, oldest first."""
        span = timedelta(days=365 * YEARS).total_seconds()
        start = self.now - timedelta(days=365 * YEARS)
        drawn = []
        for _ in range(count):
            body = file_body(self.rng)
            owner = self.rng.choice(self.people.staff[body["department"]])
            created = ms(start + timedelta(seconds=self.rng.uniform(0, span - 2 * 86400)))
            drawn.append((body, owner, created))
        return sorted(drawn, key=lambda item: item[2])

    def _batch(self, batch: list, feed: "IndexFeed", seconds: dict) -> list[tuple]:
        """Build and insert the records of one batch of files; their audit events."""
        with Stopwatch() as building:
            bundles = [self.records.file(body, owner, created) for body, owner, created in batch]
        seconds["build"] = seconds.get("build", 0.0) + building.seconds
        with Stopwatch() as inserting:
            merged: dict[str, list[dict]] = {}
            for bundle in bundles:
                for collection, docs in bundle.records.items():
                    merged.setdefault(collection, []).extend(docs)
            for collection, docs in merged.items():
                self.services.db[collection].insert_many(docs, ordered=False)
                seconds[f"rows:{collection}"] = seconds.get(f"rows:{collection}", 0) + len(docs)
        seconds["insert"] = seconds.get("insert", 0.0) + inserting.seconds
        for doc in merged["files"]:
            self.known.note(doc, self.rng)
        for start in range(0, len(bundles), search_rebuild.BATCH):
            part = bundles[start:start + search_rebuild.BATCH]
            feed.put([e for b in part for e in b.entries], [t for b in part for t in b.terms])
        return [event for bundle in bundles for event in bundle.events]

    # -- the audit chain -------------------------------------------------------------------------
    def _append_audit(self, events: list[tuple]) -> int:
        """Chain the events after the trail's current end, oldest first; how many were appended."""
        repo = self.services.audit.repo
        tip = self._audit_tip()
        seq, previous = (tip["seq"], tip["hash"]) if tip else (0, GENESIS)
        events.sort(key=lambda event: event[0])
        pending = []
        for at, actor, action, target, details in events:
            known = self.shapes.details.get(action)
            if known is not None and frozenset(details) != known:
                raise RuntimeError(f"audit details of {action} changed: {sorted(known)} != {sorted(details)}")
            seq += 1
            entry = {"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
                     "details": jsonable(details), "prev_hash": previous}
            entry["hash"] = previous = entry_hash(entry)
            pending.append({"_id": repo.key(seq), **entry})
            if len(pending) == AUDIT_BATCH:
                self.services.db["audit"].insert_many(pending)
                pending = []
        if pending:
            self.services.db["audit"].insert_many(pending)
        if events:
            self.tip = {"seq": seq, "hash": previous}
        return len(events)

    def audit_end(self) -> dict | None:
        """The trail's last entry as it stands (found from the seeder's own last one, by lookups)."""
        return self._audit_tip()

    def _audit_tip(self) -> dict | None:
        """The trail's last entry: from the last one this seeder wrote, follow `_id` lookups forward."""
        repo = self.services.audit.repo
        tip = self.tip if self.tip is not None else repo.newest()
        while (following := repo.at((tip["seq"] if tip else 0) + 1)) is not None:
            tip = following
        return tip

    # -- the rest --------------------------------------------------------------------------------
    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics (what autovacuum does after large changes)."""
        url = self.services.settings.postgres_url
        if url:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("ANALYZE")

    def reindex_batch(self) -> tuple[float, str]:
        """What `archive reindex` reads before and for its first batch: every file's id (one pass), then
        200 files by _id and their documents; its seconds and how it ended ("ok", or the database error)."""
        sources = self.services.search.sources
        started = time.perf_counter()
        try:
            docs = next(search_rebuild.file_batches(sources, search_rebuild.BATCH))
            sources.documents.of_files([str(d["_id"]) for d in docs])
        except PyMongoError as exc:
            return time.perf_counter() - started, type(exc).__name__
        return time.perf_counter() - started, "ok"

    def verify(self) -> list[str]:
        """The product's own checks, for small sizes (both read everything, the drift check per batch of
        200 files): the audit chain verifies, and `archive search-check` finds every file's entry present
        and current. Page entries are left out: the seeded documents have no page texts in the object
        store, so the check would call their pages extra."""
        problems = []
        logging.getLogger("service.fulltext.entries").setLevel(logging.ERROR)  # "no stored text" for each page
        chain = self.services.audit.verify()
        if not chain["ok"]:
            problems.append(f"the audit chain breaks at entry {chain['first_bad']}")
        expected = {k: v for k, v in search_rebuild.expected_signature(self.services.search.sources).items()
                    if k[0] == "file"}
        actual = {k: v for k, v in self.index.entries_signature().items() if k[0] == "file"}
        drift = search_rebuild.compare(expected, actual)
        if not drift.ok:
            problems.append(f"the index drifts from the database: {drift.counts()}")
        return problems

    def close(self) -> None:
        """Release the index."""
        self.index.close()


class IndexFeed:
    """Writes batches of index entries in a child process while this one builds and inserts records:
    both are Python work, and in one process they would share one core (the GIL)."""

    def __init__(self, directory):
        context = multiprocessing.get_context("spawn")  # no fork of a process holding pymongo's threads
        self.batches = context.Queue()  # unbounded: the inserts and the audit chain run ahead of it
        self.results = context.Queue()
        self.process = context.Process(target=_write_index, args=(str(directory), self.batches, self.results),
                                       name="bench-index", daemon=True)
        self.busy = 0.0

    def start(self) -> None:
        """Start the writer."""
        self.process.start()

    def put(self, entries: list, terms: list[str]) -> None:
        """One committed batch: the files' entries and their pages, the files' dictionary words."""
        if not self.process.is_alive():
            raise RuntimeError(f"the index writer died: {self._outcome()}")
        self.batches.put((entries, terms))

    def finish(self) -> None:
        """Wait for every batch to be committed; raise what the writer raised."""
        self.batches.put(None)
        outcome = self._outcome()
        self.process.join()
        if not isinstance(outcome, float):
            raise RuntimeError(f"writing the index failed: {outcome}")
        self.busy = outcome

    def _outcome(self):
        try:
            return self.results.get(timeout=3600)
        except queue.Empty:
            return "no answer from the index writer"


def _write_index(directory: str, batches, results) -> None:
    """The child: commit each batch the way search_rebuild does; answer the seconds spent, or the error."""
    busy = 0.0
    try:
        index = SearchIndex(Path(directory), mmap=False)
        while (item := batches.get()) is not None:
            started = time.perf_counter()
            entries, terms = item
            with index.writer(timeout=600) as batch:
                batch.add_terms(terms)
                for entry in entries:
                    (batch.upsert_file if entry.kind == "file" else batch.upsert_page)(entry)
            busy += time.perf_counter() - started
        index.close()
    except BaseException as exc:  # the parent raises it
        results.put(f"{type(exc).__name__}: {exc}")
        return
    results.put(busy)
