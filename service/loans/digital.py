"""Digital loans in the viewer: the watermark (borrower, department, time) on every page, audited page views,
and downloads as watermarked PDFs instead of the originals."""
from __future__ import annotations

import io
import math
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents import DocumentService
from service.errors import Conflict
from service.loans.service import LoanService
from service.messages import N_

CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PDF_FONT = "STSong-Light"  # a standard CID font: readers have it or a stand-in, nothing is embedded


class DigitalViews:
    """What a borrower sees of a file's scans during a digital loan."""

    def __init__(self, loans: LoanService, documents: DocumentService, audit: AuditTrail, zone: str):
        self.loans = loans
        self.documents = documents
        self.audit = audit
        self.zone = ZoneInfo(zone)

    def watermark(self, user: User, file_id: str, at: datetime | None = None) -> str | None:
        """The watermark text while the person's digital loan of the file runs; None otherwise."""
        loan = self.loans.digital_loan(file_id, user)
        if loan is None:
            return None
        moment = (at or clock.now()).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return f"{user.display_name}({user.username}) {user.department} {moment} 借阅查看"

    def page_viewed(self, user: User, doc: dict, number: int) -> None:
        """Audit one page view of a digital loan."""
        self.audit.record(user.username, "loan.page_viewed", f"document:{doc['_id']}",
                          {"file_id": doc["file_id"], "page": number})

    def page_image(self, user: User, document_id, number: int, kind: str) -> tuple[bytes, bool]:
        """A page image, and whether it was stamped (and the view audited) for a digital loan."""
        data = self.documents.page_image(user, document_id, number, kind)
        doc = self.documents.repo.by_id(document_id)
        text = self.watermark(user, doc["file_id"])
        if text is None:
            return data, False
        if kind == "image":
            self.page_viewed(user, doc, number)
        return stamp_jpeg(data, text), True

    def download(self, user: User, document_id) -> tuple[dict, bytes] | None:
        """A watermarked PDF of the pages during a digital loan (audited); None when no loan applies."""
        doc, file_doc = self.documents.load(user, document_id, "file.content")
        text = self.watermark(user, doc["file_id"])
        if text is None:
            return None
        if not doc.get("pages"):
            raise Conflict(N_("页面图像尚未生成，请稍后再下载"))
        pages = [self.documents.page_image(user, document_id, n, "image") for n in range(1, doc["pages"] + 1)]
        self.audit.record(user.username, "loan.download_watermarked", f"document:{doc['_id']}",
                          {"file_id": doc["file_id"], "pages": len(pages)})
        return doc, watermarked_pdf(pages, text)


def _font(size: int):
    from PIL import ImageFont
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def stamp_jpeg(data: bytes, text: str) -> bytes:
    """The image with the text drawn diagonally across it, repeated, half transparent."""
    from PIL import Image
    from PIL import ImageDraw
    page = Image.open(io.BytesIO(data)).convert("RGB")
    width, height = page.size
    size = max(14, width // 40)
    layer = Image.new("RGBA", (int(math.hypot(width, height)),) * 2, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = _font(size)
    step_x, step_y = size * (len(text) // 2 + 6), size * 6
    for y in range(0, layer.height, step_y):
        for x in range(-(y // 2 % step_x), layer.width, step_x):
            draw.text((x, y), text, font=font, fill=(180, 35, 24, 80))
    layer = layer.rotate(30)
    left, top = (layer.width - width) // 2, (layer.height - height) // 2
    visible = layer.crop((left, top, left + width, top + height))
    page.paste(visible, (0, 0), visible)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=85)
    return out.getvalue()


def watermarked_pdf(pages: list[bytes], text: str) -> bytes:
    """A PDF of the page images with the watermark drawn over each page as text."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setTitle(text)
    for data in pages:
        width, height = Image.open(io.BytesIO(data)).size
        w, h = 595.0, 595.0 * height / width  # A4 width, the page's own proportions
        pdf.setPageSize((w, h))
        pdf.drawImage(ImageReader(io.BytesIO(data)), 0, 0, w, h)
        pdf.saveState()
        pdf.setFillColorRGB(0.7, 0.14, 0.1, alpha=0.3)
        pdf.setFont(PDF_FONT, 14)
        pdf.translate(w / 2, h / 2)
        pdf.rotate(30)
        for row in range(-6, 7):
            pdf.drawCentredString(0, row * 70, text)
        pdf.restoreState()
        pdf.showPage()
    pdf.save()
    return out.getvalue()
