"""The models of the documents (scans) API: what each call takes and answers; the OpenAPI description comes from
them. The original bytes, the text and the page images are not JSON: their views declare them with `produces`,
and the upload, a multipart body the view streams itself, with `consumes`."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from service.web.openapi import Body
from service.web.openapi import Model

MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff")  # recognised by content, not by name
MediaType = Literal["application/pdf", "image/jpeg", "image/png", "image/tiff"]

UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary", "description": "PDF, JPEG, PNG or TIFF, recognised by content"},
    "doc_type": {"type": "string", "description": "a document type's code; other when left out"},
    "title": {"type": "string", "description": "the file's name when left out"}}}


class DocumentMeta(Model):
    """A document's metadata and OCR state."""

    id: str
    file_id: str
    doc_type: str
    title: str
    original_name: str
    sha256: str
    size: int
    media_type: MediaType = Field(description="recognised by content, not by name")
    pages: int | None = Field(description="null until the worker has counted them")
    ocr_status: Literal["pending", "running", "done", "failed"]
    ocr_error: str | None
    ocr_progress: int | None = Field(description="the last page read")
    search_status: Literal["pending", "indexed"] = Field(
        description="indexed once a search finds the document's read pages")
    status: str = Field(description="active, or destroyed")
    uploaded_by: str
    uploaded_at: datetime


class FileDocuments(Model):
    """The documents of a file and the required types it still lacks."""

    total: int
    items: list[DocumentMeta]
    missing_types: list[str] = Field(description="codes of the required document types no active document has")


class DocumentPageLine(Model):
    """One recognised line (or one run of a PDF's text layer)."""

    text: str
    box: list[list[float]] = Field(description="four corners [x, y] in pixels of the page image")
    score: float = Field(description="the recogniser's confidence, 1 for a text layer")


class DocumentPageText(Model):
    """One page's text and the boxes of its recognised lines; ID and mobile numbers masked for those who may not
    see them in full."""

    number: int
    text: str
    source: Literal["text-layer", "ocr"]
    width: int = Field(description="of the page image, in pixels")
    height: int = Field(description="of the page image, in pixels")
    lines: list[DocumentPageLine]


class DocType(Model):
    """A document type."""

    code: str
    label_zh: str
    label_en: str
    active: bool
    builtin: bool


class DocTypeList(Model):
    items: list[DocType]


class DocTypeFilters(Model):
    all: str = Field("", description="1: retired types too")


class DocTypeChange(Body):
    """A document type's labels and whether new documents may take it; its code is in the path (2-40 lower-case
    letters, digits or _)."""

    label_zh: str = Field(description="1-40 characters")
    label_en: str = Field(description="1-40 characters")
    active: bool = Field(True, description="false retires the type (never other)")


class RequiredDocTypes(Model):
    template: str
    types: list[str] = Field(description="document type codes")


class RequiredDocTypesChange(Body):
    types: list[str] = Field(description="codes of active document types")
