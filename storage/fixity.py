"""Fixity runs and the failures they found."""
from __future__ import annotations

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class FixityRepository:
    """One record per run; one record per (document, run) that failed."""

    def __init__(self, db: Database):
        self._runs = db["fixity_runs"]
        self._failures = db["fixity_failures"]

    def start_run(self, doc: dict) -> ObjectId:
        """Store a new run; its id."""
        return self._runs.insert_one(doc).inserted_id

    def finish_run(self, run_id: ObjectId, changes: dict) -> None:
        """Record a run's counts and end."""
        self._runs.update_one({"_id": run_id}, {"$set": changes})

    def runs(self, limit: int = 20) -> list[dict]:
        """The newest runs."""
        return list(self._runs.find().sort("started_at", -1).limit(limit))

    def add_failure(self, doc: dict) -> None:
        """Record one failure (once per document and run)."""
        try:
            self._failures.insert_one(doc)
        except DuplicateKeyError:
            pass

    def failures(self, query: dict, skip: int = 0, limit: int = 50) -> tuple[int, list[dict]]:
        """Failures matching a query, newest first, with their total."""
        total = self._failures.count_documents(query)
        return total, list(self._failures.find(query).sort("at", -1).skip(skip).limit(limit))
