"""Erasure requests (删除请求): one open request per file, decided by a unique insert."""
from __future__ import annotations

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def erasure_key(file_id: str) -> str:
    """The _id of a file's erasure request."""
    return f"erasure:{file_id}"


class PrivacyRepository:
    """The privacy_requests collection."""

    def __init__(self, db: Database):
        self._requests = db["privacy_requests"]

    def insert_erasure(self, doc: dict) -> bool:
        """Store a file's erasure request; False if the file has one already."""
        try:
            self._requests.insert_one({**doc, "_id": erasure_key(doc["file_id"])})
            return True
        except DuplicateKeyError:
            return False

    def erasure(self, file_id: str) -> dict | None:
        """A file's erasure request, or None."""
        return self._requests.find_one({"_id": erasure_key(str(file_id))})

    def erasures(self) -> list[dict]:
        """Every erasure request, newest first."""
        return list(self._requests.find({"kind": "erasure"}).sort([("requested_at", -1), ("_id", 1)]))
