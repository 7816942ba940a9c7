"""Executing an approved destruction batch: idempotent, resumable, and verified at the end.

One run at a time: a run claims `<batch>:attempt:<n>` by unique insert; the next run may start
once the previous one ended, or its process is gone (same host), or it has not been heard of
for STALE. Per file, in this order: the records become a tombstone (the file's personal values,
its versions' snapshots, its documents' titles, the customer's name in loans and corrections),
every version of its originals and derivatives is deleted (no lock is bypassed), its pages leave
the search index and its file entry becomes the tombstone's (listed as destroyed, never found), the store
is listed to prove nothing is left, and `<batch>:file:<file id>` is
inserted with the checksums and sizes of what was destroyed. Each step can be done again, so a
run killed anywhere is finished by the next, and the file's record is counted once. The
batch ends with a check of all its files' objects and one entry in the destruction register.
"""
from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import DomainError
from service.fulltext import SearchService
from service.messages import N_
from service.messages import Joined
from service.retention.destruction import DestructionService
from service.retention.register import DestructionRegister
from storage.documents import derivative_prefix
from storage.errors import ObjectLocked
from storage.jobs import JobQueue
from storage.objects import ObjectStore
from storage.retention_destructions import Tombstones

log = logging.getLogger(__name__)

STALE = timedelta(minutes=15)
JOB_KIND = "destruction"
KEPT = ("archive_no", "template", "template_version", "classification", "security", "department", "owner",
        "location", "created_at", "created_by", "updated_at", "updated_by", "closed_at", "version")


