"""Documents (资料): the scans and files stored in a customer file, their types, how they are read (text
layer or OCR, page images, thumbnails), uploads capped as they stream, and fixity checks of the stored
objects.

Its pages and API are in service/web/documents/, its records in storage/documents.py and storage/fixity.py;
the OCR engine is the `ocr` subpackage.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["DOCUMENT_LISTING", "DocumentService", "listed_documents"],
    "types": ["DocTypeService"],
    "streams": ["CappedReader"],
    "recognition": ["RecognitionFailed", "RecognitionService"],
    "fixity": ["MISMATCH", "MISSING", "FixityService"],
})
