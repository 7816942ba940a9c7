"""What a file is, judged by its first bytes rather than its name."""
from __future__ import annotations

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
MEDIA_TYPES = (PDF, JPEG, PNG, TIFF)
HEAD_BYTES = 1024

_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first HEAD_BYTES bytes; None when it is none we read."""
    for magic, media_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return media_type
    # readers accept "%PDF-" after leading junk (a mail header, a BOM) within the first KiB
    if b"%PDF-" in head[:HEAD_BYTES]:
        return PDF
    return None
