"""Queries over the users collection."""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class UsernameTaken(Exception):
    """Another user has this username."""


def _oid(user_id: str) -> ObjectId | None:
    try:
        return ObjectId(user_id)
    except (InvalidId, TypeError):
        return None


class UserRepository:
    """Users are single documents; each change is one conditional update."""

    def __init__(self, db: Database):
        self._users = db["users"]
        self._failures = db["login_failures"]

    def insert(self, doc: dict) -> str:
        """Store a new user; UsernameTaken if the name exists."""
        try:
            return str(self._users.insert_one(doc).inserted_id)
        except DuplicateKeyError:
            raise UsernameTaken(doc["username"]) from None

    def by_username(self, username: str) -> dict | None:
        """The user with this name, or None."""
        return self._users.find_one({"username": username})

    def by_id(self, user_id: str) -> dict | None:
        """The user with this id, or None (also for a malformed id)."""
        oid = _oid(user_id)
        return self._users.find_one({"_id": oid}) if oid else None

    def update(self, user_id: str, changes: dict, expect: dict | None = None) -> dict | None:
        """Set fields on a user (optionally only if `expect` holds); the new document or None."""
        oid = _oid(user_id)
        if oid is None:
            return None
        return self._users.find_one_and_update({"_id": oid, **(expect or {})}, {"$set": changes},
                                               return_document=ReturnDocument.AFTER)

    def record_failure(self, user_id: str, now: datetime) -> None:
        """Remember one failed sign-in (an insert: concurrent failures are all counted)."""
        self._failures.insert_one({"user_id": user_id, "at": now})

    def failures_since(self, user_id: str, since: datetime | None) -> tuple[int, datetime | None]:
        """How many failed sign-ins since `since`, and when the latest was."""
        query: dict = {"user_id": user_id}
        if since is not None:
            query["at"] = {"$gt": since}
        count = self._failures.count_documents(query)
        latest = self._failures.find_one(query, sort=[("at", -1)])
        return count, latest["at"] if latest else None

    def page(self, query: dict, skip: int, limit: int, sort: list[tuple[str, int]]) -> tuple[int, list[dict]]:
        """A page of users and the total matching."""
        total = self._users.count_documents(query)
        return total, list(self._users.find(query).sort(sort).skip(skip).limit(limit))

    def count(self, query: dict) -> int:
        """How many users match."""
        return self._users.count_documents(query)
