"""The destruction register (销毁登记簿): append-only entries keyed by their zero-padded sequence number.

Like the audit trail (`storage.audit.ChainedEntries`), an entry's _id is its sequence number, so of
two writers that read the same last entry only one can insert the next. Nothing here updates or
deletes an entry.
"""
from __future__ import annotations

from pymongo.database import Database

from storage.audit import ChainedEntries


class RegisterRepository(ChainedEntries):
    """The destruction register's entries."""

    WIDTH = 10

    def __init__(self, db: Database):
        super().__init__(db, "destruction_register")

    def of_batch(self, batch_id: str) -> dict | None:
        """The entry of a batch, or None."""
        return self._entries.find_one({"batch_id": batch_id})

    def page(self, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Newest first, with the total (the newest sequence number), by point lookups; limit 0: all from skip on."""
        newest = self.newest()
        total = newest["seq"] if newest else 0
        top = total - skip
        return total, self.downwards(top, limit or top) if top > 0 else []
