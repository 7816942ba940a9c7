"""Filing one scanner output: plan where its pages go, claim each segment once, store it as a document or inbox item.

A segment is a unit of work keyed `<sha256 of the input>:<first>-<last>` and claimed by unique
insert, so running an import twice stores nothing twice. A claim left 'started' by an importer
that died is taken over after UNIT_GRACE (at once by a retry of the same import); the upload's own
content claim and the inbox item's id derived from the unit key catch what a dead holder stored.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from service import clock
from service.accounts import User
from service.documents import DocumentService
from service.documents.ocr import OcrFailure
from service.errors import Conflict
from service.errors import DomainError
from service.messages import N_
from service.scans import pages as scan_pages
from service.scans.inbox import InboxService
from service.scans.plan import FileResolver
from service.scans.plan import Segment
from service.scans.plan import split
from service.scans.separators import decode_separator
from service.scans.sources import Input
from storage.scan_import import ScanImportRepository

log = logging.getLogger(__name__)

UNIT_GRACE = timedelta(minutes=10)
NOT_A_SCAN = N_("不是 PDF、JPEG、PNG 或 TIFF 内容")
BUSY = N_("另一次导入正在处理这些页面")
ONLY_SEPARATORS = N_("只有分隔页，没有要归档的页面")
SUFFIX = {"application/pdf": ".pdf", "image/tiff": ".tif", "image/jpeg": ".jpg", "image/png": ".png"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def inbox_id(unit_key: str) -> str:
    """An inbox item's id, derived from its unit so that a retried unit finds the item it made."""
    return hashlib.sha256(unit_key.encode()).hexdigest()[:24]


