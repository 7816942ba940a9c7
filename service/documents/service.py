"""Scanned documents of a customer file: upload (streamed, hashed, typed by content), read, re-OCR.

Order of writes: the object first, then the content claim, then the record, then the OCR job.
A failure at any step removes what this upload stored; what a crash leaves behind is an object
without a record, which the sweeper removes after a grace period.
"""
from __future__ import annotations

import itertools
import json
import logging
from datetime import datetime
from datetime import timedelta
from typing import BinaryIO
from typing import Iterator

from search import RecordKind
from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents.covering import cover_jpeg
from service.documents.ocr import sniff
from service.documents.streams import CappedReader
from service.documents.types import DocTypeService
from service.errors import Conflict
from service.errors import Gone
from service.errors import Invalid
from service.errors import NotFound
from service.errors import TooLarge
from service.errors import UnsupportedMedia
from service.events import DocumentAdded
from service.events import EventBus
from service.files import FileService
from service.files import target_of
from service.listings import Listed
from service.listings import epoch_ms
from service.messages import N_
from storage import StorageUnavailable
from storage import new_id
from storage.documents import DocumentRepository
from storage.documents import original_key
from storage.documents import page_key
from storage.errors import ObjectMissing
from storage.index_pending import DocumentMarks
from storage.jobs import JobQueue
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

SNIFF_BYTES = 1024
CLAIM_GRACE = timedelta(minutes=10)
TITLE_MAX = 200
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
INDEXED = "indexed"  # search_status: PENDING until an index commit holds the read pages
DOCUMENT_LISTING = RecordKind("document", coded=("status", "ocr_status", "doc_type", "file_id", "fixity_status"),
                              numbers=("uploaded_at", "pages"))


def document_values(doc: dict) -> dict:
    """A document's values in the documents' listing index (months are intervals of uploaded_at)."""
    uploaded, pages = doc.get("uploaded_at"), doc.get("pages")
    return {**{name: doc.get(name) for name in ("status", "ocr_status", "doc_type", "fixity_status")},
            "file_id": str(doc["file_id"]) if doc.get("file_id") else None,
            "uploaded_at": epoch_ms(uploaded) if isinstance(uploaded, datetime) else None,
            "pages": int(pages) if isinstance(pages, (int, float)) and not isinstance(pages, bool) else None}


def listed_documents(repo: DocumentRepository) -> Listed:
    """How the listing indexes read documents."""
    return Listed(DOCUMENT_LISTING, repo.by_id, repo.every, document_values)


