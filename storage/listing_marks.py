"""Marks of records written since their listing index last took them in (one per write, never updated).

A mark's `_id` is `<kind>:<record id>:<random>`, so two writes of one record leave two marks and the
worker can delete exactly the marks it has read: a write after that read leaves a mark that stays.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from pymongo.database import Database

# collections with a listing index, and the kind their marks carry
LISTED_COLLECTIONS = {"loans": "loan", "followups": "followup", "complaints": "complaint",
                      "documents": "document"}


class ListingMarks:
    """The `listing_marks` collection."""

    def __init__(self, db: Database):
        self._marks = db["listing_marks"]

    def add(self, kind: str, record_id: str, at: datetime) -> None:
        """Note that a record of a kind was written."""
        self._marks.insert_one({"_id": f"{kind}:{record_id}:{secrets.token_hex(6)}", "kind": kind,
                                "record_id": record_id, "at": at})

    def add_many(self, collection: str, record_ids, at: datetime) -> None:
        """Mark records of a collection written in bulk (nothing if the collection is not listed)."""
        kind = LISTED_COLLECTIONS.get(collection)
        marks = [{"_id": f"{kind}:{record_id}:{secrets.token_hex(6)}", "kind": kind, "record_id": str(record_id),
                  "at": at} for record_id in record_ids] if kind else []
        if marks:
            self._marks.insert_many(marks)

    def of_kind(self, kind: str, limit: int = 0) -> list[dict]:
        """A kind's marks (an indexed lookup by kind; at most `limit`, 0 = all)."""
        cursor = self._marks.find({"kind": kind}, {"record_id": 1})
        return list(cursor.limit(limit) if limit else cursor)

    def remove(self, mark_ids: list[str]) -> None:
        """Delete the marks read by a pass, each by its `_id`."""
        for mark_id in mark_ids:
            self._marks.delete_one({"_id": mark_id})
