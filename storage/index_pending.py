"""Marks of files written since the search index last wrote them (`index_pending`).

Every write of a file (or of what its index entry copies, such as its retention) inserts one mark,
after the write and before its index job is queued (a write of the file itself one more before it, so
that a process that dies between the write and the queueing leaves a mark the sweeper finds); the
index job reads the file's marks before it reads the file, and deletes exactly those after its commit.
A mark therefore stays until an index commit holds a state at least as new as the write it records,
and lists read the marks before the index (see service/file_lists.py). Marks are only inserted and
deleted, never updated: FerretDB's updates are a read then a write, and two writes of one file must
not lose a mark.

Documents have marks of their own (`index_pending_documents`), by the same rule: the OCR job inserts
one before it records the document's text as read, the document's index job reads them before it
reads the document and deletes them after its commit. A document without a mark whose text is read
is therefore searchable (its `search_status`).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bson import ObjectId
from pymongo.database import Database

FILE, RETENTION = "file", "retention"  # what changed: the file itself, or only its retention


class PendingMarks:
    """The `index_pending` collection: {_id, file_id, reason, at}."""

    def __init__(self, db: Database):
        self._marks = db["index_pending"]

    def mark(self, file_id, reason: str, at: datetime) -> None:
        """Record that a file was written at a time (`reason`: FILE or RETENTION)."""
        self._marks.insert_one({"_id": ObjectId(), "file_id": str(file_id), "reason": reason, "at": at})

    def of_file(self, file_id) -> list[ObjectId]:
        """The ids of a file's marks (an indexed lookup by file_id)."""
        return [doc["_id"] for doc in self._marks.find({"file_id": str(file_id)}, {"_id": 1})]

    def clear(self, mark_ids) -> None:
        """Delete these marks, one point lookup each (FerretDB does not push `$in` down), in parallel."""
        mark_ids = list(mark_ids)
        if len(mark_ids) < 4:
            for mark_id in mark_ids:
                self._marks.delete_one({"_id": mark_id})
            return
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda mark_id: self._marks.delete_one({"_id": mark_id}), mark_ids))

    def marks(self, reason: str | None = None) -> list[dict]:
        """Every mark ({_id, file_id}), or those of one reason (an indexed lookup)."""
        return list(self._marks.find({"reason": reason} if reason else {}, {"file_id": 1}))

    def file_ids_marked_before(self, at: datetime) -> list[str]:
        """The files with a mark older than `at`, each once (every mark is read: they are few)."""
        return list(dict.fromkeys(doc["file_id"] for doc in self._marks.find({}, {"file_id": 1, "at": 1})
                                  if doc["at"] < at))

    def files_marked(self) -> int:
        """How many files have a mark, each counted once (grouped in the database: no mark is sent here)."""
        rows = list(self._marks.aggregate([{"$group": {"_id": "$file_id"}}, {"$count": "n"}]))
        return rows[0]["n"] if rows else 0

    def file_ids(self, reason: str | None = None) -> list[str]:
        """The files with a mark, each once, in the order first marked."""
        return list(dict.fromkeys(doc["file_id"] for doc in self.marks(reason)))


class DocumentMarks:
    """The `index_pending_documents` collection: {_id, document_id, at}."""

    def __init__(self, db: Database):
        self._marks = db["index_pending_documents"]

    def mark(self, document_id, at: datetime) -> None:
        """Record that a document's pages were (re)written at a time."""
        self._marks.insert_one({"_id": ObjectId(), "document_id": str(document_id), "at": at})

    def of_document(self, document_id) -> list[ObjectId]:
        """The ids of a document's marks (an indexed lookup by document_id)."""
        return [doc["_id"] for doc in self._marks.find({"document_id": str(document_id)}, {"_id": 1})]

    def count(self) -> int:
        """How many marks wait (few: each goes with the index commit that holds its document's pages)."""
        return self._marks.count_documents({})

    def has(self, document_id) -> bool:
        """True while a document has a mark: an index commit does not hold its pages yet."""
        return self._marks.find_one({"document_id": str(document_id)}, {"_id": 1}) is not None

    def clear(self, mark_ids) -> None:
        """Delete these marks (one point lookup each; a document has one or two)."""
        for mark_id in mark_ids:
            self._marks.delete_one({"_id": mark_id})
