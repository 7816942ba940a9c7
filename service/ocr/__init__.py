"""Text from scanned and born-digital documents: sniffing, page reading and RapidOCR in a child process.

Pure: no database, no object storage, no Flask. The worker writes a file to a path, then
`with OcrEngine() as engine: for page in read_pages(path, sniff(head), Limits(), engine): ...`.
Every failure is an OcrFailure whose str() is the reason to show ("pixel limit: ...").
"""
from service.ocr._engine import OcrEngine
from service.ocr._errors import BrokenDocument
from service.ocr._errors import OcrCrashed
from service.ocr._errors import OcrFailure
from service.ocr._errors import OcrTimeout
from service.ocr._errors import PixelLimit
from service.ocr._errors import UnsupportedType
from service.ocr._pages import Recogniser
from service.ocr._pages import page_count
from service.ocr._pages import read_pages
from service.ocr._result import OCR
from service.ocr._result import TEXT_LAYER
from service.ocr._result import Limits
from service.ocr._result import PageResult
from service.ocr._sniff import HEAD_BYTES
from service.ocr._sniff import MEDIA_TYPES
from service.ocr._sniff import sniff
from service.ocr._text import fix_cjk_spacing

__all__ = [
    "BrokenDocument",
    "HEAD_BYTES",
    "Limits",
    "MEDIA_TYPES",
    "OCR",
    "OcrCrashed",
    "OcrEngine",
    "OcrFailure",
    "OcrTimeout",
    "PageResult",
    "PixelLimit",
    "Recogniser",
    "TEXT_LAYER",
    "UnsupportedType",
    "fix_cjk_spacing",
    "page_count",
    "read_pages",
    "sniff",
]
