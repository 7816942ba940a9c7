"""The append-only audit collection: entries keyed by their sequence number."""
from __future__ import annotations

from typing import Iterator

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class AuditRepository:
    """Entries are only ever inserted; `_id` is the sequence number, so two writers never share one."""

    def __init__(self, db: Database):
        self._entries = db["audit"]

    def last(self) -> dict | None:
        """The entry with the highest sequence number."""
        return self._entries.find_one(sort=[("_id", -1)])

    def insert(self, entry: dict) -> bool:
        """Insert an entry at its sequence number; False if another writer took that number."""
        try:
            self._entries.insert_one(entry)
            return True
        except DuplicateKeyError:
            return False

    def in_order(self, batch: int = 1000) -> Iterator[dict]:
        """Every entry by sequence number, read in batches."""
        after = 0
        while True:
            rows = list(self._entries.find({"_id": {"$gt": after}}).sort("_id", 1).limit(batch))
            if not rows:
                return
            yield from rows
            after = rows[-1]["_id"]

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Newest first, with the total matching."""
        total = self._entries.count_documents(query)
        return total, list(self._entries.find(query).sort("_id", -1).skip(skip).limit(limit))

    def count(self) -> int:
        """How many entries there are."""
        return self._entries.count_documents({})
