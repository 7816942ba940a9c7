"""The migrations collection (one document per applied migration) and the reads and writes migrations do.

A migration is claimed by inserting its number as `_id`: the one write FerretDB v1 applies
atomically, so of two processes starting at once exactly one runs it.
"""
from __future__ import annotations

from datetime import datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

RUNNING, DONE, FAILED = "running", "done", "failed"
FILE_DERIVED = ("name_pinyin", "name_initials", "dup_keys", "template_version")


class MigrationRepository:
    """Claims and outcomes of migrations."""

    def __init__(self, db: Database):
        self._migrations = db["migrations"]
        self._files = db["files"]

    def all(self) -> dict[int, dict]:
        """Every migration record, by number."""
        return {doc["_id"]: doc for doc in self._migrations.find({})}

    def get(self, number: int) -> dict | None:
        """One migration record, or None."""
        return self._migrations.find_one({"_id": number})

    def claim(self, number: int, name: str, owner: str, at: datetime) -> bool:
        """Take a migration to run it; False if another process has it (running, done or failed)."""
        try:
            self._migrations.insert_one({"_id": number, "name": name, "state": RUNNING, "owner": owner,
                                         "started_at": at})
            return True
        except DuplicateKeyError:
            return False

    def finish(self, number: int, at: datetime, result: dict) -> None:
        """Record that the claimant finished its migration."""
        self._migrations.update_one({"_id": number}, {"$set": {"state": DONE, "finished_at": at, "result": result}})

    def fail(self, number: int, at: datetime, error: str) -> None:
        """Record that the claimant's migration raised (the claim stays until an operator retries)."""
        self._migrations.update_one({"_id": number}, {"$set": {"state": FAILED, "finished_at": at,
                                                               "error": error[:2000]}})

    def release(self, number: int) -> bool:
        """Drop a claim so the migration runs again (the operator's `archive migrate --retry`)."""
        return self._migrations.delete_one({"_id": number}).deleted_count == 1

    # -- what migrations read and write ---------------------------------------------------------
    def files_lacking(self, fields: tuple[str, ...] = FILE_DERIVED):
        """Files missing any of the fields (streamed; name, fields, classification, template included)."""
        query = {"$or": [{name: {"$exists": False}} for name in fields]}
        projection = {"name": 1, "fields": 1, "classification": 1, "template": 1, **{f: 1 for f in fields}}
        return self._files.find(query, projection)

    def set_file_fields(self, file_id, changes: dict) -> None:
        """Add fields to one file (only fields it lacks; no version: the file's content is unchanged)."""
        self._files.update_one({"_id": file_id}, {"$set": changes})