class Filing:
    """Files the inputs of one import run as one archivist."""

    def __init__(self, actor: User, import_id: str, resolver: FileResolver, repo: ScanImportRepository,
                 documents: DocumentService, inbox: InboxService, work: Path, max_pixels: int):
        self.actor, self.import_id, self.resolver, self.repo = actor, import_id, resolver, repo
        self.documents, self.inbox, self.work, self.max_pixels = documents, inbox, work, max_pixels

    def input(self, item: Input) -> dict:
        """File one input; its entry in the summary."""
        if item.skip:
            return {"name": item.name, "outcome": "skipped", "reason": item.skip}
        kind = scan_pages.media_type(item.path)
        if kind is None:
            return {"name": item.name, "outcome": "skipped", "reason": NOT_A_SCAN}
        sha, pages, segments = _sha256(item.path), None, []
        try:
            pages = scan_pages.count(item.path, kind, self.max_pixels)
            segments = self._plan(item, kind, pages)
        except OcrFailure as exc:
            segments = self._unreadable(item, str(exc))
        items = [self._segment(item, kind, sha, pages, segment) for segment in segments]
        failed = any(entry["kind"] == "failed" for entry in items)
        return {"name": item.name, "outcome": "failed" if failed else "filed", "media_type": kind, "pages": pages,
                "reason": None if items else ONLY_SEPARATORS, "items": items}

    def _plan(self, item: Input, kind: str, pages: int) -> list[Segment]:
        """The whole input into the file its name names, else split at separator sheets."""
        file_doc, why = self.resolver.by_name(item.name)
        if file_doc is not None:
            return [Segment(1, pages, file=file_doc, doc_type=self._first_page_type(item, kind))]
        marks = (decode_separator(image) for image in scan_pages.images(item.path, kind, self.max_pixels))
        return split(marks, self.resolver, why)

    def _first_page_type(self, item: Input, kind: str) -> str:
        """The type a separator sheet on the first page names, else 'other'."""
        try:
            mark = decode_separator(scan_pages.page_image(item.path, kind, self.max_pixels, 1))
        except OcrFailure:
            return "other"
        return mark[1] if mark and self.resolver.type_active(mark[1]) else "other"

    def _unreadable(self, item: Input, reason: str) -> list[Segment]:
        """An input whose pages cannot be read is kept whole: in its named file, else in the inbox."""
        file_doc, _ = self.resolver.by_name(item.name)
        if file_doc is not None:
            return [Segment(1, 0, file=file_doc, doc_type="other")]
        return [Segment(1, 0, reason=N_("无法读取页面：%(reason)s", reason=reason))]

    def _claim(self, key: str) -> tuple[str, dict | None]:
        """'won', 'taken' (over from a dead holder), 'done' or 'busy', and the claim found."""
        now = clock.now()
        held = self.repo.claim_unit(key, self.import_id, now)
        if held is None:
            return "won", None
        if held.get("state") == "done":
            return "done", held
        stale = held.get("import_id") == self.import_id or held["at"] < now - UNIT_GRACE
        if stale and self.repo.take_over_unit(held, self.import_id, now):
            return "taken", held
        return "busy", held

    def _segment(self, item: Input, kind: str, sha: str, pages: int | None, segment: Segment) -> dict:
        """Claim and store one segment; its entry in the summary."""
        key = f"{sha}:{segment.first}-{segment.last}"
        shown = segment.pages if segment.last else None
        state, held = self._claim(key)
        if state == "done":
            return {**held["result"], "already": held["result"].get("already") or held["import_id"] != self.import_id}
        if state == "busy":
            return {"kind": "failed", "pages": shown, "reason": BUSY}
        try:
            result = self._store(item, kind, key, pages, segment, retried=state == "taken")
        except (DomainError, OcrFailure) as exc:
            self.repo.release_unit(key, self.import_id)
            log.warning("scan import %s: %s pages %s failed: %s", self.import_id, item.name, shown, exc)
            return {"kind": "failed", "pages": shown, "reason": getattr(exc, "message", None) or str(exc)}
        except Exception:
            self._release_quietly(key)
            raise
        self.repo.finish_unit(key, result, clock.now())
        return result

    def _release_quietly(self, key: str) -> None:
        """Give the claim back on the way out of an outage; if that fails too, it goes stale and is taken over."""
        try:
            self.repo.release_unit(key, self.import_id)
        except Exception as exc:  # the original error is the one worth raising
            log.warning("could not release unit %s (%s); it is taken over after %s", key, type(exc).__name__,
                        UNIT_GRACE)

    def _store(self, item: Input, kind: str, key: str, pages: int | None, segment: Segment, retried: bool) -> dict:
        whole = segment.first == 1 and segment.last in (0, pages)
        target = self.work / "segment"
        path, media = (item.path, kind) if whole else scan_pages.extract(
            item.path, kind, segment.first, segment.last, pages, target, self.max_pixels)
        try:
            if segment.file is not None:
                return self._document(item, media, path, key, segment, whole, retried)
            return self._inbox(item, kind, media, path, key, segment)
        finally:
            if path != item.path:
                path.unlink(missing_ok=True)

    def _document(self, item: Input, media: str, path: Path, key: str, segment: Segment, whole: bool,
                  retried: bool) -> dict:
        """Upload through the documents service; content already in the file counts as that document."""
        result = {"kind": "document", "pages": segment.pages if segment.last else None,
                  "file_id": str(segment.file["_id"]), "archive_no": segment.file["archive_no"],
                  "doc_type": segment.doc_type, "already": False}
        earlier = self.repo.document_of_unit(key) if retried else None
        if earlier is not None:
            return {**result, "document_id": str(earlier["_id"]), "already": True}
        stem = item.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        name = item.name if whole else f"{stem}_p{segment.first}-{segment.last}{SUFFIX[media]}"
        title = item.name.rsplit("/", 1)[-1] if whole else f"{stem}（第 {segment.first}-{segment.last} 页）"
        source = {"via": "scan-import", "import_id": self.import_id, "name": item.name,
                  "pages": result["pages"], "unit": key}
        try:
            with open(path, "rb") as handle:
                doc = self.documents.upload(self.actor, result["file_id"], handle, name, segment.doc_type, title,
                                            source=source)
        except Conflict as exc:
            if "duplicate_of" not in exc.fields:
                raise
            return {**result, "document_id": exc.fields["duplicate_of"], "already": True}
        return {**result, "document_id": str(doc["_id"])}

    def _inbox(self, item: Input, kind: str, media: str, path: Path, key: str, segment: Segment) -> dict:
        """Keep the pages in the inbox, with a thumbnail of their first page."""
        item_id = inbox_id(key)
        try:
            thumb = scan_pages.thumbnail(item.path, kind, segment.first, self.max_pixels)
        except OcrFailure:
            thumb = None
        pages = segment.pages if segment.last else None
        record = {"source_name": item.name, "pages": pages,
                  "page_count": segment.last - segment.first + 1 if segment.last else None,
                  "source_sha256": key.split(":")[0], "reason": segment.reason, "import_id": self.import_id,
                  "unit": key, "created_by": self.actor.username}
        _, new = self.inbox.store(item_id, path, media, thumb, record)
        return {"kind": "inbox", "pages": pages, "inbox_id": item_id, "reason": segment.reason, "already": not new}
