"""JPEG, PNG and TIFF pages through Pillow, with the pixel limit checked before any decoding."""
from __future__ import annotations

import re
import struct
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PIL import Image
from PIL import ImageOps

from service.documents.ocr._errors import BrokenDocument
from service.documents.ocr._errors import PixelLimit
from service.documents.ocr._result import Limits
from service.documents.ocr._result import Scan

# what Pillow can raise while decoding damaged data: truncated streams are OSError, bad headers
# SyntaxError or ValueError, and some plugins fail on arithmetic with nonsense sizes
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


def image_page_count(path: Path) -> int:
    """Frames in the file (TIFF may hold many), from the headers alone."""
    with _opened(path, limit=None) as image:
        return getattr(image, "n_frames", 1)


def image_pages(path: Path, limits: Limits) -> Iterator[Scan]:
    """Each frame in turn, decoded only after its size passed the pixel limit."""
    with _opened(path, limit=limits.max_pixels) as image:
        for index in range(getattr(image, "n_frames", 1)):
            try:
                image.seek(index)
            except _DECODE_ERRORS as exc:
                raise BrokenDocument(f"broken image: page {index + 1}: {exc}") from None
            _check_pixels(image.size, limits.max_pixels)
            yield Scan(index + 1, _decode(image, index + 1))


@contextmanager
def _opened(path: Path, limit: int | None) -> Iterator[Image.Image]:
    """Image.open reads only the header; its bomb guard is turned into our PixelLimit."""
    try:
        with warnings.catch_warnings():
            # the limit is ours to enforce (below); Pillow's warning would only add noise
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, limit) from None
    except _DECODE_ERRORS as exc:
        raise BrokenDocument(f"broken image: {exc}") from None
    with image:
        if limit is not None:
            _check_pixels(image.size, limit)
        yield image


def _decode(image: Image.Image, number: int) -> Image.Image:
    """The current frame as an upright RGB image on white."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            frame = ImageOps.exif_transpose(image)  # phone photos are stored sideways
            if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
                rgba = frame.convert("RGBA")
                frame = Image.new("RGB", rgba.size, "white")
                frame.paste(rgba, mask=rgba.getchannel("A"))
                return frame
            if frame.mode.startswith("I") or frame.mode == "F":
                frame = _eight_bit(frame)
            return frame.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, None) from None
    except _DECODE_ERRORS as exc:
        raise BrokenDocument(f"broken image: page {number}: {exc}") from None


def _eight_bit(frame: Image.Image) -> Image.Image:
    """16-bit or float greyscale (archival scanners write it) stretched to 8 bits: a plain
    convert clips every value above 255, which turns a 16-bit scan white."""
    wide = frame.convert("F")
    low, high = wide.getextrema()
    scale = 255 / (high - low) if high > low else 1.0
    return wide.point(lambda v: (v - low) * scale).convert("L")


def _check_pixels(size: tuple[int, int], limit: int) -> None:
    pixels = size[0] * size[1]
    if pixels > limit:
        raise PixelLimit(pixels, limit)


def _bomb(exc: Image.DecompressionBombError, limit: int | None) -> PixelLimit:
    """Pillow refused the header before we saw the size; its message carries the pixel count."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    pixels = int(found.group(1)) if found else None
    return PixelLimit(pixels, limit if limit is not None else 2 * Image.MAX_IMAGE_PIXELS)
