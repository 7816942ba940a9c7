"""Fixity: re-read stored originals and compare their SHA-256 and size with the records."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from dataclasses import field
from typing import Callable

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from storage.documents import DocumentRepository
from storage.errors import ObjectMissing
from storage.fixity import FixityRepository
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

OK, MISMATCH, MISSING = "ok", "mismatch", "missing"


@dataclass
class FixityReport:
    """What one run found."""

    run_id: str
    checked: int = 0
    ok: int = 0
    failed: list[dict] = field(default_factory=list)


class FixityService:
    """Runs checks (all documents, or the least recently checked N) and keeps their results."""

    def __init__(self, repo: FixityRepository, documents: DocumentRepository, objects: ObjectStore,
                 audit: AuditTrail):
        self.repo = repo
        self.documents = documents
        self.objects = objects
        self.audit = audit

    def run(self, sample: int = 0, actor: str = "system",
            progress: Callable[[int, int], None] | None = None) -> FixityReport:
        """Check every active document's original, or a sample of the least recently checked."""
        query = {"status": "active"}
        total = self.documents.count(query) if not sample else min(sample, self.documents.count(query))
        run_id = self.repo.start_run({"started_at": clock.now(), "actor": actor, "sample": sample, "total": total})
        report = FixityReport(run_id=str(run_id))
        for doc in self.documents.find(query, sort=[("fixity_checked_at", 1), ("_id", 1)], limit=sample):
            outcome, found = self._check(doc)
            report.checked += 1
            if outcome == OK:
                report.ok += 1
            else:
                report.failed.append(self._record_failure(run_id, doc, outcome, found, actor))
            if progress:
                progress(report.checked, total)
        self.repo.finish_run(run_id, {"finished_at": clock.now(), "checked": report.checked, "ok": report.ok,
                                      "failed": len(report.failed)})
        self.audit.record(actor, "fixity.run", f"fixity:{run_id}",
                          {"checked": report.checked, "failed": len(report.failed)})
        return report

    def _check(self, doc: dict) -> tuple[str, dict]:
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in self.objects.stream("originals", doc["key"]):
                digest.update(chunk)
                size += len(chunk)
        except ObjectMissing:
            outcome, found = MISSING, {}
        else:
            found = {"sha256": digest.hexdigest(), "size": size}
            outcome = OK if found == {"sha256": doc["sha256"], "size": doc["size"]} else MISMATCH
        self.documents.update(doc["_id"], {"fixity_status": outcome, "fixity_checked_at": clock.now()})
        return outcome, found

    def _record_failure(self, run_id, doc: dict, outcome: str, found: dict, actor: str) -> dict:
        failure = {"_id": f"{doc['_id']}:{run_id}", "run_id": str(run_id), "document_id": str(doc["_id"]),
                   "file_id": doc["file_id"], "outcome": outcome, "expected": {"sha256": doc["sha256"],
                                                                                "size": doc["size"]},
                   "found": found, "at": clock.now()}
        self.repo.add_failure(failure)
        self.audit.record(actor, "fixity.failed", f"document:{doc['_id']}",
                          {"file_id": doc["file_id"], "outcome": outcome, "expected_sha256": doc["sha256"],
                           "found_sha256": found.get("sha256")})
        log.warning("fixity %s for document %s", outcome, doc["_id"])
        return failure

    def overview(self, actor: User, page: int = 1, per_page: int = 50) -> dict:
        """Recent runs and the documents whose last check failed (archivist page)."""
        access.require(actor, "register.read")
        failing = self.documents.with_any("fixity_status", [MISMATCH, MISSING], {"status": "active"})
        total, failures = self.repo.failures({}, (page - 1) * per_page, per_page)
        return {"runs": self.repo.runs(), "failing": failing, "failures": failures, "failures_total": total}
