"""Folder labels: the archive number as a QR code (inline SVG, printable at any size)."""
from __future__ import annotations

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_svg(text: str) -> str:
    """An <svg> element encoding the text (UTF-8, so Chinese survives), medium error correction."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2,
                         image_factory=SvgPathImage)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return code.make_image().to_string(encoding="unicode")
