"""Page images with the personal numbers covered: an opaque box over each resident ID and mobile number that the
page's recognised text places, drawn on a copy for those who see numbers masked. The stored image never changes.

Where a number stands comes from the page's line boxes (OCR lines, or the rectangles of a PDF text layer) and,
for a number that is only part of a line, from its share of the line's width: a Chinese character counts as two
narrow ones. A number that the lines do not place (the page has no line boxes, or a text layer splits it over two
rectangles) is not left open: every boxed line holding digits is covered whole, or the whole page when none is.
"""
from __future__ import annotations

import io
import unicodedata

from PIL import Image
from PIL import ImageDraw

from service.privacy import pii

BOX_COLOUR = (0, 0, 0)
PAD_CHARS = 0.6  # a box reaches this many narrow characters past its number on either side
PAD_HEIGHT = 0.2  # and this share of the line's height above and below
JPEG_QUALITY = 80  # that of the stored page images

Point = tuple[float, float]


def number_areas(page: dict) -> list[list[Point]]:
    """Polygons, in the pixels of the page record (its width and height), that cover every number in its text."""
    lines = [line for line in page.get("lines") or [] if _boxed(line)]
    areas, placed = [], 0
    for line in lines:
        numbers = pii.number_spans(line.get("text"))
        placed += len(numbers)
        areas += [_area(line, number.start, number.end) for number in numbers]
    if len(pii.number_spans(page.get("text"))) <= placed:
        return areas
    with_digits = [_area(line, 0, len(line.get("text") or "")) for line in lines
                   if any(ch.isdigit() for ch in line.get("text") or "")]
    if with_digits:
        return areas + with_digits
    width, height = page.get("width") or 1, page.get("height") or 1
    return [[(0, 0), (width, 0), (width, height), (0, height)]]


def cover_jpeg(data: bytes, page: dict) -> bytes:
    """A page image (JPEG, at any size) with every number of its page record covered; the same bytes if none."""
    areas = number_areas(page)
    if not areas:
        return data
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    scale_x = image.width / (page.get("width") or image.width)
    scale_y = image.height / (page.get("height") or image.height)
    draw = ImageDraw.Draw(image)
    for area in areas:
        draw.polygon([(x * scale_x, y * scale_y) for x, y in area], fill=BOX_COLOUR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _boxed(line) -> bool:
    box = line.get("box") if isinstance(line, dict) else None
    return isinstance(box, list) and len(box) == 4 and isinstance(line.get("text"), str)


def _area(line: dict, start: int, end: int) -> list[Point]:
    """The part of a line's box that holds characters [start, end) of its text, padded."""
    widths = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line["text"]]
    total = sum(widths) or 1
    first = (sum(widths[:start]) - PAD_CHARS) / total
    last = (sum(widths[:end]) + PAD_CHARS) / total
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = line["box"]  # top-left, top-right, bottom-right, bottom-left

    def along(fraction: float) -> tuple[Point, Point]:
        top = (x0 + (x1 - x0) * fraction, y0 + (y1 - y0) * fraction)
        bottom = (x3 + (x2 - x3) * fraction, y3 + (y2 - y3) * fraction)
        up = ((top[0] - bottom[0]) * PAD_HEIGHT, (top[1] - bottom[1]) * PAD_HEIGHT)
        return (top[0] + up[0], top[1] + up[1]), (bottom[0] - up[0], bottom[1] - up[1])

    (top_left, bottom_left), (top_right, bottom_right) = along(first), along(last)
    return [top_left, top_right, bottom_right, bottom_left]
