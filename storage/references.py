"""Does a record own this object? Point lookups the sweeper asks of any collection."""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database


class References:
    """Existence checks by _id (string or ObjectId) and the documents whose OCR was never queued."""

    def __init__(self, db: Database):
        self._db = db

    def exists(self, collection: str, record_id: str) -> bool:
        """Whether a record with this id exists in the collection."""
        try:
            keys = [ObjectId(record_id), record_id]
        except (InvalidId, TypeError):
            keys = [record_id]
        return any(self._db[collection].find_one({"_id": key}, {"_id": 1}) is not None for key in keys)

    def documents_without_ocr_job(self, before: datetime) -> list[dict]:
        """Active documents still pending OCR, uploaded before `before`, that no job was queued for."""
        return list(self._db["documents"].find({"status": "active", "ocr_status": "pending", "ocr_job": None,
                                                "uploaded_at": {"$lt": before}}, {"_id": 1}))
