"""Retention policies, each file's computed retention, and holds.

A file's retention lives in `retention` under the file's id (one writer at a time: the
recompute that follows a change; a race between two recomputes writes the same answer).
Lifting a hold is decided by a unique insert `<hold id>:lift` in `retention_steps`, because
FerretDB's conditional updates are not atomic.
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def _oid(value) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class RetentionRepository:
    """Policies, per-file retention states, holds and step claims."""

    def __init__(self, db: Database):
        self._policies = db["retention_policies"]
        self._states = db["retention"]
        self._holds = db["retention_holds"]
        self._steps = db["retention_steps"]

    # -- policies ---------------------------------------------------------------------------
    def insert_policy(self, doc: dict) -> None:
        """Store a new policy."""
        self._policies.insert_one(doc)

    def policy(self, policy_id) -> dict | None:
        """One policy, or None (also for a malformed id)."""
        key = _oid(policy_id)
        return self._policies.find_one({"_id": key}) if key else None

    def policies(self, active_only: bool = True) -> list[dict]:
        """Policies, oldest first."""
        query = {"active": True} if active_only else {}
        return list(self._policies.find(query).sort([("created_at", 1), ("_id", 1)]))

    def set_policy(self, policy_id, changes: dict) -> None:
        """Change fields of a policy (its retirement)."""
        self._policies.update_one({"_id": _oid(policy_id)}, {"$set": changes})

    # -- per-file states --------------------------------------------------------------------
    def state(self, file_id: str) -> dict | None:
        """A file's computed retention, or None if never computed."""
        return self._states.find_one({"_id": str(file_id)})

    def save_state(self, file_id: str, state: dict) -> None:
        """Write a file's computed retention."""
        self._states.replace_one({"_id": str(file_id)}, {**state, "_id": str(file_id)}, upsert=True)

    def summaries(self) -> dict[str, dict]:
        """What the search index copies of every file's retention, by file id: the computed kind and
        destroy-after date, and `held` (an active hold); one read of the states and one of the
        active holds, for a rebuild."""
        found = {doc["_id"]: {**doc, "held": False} for doc in self._states.find({}, {"kind": 1, "destroy_after": 1})}
        for file_id in self.held_file_ids():
            found.setdefault(file_id, {"_id": file_id})["held"] = True
        return found

    def states(self, query: dict, sort: list | None = None, projection: dict | None = None) -> list[dict]:
        """Computed retentions matching a query (only the projection's fields, if given)."""
        return list(self._states.find(query, projection).sort(sort or [("destroy_after", 1), ("_id", 1)]))

    # -- holds ------------------------------------------------------------------------------
    def insert_hold(self, doc: dict) -> None:
        """Store a new hold."""
        self._holds.insert_one(doc)

    def hold(self, hold_id) -> dict | None:
        """One hold, or None."""
        key = _oid(hold_id)
        return self._holds.find_one({"_id": key}) if key else None

    def holds(self, query: dict, skip: int = 0, limit: int = 0) -> tuple[int, list[dict]]:
        """Holds matching a query, newest first, with the total."""
        total = self._holds.count_documents(query)
        cursor = self._holds.find(query).sort([("placed_at", -1), ("_id", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def set_hold(self, hold_id, changes: dict) -> None:
        """Write the fields of a hold's lifting (only the winner of its claim calls this)."""
        self._holds.update_one({"_id": _oid(hold_id)}, {"$set": changes})

    def has_active_hold(self, file_id: str) -> bool:
        """Whether a file has at least one active hold."""
        return self._holds.find_one({"file_id": file_id, "status": "active"}, {"_id": 1}) is not None

    def held_file_ids(self) -> set[str]:
        """Ids of the files with at least one active hold."""
        return {doc["file_id"] for doc in self._holds.find({"status": "active"}, {"file_id": 1})}

    # -- step claims ------------------------------------------------------------------------
    def claim(self, key: str, actor: str, at: datetime) -> bool:
        """Claim a step once; False if someone already did."""
        try:
            self._steps.insert_one({"_id": key, "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            return False
