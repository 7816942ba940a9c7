"""Pages of one scanner output: count them, look at each (small, for separator detection), cut out a range, thumbnail.

PDF pages come from pdfium, image frames (TIFF may hold many) from Pillow, each checked against
the pixel limit before it is decoded. Ranges are rebuilt losslessly: PDF pages are copied as they
are into a new PDF; image frames go into a deflate-compressed multi-page TIFF.
"""
from __future__ import annotations

import io
import math
import struct
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image
from PIL import ImageOps

from service.documents.ocr import BrokenDocument
from service.documents.ocr import PixelLimit
from service.documents.ocr import sniff

PDF, TIFF = "application/pdf", "image/tiff"
DETECT_DPI = 120
DETECT_MAX_PIXELS = 12_000_000
THUMB_SIZE = (240, 340)
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


def media_type(path: Path) -> str | None:
    """PDF, JPEG, PNG or TIFF judged by the content, else None."""
    with open(path, "rb") as handle:
        return sniff(handle.read(1024))


@contextmanager
def _pdf(path: Path):
    try:
        pdf = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise BrokenDocument("encrypted PDF: it opens only with a password") from None
        raise BrokenDocument(f"broken PDF: {exc}") from None
    try:
        yield pdf
    finally:
        pdf.close()


@contextmanager
def _image(path: Path, max_pixels: int):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError:
        raise PixelLimit(None, max_pixels) from None
    except _DECODE_ERRORS as exc:
        raise BrokenDocument(f"broken image: {exc}") from None
    with image:
        yield image


def count(path: Path, kind: str, max_pixels: int) -> int:
    """How many pages (PDF) or frames (images) the input holds."""
    if kind == PDF:
        with _pdf(path) as pdf:
            return len(pdf)
    with _image(path, max_pixels) as image:
        return getattr(image, "n_frames", 1)


def _frame(image: Image.Image, index: int, max_pixels: int) -> Image.Image:
    """One frame decoded, upright, after its size passed the pixel limit."""
    try:
        image.seek(index)
        if image.size[0] * image.size[1] > max_pixels:
            raise PixelLimit(image.size[0] * image.size[1], max_pixels)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            frame = ImageOps.exif_transpose(image)
            frame.load()
            return frame
    except Image.DecompressionBombError:
        raise PixelLimit(None, max_pixels) from None
    except _DECODE_ERRORS as exc:
        raise BrokenDocument(f"broken image: page {index + 1}: {exc}") from None


def _render(pdf, index: int, dpi: float, max_pixels: int) -> Image.Image:
    """A PDF page as a greyscale image at dpi, or smaller when it would exceed max_pixels."""
    try:
        page = pdf[index]
    except pypdfium2.PdfiumError as exc:
        raise BrokenDocument(f"broken PDF: page {index + 1}: {exc}") from None
    try:
        width, height = page.get_size()
        scale = dpi / 72
        if width * height * scale * scale > max_pixels:
            scale = math.sqrt(max_pixels / (width * height)) * 0.999
        return page.render(scale=scale, grayscale=True).to_pil().convert("L")
    except pypdfium2.PdfiumError as exc:
        raise BrokenDocument(f"broken PDF: page {index + 1} cannot be rendered: {exc}") from None
    finally:
        page.close()


def images(path: Path, kind: str, max_pixels: int, first: int = 1, last: int | None = None) -> Iterator[Image.Image]:
    """Pages first..last (1-based) as images small enough for separator detection."""
    if kind == PDF:
        with _pdf(path) as pdf:
            for index in range(first - 1, min(last or len(pdf), len(pdf))):
                yield _render(pdf, index, DETECT_DPI, min(max_pixels, DETECT_MAX_PIXELS))
        return
    with _image(path, max_pixels) as image:
        for index in range(first - 1, min(last or getattr(image, "n_frames", 1), getattr(image, "n_frames", 1))):
            yield _frame(image, index, max_pixels)


def page_image(path: Path, kind: str, max_pixels: int, number: int) -> Image.Image:
    """One page as images() gives it; the input is closed again at once."""
    pages = images(path, kind, max_pixels, number, number)
    try:
        return next(pages)
    except StopIteration:
        raise BrokenDocument(f"no page {number}") from None
    finally:
        pages.close()


def extract(path: Path, kind: str, first: int, last: int, pages: int, target: Path,
            max_pixels: int) -> tuple[Path, str]:
    """Pages first..last as a file of their own, and its media type; the whole input is used as it is."""
    if first == 1 and last == pages:
        return path, kind
    if kind == PDF:
        with _pdf(path) as source:
            part = pypdfium2.PdfDocument.new()
            try:
                part.import_pages(source, list(range(first - 1, last)))
                part.save(target)
            finally:
                part.close()
        return target, PDF
    return _tiff(path, first, last, target, max_pixels), TIFF


def _tiff(path: Path, first: int, last: int, target: Path, max_pixels: int) -> Path:
    """Frames first..last of an image file as a lossless multi-page TIFF, one frame in memory at a time."""
    with _image(path, max_pixels) as image:
        head = _frame(image, first - 1, max_pixels).copy()
        rest = (_frame(image, index, max_pixels).copy() for index in range(first, last))
        dpi = tuple(round(float(v)) for v in head.info.get("dpi", (200, 200)))
        head.save(target, format="TIFF", save_all=True, append_images=rest, compression="tiff_deflate", dpi=dpi)
    return target


def thumbnail(path: Path, kind: str, page: int, max_pixels: int) -> bytes:
    """A small JPEG of one page."""
    image = page_image(path, kind, max_pixels, page)
    image = image.convert("RGB") if image.mode not in ("L", "RGB") else image
    image.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
