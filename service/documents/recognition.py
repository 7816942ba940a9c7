"""Reading a stored document: its text per page (text layer or OCR), page images and thumbnails.

Runs in the worker. Each page is written to the derivatives bucket as it is read, so a long
document shows progress and a retry simply writes the same keys again.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service import clock
from service.documents.ocr import Limits
from service.documents.ocr import OcrFailure
from service.documents.ocr import page_count
from service.documents.ocr import read_pages
from storage.documents import DocumentRepository
from storage.documents import page_key
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

IMAGE_WIDTH = 1600   # the viewer's page image
THUMB_WIDTH = 200


class RecognitionFailed(Exception):
    """The document cannot be read (a broken file, a pixel or time limit); retrying will not help."""


@dataclass(frozen=True)
class Outcome:
    """What reading a document found."""

    pages: int
    chars: int
    sources: dict


class RecognitionService:
    """Turns an original into per-page text, images and thumbnails; the caller then has the pages
    indexed (the OCR job: at once, or by an index job when the index is busy)."""

    def __init__(self, repo: DocumentRepository, objects: ObjectStore, limits: Limits, work_dir: Path,
                 notify=None):
        self.repo = repo
        self.objects = objects
        self.limits = limits
        self.work_dir = work_dir
        self.notify = notify  # told before a document's text is recorded as read (the search index's queue)

    def run(self, document_id: str, engine) -> Outcome | None:
        """Read one document with the given OCR engine; None if it is gone or not active."""
        doc = self.repo.by_id(document_id)
        if doc is None or doc.get("status") != "active":
            return None
        self.repo.update(doc["_id"], {"ocr_status": "running", "ocr_error": None, "ocr_started_at": clock.now()})
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.work_dir, prefix="ocr-") as tmp:
            self._download(doc, tmp)
            path = Path(tmp.name)
            try:
                outcome = self._read(doc, path, engine)
            except OcrFailure as exc:
                reason = str(exc)
                self.repo.update(doc["_id"], {"ocr_status": "failed", "ocr_error": reason, "ocr_done_at": clock.now()})
                raise RecognitionFailed(reason) from exc
        if self.notify is not None:  # before "done": a read document is searchable only once indexed
            self.notify.document_reading(doc["_id"])
        self.repo.update(doc["_id"], {"ocr_status": "done", "ocr_error": None, "pages": outcome.pages,
                                      "text_chars": outcome.chars, "ocr_sources": outcome.sources,
                                      "ocr_done_at": clock.now()})
        return outcome

    def _download(self, doc: dict, tmp) -> None:
        digest = hashlib.sha256()
        for chunk in self.objects.stream("originals", doc["key"]):
            digest.update(chunk)
            tmp.write(chunk)
        tmp.flush()
        if digest.hexdigest() != doc["sha256"]:
            reason = "fixity: the stored original does not match its checksum"
            self.repo.update(doc["_id"], {"ocr_status": "failed", "ocr_error": reason})
            raise RecognitionFailed(reason)

    def _read(self, doc: dict, path: Path, engine) -> Outcome:
        total = page_count(path, doc["media_type"])
        self.repo.update(doc["_id"], {"pages": total, "ocr_progress": 0})
        chars, sources = 0, {}
        for page in read_pages(path, doc["media_type"], self.limits, engine):
            self._store_page(doc["_id"], page)
            chars += len(page.text)
            sources[page.source] = sources.get(page.source, 0) + 1
            self.repo.update(doc["_id"], {"ocr_progress": page.number})
        return Outcome(pages=total, chars=chars, sources=sources)

    def _store_page(self, document_id, page) -> None:
        record = {"number": page.number, "text": page.text, "lines": page.lines, "source": page.source,
                  "width": page.width, "height": page.height}
        self.objects.put_bytes("derivatives", page_key(document_id, page.number, "text"),
                               json.dumps(record, ensure_ascii=False).encode("utf-8"), "application/json")
        scale = min(1.0, IMAGE_WIDTH / max(1, page.image.width))
        image = page.image if scale == 1.0 else page.image.resize(
            (int(page.image.width * scale), int(page.image.height * scale)))
        self.objects.put_bytes("derivatives", page_key(document_id, page.number, "image"), _jpeg(image, 80),
                               "image/jpeg")
        thumb = page.image.copy()
        thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
        self.objects.put_bytes("derivatives", page_key(document_id, page.number, "thumb"), _jpeg(thumb, 70),
                               "image/jpeg")


def _jpeg(image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
