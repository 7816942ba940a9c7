"""Correction requests (信息更正) and the one decision each may get.

A decision is claimed by inserting `<correction id>:decided` into correction_decisions: on FerretDB
only a unique insert is atomic, so of two archivists deciding at once exactly one wins; the winner
then writes the outcome on the request (by _id, the one indexed lookup).
"""
from __future__ import annotations

from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from storage.files import oid


def decision_key(correction_id: str) -> str:
    """The _id of a correction's decision claim."""
    return f"{correction_id}:decided"


class CorrectionRepository:
    """Requests are inserted once; their decision is claimed, then recorded."""

    def __init__(self, db: Database):
        self._requests = db["corrections"]
        self._decisions = db["correction_decisions"]

    def insert(self, doc: dict) -> None:
        """Store a new request."""
        self._requests.insert_one(doc)

    def by_id(self, correction_id: str) -> dict | None:
        """The request, or None (also for a malformed id)."""
        key = oid(correction_id)
        return self._requests.find_one({"_id": key}) if key else None

    def for_file(self, file_id: str, limit: int = 200) -> list[dict]:
        """A file's requests, newest first (a scan on FerretDB)."""
        return list(self._requests.find({"file_id": file_id}).sort([("at", DESCENDING), ("_id", DESCENDING)])
                    .limit(limit))

    def claim_decision(self, correction_id: str, decision: dict) -> bool:
        """Insert the decision claim; False if the request was decided (or is being decided) already."""
        try:
            self._decisions.insert_one({**decision, "_id": decision_key(correction_id)})
            return True
        except DuplicateKeyError:
            return False

    def release_decision(self, correction_id: str) -> None:
        """Give back a claim whose change could not be made, so the request can be decided again."""
        self._decisions.delete_one({"_id": decision_key(correction_id)})

    def record_decision(self, correction_id: str, outcome: dict) -> None:
        """Write the outcome on the request (only the holder of the decision claim calls this)."""
        self._requests.update_one({"_id": oid(correction_id)}, {"$set": outcome})
