"""Queries over customer files and their versions.

Lookups on the write path are by _id only (a GIN-indexed point lookup); the list queries here scan, and
serve only when the search index cannot (service/file_lists.py).
"""
from __future__ import annotations

from collections.abc import Iterator

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from service import clock
from storage.listing_marks import ListingMarks
from storage.mongo import by_ids
from storage.mongo import find_each


def oid(file_id: str) -> ObjectId | None:
    """The ObjectId of a file id, or None if it is malformed."""
    try:
        return ObjectId(file_id)
    except (InvalidId, TypeError):
        return None


def version_key(file_id: str, version: int) -> str:
    """The _id of a file's version document."""
    return f"{file_id}:{version:06d}"


class FileRepository:
    """Files are single documents; a change is claimed by inserting its version first."""

    def __init__(self, db: Database):
        self._files = db["files"]
        self._versions = db["file_versions"]

    def insert(self, doc: dict) -> None:
        """Store a new file (DuplicateKeyError if its archive number exists)."""
        self._files.insert_one(doc)

    def by_id(self, file_id: str) -> dict | None:
        """The file, or None (also for a malformed id)."""
        key = oid(file_id)
        return self._files.find_one({"_id": key}) if key else None

    def any(self) -> bool:
        """True if at least one file is stored."""
        return self._files.find_one({}, {"_id": 1}) is not None

    def claim_version(self, doc: dict) -> bool:
        """Insert a version record; False if that version number is already taken."""
        try:
            self._versions.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def version(self, file_id: str, version: int) -> dict | None:
        """One version record."""
        return self._versions.find_one({"_id": version_key(file_id, version)})

    def replace_state(self, file_id: str, state: dict) -> None:
        """Write a file's new state (only after its version was claimed)."""
        self._files.update_one({"_id": oid(file_id)}, {"$set": state})

    def page(self, query: dict, sort: list[tuple[str, int]], skip: int, limit: int) -> tuple[int, list[dict]]:
        """A page of files and the total matching."""
        total = self._files.count_documents(query)
        return total, list(self._files.find(query).sort(sort).skip(skip).limit(limit))

    def counts(self, query: dict, names: tuple[str, ...]) -> dict:
        """Files matching the query: `total`, and per classification key in `names` the files by value
        ("" where a file has none); one scan of a projection."""
        found: dict = {"total": 0, **{name: {} for name in names}}
        for doc in self._files.find(query, {"classification": 1}):
            found["total"] += 1
            classification = doc.get("classification") or {}
            for name in names:
                value = classification.get(name) or ""
                found[name][value] = found[name].get(value, 0) + 1
        return found

    def each(self, projection: dict | None = None) -> Iterator[dict]:
        """Every file, in no order: one pass (FerretDB decodes each file once)."""
        return self._files.find({}, projection).batch_size(1000)

    def find(self, query: dict, limit: int = 20) -> list[dict]:
        """Files matching a query (duplicate checks)."""
        return list(self._files.find(query).limit(limit))

    def by_ids(self, file_ids, query: dict | None = None, projection: dict | None = None) -> list[dict]:
        """The files with these ids (and matching `query`), one indexed lookup each; bad ids are skipped."""
        wanted = [key for key in (oid(str(i)) for i in file_ids) if key is not None]
        return find_each(self._files, "_id", wanted, query, projection)

    def batch(self, file_ids: list[ObjectId]) -> list[dict]:
        """The files with these ObjectIds, in that order (missing ones left out), read in parallel."""
        return by_ids(self._files, file_ids)

    def with_any(self, field: str, values, query: dict | None = None, limit: int = 0) -> list[dict]:
        """Files whose `field` equals one of `values` (and matching `query`), one indexed lookup each."""
        return find_each(self._files, field, values, query, limit=limit)

    def release_version(self, file_id: str, version: int) -> None:
        """Give back a claimed version whose file was never written (a merge that lost its second claim)."""
        self._versions.delete_one({"_id": version_key(file_id, version)})

    def annotate_version(self, file_id: str, version: int, note: dict) -> None:
        """Say why a version was made (its claimant is the only writer of that record)."""
        self._versions.update_one({"_id": version_key(file_id, version)}, {"$set": {"note": note}})

    def move_references(self, collection: str, from_id: str, to_id: str) -> int:
        """Point every record of a collection whose file_id is from_id (string or ObjectId) at to_id."""
        records = self._files.database[collection]
        old, new = oid(from_id), oid(to_id)
        pairs = [(from_id, to_id)] + ([(old, new)] if old is not None and new is not None else [])
        count = 0
        for before, after in pairs:
            moving = [doc["_id"] for doc in records.find({"file_id": before}, {"_id": 1})]
            count += records.update_many({"file_id": before}, {"$set": {"file_id": after, "moved_from": before}}
                                         ).modified_count
            ListingMarks(self._files.database).add_many(collection, moving, clock.now())
        return count
