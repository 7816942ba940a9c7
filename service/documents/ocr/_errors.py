"""Why a document could not be read: one exception family whose message is shown on the job."""
from __future__ import annotations


class OcrFailure(Exception):
    """A document or page that cannot be read; str(exc) is the reason shown as "failed: <reason>"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedType(OcrFailure):
    """The content is not a PDF, JPEG, PNG or TIFF."""

    def __init__(self, media_type: str | None) -> None:
        super().__init__(f"unsupported type: {media_type or 'unknown content'}")
        self.media_type = media_type


class BrokenDocument(OcrFailure):
    """The file is damaged, truncated or encrypted."""


class PixelLimit(OcrFailure):
    """An image has more pixels than Limits.max_pixels allows (a decompression bomb, or a poster)."""

    def __init__(self, pixels: int | None, limit: int) -> None:
        counted = f"{pixels} pixels" if pixels is not None else "more pixels"
        super().__init__(f"pixel limit: {counted} > {limit}")
        self.pixels = pixels
        self.limit = limit


class OcrTimeout(OcrFailure):
    """Recognising one page took longer than its time limit; the OCR process was restarted."""

    def __init__(self, seconds: float, page: int | None = None) -> None:
        which = f"page {page}" if page is not None else "a page"
        super().__init__(f"time limit: {which} took more than {seconds:g} s")
        self.seconds = seconds
        self.page = page


class OcrCrashed(OcrFailure):
    """The OCR process died (out of memory, a native crash) or could not start."""
