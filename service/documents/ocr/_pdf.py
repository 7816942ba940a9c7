"""PDF pages through pdfium: the text layer when there is one, else a rendering for OCR."""
from __future__ import annotations

import ctypes
import math
from pathlib import Path
from typing import Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c

from service.documents.ocr._errors import BrokenDocument
from service.documents.ocr._result import TEXT_LAYER
from service.documents.ocr._result import Limits
from service.documents.ocr._result import PageResult
from service.documents.ocr._result import Scan
from service.documents.ocr._text import fix_cjk_spacing


def open_pdf(path: Path) -> pypdfium2.PdfDocument:
    """The document (pages load lazily from the file); BrokenDocument if pdfium refuses it."""
    try:
        return pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise BrokenDocument("encrypted PDF: it opens only with a password") from None
        raise BrokenDocument(f"broken PDF: {exc}") from None


def pdf_page_count(path: Path) -> int:
    """Number of pages, from the page tree alone."""
    pdf = open_pdf(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def pdf_pages(path: Path, limits: Limits) -> Iterator[PageResult | Scan]:
    """Each page in turn, read from its text layer or rendered for OCR; one page loaded at a time."""
    pdf = open_pdf(path)
    try:
        for index in range(len(pdf)):
            try:
                page = pdf[index]
            except pypdfium2.PdfiumError as exc:
                raise BrokenDocument(f"broken PDF: page {index + 1}: {exc}") from None
            try:
                yield _read_page(page, index + 1, limits)
            finally:
                page.close()
    finally:
        pdf.close()


def _read_page(page, number: int, limits: Limits) -> PageResult | Scan:
    scale = _scale(page, number, limits)
    textpage = page.get_textpage()
    try:
        text = _clean(textpage.get_text_range())
        if sum(not c.isspace() for c in text) >= limits.min_text_layer_chars:
            image = _render(page, number, scale)
            return PageResult(number, text, _layer_lines(page, textpage, image.size), TEXT_LAYER, image)
    finally:
        textpage.close()
    return Scan(number, _render(page, number, scale))


def _scale(page, number: int, limits: Limits) -> float:
    """Pixels per point: limits.dpi, or less when the page would exceed limits.max_pixels."""
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        raise BrokenDocument(f"broken PDF: page {number} has no size")
    scale = limits.dpi / 72
    pixels = width * scale * height * scale
    if pixels > limits.max_pixels:
        scale *= math.sqrt(limits.max_pixels / pixels) * 0.999  # rendering rounds sizes up
    return scale


def _render(page, number: int, scale: float):
    try:
        return page.render(scale=scale, rev_byteorder=True).to_pil().convert("RGB")
    except pypdfium2.PdfiumError as exc:
        raise BrokenDocument(f"broken PDF: page {number} cannot be rendered: {exc}") from None


def _clean(text: str) -> str:
    """pdfium's text with "\\n" line ends, no trailing spaces and CJK spacing fixed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").split("\n")
    return fix_cjk_spacing("\n".join(line.rstrip() for line in lines).strip("\n"))


def _layer_lines(page, textpage, size: tuple[int, int]) -> list[dict]:
    """One line per pdfium text rectangle (a run of characters on one baseline), boxed in pixels."""
    lines = []
    for index in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(index)
        text = fix_cjk_spacing(textpage.get_text_bounded(left, bottom, right, top).strip())
        if text:
            box = [_to_pixels(page, size, x, y)
                   for x, y in ((left, top), (right, top), (right, bottom), (left, bottom))]
            lines.append({"text": text, "box": box, "score": 1.0})
    return lines


def _to_pixels(page, size: tuple[int, int], x: float, y: float) -> list[int]:
    """A point in PDF page space as a pixel of the rendered image (pdfium applies /Rotate)."""
    device_x, device_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y,
                               ctypes.byref(device_x), ctypes.byref(device_y))
    return [device_x.value, device_y.value]
