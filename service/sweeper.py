"""The sweeper: removes stored objects that no record points to, once they are older than a grace period.

An upload stores its object before its record (DESIGN §3), so a crash or an outage in between
leaves an object nobody references. Objects are only ever removed here when their owning
record does not exist at all; a grace period protects uploads still in flight.

The originals bucket is versioned (it uses Object Lock), so a key is looked at through all its
versions and delete markers, and an orphan is purged version by version. A version the lock
still protects is left for a later sweep.
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from service import clock
from storage.documents import DocumentRepository
from storage.errors import ObjectLocked
from storage.jobs import JobQueue
from storage.objects import ObjectStore
from storage.references import References

log = logging.getLogger(__name__)

# key prefix (bucket, first path segment) -> the collection whose record owns the object
OWNERS = {("originals", "documents"): "documents", ("originals", "inbox"): "scan_inbox",
          ("originals", "scan-imports"): "scan_imports", ("derivatives", "inbox"): "scan_inbox"}


@dataclass
class SweepReport:
    """What one sweep looked at and removed."""

    seen: int = 0
    removed: list[str] = field(default_factory=list)
    kept_young: int = 0
    requeued: int = 0
    reindexed: int = 0  # files whose index job was lost, queued again


class Sweeper:
    """Walks both buckets and removes orphans older than the grace period."""

    def __init__(self, references: References, documents: DocumentRepository, objects: ObjectStore,
                 jobs: JobQueue, grace_seconds: int, index_queue=None):
        self.references = references
        self.index_queue = index_queue
        self.documents = documents
        self.objects = objects
        self.jobs = jobs
        self.grace = timedelta(seconds=grace_seconds)

    def run(self, now: datetime | None = None) -> SweepReport:
        """One sweep over every object; also re-queues documents whose OCR job was never queued, and
        files written more than the grace ago that no index commit holds yet."""
        now = now or clock.now()
        report = SweepReport()
        known: dict[tuple[str, str], bool] = {}  # one lookup per owner, not per page derivative
        for role in ("originals", "derivatives"):
            # the listing gives a page's versions, then its delete markers: sort to group them by key
            listed = sorted(self.objects.versions(role), key=lambda v: v.key)
            for key, versions in itertools.groupby(listed, key=lambda v: v.key):
                report.seen += 1
                owner = self._owner(role, key)
                if owner is None:
                    continue
                if owner not in known:
                    known[owner] = self.references.exists(*owner)
                if known[owner]:
                    continue
                newest = max((v.modified for v in versions if v.modified), default=None)
                if newest and newest > now - self.grace:
                    report.kept_young += 1
                    continue
                try:
                    self.objects.purge(role, key)
                except ObjectLocked:
                    log.warning("orphan %s/%s is still locked; a later sweep removes it", role, key)
                    continue
                report.removed.append(f"{role}/{key}")
                log.info("swept orphan %s/%s", role, key)
        report.requeued = self._requeue_lost_ocr(now)
        if self.index_queue is not None:
            report.reindexed = self.index_queue.lost_writes(now - self.grace)
        return report

    def _owner(self, role: str, key: str) -> tuple[str, str] | None:
        parts = key.split("/")
        if len(parts) < 2:
            return None
        collection = OWNERS.get((role, parts[0]))
        if collection is not None:
            return collection, parts[1].split(".")[0]
        if role == "derivatives":
            return "documents", parts[0]  # <document id>/<page derivative>
        return None

    def _requeue_lost_ocr(self, now: datetime) -> int:
        lost = self.references.documents_without_ocr_job(now - self.grace)
        for doc in lost:
            job_id = self.jobs.enqueue("ocr", {"document_id": str(doc["_id"])})
            self.documents.update(doc["_id"], {"ocr_job": job_id})
        return len(lost)
