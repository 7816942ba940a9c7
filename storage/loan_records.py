"""The records around loans: the loss/damage register, reservations and in-app notices."""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database


def _oid(value) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class _Records:
    """Plain documents in one collection."""

    def __init__(self, db: Database, name: str):
        self._docs = db[name]

    def insert(self, doc: dict) -> None:
        """Store a new record (its _id is set by the caller or the driver)."""
        self._docs.insert_one(doc)

    def by_id(self, record_id) -> dict | None:
        """One record, or None."""
        key = _oid(record_id)
        return self._docs.find_one({"_id": key}) if key else None

    def set(self, record_id, changes: dict) -> None:
        """Change fields of a record."""
        self._docs.update_one({"_id": _oid(record_id)}, {"$set": changes})

    def find(self, query: dict, sort: list, limit: int = 0) -> list[dict]:
        """Records matching a query, in the given order."""
        cursor = self._docs.find(query).sort(sort)
        return list(cursor.limit(limit) if limit else cursor)

    def page(self, query: dict, sort: list, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of records and the total matching."""
        total = self._docs.count_documents(query)
        return total, list(self._docs.find(query).sort(sort).skip(skip).limit(limit))


class IncidentRepository(_Records):
    """The loss/damage register (损坏遗失登记)."""

    def __init__(self, db: Database):
        super().__init__(db, "loan_incidents")


class ReservationRepository(_Records):
    """Reservations: one queue per file, in order of reservation."""

    def __init__(self, db: Database):
        super().__init__(db, "loan_reservations")


class NoticeRepository(_Records):
    """In-app notices shown on a person's loans page."""

    def __init__(self, db: Database):
        super().__init__(db, "loan_notices")