class DestructionExecutor:
    """Runs (and resumes) the execution of approved batches."""

    def __init__(self, batches: DestructionService, tombstones: Tombstones, objects: ObjectStore,
                 search: SearchService, register: DestructionRegister, audit: AuditTrail, jobs: JobQueue):
        self.batches = batches
        self.repo = batches.repo
        self.retention = batches.retention
        self.tombstones = tombstones
        self.objects = objects
        self.search = search
        self.register = register
        self.audit = audit
        self.jobs = jobs
        self.checkpoint = None  # (stage, file_id) -> None after each step of a file (tests stop runs here)

    def execute(self, actor: User, batch_id, paper: dict | None = None) -> dict:
        """Destroy every file of an approved batch; a done batch is answered as it is (nothing twice)."""
        batch, remaining = self._ready(actor, batch_id, paper)
        if batch["status"] == "done":
            return batch
        attempt = self._start(actor, batch)
        total = len(batch["file_ids"])
        progress = {"state": "running", "done": total - len(remaining), "total": total, "error": None,
                    "started_at": clock.now()}
        try:
            self.repo.set(batch["_id"], {"execution": progress})
            if batch["status"] != "executing":
                self.repo.set(batch["_id"], {"status": "executing", "started_at": clock.now(),
                                             "started_by": actor.username})
                self.audit.record(actor.username, "destruction.started", f"destruction:{batch['_id']}",
                                  {"number": batch["number"]})
            for file_id in remaining:
                self._destroy(actor, batch, file_id)
                self.repo.set_step(batch["_id"], attempt, {"alive_at": clock.now()})
                progress["done"] += 1
                self.repo.set(batch["_id"], {"execution": progress})
            done = self._finish(actor, batch, progress)
        except BaseException as exc:
            self.repo.set_step(batch["_id"], attempt, {"ended_at": clock.now(), "outcome": "failed"})
            self.repo.set(batch["_id"], {"execution": {**progress, "state": "failed", "ended_at": clock.now(),
                                                       "error": exc.message if isinstance(exc, DomainError) else None}})
            raise
        self.repo.set_step(batch["_id"], attempt, {"ended_at": clock.now(), "outcome": "done"})
        return done

    def queue(self, actor: User, batch_id) -> dict:
        """Check that an approved batch can be executed now and leave its execution to the worker, whose
        progress the batch then carries; a batch already queued or running is not queued twice."""
        batch, remaining = self._ready(actor, batch_id, None)
        state = (batch.get("execution") or {}).get("state")
        if batch["status"] == "done" or state == "queued" or (state == "running" and self._run_alive(batch)):
            return batch  # on its way (a run whose process died without a word may be started again)
        total = len(batch["file_ids"])
        execution = {"state": "queued", "done": total - len(remaining), "total": total, "error": None,
                     "queued_by": actor.username, "queued_at": clock.now()}
        self.repo.set(batch["_id"], {"execution": execution})
        self.jobs.enqueue(JOB_KIND, {"batch_id": str(batch["_id"]), "actor": actor.username})
        self.audit.record(actor.username, "destruction.queued", f"destruction:{batch['_id']}",
                          {"number": batch["number"], "files": len(remaining)})
        return {**batch, "execution": execution}

    def not_started(self, batch_id, reason: str) -> None:
        """A queued execution that could not start (the batch changed, a file went out on loan): say why on
        the batch, so its page stops waiting."""
        batch = self.batches.load(batch_id)
        execution = batch.get("execution") or {}
        if execution.get("state") == "queued":
            self.repo.set(batch["_id"], {"execution": {**execution, "state": "failed", "error": reason,
                                                       "ended_at": clock.now()}})

    def _ready(self, actor: User, batch_id, paper: dict | None) -> tuple[dict, list[str]]:
        """The batch and its files not destroyed yet, once it may be executed now; Conflict naming why not."""
        access.require(actor, "destruction.execute")
        batch = self.batches.load(batch_id)
        if batch["status"] == "done":
            return batch, []
        if batch["status"] not in ("approved", "executing"):
            raise Conflict(N_("只有已批准的批次可以执行"), {"status": batch["status"]})
        if paper and not batch.get("paper"):
            batch = self.batches.record_paper(actor, batch_id, paper)
        if not batch.get("paper"):
            raise Conflict(N_("请先登记纸质档案的销毁（方式、地点、两名监销人）"),
                           {"paper": "required"})
        remaining = [f for f in batch["file_ids"] if self.repo.step(batch["_id"], f"file:{f}") is None]
        refused = {f: why for f in remaining if (why := self._refusal(batch, f))}
        if refused:
            reasons = Joined("；", (N_("%(no)s：%(why)s", no=self.batches._archive_no(f), why=why)
                                   for f, why in refused.items()))
            raise Conflict(N_("以下档案现在不能销毁：%(reasons)s", reasons=reasons), refused)
        return batch, remaining

    def _refusal(self, batch: dict, file_id: str) -> str | None:
        file_doc = self.batches.files.repo.by_id(file_id)
        if file_doc and (file_doc.get("destroyed") or {}).get("batch_id") == str(batch["_id"]):
            return None  # a run stopped half-way through this file: finish it
        return self.batches.refusal(file_id, str(batch["_id"]))

    # -- runs -------------------------------------------------------------------------------
    def _run_alive(self, batch: dict) -> bool:
        """Whether the batch's latest run may still be working."""
        number, latest = 1, None
        while (found := self.repo.step(batch["_id"], f"attempt:{number}")) is not None:
            number, latest = number + 1, found
        return latest is not None and _alive(latest)

    def _start(self, actor: User, batch: dict) -> str:
        """Claim the next run of a batch; 409 while another run is alive."""
        number, previous = 1, None
        while (found := self.repo.step(batch["_id"], f"attempt:{number}")) is not None:
            number, previous = number + 1, found
        if previous is not None and _alive(previous):
            raise Conflict(N_("该批次正在执行"), {"status": "executing"})
        step = f"attempt:{number}"
        record = {"actor": actor.username, "at": clock.now(), "alive_at": clock.now(), "host": socket.gethostname(),
                  "pid": os.getpid(), "ended_at": None}
        if not self.repo.claim_step(batch["_id"], step, record):
            raise Conflict(N_("该批次正在执行"), {"status": "executing"})
        return step

    # -- one file ---------------------------------------------------------------------------
    def _destroy(self, actor: User, batch: dict, file_id: str) -> None:
        file_doc = self.batches.files.repo.by_id(file_id)
        documents = self.tombstones.documents(file_id)
        manifest = [{"document_id": str(d["_id"]), "doc_type": d.get("doc_type"), "sha256": d.get("sha256"),
                     "size": d.get("size"), "pages": d.get("pages")} for d in documents]
        self._tombstone(actor, batch, file_doc, documents, manifest)
        self._step("records", file_id)
        for doc in documents:
            try:
                self.objects.purge("originals", doc["key"])
                self.objects.purge("derivatives", derivative_prefix(doc["_id"]), prefix=True)
            except ObjectLocked as exc:
                raise Conflict(N_("对象存储仍锁定 %(object)s", object=str(exc)),
                               {file_id: "storage lock"}) from None
        self._step("objects", file_id)
        self.search.index_file(file_id)  # the tombstone: its pages go, its entry stays for the file list
        self._step("search", file_id)
        left = self._left(documents)
        if left:
            raise RuntimeError(f"destruction of file {file_id}: objects left after deleting: {left[:5]}")
        state = self.retention.repo.state(file_id) or {}
        self.retention.repo.save_state(file_id, {**state, "status": "destroyed", "lock_until": None,
                                                 "legal_hold": False})
        record = {"file_id": file_id, "archive_no": file_doc["archive_no"], "template": file_doc.get("template"),
                  "policy_name": state.get("policy_name"), "destroy_after": state.get("destroy_after"),
                  "documents": manifest, "bytes": sum(m["size"] or 0 for m in manifest), "at": clock.now(),
                  "by": actor.username}
        if self.repo.claim_step(batch["_id"], f"file:{file_id}", record):
            self.audit.record(actor.username, "destruction.file_destroyed", f"file:{file_id}",
                              {"batch": batch["number"], "archive_no": file_doc["archive_no"],
                               "documents": len(manifest), "bytes": record["bytes"]})
        self._step("done", file_id)

    def _tombstone(self, actor: User, batch: dict, file_doc: dict, documents: list[dict], manifest: list) -> None:
        file_id = str(file_doc["_id"])
        earlier = file_doc.get("destroyed") or {}
        state = self.retention.repo.state(file_id) or {}
        destroyed = {"batch_id": str(batch["_id"]), "number": batch["number"], "at": earlier.get("at") or clock.now(),
                     "by": earlier.get("by") or actor.username, "policy_name": state.get("policy_name"),
                     "trigger_date": state.get("trigger_date"), "destroy_after": state.get("destroy_after"),
                     "documents": manifest}
        wiped = {"status": "destroyed", "name": "", "name_pinyin": "", "name_initials": "", "fields": {},
                 "dup_keys": [], "approved_borrowers": [], "destroyed": destroyed}
        self.tombstones.file(file_doc["_id"], wiped)
        keep = {k: file_doc.get(k) for k in KEPT}
        self.tombstones.versions(file_id, file_doc.get("version", 1), {**keep, **wiped})
        for doc in documents:
            self.tombstones.document(doc["_id"], {"status": "destroyed", "title": "", "original_name": "",
                                                  "source": {}, "ocr_error": None, "destroyed_in": batch["number"]})
        self.tombstones.loans(file_id)
        self.tombstones.corrections(file_id)

    def _left(self, documents: list[dict]) -> list[str]:
        """Every version (delete markers included) still stored for the documents."""
        left = []
        for doc in documents:
            left += [f"originals/{v.key}" for v in self.objects.versions("originals", doc["key"])
                     if v.key == doc["key"]]
            left += [f"derivatives/{v.key}"
                     for v in self.objects.versions("derivatives", derivative_prefix(doc["_id"]))]
        return left

    def _step(self, stage: str, file_id: str) -> None:
        if self.checkpoint is not None:
            self.checkpoint(stage, file_id)

    # -- the end ----------------------------------------------------------------------------
    def _finish(self, actor: User, batch: dict, progress: dict) -> dict:
        records = self.batches.destroyed_items(batch)
        left = [key for r in records for key in self._left(
            [{"_id": m["document_id"], "key": f"documents/{m['document_id']}"} for m in r["documents"]])]
        if left or len(records) != len(batch["file_ids"]):
            raise RuntimeError(f"batch {batch['number']}: not every file is destroyed ({left[:5]})")
        fresh = self.batches.load(batch["_id"])
        counts = {"files": len(records), "documents": sum(len(r["documents"]) for r in records),
                  "bytes": sum(r["bytes"] for r in records)}
        entry = self.register.of_batch(str(batch["_id"]))
        if entry is None:
            entry = self.register.append(_register_record(fresh, records, counts, actor))
        changes = {"status": "done", "executed_by": entry["executed_by"], "executed_at": clock.now(), "counts": counts,
                   "register_seq": entry["seq"], "execution": {**progress, "state": "done", "ended_at": clock.now()}}
        self.repo.set(batch["_id"], changes)
        self.audit.record(actor.username, "destruction.executed", f"destruction:{batch['_id']}",
                          {"number": batch["number"], "register_seq": entry["seq"], **counts})
        return {**fresh, **changes}


def _register_record(batch: dict, records: list[dict], counts: dict, actor: User) -> dict:
    """What the register keeps of an executed batch."""
    return {"batch_id": str(batch["_id"]), "number": batch["number"], "reason": batch["reason"],
            "files": [{"file_id": r["file_id"], "archive_no": r["archive_no"], "template": r.get("template"),
                       "policy_name": r.get("policy_name"), "destroy_after": r.get("destroy_after"),
                       "documents": [{"sha256": m["sha256"], "size": m["size"], "doc_type": m["doc_type"]}
                                     for m in r["documents"]]} for r in records],
            "counts": counts, "proposed_by": batch["proposed_by"], "proposed_at": batch["proposed_at"],
            "approved_by": batch["approved_by"], "approved_at": batch["approved_at"],
            "paper": {k: batch["paper"][k] for k in ("method", "place", "witnesses", "date")},
            "executed_by": actor.username, "executed_at": clock.now()}


def _alive(attempt: dict) -> bool:
    """Whether an earlier run may still be working."""
    if attempt.get("ended_at"):
        return False
    if attempt.get("host") == socket.gethostname():
        try:
            os.kill(attempt["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
    alive_at = attempt.get("alive_at")
    return alive_at is not None and alive_at > clock.now() - STALE
