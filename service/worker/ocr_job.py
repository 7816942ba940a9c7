"""The job that reads a document: text layer or OCR per page, page images, thumbnails; then its pages
go into the search index at once, so that a scan is found seconds after it is read even while other
scans wait to be read (index jobs run only when no other job waits)."""
from __future__ import annotations

import logging

from search import IndexBusy
from service.documents import RecognitionFailed
from service.documents.ocr import OcrEngine
from service.worker.context import JobContext
from service.worker.context import PermanentFailure

log = logging.getLogger(__name__)

INDEX_WAIT = 10.0  # seconds to wait for the index's write lock before leaving the pages to an index job


class OcrHandler:
    """Keeps one OCR engine (a child process holding the models) for the life of the worker.

    `index_now=False` leaves the pages to a queued index job, as before scans were indexed by the
    job that read them (bench_freshness measures both)."""

    def __init__(self, index_now: bool = True):
        self._engine: OcrEngine | None = None
        self.index_now = index_now

    def __call__(self, ctx: JobContext, payload: dict) -> None:
        """Read the document named in the payload, then index its pages; a broken document fails
        without retries."""
        if self._engine is None:
            self._engine = OcrEngine()
            self._engine.start()
        document_id = payload["document_id"]
        try:
            outcome = ctx.services.recognition.run(document_id, self._engine)
        except RecognitionFailed as exc:
            raise PermanentFailure(str(exc)) from exc
        if outcome is None:
            return
        log.info("document %s: %d pages, %d characters, %s", document_id, outcome.pages, outcome.chars,
                 outcome.sources)
        self._index(ctx, document_id)

    def _index(self, ctx: JobContext, document_id: str) -> None:
        """The pages into the index now; if another writer holds it, an index job does it later (and
        retries until it gets through). A crash before either leaves this job unacknowledged: it
        runs again."""
        if self.index_now:
            try:
                ctx.services.search.index_document(document_id, timeout=INDEX_WAIT)
                return
            except IndexBusy:
                log.info("search index busy; document %s is left to an index job", document_id)
        ctx.services.index_queue.document_changed(document_id)

    def close(self) -> None:
        """Stop the engine's child process."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None
