"""Batch import of scanner output (a folder, or a zip uploaded on the page) and the separator sheets that steer it."""
from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from typing import Callable
from typing import Iterator

from service import clock
from service.accounts import User
from service.accounts import UserService
from service.audit import AuditTrail
from service.documents import CappedReader
from service.documents import DocTypeService
from service.documents import DocumentService
from service.errors import Invalid
from service.errors import NotFound
from service.errors import TooLarge
from service.errors import UnsupportedMedia
from service.files import FileService
from service.messages import N_
from service.scans import separators
from service.scans.filing import Filing
from service.scans.inbox import InboxService
from service.scans.inbox import require_archivist
from service.scans.plan import FileResolver
from service.scans.sources import folder_inputs
from service.scans.sources import open_zip
from service.scans.sources import zip_inputs
from storage import StorageUnavailable
from storage import new_id
from storage.jobs import JobQueue
from storage.objects import ObjectStore
from storage.scan_import import ScanImportRepository
from storage.scan_import import upload_key

log = logging.getLogger(__name__)

JOB_KIND = "scan_import"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_SUMMARY = 5000
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
Progress = Callable[[int, int, dict], None]


def empty_counts() -> dict:
    """The counters of a run: inputs seen, new documents, new inbox items, already there, skipped, failed."""
    return {"inputs": 0, "documents": 0, "inbox": 0, "already": 0, "skipped": 0, "failed": 0}


def count(counts: dict, entry: dict) -> None:
    """Add one input's summary entry to the counters."""
    counts["inputs"] += 1
    if entry["outcome"] == "skipped":
        counts["skipped"] += 1
    for item in entry.get("items", []):
        if item["kind"] == "failed":
            counts["failed"] += 1
        elif item.get("already"):
            counts["already"] += 1
        else:
            counts["documents" if item["kind"] == "document" else "inbox"] += 1