class DocumentService:
    """The business rules of scans: who may add, read and re-read them, and what is kept."""

    def __init__(self, repo: DocumentRepository, files: FileService, objects: ObjectStore, jobs: JobQueue,
                 audit: AuditTrail, types: DocTypeService, max_bytes: int, index_marks: DocumentMarks,
                 events: EventBus):
        self.repo = repo
        self.index_marks = index_marks
        self.files = files
        self.objects = objects
        self.jobs = jobs
        self.audit = audit
        self.types = types
        self.max_bytes = max_bytes
        self.events = events  # DocumentAdded after a stored upload (retention locks the original)

    def upload(self, actor: User, file_id: str, stream: BinaryIO, filename: str = "", doc_type=None,
               title=None, source: dict | None = None, length: int = -1) -> dict:
        """Store one scan in a file and queue its OCR; 415 for unsupported content, 413 over the limit.

        `length` is the size when the caller knows it (a spooled upload): the store then sends
        exact parts; otherwise it reads ahead part by part.
        """
        file_doc = self.writable_file(actor, file_id)
        if length > self.max_bytes:
            raise TooLarge(N_("文件超过 %(mb)s MB", mb=self.max_bytes // (1024 * 1024)),
                           {"file": f"max {self.max_bytes} bytes"})
        doc_type = doc_type or "other"
        title = (title if isinstance(title, str) and title.strip() else filename or "").strip()[:TITLE_MAX]
        if not self.types.is_active(doc_type):
            raise Invalid(N_("未知文件类型"), {"doc_type": N_("没有这个文件类型")})
        head = stream.read(SNIFF_BYTES)
        media_type = sniff(head)
        if media_type is None:
            raise UnsupportedMedia(N_("只接受 PDF、JPEG、PNG、TIFF"),
                                   {"file": filename[:100]})
        document_id = new_id()
        key = original_key(document_id)
        stored = self._store(key, CappedReader(head, stream, self.max_bytes), media_type, length)
        now = clock.now()
        holder = self._claim(str(file_doc["_id"]), stored.sha256, str(document_id), now)
        if holder is not None:
            self._forget(key)
            raise Conflict(N_("同样的内容已在本档案中"),
                           {"duplicate_of": holder})
        doc = {"_id": document_id, "file_id": str(file_doc["_id"]), "doc_type": doc_type,
               "title": title or media_type, "original_name": (filename or "")[:200], "key": key,
               "sha256": stored.sha256, "size": stored.size, "media_type": media_type, "pages": None,
               "ocr_status": PENDING, "ocr_error": None, "status": "active", "uploaded_by": actor.username,
               "uploaded_at": now, "source": source or {"via": "upload"}}
        try:
            self.repo.insert(doc)
        except Exception:
            self.repo.release_content(doc["file_id"], stored.sha256, str(document_id))
            self.objects.remove("originals", key)
            raise
        doc["ocr_job"] = self._queue_ocr(document_id)
        self.events.publish(DocumentAdded(doc))
        self.audit.record(actor.username, "document.uploaded", f"document:{document_id}",
                          {"file_id": doc["file_id"], "sha256": stored.sha256, "size": stored.size,
                           "doc_type": doc_type})
        return doc

    def check_type(self, doc_type) -> None:
        """Invalid unless documents may be given this type (None: no type asked for)."""
        if doc_type is not None and not self.types.is_active(doc_type):
            raise Invalid(N_("未知文件类型"), {"doc_type": N_("没有这个文件类型")})

    def describe(self, actor: User, document_id, doc_type=None, title=None) -> dict:
        """Set a document's type or title after its upload (a form that sent them after the file)."""
        self.check_type(doc_type)
        doc, file_doc = self.load(actor, document_id)
        access.require(actor, "document.upload", target_of(file_doc))
        changes = {}
        if doc_type is not None:
            changes["doc_type"] = doc_type
        if isinstance(title, str) and title.strip():
            changes["title"] = title.strip()[:TITLE_MAX]
        if changes:
            self.repo.update(doc["_id"], changes)
            self.audit.record(actor.username, "document.described", f"document:{doc['_id']}",
                              {"file_id": doc["file_id"], **changes})
        return {**doc, **changes}

    def _claim(self, file_id: str, sha256: str, document_id: str, now: datetime) -> str | None:
        """Claim the content; None if won, else the id of the document that holds it.

        A claim whose document was never written (its upload died in between) is taken over once
        it is older than CLAIM_GRACE, so that a crash cannot block that content for ever; a claim
        of a document no longer active (destroyed) is taken over at once.
        """
        held = self.repo.claim_content(file_id, sha256, document_id, now)
        if held is None:
            return None
        # one read of the holder's record: read twice, the winner's record could appear between
        # the reads and look like a stale claim to take over (two uploads of one content both won)
        status = self.repo.status_of(held["document_id"]) if held["document_id"] else None
        if status == "active" or (held["document_id"] and status is None and held["at"] > now - CLAIM_GRACE):
            return held["document_id"]
        self.repo.release_content(file_id, sha256, held["document_id"])
        retried = self.repo.claim_content(file_id, sha256, document_id, now)
        return None if retried is None else retried["document_id"]

    def writable_file(self, actor: User, file_id: str) -> dict:
        """The file, if the actor may add documents to it now (not destroyed, not merged)."""
        file_doc = self.files.load(actor, file_id, "file.view")
        access.require(actor, "document.upload", target_of(file_doc))
        if file_doc.get("status") == "destroyed":
            raise Gone(N_("档案已销毁"))
        if file_doc.get("status") == "merged":
            raise Conflict(N_("档案已合并"), {"merged_into": file_doc.get("merged_into")})
        return file_doc

    def _store(self, key: str, reader: CappedReader, media_type: str, length: int):
        try:
            return self.objects.put("originals", key, reader, length, content_type=media_type)
        except TooLarge:
            self._forget(key)
            raise
        except StorageUnavailable:
            self._forget(key)
            raise

    def _forget(self, key: str) -> None:
        try:
            self.objects.remove("originals", key)
        except StorageUnavailable:
            log.warning("could not remove %s after a failed upload; the sweeper will", key)

    def _queue_ocr(self, document_id) -> str:
        job_id = self.jobs.enqueue("ocr", {"document_id": str(document_id)})
        self.repo.update(document_id, {"ocr_job": job_id})
        return job_id

    def load(self, actor: User, document_id, action: str = "file.view") -> tuple[dict, dict]:
        """A document and its file, if the actor may do the action to that file."""
        doc = self.repo.by_id(document_id)
        if doc is None:
            raise NotFound(N_("没有这个文件"))
        try:
            file_doc = self.files.load(actor, doc["file_id"], action)
        except NotFound:
            raise NotFound(N_("没有这个文件")) from None
        if doc.get("status") == "destroyed" or file_doc.get("status") == "destroyed":
            raise Gone(N_("文件已销毁"))
        return doc, file_doc

    def of_file(self, actor: User, file_id: str) -> list[dict]:
        """The documents of a file the actor may see."""
        file_doc = self.files.load(actor, file_id, "file.view")
        return self.repo.of_file(str(file_doc["_id"]))

    def search_status(self, doc: dict) -> str:
        """INDEXED once a search finds the document's read pages (an index commit holds them and no
        later read waits for one), else PENDING (queued, being read, failed, or read and not yet
        committed); a point lookup for a read document."""
        if doc.get("status", "active") != "active" or doc.get("ocr_status") != DONE:
            return PENDING
        return PENDING if self.index_marks.has(doc["_id"]) else INDEXED

    def with_search_status(self, docs: list[dict]) -> list[dict]:
        """The documents, each with its `search_status`."""
        return [{**doc, "search_status": self.search_status(doc)} for doc in docs]

    def missing_types(self, file_doc: dict, documents: list[dict]) -> list[str]:
        """Required document types the file does not hold yet (资料不全)."""
        return self.types.missing(file_doc.get("template", ""), documents)

    def content(self, actor: User, document_id) -> tuple[dict, Iterator[bytes]]:
        """The original bytes (audited as a download)."""
        doc, _ = self.load(actor, document_id, "file.content")
        chunks = self.objects.stream("originals", doc["key"])
        try:
            first = next(chunks)  # reach the store before auditing: a missing original is an error, not a download
        except ObjectMissing:
            raise NotFound(N_("原件缺失，请联系档案管理员")) from None
        except StopIteration:
            first = b""
        chunks = itertools.chain([first], chunks)
        self.audit.record(actor.username, "document.downloaded", f"document:{doc['_id']}",
                          {"file_id": doc["file_id"], "sha256": doc["sha256"]})
        return doc, chunks

    def view(self, actor: User, document_id) -> tuple[dict, dict]:
        """Open a document in the viewer (audited)."""
        doc, file_doc = self.load(actor, document_id, "file.content")
        self.audit.record(actor.username, "document.viewed", f"document:{doc['_id']}", {"file_id": doc["file_id"]})
        return doc, file_doc

    def page(self, actor: User, document_id, number: int) -> dict:
        """One page's recognised text and line boxes."""
        doc, _ = self.load(actor, document_id, "file.content")
        return self._page_text(doc, number)

    def _page_text(self, doc: dict, number: int) -> dict:
        if not doc.get("pages") or not isinstance(number, int) or not 1 <= number <= doc["pages"]:
            raise NotFound(N_("没有这一页"))
        try:
            return json.loads(self.objects.read("derivatives", page_key(doc["_id"], number, "text")))
        except ObjectMissing:
            raise NotFound(N_("这一页还没有识别")) from None

    def page_image(self, actor: User, document_id, number: int, kind: str = "image", covered: bool = True) -> bytes:
        """A page's image or thumbnail (JPEG), its ID and mobile numbers covered unless the actor's role sees them
        in full; `covered=False` only for an audited reveal (the privacy area's reveal_page)."""
        doc, _ = self.load(actor, document_id, "file.content")
        return self.covered_page(doc, number, kind, covered=covered and not access.sees_pii_in_full(actor))

    def covered_page(self, doc: dict, number: int, kind: str = "image", covered: bool = True) -> bytes:
        """A page's image or thumbnail of a document the caller already may read (a share link included), its
        ID and mobile numbers covered unless `covered` is False."""
        if not doc.get("pages") or not 1 <= number <= doc["pages"] or kind not in ("image", "thumb"):
            raise NotFound(N_("没有这一页"))
        try:
            data = self.objects.read("derivatives", page_key(doc["_id"], number, kind))
        except ObjectMissing:
            raise NotFound(N_("这一页还没有图像")) from None
        if not covered:
            return data
        return cover_jpeg(data, self._page_text(doc, number))  # no text read: NotFound rather than an open page

    def text(self, actor: User, document_id) -> str:
        """The whole recognised or embedded text, pages separated by a form feed (audited)."""
        doc, _ = self.load(actor, document_id, "file.content")
        if doc.get("ocr_status") != DONE:
            raise Conflict(N_("文字尚未识别完成"), {"ocr_status": doc.get("ocr_status")})
        pages = [self._page_text(doc, n).get("text", "") for n in range(1, doc["pages"] + 1)]
        self.audit.record(actor.username, "document.text_read", f"document:{doc['_id']}", {"file_id": doc["file_id"]})
        return "\f".join(pages)

    def rerun_ocr(self, actor: User, document_id) -> dict:
        """Queue the document's OCR again (after a failure, or a better engine)."""
        doc, file_doc = self.load(actor, document_id, "file.view")
        access.require(actor, "document.upload", target_of(file_doc))
        if doc.get("ocr_status") in (PENDING, RUNNING):
            raise Conflict(N_("识别已在排队或进行中"), {"ocr_status": doc["ocr_status"]})
        self.repo.update(doc["_id"], {"ocr_status": PENDING, "ocr_error": None})
        doc.update(ocr_status=PENDING, ocr_error=None, ocr_job=self._queue_ocr(doc["_id"]))
        self.audit.record(actor.username, "document.ocr_requested", f"document:{doc['_id']}",
                          {"file_id": doc["file_id"]})
        return doc
