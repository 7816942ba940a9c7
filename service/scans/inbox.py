"""The inbox (待归档): scanned pages that belong to no file yet, until an archivist assigns or discards them.

Order of writes: the object, then its thumbnail, then the record (an object without a record is
an orphan the sweeper removes). Assigning stores the document first and removes the inbox
object only after the document exists.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents import DocumentService
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import NotFound
from service.messages import N_
from storage import StorageUnavailable
from storage.errors import ObjectMissing
from storage.objects import ObjectStore
from storage.scan_import import ScanImportRepository
from storage.scan_import import inbox_key
from storage.scan_import import inbox_thumb_key

log = logging.getLogger(__name__)

OPEN, ASSIGNED, DISCARDED = "open", "assigned", "discarded"
STATES = (OPEN, ASSIGNED, DISCARDED)
REASON_MAX = 500


def require_archivist(actor: User | None) -> None:
    """Batch scanning and the inbox are the archivists' desk."""
    if not access.can(actor, "scan.import"):
        raise Forbidden(N_("只有档案管理员可以处理扫描导入"))


class _ChunkReader:
    """A file-like view of an iterator of byte chunks (an object streamed from the store)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buffer) < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if n < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data


class InboxService:
    """Keep unplaced pages, show them, and turn them into documents of a file."""

    def __init__(self, repo: ScanImportRepository, documents: DocumentService, objects: ObjectStore,
                 audit: AuditTrail):
        self.repo = repo
        self.documents = documents
        self.objects = objects
        self.audit = audit

    def store(self, item_id: str, path: Path, media_type: str, thumb: bytes | None, record: dict) -> tuple[dict, bool]:
        """Keep pages in the inbox under a given id; (the item, whether it is new)."""
        existing = self.repo.item(item_id)
        if existing is not None:
            return existing, False
        with open(path, "rb") as handle:
            stored = self.objects.put("originals", inbox_key(item_id), handle, -1, content_type=media_type)
        if thumb:
            self.objects.put_bytes("derivatives", inbox_thumb_key(item_id), thumb, "image/jpeg")
        doc = {**record, "_id": item_id, "key": inbox_key(item_id), "sha256": stored.sha256, "size": stored.size,
               "media_type": media_type, "thumb": bool(thumb), "state": OPEN, "created_at": clock.now()}
        if not self.repo.insert_item(doc):
            return self.repo.item(item_id), False
        return doc, True

    def page(self, actor: User, state: str = OPEN, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Inbox items in a state, in the order they were scanned."""
        require_archivist(actor)
        if state not in STATES:
            raise Invalid(N_("未知状态"), {"state": "open / assigned / discarded"})
        return self.repo.items_page(state, (page - 1) * per_page, per_page)

    def get(self, actor: User, item_id: str) -> dict:
        """One inbox item."""
        require_archivist(actor)
        doc = self.repo.item(item_id)
        if doc is None:
            raise NotFound(N_("没有这个待归档项"))
        return doc

    def thumbnail(self, actor: User, item_id: str) -> bytes:
        """The item's first-page thumbnail (JPEG)."""
        doc = self.get(actor, item_id)
        if not doc.get("thumb") or doc["state"] != OPEN:
            raise NotFound(N_("没有缩略图"))
        try:
            return self.objects.read("derivatives", inbox_thumb_key(item_id))
        except ObjectMissing:
            raise NotFound(N_("没有缩略图")) from None

    def _claim(self, actor: User, item_id: str, decision: str) -> dict:
        doc = self.get(actor, item_id)
        if doc["state"] != OPEN or not self.repo.claim_decision(item_id, {"decision": decision, "by": actor.username,
                                                                          "at": clock.now()}):
            raise Conflict(N_("此项已处理"), {"state": doc["state"]})
        return doc

    def file_id(self, actor: User, file_id=None, archive_no=None) -> str:
        """The file an assignment names, by id or by archive number."""
        require_archivist(actor)
        if isinstance(file_id, str) and file_id.strip():
            return file_id.strip()
        if isinstance(archive_no, str) and archive_no.strip():
            found = self.repo.files_by_numbers([archive_no.strip()])
            if found:
                return str(found[0]["_id"])
            raise Invalid(N_("未知档案号"), {"archive_no": N_("没有这个档案号")})
        raise Invalid(N_("请指明档案"), {"archive_no": N_("请填写档案号")})

    def assign(self, actor: User, item_id: str, file_id: str, doc_type, title) -> tuple[dict, dict]:
        """Make the item a document of a file (through the ordinary upload); (item, document)."""
        doc = self._claim(actor, item_id, ASSIGNED)
        try:
            document = self._upload(actor, doc, file_id, doc_type, title)
        except Exception:
            self.repo.release_decision(item_id)
            raise
        outcome = {"state": ASSIGNED, "file_id": document["file_id"], "document_id": str(document["_id"]),
                   "decided_by": actor.username, "decided_at": clock.now()}
        self.repo.update_item(item_id, outcome)
        self._forget(item_id)
        self.audit.record(actor.username, "scan_inbox.assigned", f"scan_inbox:{item_id}",
                          {"file_id": outcome["file_id"], "document_id": outcome["document_id"]})
        return {**doc, **outcome}, document

    def _upload(self, actor: User, doc: dict, file_id: str, doc_type, title) -> dict:
        """The document the item becomes; content the file already holds counts as that document."""
        source = {"via": "scan-inbox", "inbox_id": doc["_id"], "import_id": doc.get("import_id"),
                  "name": doc.get("source_name"), "pages": doc.get("pages")}
        reader = _ChunkReader(self.objects.stream("originals", doc["key"]))
        try:
            return self.documents.upload(actor, file_id, reader, doc.get("source_name") or "", doc_type, title,
                                         source=source)
        except Conflict as exc:
            if "duplicate_of" not in exc.fields:
                raise
            existing, _ = self.documents.load(actor, exc.fields["duplicate_of"])
            return existing

    def discard(self, actor: User, item_id: str, reason) -> dict:
        """Throw the item away with a reason (audited); its bytes are removed."""
        if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
            raise Invalid(N_("请填写原因"), {"reason": N_("请填写原因")})
        doc = self._claim(actor, item_id, DISCARDED)
        outcome = {"state": DISCARDED, "discard_reason": reason.strip(), "decided_by": actor.username,
                   "decided_at": clock.now()}
        self.repo.update_item(item_id, outcome)
        self._forget(item_id)
        self.audit.record(actor.username, "scan_inbox.discarded", f"scan_inbox:{item_id}",
                          {"reason": outcome["discard_reason"], "sha256": doc.get("sha256"),
                           "source_name": doc.get("source_name")})
        return {**doc, **outcome}

    def _forget(self, item_id: str) -> None:
        """Remove the item's bytes once its outcome is written; a failure is logged, not raised."""
        try:
            self.objects.remove("originals", inbox_key(item_id))
            self.objects.remove("derivatives", inbox_thumb_key(item_id))
        except StorageUnavailable:
            log.warning("could not remove the objects of inbox item %s; remove them by hand", item_id)
