"""The append-only audit collection: entries keyed by their zero-padded sequence number.

FerretDB v1 (SQLite) serves only one query shape from an index: a filter that is exactly
{"_id": <string or ObjectId>}; every other filter scans the collection. So an entry's _id is
its sequence number as a fixed-width string (ordered like the number), every lookup on the
write path is by that _id, and the one scan (for the newest entry) happens once per process.
"""
from __future__ import annotations

from typing import Iterator

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def key(seq: int, width: int = 12) -> str:
    """The _id of the entry with this sequence number."""
    return f"{seq:0{width}d}"


class ChainedEntries:
    """A collection of hash-chained entries keyed by their sequence number (the audit trail, the
    destruction register): entries are only ever inserted; two writers can never share a number."""

    WIDTH = 12

    def __init__(self, db: Database, name: str):
        self._entries = db[name]

    def key(self, seq: int) -> str:
        """The _id of the entry with this sequence number."""
        return key(seq, self.WIDTH)

    def newest(self) -> dict | None:
        """The entry with the highest sequence number (a scan on FerretDB: appenders call it
        once per process, then follow _id lookups forward)."""
        return self._entries.find_one(sort=[("_id", -1)])

    def at(self, seq: int) -> dict | None:
        """The entry with this sequence number."""
        return self._entries.find_one({"_id": self.key(seq)})

    def insert(self, entry: dict) -> bool:
        """Insert an entry at its sequence number; False if another writer took that number."""
        try:
            self._entries.insert_one({**entry, "_id": self.key(entry["seq"])})
            return True
        except DuplicateKeyError:
            return False

    def in_order(self) -> Iterator[dict]:
        """Every entry by sequence number."""
        yield from self._entries.find().sort("_id", 1).batch_size(1000)


class AuditRepository(ChainedEntries):
    """The audit trail's entries."""

    def __init__(self, db: Database):
        super().__init__(db, "audit")

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Newest first, with the total matching."""
        total = self._entries.count_documents(query)
        return total, list(self._entries.find(query).sort("_id", -1).skip(skip).limit(limit))

    def count(self) -> int:
        """How many entries there are."""
        return self._entries.count_documents({})
