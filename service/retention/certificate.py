"""The destruction certificate (销毁证明 / 销毁清册) of an executed batch, as an A4 PDF in Chinese."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"  # the standard CID font the separator sheets use: nothing is embedded
A4 = (210 * mm, 297 * mm)
MARGIN = 18 * mm
ROW = 6.5 * mm
COLUMNS = ((0, "序号"), (12, "档案号"), (62, "模板"), (84, "保管至"), (108, "文件数"), (124, "字节数"),
           (146, "SHA-256（前 16 位）"))


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _local(value, zone: ZoneInfo) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


class _Writer:
    """Lines down the page, a new page when one is full."""

    def __init__(self, pdf: canvas.Canvas, title: str):
        self.pdf, self.title, self.page = pdf, title, 1
        self.y = A4[1] - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 10 * mm:
            self.pdf.setFont(FONT, 8)
            self.pdf.drawString(MARGIN, MARGIN, f"{self.title} · 第 {self.page} 页")
            self.pdf.showPage()
            self.page += 1
            self.y = A4[1] - MARGIN

    def line(self, text: str, size: float = 11, x: float = 0, step: float = ROW) -> None:
        """Draw text, broken into as many lines as the page's width needs."""
        for part in _wrap(text, size, A4[0] - 2 * MARGIN - x):
            self.need(step)
            self.pdf.setFont(FONT, size)
            self.pdf.drawString(MARGIN + x, self.y, part)
            self.y -= step


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break text character by character (Chinese has no spaces) into lines no wider than width."""
    lines, line = [], ""
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    return lines + ([line] if line else [])


def certificate_pdf(batch: dict, entry: dict, zone: str = "Asia/Shanghai") -> bytes:
    """The certificate: register number, batch, the list of files with checksums, approvals, signature lines."""
    tz = ZoneInfo(zone)
    out = io.BytesIO()
    _font()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    title = f"档案销毁证明 {batch['number']}"
    pdf.setTitle(title)
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(A4[0] / 2, A4[1] - MARGIN - 4 * mm, "客户档案销毁证明（销毁清册）")
    w = _Writer(pdf, title)
    w.y -= 16 * mm
    paper = entry["paper"]
    for text in (f"登记簿编号：第 {entry['seq']} 号    销毁批次：{batch['number']}",
                 f"销毁原因：{batch['reason']}",
                 f"销毁方式：{paper['method']}    销毁地点：{paper['place']}    纸质销毁日期：{paper['date']}",
                 f"监销人：{paper['witnesses'][0]}、{paper['witnesses'][1]}",
                 f"提出：{batch['proposed_by']}（{_local(batch['proposed_at'], tz)}）    "
                 f"批准：{batch['approved_by']}（{_local(batch['approved_at'], tz)}）",
                 f"执行：{entry['executed_by']}（{_local(entry['executed_at'], tz)}）",
                 f"合计：档案 {entry['counts']['files']} 卷，电子文件 {entry['counts']['documents']} 份，"
                 f"共 {entry['counts']['bytes']} 字节；对象存储中的原件、衍生文件及检索条目均已删除并经核验。"):
        w.line(text)
    w.y -= 3 * mm
    _table(w, entry["files"])
    w.need(60 * mm)
    w.y -= 8 * mm
    for label in ("经办人（档案管理员）签字：", "审批人签字：", f"监销人（{paper['witnesses'][0]}）签字：",
                  f"监销人（{paper['witnesses'][1]}）签字："):
        w.line(f"{label}________________________    日期：____________", size=12, step=11 * mm)
    w.line(f"本证明依据销毁登记簿第 {entry['seq']} 号记录生成，记录哈希 {entry['hash'][:32]}…", size=8)
    pdf.setFont(FONT, 8)
    pdf.drawString(MARGIN, MARGIN, f"{title} · 第 {w.page} 页")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _table(w: _Writer, files: list[dict]) -> None:
    def header() -> None:
        w.need(ROW)
        w.pdf.setFont(FONT, 9.5)
        for x, text in COLUMNS:
            w.pdf.drawString(MARGIN + x * mm, w.y, text)
        w.y -= ROW

    header()
    for number, item in enumerate(files, 1):
        docs = item["documents"] or [{"sha256": "", "size": 0}]
        for index, doc in enumerate(docs):
            if w.y - ROW < MARGIN + 10 * mm:
                w.need(2 * ROW)
                header()
            w.pdf.setFont(FONT, 9)
            if index == 0:
                cells = (str(number), item["archive_no"], item.get("template") or "", item.get("destroy_after") or "",
                         str(len(item["documents"])))
                for (x, _), text in zip(COLUMNS, cells):
                    w.pdf.drawString(MARGIN + x * mm, w.y, text)
            w.pdf.drawString(MARGIN + 124 * mm, w.y, str(doc.get("size") or ""))
            w.pdf.drawString(MARGIN + 146 * mm, w.y, (doc.get("sha256") or "")[:16])
            w.y -= ROW
