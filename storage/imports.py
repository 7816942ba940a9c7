"""Import runs, remembered column mappings and the external keys that make re-imports idempotent."""
from __future__ import annotations

from datetime import timedelta

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from service import clock
from storage.mongo import lookup_each


class ImportRepository:
    """Each import is one document; row keys are claimed by unique insert."""

    def __init__(self, db: Database):
        self._imports = db["imports"]
        self._mappings = db["import_mappings"]
        self._keys = db["import_keys"]
        self._key_files = db["import_key_files"]
        self._files = db["files"]

    def insert(self, doc: dict) -> str:
        """Store a new import run; its id."""
        return str(self._imports.insert_one(doc).inserted_id)

    def get(self, import_id: str) -> dict | None:
        """One import run, or None (also for a malformed id)."""
        try:
            return self._imports.find_one({"_id": ObjectId(import_id)})
        except (InvalidId, TypeError):
            return None

    def update(self, import_id: str, changes: dict) -> None:
        """Set fields of an import run (one writer at a time: its job)."""
        self._imports.update_one({"_id": ObjectId(import_id)}, {"$set": changes})

    def recent(self, limit: int = 20) -> list[dict]:
        """The newest import runs."""
        return list(self._imports.find().sort("created_at", -1).limit(limit))

    def mapping(self, template_key: str) -> dict:
        """The column mapping last used for a template: {header: target}."""
        doc = self._mappings.find_one({"_id": template_key})
        return {pair["header"]: pair["target"] for pair in doc["columns"]} if doc else {}

    def remember_mapping(self, template_key: str, columns: dict) -> None:
        """Keep a template's column mapping for next time (headers are stored as values, not keys)."""
        pairs = [{"header": header, "target": target} for header, target in columns.items()]
        self._mappings.replace_one({"_id": template_key}, {"_id": template_key, "columns": pairs}, upsert=True)

    def claim_key(self, key: str, import_id: str, stale_after: timedelta = timedelta(minutes=10)) -> bool:
        """Claim a row's external key; False if a row with that key was imported (or is being imported).

        A claim whose file was never recorded (its importer died in between) is taken over once stale.
        """
        now = clock.now()
        try:
            self._keys.insert_one({"_id": key, "import_id": import_id, "at": now})
            return True
        except DuplicateKeyError:
            pass
        held = self._keys.find_one({"_id": key})
        finished = self._key_files.find_one({"_id": key}) is not None
        if held is not None and not finished and held["at"] < now - stale_after:
            self._keys.update_one({"_id": key}, {"$set": {"import_id": import_id, "at": now}})
            return True
        return False

    def record_file(self, key: str, file_id: str) -> None:
        """Note which file a claimed row became (an insert: FerretDB updates cost far more)."""
        try:
            self._key_files.insert_one({"_id": key, "file_id": file_id})
        except DuplicateKeyError:
            pass

    def release_key(self, key: str) -> None:
        """Give back a key whose row could not be stored."""
        self._keys.delete_one({"_id": key})

    def finished_keys(self, keys) -> set[str]:
        """Which of these row keys became files (an indexed lookup per key, in parallel)."""
        found = lookup_each(self._key_files, "_id", keys, projection={"_id": 1})
        return {key for key, docs in found.items() if docs}

    def existing_dup_keys(self, keys) -> dict[str, str]:
        """The archive number of a live file holding each of these duplicate keys (absent: none)."""
        live = {"status": {"$nin": ["merged", "destroyed"]}}
        found = lookup_each(self._files, "dup_keys", keys, live, {"archive_no": 1})
        return {key: docs[0]["archive_no"] for key, docs in found.items() if docs}
