"""Notices (通知): one person's messages from the product, newest first, each read or not.

A notice carries a `key` that is unique (one notice per event, e.g. a loan's decision): posting the
same event twice stores it once, so a retried reaction cannot notify twice.
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def notice_oid(notice_id) -> ObjectId | None:
    """The ObjectId of a notice id, or None if it is malformed."""
    try:
        return ObjectId(notice_id)
    except (InvalidId, TypeError):
        return None


class UserNoticeRepository:
    """The `notices` collection: looked up by person (and unread), by `_id`, and by event key."""

    def __init__(self, db: Database):
        self._notices = db["notices"]

    def add(self, doc: dict) -> bool:
        """Store a notice; False if one with its key exists already."""
        try:
            self._notices.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def by_id(self, notice_id) -> dict | None:
        """One notice, or None (also for a malformed id)."""
        key = notice_oid(notice_id)
        return self._notices.find_one({"_id": key}) if key else None

    def page_of(self, user: str, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of a person's notices, newest first, and how many they have (an indexed lookup by person)."""
        total = self._notices.count_documents({"user": user})
        cursor = self._notices.find({"user": user}).sort([("at", DESCENDING), ("_id", DESCENDING)])
        return total, list(cursor.skip(skip).limit(limit))

    def unread(self, user: str, limit: int) -> int:
        """How many unread notices a person has, counting at most `limit` (indexed lookups, ids only)."""
        return len(list(self._notices.find({"user": user, "read": False}, {"_id": 1}).limit(limit)))

    def mark_read(self, notice_id, at) -> None:
        """Mark one notice as read."""
        self._notices.update_one({"_id": notice_oid(notice_id), "read": False}, {"$set": {"read": True, "read_at": at}})
