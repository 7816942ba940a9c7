"""The job that reads a document: text layer or OCR per page, page images, thumbnails."""
from __future__ import annotations

import logging

from service.documents import RecognitionFailed
from service.documents.ocr import OcrEngine
from service.worker.context import JobContext
from service.worker.context import PermanentFailure

log = logging.getLogger(__name__)


class OcrHandler:
    """Keeps one OCR engine (a child process holding the models) for the life of the worker."""

    def __init__(self):
        self._engine: OcrEngine | None = None

    def __call__(self, ctx: JobContext, payload: dict) -> None:
        """Read the document named in the payload; a broken document fails without retries."""
        if self._engine is None:
            self._engine = OcrEngine()
            self._engine.start()
        try:
            outcome = ctx.services.recognition.run(payload["document_id"], self._engine)
        except RecognitionFailed as exc:
            raise PermanentFailure(str(exc)) from exc
        if outcome is not None:
            log.info("document %s: %d pages, %d characters, %s", payload["document_id"], outcome.pages,
                     outcome.chars, outcome.sources)

    def close(self) -> None:
        """Stop the engine's child process."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None
