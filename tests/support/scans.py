"""Realistic scan-like test inputs made at run time (no binaries in the repository), and CER."""
from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc")
SC_INDEX = 2  # in the Noto CJK collections: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
A4_INCHES = (8.27, 11.69)
A4_POINTS = (595.27, 841.89)


def contract_lines(title: str = "商品房买卖合同", buyer: str = "张伟", phone: str | None = None) -> list[list[str]]:
    """The page's text rows; a row with two cells is printed as two columns (a signature line). A
    phone, if given, is printed under the buyer's ID number as written (158 2093 6471)."""
    return [
        [title],
        ["合同编号：HT-2026-0815"],
        ["出卖人：北京华远房地产开发有限公司"],
        [f"买受人：{buyer}"],
        ["身份证号码：110105198803152417"],
        *([[f"联系电话：{phone}"]] if phone else []),
        ["第一条 项目建设依据"],
        ["出卖人以出让方式取得位于朝阳区望京街道的地块建设用地使用权。"],
        ["第二条 商品房基本情况"],
        ["该商品房位于3号楼2单元1502室，建筑面积为98.56平方米。"],
        ["第三条 计价方式与价款"],
        ["按照建筑面积计算，该商品房总价款为人民币叁佰贰拾万元整。"],
        ["第四条 付款方式及期限"],
        ["买受人应于2026年8月20日前支付首付款人民币玖拾陆万元整。"],
        ["第五条 交付期限"],
        ["出卖人应当在2027年6月30日前向买受人交付该商品房。"],
        ["出卖人（签章）：", "买受人（签章）："],
        ["签订日期：2026年8月15日"],
    ]


def contract_text(title: str = "商品房买卖合同", buyer: str = "张伟", phone: str | None = None) -> str:
    """The ground truth of contract_page_png: one line per printed cell."""
    return "\n".join(cell for row in contract_lines(title, buyer, phone) for cell in row)


def cjk_font_path() -> Path:
    """A Noto CJK collection installed on this machine (fonts-noto-cjk)."""
    for name in FONT_FILES:
        if (FONT_DIR / name).exists():
            return FONT_DIR / name
    raise FileNotFoundError(f"no Noto CJK font in {FONT_DIR} (install fonts-noto-cjk)")


def _font(points: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), round(points / 72 * dpi), index=SC_INDEX)


def contract_page(title: str = "商品房买卖合同", buyer: str = "张伟", dpi: int = 200,
                  tilt: float = 1.5, seed: int = 7, phone: str | None = None) -> Image.Image:
    """An A4 contract page as a slightly tilted, noisy greyscale scan (a PIL image)."""
    rng = random.Random(seed)
    size = (round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi))
    page = Image.new("L", size, 246)  # recycled paper is never pure white
    draw = ImageDraw.Draw(page)
    margin, y = round(0.9 * dpi), round(1.0 * dpi)
    title_font, body_font = _font(20, dpi), _font(12, dpi)
    rows = contract_lines(title, buyer, phone)
    width = draw.textlength(rows[0][0], font=title_font)
    draw.text(((size[0] - width) / 2, y), rows[0][0], font=title_font, fill=28)
    y += round(0.55 * dpi)
    for row in rows[1:]:
        for column, cell in enumerate(row):
            draw.text((margin + column * (size[0] - 2 * margin) / 2, y), cell, font=body_font, fill=32)
        y += round(0.36 * dpi)
    _speckle(draw, size, rng)
    page = page.filter(ImageFilter.GaussianBlur(0.5 * dpi / 200))  # toner bleed
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(lambda v: 122 + v * 13 // 256)
    page = ImageChops.add(page, grain, scale=1.0, offset=-128)  # sensor grain, +-6 levels
    return page.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=246)


def _speckle(draw: ImageDraw.ImageDraw, size: tuple[int, int], rng: random.Random) -> None:
    """Dust and a faint fold line, the way a flatbed scanner leaves them."""
    for _ in range(400):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.choice((1, 1, 1, 2))
        draw.ellipse((x, y, x + r, y + r), fill=rng.randrange(90, 200))
    fold = size[1] * 2 // 3
    draw.line((0, fold, size[0], fold + 4), fill=225, width=2)


def png_bytes(image: Image.Image) -> bytes:
    """An image encoded as PNG."""
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def contract_page_png(title: str = "商品房买卖合同", buyer: str = "张伟", dpi: int = 200,
                      tilt: float = 1.5, seed: int = 7, phone: str | None = None) -> bytes:
    """contract_page as PNG bytes."""
    return png_bytes(contract_page(title, buyer, dpi, tilt, seed, phone))


