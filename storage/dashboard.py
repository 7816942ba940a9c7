"""The dashboard's counting queries: few scans, projections only, counted in Python (files and the due
list are counted from the search index instead: service/file_lists.py).

FerretDB v1.24 serves no query from an index, so each query here is one scan of a collection;
reading a projection of every row once and counting in Python costs less than one
count_documents per number. (Documents, jobs and loans are counted from their listing indexes;
what is read here for them is a page of records by id.)
"""
from __future__ import annotations


from bson import ObjectId
from pymongo.database import Database

from storage.mongo import find_each



class DashboardRepository:
    """Reads for the start page; nothing here writes."""

    def __init__(self, db: Database):
        self._db = db

    def visible_file_ids(self, query: dict) -> list[str]:
        """Ids (as strings) of the files matching a query."""
        return [str(doc["_id"]) for doc in self._db["files"].find(query, {"_id": 1})]

    def documents_by_id(self, document_ids: list[str]) -> list[dict]:
        """The documents with these ids, in that order (one lookup each; a list's page)."""
        wanted = [ObjectId(i) for i in document_ids if ObjectId.is_valid(i)]
        return find_each(self._db["documents"], "_id", wanted)

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
