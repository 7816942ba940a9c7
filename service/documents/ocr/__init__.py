"""Text from scanned and born-digital documents: sniffing, page reading and RapidOCR in a child process.

Pure: no database, no object storage, no Flask. The worker writes a file to a path, then
`with OcrEngine() as engine: for page in read_pages(path, sniff(head), Limits(), engine): ...`.
Every failure is an OcrFailure whose str() is the reason to show ("pixel limit: ...").
"""
from service.documents.ocr._engine import OcrEngine
from service.documents.ocr._errors import BrokenDocument
from service.documents.ocr._errors import OcrCrashed
from service.documents.ocr._errors import OcrFailure
from service.documents.ocr._errors import OcrTimeout
from service.documents.ocr._errors import PixelLimit
from service.documents.ocr._errors import UnsupportedType
from service.documents.ocr._pages import Recogniser
from service.documents.ocr._pages import page_count
from service.documents.ocr._pages import read_pages
from service.documents.ocr._result import OCR
from service.documents.ocr._result import TEXT_LAYER
from service.documents.ocr._result import Limits
from service.documents.ocr._result import PageResult
from service.documents.ocr._sniff import HEAD_BYTES
from service.documents.ocr._sniff import MEDIA_TYPES
from service.documents.ocr._sniff import sniff
from service.documents.ocr._text import fix_cjk_spacing

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
