"""The dashboard's counting queries: few scans, projections only, counted in Python (files and the due
list are counted from the search index instead: service/file_lists.py).

FerretDB v1.24 serves no query from an index, so each query here is one scan of a collection;
reading a projection of every row once and counting in Python costs less than one
count_documents per number.
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.database import Database

from storage.mongo import find_each

DOCUMENT_FIELDS = {"uploaded_at": 1, "pages": 1, "ocr_status": 1, "fixity_status": 1, "status": 1, "file_id": 1}


class DashboardRepository:
    """Reads for the start page; nothing here writes."""

    def __init__(self, db: Database):
        self._db = db

    def visible_file_ids(self, query: dict) -> list[str]:
        """Ids (as strings) of the files matching a query."""
        return [str(doc["_id"]) for doc in self._db["files"].find(query, {"_id": 1})]

    def documents(self, query: dict | None = None):
        """Every document's upload time, pages, OCR, fixity and status (a projection, streamed)."""
        return self._db["documents"].find(query or {}, DOCUMENT_FIELDS)

    def document_page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of documents matching a query, newest first, with the total."""
        total = self._db["documents"].count_documents(query)
        cursor = self._db["documents"].find(query).sort([("uploaded_at", -1), ("_id", -1)]).skip(skip).limit(limit)
        return total, list(cursor)

    def file_numbers(self, file_ids: list[str]) -> dict[str, dict]:
        """Archive number, name and visibility fields of the given files, by id (one query)."""
        wanted = [ObjectId(i) for i in set(file_ids) if ObjectId.is_valid(i)]
        if not wanted:
            return {}
        fields = {"archive_no": 1, "name": 1, "security": 1, "department": 1, "approved_borrowers": 1}
        return {str(d["_id"]): d for d in find_each(self._db["files"], "_id", wanted, projection=fields)}

    def out_loans(self, scope: dict) -> list[dict]:
        """Kind and due time of every loan that is out, within the viewer's scope."""
        query = {"status": "out"}
        if scope:
            query = {"$and": [query, scope]}
        return list(self._db["loans"].find(query, {"kind": 1, "due_at": 1}))

    def active_holds(self) -> list[str]:
        """The file id of every active hold (one per hold)."""
        return [doc["file_id"] for doc in self._db["retention_holds"].find({"status": "active"}, {"file_id": 1})]

    def oldest_queued(self) -> datetime | None:
        """When the oldest job still waiting (queued) was created; None if none waits."""
        found = list(self._db["jobs"].find({"state": "queued"}, {"created_at": 1}).sort("created_at", 1).limit(1))
        return found[0].get("created_at") if found else None

    def job_page(self, state: str, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Jobs in a state (not done ones), oldest first, with the total."""
        query = {"state": state}
        total = self._db["jobs"].count_documents(query)
        fields = {"kind": 1, "state": 1, "attempts": 1, "created_at": 1, "run_after": 1, "last_error": 1,
                  "payload": 1}
        cursor = self._db["jobs"].find(query, fields).sort([("created_at", 1), ("_id", 1)]).skip(skip).limit(limit)
        return total, list(cursor)

    def ocr_pages_done(self) -> int:
        """Pages of every document whose recognition finished (one aggregation)."""
        rows = list(self._db["documents"].aggregate([
            {"$match": {"ocr_status": "done"}}, {"$group": {"_id": None, "n": {"$sum": "$pages"}}}]))
        return int(rows[0]["n"] or 0) if rows else 0
