"""Document records (one scanned item each), their content claims and the document-type settings.

A document's content is claimed per file by inserting `<file id>:<sha256>` into document_hashes,
whose _id is unique: the one write FerretDB v1 applies atomically, so two uploads of the same
bytes to one file cannot both be stored.
"""
from __future__ import annotations

from datetime import datetime
from datetime import timezone

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from storage.listing_marks import ListingMarks
from storage.mongo import find_each

# fields whose changes leave no mark for the documents' listing index (OCR progress, bookkeeping)
UNLISTED_FIELDS = frozenset({"ocr_progress", "ocr_job", "ocr_error", "ocr_started_at", "fixity_checked_at"})
LISTED_FIELDS = {"status": 1, "ocr_status": 1, "doc_type": 1, "file_id": 1, "fixity_status": 1, "uploaded_at": 1,
                 "pages": 1}


def doc_oid(document_id) -> ObjectId | None:
    """The ObjectId of a document id, or None if it is malformed."""
    try:
        return ObjectId(document_id)
    except (InvalidId, TypeError):
        return None


def original_key(document_id) -> str:
    """Where a document's original bytes live in the originals bucket (built from the id only)."""
    return f"documents/{document_id}"


def derivative_prefix(document_id) -> str:
    """The prefix of a document's derivatives (page text, page images, thumbnails)."""
    return f"{document_id}/"


def page_key(document_id, number: int, kind: str) -> str:
    """A derivative of one page: kind is 'text' (JSON), 'image' (JPEG) or 'thumb' (JPEG)."""
    suffix = {"text": "json", "image": "jpg", "thumb": "jpg"}[kind]
    return f"{document_id}/{kind}-{number:04d}.{suffix}"


class DocumentRepository:
    """Documents are single records; their state changes are written only by their one owner
    at a time (the upload request, then the OCR job holding its lease). Writes of listed values
    leave a mark for the documents' listing index."""

    LISTED = "document"

    def __init__(self, db: Database):
        self._documents = db["documents"]
        self._marks = ListingMarks(db)
        self._hashes = db["document_hashes"]
        self._types = db["doc_types"]
        self._required = db["required_doc_types"]

    def claim_content(self, file_id: str, sha256: str, document_id: str, at: datetime) -> dict | None:
        """Claim these bytes for a file; None if won, else the claim that holds them."""
        key = f"{file_id}:{sha256}"
        try:
            self._hashes.insert_one({"_id": key, "document_id": document_id, "at": at})
            return None
        except DuplicateKeyError:
            held = self._hashes.find_one({"_id": key})
        return held or {"_id": key, "document_id": None, "at": at}

    def release_content(self, file_id: str, sha256: str, document_id: str) -> None:
        """Give back a claim (its document was never written, or was removed)."""
        self._hashes.delete_one({"_id": f"{file_id}:{sha256}", "document_id": document_id})

    def insert(self, doc: dict) -> None:
        """Store a new document record."""
        self._documents.insert_one(doc)
        self._marks.add(self.LISTED, str(doc["_id"]), datetime.now(timezone.utc))

    def every(self):
        """Every document's listed values (streamed; building the listing index)."""
        yield from self._documents.find({}, LISTED_FIELDS).batch_size(1000)

    def by_id(self, document_id) -> dict | None:
        """One document, or None (also for a malformed id)."""
        key = doc_oid(document_id)
        return self._documents.find_one({"_id": key}) if key else None

    def update(self, document_id, changes: dict) -> None:
        """Set fields of one document."""
        self._documents.update_one({"_id": doc_oid(document_id)}, {"$set": changes})
        if not set(changes) <= UNLISTED_FIELDS:
            self._marks.add(self.LISTED, str(document_id), datetime.now(timezone.utc))

    def of_file(self, file_id: str, include_removed: bool = False) -> list[dict]:
        """The documents of a file, oldest first."""
        query: dict = {"file_id": file_id}
        if not include_removed:
            query["status"] = "active"
        return list(self._documents.find(query).sort([("uploaded_at", 1), ("_id", 1)]))

    def with_any(self, field: str, values, query: dict | None = None) -> list[dict]:
        """Documents whose `field` equals one of `values` (and matching `query`), one indexed lookup each."""
        return find_each(self._documents, field, values, query)

    def of_files(self, file_ids: list[str]) -> list[dict]:
        """The active documents of these files (one indexed lookup per file)."""
        return find_each(self._documents, "file_id", file_ids, {"status": "active"})

    def find(self, query: dict, sort: list | None = None, skip: int = 0, limit: int = 0) -> list[dict]:
        """Documents matching a query (lists, fixity, sweeps)."""
        cursor = self._documents.find(query).sort(sort or [("_id", 1)]).skip(skip)
        return list(cursor.limit(limit) if limit else cursor)

    def count(self, query: dict) -> int:
        """How many documents match."""
        return self._documents.count_documents(query)

    def exists(self, document_id, status: str | None = None) -> bool:
        """Whether a record with this id exists (with this status, if given)."""
        key = doc_oid(document_id)
        query = {"_id": key} if status is None else {"_id": key, "status": status}
        return bool(key and self._documents.find_one(query, {"_id": 1}))

    def status_of(self, document_id) -> str | None:
        """A record's status, or None if there is no record with this id."""
        key = doc_oid(document_id)
        found = self._documents.find_one({"_id": key}, {"status": 1}) if key else None
        return found.get("status") if found else None

    def types(self) -> list[dict]:
        """Admin-defined document types and overrides of the built-in ones."""
        return list(self._types.find().sort("_id", 1))

    def save_type(self, doc: dict) -> None:
        """Insert or replace one document type by its code."""
        self._types.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def required_types(self, template_key: str) -> list[str] | None:
        """The document types a template requires, or None if never set."""
        doc = self._required.find_one({"_id": template_key})
        return list(doc["types"]) if doc else None

    def set_required_types(self, template_key: str, types: list[str], actor: str, at: datetime) -> None:
        """Replace a template's list of required document types."""
        self._required.replace_one({"_id": template_key},
                                   {"_id": template_key, "types": types, "by": actor, "at": at}, upsert=True)
