"""Authorizations recorded on documents, share requests and their step claims.

As with loans, every race (one decision, one revocation) is decided by inserting a step record with a unique _id.
"""
from __future__ import annotations

from datetime import datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from storage.partners import oid


class ShareRepository:
    """The share_authorizations, shares and share_steps collections."""

    def __init__(self, db: Database):
        self._auth = db["share_authorizations"]
        self._shares = db["shares"]
        self._steps = db["share_steps"]

    # -- authorizations (one per document of type authorization) --------------------------------
    def save_authorization(self, document_id: str, doc: dict) -> None:
        """Record (or replace) what an authorization document covers."""
        self._auth.replace_one({"_id": str(document_id)}, {**doc, "_id": str(document_id)}, upsert=True)

    def authorization(self, document_id: str) -> dict | None:
        """What an authorization document covers, or None if nothing is recorded."""
        return self._auth.find_one({"_id": str(document_id)})

    def authorizations_of(self, file_id: str) -> list[dict]:
        """Every recorded authorization of a file."""
        return list(self._auth.find({"file_id": str(file_id)}).sort([("valid_to", -1), ("_id", 1)]))

    # -- shares ---------------------------------------------------------------------------------
    def insert(self, doc: dict) -> None:
        """Store a new share request."""
        self._shares.insert_one(doc)

    def by_id(self, share_id) -> dict | None:
        """One share, or None (also for a malformed id)."""
        key = oid(share_id)
        return self._shares.find_one({"_id": key}) if key else None

    def by_token_hash(self, token_hash: str) -> dict | None:
        """The share whose link token hashes to this, or None."""
        return self._shares.find_one({"token_hash": token_hash})

    def set(self, share_id, changes: dict) -> None:
        """Write the fields of a step (only its claimant calls this)."""
        self._shares.update_one({"_id": oid(share_id)}, {"$set": changes})

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of shares, newest first, and the total."""
        total = self._shares.count_documents(query)
        cursor = self._shares.find(query).sort([("requested_at", -1), ("_id", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def find(self, query: dict) -> list[dict]:
        """Shares matching a query, newest first."""
        return list(self._shares.find(query).sort([("requested_at", -1), ("_id", -1)]))

    def claim_step(self, share_id, step: str, actor: str, at: datetime) -> bool:
        """Claim a step of a share; False if someone took it already."""
        try:
            self._steps.insert_one({"_id": f"{share_id}:{step}", "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            return False

    def has_step(self, share_id, step: str) -> bool:
        """True if the step of the share was claimed."""
        return self._steps.find_one({"_id": f"{share_id}:{step}"}, projection={"_id": 1}) is not None