class ScanImportService:
    """Start imports (page, API, CLI), run them (worker, CLI), show them, and print separator sheets."""

    def __init__(self, repo: ScanImportRepository, files: FileService, documents: DocumentService,
                 doc_types: DocTypeService, inbox: InboxService, users: UserService, objects: ObjectStore,
                 jobs: JobQueue, audit: AuditTrail, number_rule: str, max_bytes: int, max_pixels: int, work_dir: Path):
        self.repo, self.files, self.documents, self.doc_types = repo, files, documents, doc_types
        self.inbox, self.users, self.objects, self.jobs, self.audit = inbox, users, objects, jobs, audit
        self.number_rule, self.max_bytes, self.max_pixels, self.work_dir = number_rule, max_bytes, max_pixels, work_dir

    def separator(self, actor: User, file_id: str, doc_type) -> tuple[bytes, str]:
        """A separator sheet (PDF) for a file and document type, and a name to save it under."""
        file_doc = self.documents.writable_file(actor, file_id)
        if not self.doc_types.is_active(doc_type):
            raise Invalid(N_("未知文件类型"), {"doc_type": N_("没有这个文件类型")})
        label = self.doc_types.labels()[doc_type]["label_zh"]
        return separators.sheet_pdf(file_doc, doc_type, label), f"separator-{file_doc['archive_no']}-{doc_type}.pdf"

    def upload(self, actor: User, stream: BinaryIO, filename: str = "") -> dict:
        """Keep an uploaded zip of scans and queue its import; the import record."""
        require_archivist(actor)
        head = stream.read(4)
        if not head.startswith(ZIP_MAGIC):
            raise UnsupportedMedia(N_("只接受 ZIP 压缩包"), {"file": filename[:100]})
        import_id = new_id()
        key = upload_key(import_id)
        try:
            stored = self.objects.put("originals", key,
                                      CappedReader(head, stream, self.max_bytes, N_("压缩包")), -1,
                                      content_type="application/zip")
        except TooLarge:
            self._forget(key)
            raise
        doc = self._record(actor, import_id, "zip", filename[:200], QUEUED)
        doc.update(key=key, size=stored.size, sha256=stored.sha256)
        self.repo.insert_import(doc)
        doc["job_id"] = self.jobs.enqueue(JOB_KIND, {"import_id": str(import_id)})
        self.repo.update_import(import_id, {"job_id": doc["job_id"]})
        self.audit.record(actor.username, "scan_import.uploaded", f"scan_import:{import_id}",
                          {"name": doc["name"], "size": stored.size, "sha256": stored.sha256})
        return doc

    def _forget(self, key: str) -> None:
        try:
            self.objects.remove("originals", key)
        except StorageUnavailable:
            log.warning("could not remove %s after a refused upload; the sweeper will", key)

    def _record(self, actor: User, import_id: object, source: str, name: str, state: str) -> dict:
        return {"_id": import_id, "source": source, "name": name, "state": state, "total": None, "done": 0,
                "counts": empty_counts(), "summary": [], "error": None, "created_by": actor.id,
                "created_by_name": actor.username, "created_at": clock.now()}

    def run(self, import_id: str) -> dict:
        """Run a queued import (the worker's job; a retry files only what the last attempt did not)."""
        doc = self.repo.get_import(import_id)
        if doc is None:
            raise NotFound(N_("没有这次扫描导入"))
        if doc["state"] in (DONE, FAILED):
            return doc
        actor = self.users.get(doc["created_by"])
        with self._work() as work:
            target = work / "upload.zip"
            with open(target, "wb") as out:
                for chunk in self.objects.stream("originals", doc["key"]):
                    out.write(chunk)
            try:
                archive = open_zip(target)
            except Invalid as exc:
                return self._fail(doc, exc.fields.get("file") or exc.message)
            with archive:
                total, inputs = zip_inputs(archive, work, self.max_bytes)
                return self._execute(doc, actor, total, inputs, work)

    def run_folder(self, actor: User, path: Path, progress: Progress | None = None) -> dict:
        """Import a folder of scanner output (or a zip file) now, as the given archivist (the CLI)."""
        require_archivist(actor)
        if not path.is_dir() and not path.is_file():
            raise NotFound(N_("没有这个文件夹：%(path)s", path=str(path)))
        doc = self._record(actor, new_id(), "folder" if path.is_dir() else "zip", str(path)[:200], RUNNING)
        self.repo.insert_import(doc)
        self.audit.record(actor.username, "scan_import.started", f"scan_import:{doc['_id']}", {"name": doc["name"]})
        with self._work() as work:
            if path.is_dir():
                total, inputs = folder_inputs(path, self.max_bytes)
                return self._execute(doc, actor, total, inputs, work, progress)
            with open_zip(path) as archive:
                total, inputs = zip_inputs(archive, work, self.max_bytes)
                return self._execute(doc, actor, total, inputs, work, progress)

    @contextmanager
    def _work(self) -> Iterator[Path]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="scan-import-", dir=self.work_dir) as work:
            yield Path(work)

    def _execute(self, doc: dict, actor: User, total: int, inputs, work: Path,
                 progress: Progress | None = None) -> dict:
        """File every input in order, recording progress after each; the finished record."""
        import_id = str(doc["_id"])
        self.repo.update_import(import_id, {"state": RUNNING, "total": total, "done": 0, "started_at": clock.now()})
        active = {t["code"] for t in self.doc_types.all()}
        resolver = FileResolver(self.repo, self.number_rule, active.__contains__)
        filing = Filing(actor, import_id, resolver, self.repo, self.documents, self.inbox, work, self.max_pixels)
        summary, counts = [], empty_counts()
        for number, item in enumerate(inputs, start=1):
            entry = filing.input(item)
            summary.append(entry)
            count(counts, entry)
            self.repo.update_import(import_id, {"done": number, "counts": counts})
            if progress is not None:
                progress(number, total, entry)
        finished = {"state": DONE, "summary": summary[:MAX_SUMMARY], "counts": counts, "finished_at": clock.now()}
        self.repo.update_import(import_id, finished)
        self.audit.record(actor.username, "scan_import.finished", f"scan_import:{import_id}", counts)
        log.info("scan import %s: %s", import_id, counts)
        return {**doc, "total": total, "done": total, **finished}

    def _fail(self, doc: dict, reason: str) -> dict:
        changes = {"state": FAILED, "error": reason[:2000], "finished_at": clock.now()}
        self.repo.update_import(doc["_id"], changes)
        return {**doc, **changes}

    def give_up(self, import_id: str, reason: str) -> None:
        """Mark an import failed after its job's last attempt (what it filed so far stays filed)."""
        doc = self.repo.get_import(import_id)
        if doc is not None and doc["state"] in (QUEUED, RUNNING):
            self._fail(doc, reason)

    def get(self, actor: User, import_id: str) -> dict:
        """One import run with its progress and summary."""
        require_archivist(actor)
        doc = self.repo.get_import(import_id)
        if doc is None:
            raise NotFound(N_("没有这次导入"))
        return doc

    def page(self, actor: User, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """The register of imports, newest first."""
        require_archivist(actor)
        return self.repo.imports_page((page - 1) * per_page, per_page)
