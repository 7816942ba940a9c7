"""The models of the scan import and inbox API: what each call takes and answers; the OpenAPI description comes
from them. The zip upload is a multipart body the view reads itself, declared with `consumes`."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated
from typing import Literal

from pydantic import Field

from service.web.documents.models import DocumentMeta
from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

INBOX_STATES = ["open", "assigned", "discarded"]
ZIP_UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary", "description": "a zip of scanner output"}}}
PageRange = Annotated[list[int], Field(min_length=2, max_length=2)] | None
PAGE_RANGE = "[first, last] pages of the input; null where the input could not be read page by page"


class ScanImportItem(Model):
    """Where some pages of an input went: a file's document, the inbox, or nowhere (failed)."""

    kind: Literal["document", "inbox", "failed"]
    pages: PageRange = Field(description=PAGE_RANGE)
    file_id: str | None = None
    archive_no: str | None = None
    doc_type: str | None = None
    document_id: str | None = None
    inbox_id: str | None = None
    reason: str | None = None
    already: bool = Field(False, description="stored by an earlier import or upload; nothing new was stored")


class ScanImportInput(Model):
    """What happened to one input of the zip or folder."""

    name: str
    outcome: Literal["filed", "skipped", "failed"]
    reason: str | None
    media_type: str | None = None
    pages: int | None = None
    items: list[ScanImportItem] = []


class ScanImportCounts(Model):
    inputs: int = 0
    documents: int = 0
    inbox: int = 0
    already: int = 0
    skipped: int = 0
    failed: int = 0


class ScanImport(Model):
    """An import run: its progress, its counts and, once done, what happened to each input."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    source: Literal["zip", "folder"]
    name: str
    total: int | None = Field(description="inputs to file; null until counted")
    done: int = Field(description="inputs filed so far")
    counts: ScanImportCounts
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    summary: list[ScanImportInput] | None = Field(
        None, description="per input, once done (not in the answer to the upload)")


class ScanInboxFilters(Paging):
    state: str = Field("open", description="open, assigned or discarded",
                       json_schema_extra={"enum": INBOX_STATES})


class ScanInboxItem(Model):
    """Scanned pages that belong to no file yet, and what was decided about them."""

    id: str
    source_name: str
    pages: PageRange = Field(description=PAGE_RANGE)
    page_count: int | None
    reason: str | None = Field(description="why the pages came to the inbox")
    media_type: str
    size: int
    sha256: str
    import_id: str | None
    state: Literal["open", "assigned", "discarded"]
    created_at: datetime
    file_id: str | None
    document_id: str | None
    discard_reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class ScanInboxPage(Model):
    total: int
    page: int
    per_page: int
    items: list[ScanInboxItem]


class ScanInboxAssignment(Body):
    """The file (by id, or by archive number) and the type the pages become a document of."""

    file_id: str | None = None
    archive_no: str | None = Field(None, description="instead of file_id")
    doc_type: str | None = Field(None, description="a document type's code; other when left out")
    title: str | None = None


class ScanInboxAssigned(Model):
    item: ScanInboxItem
    document: DocumentMeta


class ScanInboxDiscard(Body):
    reason: str = Field(description="1-500 characters")
