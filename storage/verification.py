"""Periodic verification (定期核对): cycle rules and one task per file per cycle period.

A task's _id is `<file_id>:<period>`, so generating twice (worker, page load, two workers) makes one
task; closing a task is decided by the unique insert of `<task_id>:done`.
"""
from __future__ import annotations

from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.errors import DuplicateKeyError

from storage.mongo import find_each


class VerificationRepository:
    """Rules by stage, tasks by file and period, and the claim that closes a task."""

    def __init__(self, db: Database):
        self._rules = db["verification_rules"]
        self._tasks = db["verification_tasks"]
        self._done = db["verification_done"]

    def rules(self) -> list[dict]:
        """Every rule, by stage key."""
        return list(self._rules.find({}).sort([("_id", 1)]))

    def save_rule(self, doc: dict) -> None:
        """Add or replace the rule of one stage key."""
        self._rules.replace_one({"_id": doc["_id"]}, doc, upsert=True)

    def delete_rule(self, key: str) -> bool:
        """Remove the rule of one stage key; False if there was none."""
        return self._rules.delete_one({"_id": key}).deleted_count == 1

    def insert_task(self, doc: dict) -> bool:
        """Create a task; False if the file already has one for that period."""
        try:
            self._tasks.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def insert_tasks(self, docs: list[dict]) -> int:
        """Create many tasks at once; those whose _id exists are skipped. How many were new."""
        if not docs:
            return 0
        try:
            return len(self._tasks.insert_many(docs, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
            return exc.details.get("nInserted", 0)

    def task_ids(self, periods: list[str], owner: str | None = None) -> set[str]:
        """The ids of the tasks of these periods (of one owner's files, if given)."""
        query = {"owner": owner} if owner is not None else {}
        return {doc["_id"] for doc in find_each(self._tasks, "period", periods, query, {"_id": 1})}

    def task(self, task_id: str) -> dict | None:
        """One task, or None."""
        return self._tasks.find_one({"_id": task_id}) if isinstance(task_id, str) else None

    def set_task(self, task_id: str, changes: dict) -> None:
        """Write a task's outcome (only the winner of its done claim calls this)."""
        self._tasks.update_one({"_id": task_id}, {"$set": changes})

    def claim_done(self, task_id: str, actor: str, at) -> bool:
        """Claim the closing of a task; False if it was closed already."""
        try:
            self._done.insert_one({"_id": f"{task_id}:done", "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            return False

    def release_done(self, task_id: str) -> None:
        """Give the claim back (the change it was to record was refused)."""
        self._done.delete_one({"_id": f"{task_id}:done"})

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of tasks (earliest due first) and the total matching."""
        total = self._tasks.count_documents(query)
        cursor = self._tasks.find(query).sort([("due_date", 1), ("_id", 1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def count(self, query: dict) -> int:
        """How many tasks match."""
        return self._tasks.count_documents(query)
