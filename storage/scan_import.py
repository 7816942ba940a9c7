"""Scan imports, the units of work they claim, and the inbox of pages that belong to no file yet.

Races are decided by unique inserts, the one write FerretDB v1 applies atomically:
- a unit of work (`<sha256 of the input>:<first>-<last>`) is claimed by inserting it into scan_units;
  a claim left 'started' by a dead importer is taken over by inserting `<unit>#<its token>` into
  scan_unit_takeovers, so of two takers exactly one wins;
- an inbox item's assignment or discarding is claimed by inserting its id into scan_inbox_decisions.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING
from pymongo import DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from storage.mongo import find_each

FILE_FIELDS = {"archive_no": 1, "name": 1, "status": 1, "merged_into": 1}


def _oid(value) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def inbox_key(item_id: str) -> str:
    """Where an inbox item's bytes live in the originals bucket (built from the id only)."""
    return f"inbox/{item_id}"


def inbox_thumb_key(item_id: str) -> str:
    """Where an inbox item's first-page thumbnail lives in the derivatives bucket."""
    return f"inbox/{item_id}/thumb.jpg"


def upload_key(import_id: str) -> str:
    """Where an uploaded zip of scans lives in the originals bucket."""
    return f"scan-imports/{import_id}.zip"


class ScanImportRepository:
    """Import runs are written by their one runner; units and decisions are claimed by insert."""

    def __init__(self, db: Database):
        self._imports = db["scan_imports"]
        self._units = db["scan_units"]
        self._takeovers = db["scan_unit_takeovers"]
        self._inbox = db["scan_inbox"]
        self._decisions = db["scan_inbox_decisions"]
        self._files = db["files"]
        self._documents = db["documents"]

    # import runs
    def insert_import(self, doc: dict) -> None:
        """Store a new import run."""
        self._imports.insert_one(doc)

    def get_import(self, import_id) -> dict | None:
        """One import run, or None (also for a malformed id)."""
        key = _oid(import_id)
        return self._imports.find_one({"_id": key}) if key else None

    def update_import(self, import_id, changes: dict) -> None:
        """Set fields of an import run (its runner is the one writer)."""
        self._imports.update_one({"_id": _oid(import_id)}, {"$set": changes})

    def imports_page(self, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Import runs, newest first, without their (long) summaries."""
        total = self._imports.count_documents({})
        cursor = self._imports.find({}, {"summary": 0}).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return total, list(cursor.skip(skip).limit(limit))

    # units of work
    def claim_unit(self, key: str, import_id: str, now: datetime) -> dict | None:
        """Claim a unit; None if won, else the claim that holds it."""
        try:
            self._units.insert_one({"_id": key, "state": "started", "import_id": import_id, "at": now,
                                    "token": secrets.token_hex(8)})
            return None
        except DuplicateKeyError:
            return self._units.find_one({"_id": key}) or {"_id": key, "state": "started", "at": now,
                                                          "import_id": None, "token": ""}

    def take_over_unit(self, unit: dict, import_id: str, now: datetime) -> bool:
        """Take a 'started' claim from its (dead) holder; exactly one taker wins."""
        try:
            self._takeovers.insert_one({"_id": f"{unit['_id']}#{unit.get('token', '')}", "by": import_id, "at": now})
        except DuplicateKeyError:
            return False
        self._units.update_one({"_id": unit["_id"]}, {"$set": {"import_id": import_id, "at": now,
                                                               "token": secrets.token_hex(8)}})
        return True

    def finish_unit(self, key: str, result: dict, now: datetime) -> None:
        """Record what a claimed unit became."""
        self._units.update_one({"_id": key}, {"$set": {"state": "done", "result": result, "done_at": now}})

    def release_unit(self, key: str, import_id: str) -> None:
        """Give back a claim whose work failed, so that a later run tries again."""
        self._units.delete_one({"_id": key, "import_id": import_id, "state": "started"})

    def document_of_unit(self, key: str) -> dict | None:
        """A live document an earlier (crashed) holder of this unit stored (a scan: rare path)."""
        return self._documents.find_one({"source.unit": key, "status": "active"}, {"_id": 1, "file_id": 1})

    # files, as the importer needs them
    def file_by_id(self, file_id: str) -> dict | None:
        """A file's number, name and status (by _id)."""
        key = _oid(file_id)
        return self._files.find_one({"_id": key}, FILE_FIELDS) if key else None

    def files_by_numbers(self, numbers: list[str]) -> list[dict]:
        """Files whose archive number is one of these (one query for all candidates of a name)."""
        return find_each(self._files, "archive_no", numbers, projection=FILE_FIELDS)

    # inbox
    def insert_item(self, doc: dict) -> bool:
        """Store an inbox item; False if one with this id exists."""
        try:
            self._inbox.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def item(self, item_id: str) -> dict | None:
        """One inbox item, or None."""
        return self._inbox.find_one({"_id": item_id}) if isinstance(item_id, str) else None

    def items_page(self, state: str, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Inbox items in a state, in the order they were found."""
        query = {"state": state}
        total = self._inbox.count_documents(query)
        cursor = self._inbox.find(query).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return total, list(cursor.skip(skip).limit(limit))

    def claim_decision(self, item_id: str, decision: dict) -> bool:
        """Claim the one decision (assign or discard) an item may get; False if taken."""
        try:
            self._decisions.insert_one({**decision, "_id": item_id})
            return True
        except DuplicateKeyError:
            return False

    def release_decision(self, item_id: str) -> None:
        """Give back a decision that could not be carried out."""
        self._decisions.delete_one({"_id": item_id})

    def update_item(self, item_id: str, changes: dict) -> None:
        """Write an item's outcome (only the holder of its decision claim calls this)."""
        self._inbox.update_one({"_id": item_id}, {"$set": changes})