def scanned_pdf(pages: list[bytes], dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer), one page per PNG, at the scan's resolution."""
    images = [Image.open(io.BytesIO(png)).convert("L") for png in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def _cid_canvas(out: io.BytesIO, **options):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    # reportlab cannot embed Noto CJK (CFF outlines); STSong-Light is a standard CID font that
    # every reader, pdfium included, maps back to Unicode.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return canvas.Canvas(out, **options)


def text_layer_pdf(text: str, pagesize: tuple[float, float] = A4_POINTS, **options) -> bytes:
    """A born-digital PDF whose text layer holds `text` (one line per "\\n"); options go to the Canvas."""
    out = io.BytesIO()
    pdf = _cid_canvas(out, pagesize=pagesize, **options)
    pdf.setFont("STSong-Light", 12)
    for i, line in enumerate(text.split("\n")):
        pdf.drawString(72, pagesize[1] - 62 - 20 * i, line)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def stamped_scan_pdf(png: bytes, stamp: str = "扫描件 第1页") -> bytes:
    """A scanned page whose scanner software added a short text layer (a page stamp) on top."""
    out = io.BytesIO()
    pdf = _cid_canvas(out, pagesize=A4_POINTS)
    _draw_scan(pdf, png)
    pdf.setFont("STSong-Light", 8)
    pdf.drawString(480, 20, stamp)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def typed_and_scanned_pdf(text: str, png: bytes) -> bytes:
    """Two pages: a typed page (text layer) and then a scanned one, as when a signed page is
    scanned and appended to the contract."""
    out = io.BytesIO()
    pdf = _cid_canvas(out, pagesize=A4_POINTS)
    pdf.setFont("STSong-Light", 12)
    for i, line in enumerate(text.split("\n")):
        pdf.drawString(72, A4_POINTS[1] - 62 - 20 * i, line)
    pdf.showPage()
    _draw_scan(pdf, png)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_scan(pdf, png: bytes) -> None:
    from reportlab.lib.utils import ImageReader
    pdf.drawImage(ImageReader(io.BytesIO(png)), 0, 0, width=A4_POINTS[0], height=A4_POINTS[1])


def spaced(text: str) -> str:
    """`text` with a space between every two adjacent Chinese characters."""
    out = []
    for i, char in enumerate(text):
        if i and _is_han(text[i - 1]) and _is_han(char):
            out.append(" ")
        out.append(char)
    return "".join(out)


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3000" < char <= "\u303f" or "\uff00" <= char <= "\uffef"


def spaced_text_layer_pdf(text: str) -> bytes:
    """A PDF from a producer that puts a space between every Chinese character."""
    return text_layer_pdf(spaced(text))


def encrypted_pdf(text: str = "保密合同", password: str = "s3cret") -> bytes:
    """A text-layer PDF that opens only with a user password."""
    return text_layer_pdf(text, encrypt=password)


def multipage_tiff(pages: list[bytes]) -> bytes:
    """A multi-page TIFF (deflate-compressed), one frame per PNG."""
    images = [Image.open(io.BytesIO(png)).convert("L") for png in pages]
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:],
                   compression="tiff_deflate", dpi=(200, 200))
    return out.getvalue()


def sixteen_bit_tiff(png: bytes) -> bytes:
    """A page as a 16-bit greyscale TIFF, as archival scanners write them."""
    import numpy
    grey = numpy.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=numpy.uint16) * 257
    out = io.BytesIO()
    Image.fromarray(grey).save(out, format="TIFF")
    return out.getvalue()


def jpeg_bytes(png: bytes, quality: int = 85) -> bytes:
    """A PNG re-encoded as JPEG."""
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG whose header claims width x height pixels, a few dozen KB on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # written by hand: letting Pillow build the image first would allocate every pixel
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 500) for _ in range(height // 500))
    idat += packer.compress(row * (height % 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_png(png: bytes) -> bytes:
    """A PNG cut off half way, as an interrupted upload leaves it."""
    return png[: len(png) // 2]


def broken_pdf() -> bytes:
    """Bytes that start like a PDF and then stop making sense (no xref, no objects)."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n" + bytes(range(256)) * 4


def windows_exe() -> bytes:
    """The start of a Windows PE executable: DOS header, DOS stub, PE signature, COFF header."""
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHH", dos, 2, 0x90, 3, 0, 4)
    struct.pack_into("<I", dos, 0x3C, 0x80)  # e_lfanew: where the PE header starts
    body = bytes(dos) + stub
    body += b"\x00" * (0x80 - len(body))
    coff = struct.pack("<HHIIIHH", 0x8664, 3, 0x65F1A2B0, 0, 0, 0xF0, 0x22)
    return body + b"PE\x00\x00" + coff + b"\x00" * 512


def cer(expected: str, got: str) -> float:
    """Character error rate: Levenshtein distance over characters, whitespace removed."""
    a = "".join(expected.split())
    b = "".join(got.split())
    if not a:
        return 0.0 if not b else 1.0
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1] / len(a)


def stamped_share(data: bytes) -> float:
    """The share of an image's pixels tinted by the watermark's red (red well above green and blue): the
    scans are black on white, so a copy that is only re-encoded, or stamped elsewhere, has next to none."""
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return float(((red - green > 25) & (red - blue > 25)).mean())


def band_of_line(page: dict, text: str, start: float, end: float, width: int = 1600) -> tuple[int, int, int, int]:
    """The middle band (35-65% of its height) of the recognised line holding `text`, from `start` to `end` of
    its width, in the pixels of a page image `width` wide (the stored page images are 1600)."""
    line = next(line for line in page["lines"] if text in line["text"])
    xs, ys = [p[0] for p in line["box"]], [p[1] for p in line["box"]]
    scale = width / page["width"]
    left, wide, top, high = min(xs), max(xs) - min(xs), min(ys), max(ys) - min(ys)
    return (round((left + start * wide) * scale), round((top + 0.35 * high) * scale),
            round((left + end * wide) * scale), round((top + 0.65 * high) * scale))


def lightest(data: bytes, region: tuple[int, int, int, int]) -> int:
    """The lightest grey (0-255) in a region of an encoded image: under an opaque black box it stays dark."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("L").crop(region).getextrema()[1]

