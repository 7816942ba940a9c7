"""What reading a document yields: the limits it is read under and one result per page."""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from service.documents.ocr._text import fix_cjk_spacing

TEXT_LAYER = "text-layer"
OCR = "ocr"


@dataclass(frozen=True)
class Limits:
    """How pages are rendered and how far a document may push the machine."""

    dpi: int = 200
    max_pixels: int = 80_000_000
    page_timeout_seconds: float = 120.0
    min_text_layer_chars: int = 20


@dataclass(frozen=True, eq=False)
class PageResult:
    """One page: its text, its lines with boxes in page-image pixels, and the page image."""

    number: int
    text: str
    lines: list[dict]
    source: str
    image: Image.Image

    @property
    def width(self) -> int:
        """Width of the page image in pixels."""
        return self.image.width

    @property
    def height(self) -> int:
        """Height of the page image in pixels."""
        return self.image.height


@dataclass(frozen=True, eq=False)
class Scan:
    """A page that has no usable text layer: its image waits for OCR."""

    number: int
    image: Image.Image


def ocr_result(scan: Scan, lines: list[dict]) -> PageResult:
    """A page read by OCR, its lines' spacing fixed."""
    lines = [{**line, "text": fix_cjk_spacing(line["text"])} for line in lines]
    return PageResult(scan.number, "\n".join(line["text"] for line in lines), lines, OCR, scan.image)
