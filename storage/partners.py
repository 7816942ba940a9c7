"""The partner register (合作方) and the NDAs on file; NDAs live in the originals bucket under partners/."""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database


def oid(value) -> ObjectId | None:
    """An ObjectId from a string id, or None if it is malformed."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def nda_key(partner_id, number: int) -> str:
    """The object key of a partner's n-th NDA upload (built from ids only)."""
    return f"partners/{partner_id}/nda-{number}"


class PartnerRepository:
    """The partners collection."""

    def __init__(self, db: Database):
        self._partners = db["partners"]

    def insert(self, doc: dict) -> None:
        """Store a new partner."""
        self._partners.insert_one(doc)

    def by_id(self, partner_id) -> dict | None:
        """One partner, or None (also for a malformed id)."""
        key = oid(partner_id)
        return self._partners.find_one({"_id": key}) if key else None

    def set(self, partner_id, changes: dict) -> None:
        """Change a partner's fields."""
        self._partners.update_one({"_id": oid(partner_id)}, {"$set": changes})

    def push_nda(self, partner_id, nda: dict) -> None:
        """Add an NDA to the partner's history (the newest one counts)."""
        self._partners.update_one({"_id": oid(partner_id)}, {"$push": {"ndas": nda}})

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of partners by name, and the total."""
        total = self._partners.count_documents(query)
        cursor = self._partners.find(query).sort([("name", 1), ("_id", 1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def all(self) -> list[dict]:
        """Every partner by name."""
        return list(self._partners.find({}).sort([("name", 1), ("_id", 1)]))
