"""read_pages and page_count: one entry point for every format, at most two pages in memory."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable
from typing import Iterator
from typing import Protocol

from PIL import Image

from service.documents.ocr._errors import OcrTimeout
from service.documents.ocr._errors import UnsupportedType
from service.documents.ocr._images import image_page_count
from service.documents.ocr._images import image_pages
from service.documents.ocr._pdf import pdf_page_count
from service.documents.ocr._pdf import pdf_pages
from service.documents.ocr._result import Limits
from service.documents.ocr._result import PageResult
from service.documents.ocr._result import Scan
from service.documents.ocr._result import ocr_result
from service.documents.ocr._sniff import JPEG
from service.documents.ocr._sniff import PDF
from service.documents.ocr._sniff import PNG
from service.documents.ocr._sniff import TIFF

IMAGE_TYPES = (JPEG, PNG, TIFF)


class Recogniser(Protocol):
    """What read_pages needs of an engine (OcrEngine, or a stand-in in tests)."""

    def submit(self, image: Image.Image, timeout: float) -> None:
        """Start recognising one page image."""

    def collect(self) -> list[dict]:
        """The text lines of the page submitted last."""


def read_pages(path: Path, media_type: str, limits: Limits, engine: Recogniser) -> Iterator[PageResult]:
    """The pages of a PDF, JPEG, PNG or TIFF file in order; OCR only where there is no text layer.

    Errors of the file itself (BrokenDocument, PixelLimit) surface when iteration reaches them.
    """
    if media_type == PDF:
        return _recognised(pdf_pages(Path(path), limits), limits, engine)
    if media_type in IMAGE_TYPES:
        return _recognised(image_pages(Path(path), limits), limits, engine)
    raise UnsupportedType(media_type)


def page_count(path: Path, media_type: str) -> int:
    """Number of pages without rendering or decoding any."""
    if media_type == PDF:
        return pdf_page_count(Path(path))
    if media_type in IMAGE_TYPES:
        return image_page_count(Path(path))
    raise UnsupportedType(media_type)


def _recognised(pages: Iterable[PageResult | Scan], limits: Limits, engine: Recogniser) -> Iterator[PageResult]:
    """Pages in order, scans replaced by their OCR. While the child recognises page n, this
    process renders page n+1 and the caller handles page n-1, so neither waits on the other."""
    pending: Scan | None = None
    for page in pages:
        done = _collect(pending, engine) if pending is not None else None
        pending = None
        if isinstance(page, Scan):
            engine.submit(page.image, limits.page_timeout_seconds)
            pending = page
        if done is not None:
            yield done
        if isinstance(page, PageResult):
            yield page
    if pending is not None:
        yield _collect(pending, engine)


def _collect(scan: Scan, engine: Recogniser) -> PageResult:
    try:
        return ocr_result(scan, engine.collect())
    except OcrTimeout as exc:
        raise OcrTimeout(exc.seconds, page=scan.number) from None
