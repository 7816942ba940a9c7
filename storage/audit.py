"""The append-only audit collection: entries keyed by their zero-padded sequence number.

An entry's _id is its sequence number as a fixed-width string (ordered like the number), so two
writers can never share a number, and the numbers are dense: entry n+1 is only ever written by a
writer that saw entry n. Everything here reads by that _id (a point lookup, the one read FerretDB
serves from an index without decoding the collection): the newest entry is found by probing
numbers, a page of the trail is a run of numbers. Only `in_order` (verifying the chain) and `every`
(building the listing index) read the whole collection.
"""
from __future__ import annotations

from typing import Iterator

from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.errors import DuplicateKeyError

from storage.mongo import by_ids

DUPLICATE_KEY = 11000  # the server's code for a taken _id


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

    def newest(self, known: int = 0) -> dict | None:
        """The entry with the highest sequence number (None if there is none), by point lookups:
        upwards from a number known to exist (0: none) in doubling steps, then halving the gap."""
        low, found = known, self.at(known) if known else None
        if known and found is None:
            low = 0
        step, high = 1, None
        while high is None:
            probe = self.at(low + step)
            if probe is None:
                high = low + step
            else:
                low, found, step = low + step, probe, step * 2
        while high - low > 1:
            middle = (low + high) // 2
            probe = self.at(middle)
            low, found, high = (middle, probe, high) if probe is not None else (low, found, middle)
        return found

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

    def insert_run(self, entries: list[dict]) -> int:
        """Insert consecutive entries in one round trip, in order; how many went in before the first
        whose number another writer had taken (the rest are not inserted)."""
        if not entries:
            return 0
        try:
            self._entries.insert_many([{**entry, "_id": self.key(entry["seq"])} for entry in entries], ordered=True)
            return len(entries)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors") or []
            if not errors or any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            return min(error["index"] for error in errors)

    def by_keys(self, entry_ids: list[str]) -> list[dict]:
        """The entries with these _ids, in that order (a list's page, read in parallel)."""
        return by_ids(self._entries, entry_ids)

    def by_key(self, entry_id: str) -> dict | None:
        """The entry with this _id (the zero-padded number)."""
        return self._entries.find_one({"_id": entry_id})

    def after(self, seq: int, limit: int = 0) -> list[dict]:
        """The entries numbered above seq, in order, up to the first number missing (at most limit; 0: all)."""
        found: list[dict] = []
        while not limit or len(found) < limit:
            entry = self.at(seq + len(found) + 1)
            if entry is None:
                break
            found.append(entry)
        return found

    def downwards(self, top: int, count: int) -> list[dict]:
        """The entries numbered top, top-1, ... (count numbers, none below 1), newest first; a number
        with no entry (one deleted behind the trail's back) is left out."""
        numbers = range(top, max(top - count, 0), -1)
        return self.by_keys([self.key(n) for n in numbers])  # point lookups in parallel, in this order

    def every(self) -> Iterator[dict]:
        """Every entry, in no particular order (streamed; building the listing index)."""
        yield from self._entries.find().batch_size(1000)

    def in_order(self) -> Iterator[dict]:
        """Every entry by sequence number (verifying the chain: a sort over the whole collection)."""
        yield from self._entries.find().sort("_id", 1).batch_size(1000)


class AuditRepository(ChainedEntries):
    """The audit trail's entries."""

    def __init__(self, db: Database):
        super().__init__(db, "audit")

    def count(self) -> int:
        """How many entries there are (verifying a broken chain: decodes the whole collection)."""
        return self._entries.count_documents({})
