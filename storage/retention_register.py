"""The destruction register (销毁登记簿): append-only entries keyed by their zero-padded sequence number.

Like the audit trail, an entry's _id is its sequence number, so of two writers that read the same
last entry only one can insert the next. Nothing here updates or deletes an entry.
"""
from __future__ import annotations

from typing import Iterator

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def key(seq: int) -> str:
    """The _id of the entry with this sequence number."""
    return f"{seq:010d}"


class RegisterRepository:
    """Entries are only ever inserted."""

    def __init__(self, db: Database):
        self._entries = db["destruction_register"]

    def newest(self) -> dict | None:
        """The entry with the highest sequence number."""
        return self._entries.find_one(sort=[("_id", -1)])

    def at(self, seq: int) -> dict | None:
        """The entry with this sequence number."""
        return self._entries.find_one({"_id": key(seq)})

    def insert(self, entry: dict) -> bool:
        """Insert an entry at its sequence number; False if another writer took that number."""
        try:
            self._entries.insert_one({**entry, "_id": key(entry["seq"])})
            return True
        except DuplicateKeyError:
            return False

    def of_batch(self, batch_id: str) -> dict | None:
        """The entry of a batch, or None."""
        return self._entries.find_one({"batch_id": batch_id})

    def in_order(self) -> Iterator[dict]:
        """Every entry by sequence number."""
        yield from self._entries.find().sort("_id", 1)

    def page(self, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Newest first, with the total."""
        total = self._entries.count_documents({})
        cursor = self._entries.find().sort("_id", -1).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)
