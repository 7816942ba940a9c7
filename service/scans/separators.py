"""Separator sheets: a printable A4 page whose QR code says which file and document type the next pages belong to.

The payload is a short versioned string, `KHDA-SEP1|<file id>|<doc type>|<archive no>`, written as
UTF-8 bytes (archive numbers may carry Chinese project names). Only the file id and the type are
trusted when reading one back; the archive number is there for people and for checking by eye.
"""
from __future__ import annotations

import io
import logging
import re
from datetime import datetime

import qrcode
import zxingcpp
from PIL import Image
from PIL import ImageOps
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

log = logging.getLogger(__name__)

PREFIX = "KHDA-SEP1"
FONT = "STSong-Light"  # a standard CID font: every reader, pdfium included, has it or a stand-in
A4 = (210 * mm, 297 * mm)
QR_SIZE = 95 * mm
DETECT_LONG_SIDE = 1800  # pixels; a 95 mm code stays well above 5 pixels per module
_FILE_ID = re.compile(r"^[0-9a-f]{24}$")
_DOC_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
INSTRUCTIONS = (
    "使用方法：把本页放在该文件第一页的前面，与文件一起放入扫描仪。",
    "从本页之后到下一张分隔页（或扫描结束）的所有页面，会作为一份文件存入上面的档案。",
    "本页本身不会存档。请按 100% 比例打印，不要缩放；二维码不要折叠、涂写或遮挡。",
    "Put this sheet in front of the document's first page; the pages after it, up to the next",
    "separator sheet or the end of the scan, are filed as one document. This sheet itself is not kept.",
)


def payload(file_id: str, doc_type: str, archive_no: str) -> str:
    """The QR payload of a separator sheet."""
    return f"{PREFIX}|{file_id}|{doc_type}|{archive_no}"


def parse(text: str) -> tuple[str, str] | None:
    """(file id, doc type) from a payload, or None if it is not a separator sheet's."""
    parts = (text or "").strip().split("|", 3)
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    file_id, doc_type = parts[1], parts[2]
    if not _FILE_ID.match(file_id) or not _DOC_TYPE.match(doc_type):
        return None
    return file_id, doc_type


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than width (character by character: Chinese has no spaces)."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width and line:
            lines.append(line)
            line = ""
        line += char
    return lines + ([line] if line else [])


def _draw_qr(pdf: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """The code as vector squares, so it prints sharp at any printer resolution."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = size / len(matrix)
    pdf.setFillGray(0)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                pdf.rect(x + column * cell, y + size - (row + 1) * cell, cell, cell, stroke=0, fill=1)


def sheet_pdf(file_doc: dict, doc_type: str, type_label: str, printed_at: datetime | None = None) -> bytes:
    """One A4 page: the title, a large QR code, in words which file and type, and how to use it."""
    out = io.BytesIO()
    font = _font()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    archive_no, name = str(file_doc["archive_no"]), str(file_doc.get("name") or "")
    pdf.setTitle(f"分隔页 {archive_no} {type_label}")
    width, height = A4
    pdf.setFont(font, 30)
    pdf.drawCentredString(width / 2, height - 32 * mm, "扫描分隔页")
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, height - 40 * mm, "SEPARATOR SHEET · 客户档案库")
    _draw_qr(pdf, payload(str(file_doc["_id"]), doc_type, archive_no), (width - QR_SIZE) / 2,
             height - 48 * mm - QR_SIZE, QR_SIZE)
    y = height - 62 * mm - QR_SIZE
    pdf.setFont(font, 18)
    for sentence in (f"以下页面属于档案 {archive_no} {name}，", f"文件类型 {type_label}"):
        for line in _wrap(sentence, 18, width - 40 * mm):
            pdf.drawString(20 * mm, y, line)
            y -= 9 * mm
    y -= 4 * mm
    pdf.setFont(font, 10.5)
    for text in INSTRUCTIONS:
        for line in _wrap(text, 10.5, width - 40 * mm):
            pdf.drawString(20 * mm, y, line)
            y -= 6 * mm
    pdf.setFont(font, 8)
    stamp = f" · {printed_at:%Y-%m-%d %H:%M}" if printed_at else ""
    pdf.drawString(20 * mm, 15 * mm, f"{payload(str(file_doc['_id']), doc_type, archive_no)}{stamp}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _detectable(image: Image.Image) -> Image.Image:
    """Greyscale, and no larger than needed: detection time grows with the pixel count."""
    grey = ImageOps.grayscale(image) if image.mode != "L" else image
    longest = max(grey.size)
    if longest > DETECT_LONG_SIDE:
        scale = DETECT_LONG_SIDE / longest
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.BILINEAR)
    return grey


def _text(barcode) -> str:
    """The payload as UTF-8, whatever character set the reader guessed."""
    raw = getattr(barcode, "bytes", None)
    if raw:
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            pass
    return barcode.text or ""


def decode_separator(image: Image.Image) -> tuple[str, str] | None:
    """(file id, doc type) if the page image is a separator sheet, else None."""
    for barcode in zxingcpp.read_barcodes(_detectable(image), formats=zxingcpp.BarcodeFormat.QRCode):
        found = parse(_text(barcode))
        if found is not None:
            return found
    return None
