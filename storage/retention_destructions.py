"""Destruction batches, their step claims, the files they claim, and the tombstones they leave.

FerretDB's conditional updates are not atomic, so every race is decided by an insert with a
unique _id: `<batch>:decision`, `<batch>:paper`, `<batch>:attempt:<n>` (one execution run at a
time), `<batch>:file:<file id>` (a file's destruction finished and counted once) in
`destruction_steps`, and `{_id: <file id>}` in `destruction_claims` while a batch holds a file.
"""
from __future__ import annotations

from datetime import datetime
from datetime import timezone

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from storage.listing_marks import ListingMarks


def batch_oid(batch_id) -> ObjectId | None:
    """The ObjectId of a batch id, or None if it is malformed."""
    try:
        return ObjectId(batch_id)
    except (InvalidId, TypeError):
        return None


class DestructionRepository:
    """Batches are single documents written only by the winner of a step claim."""

    def __init__(self, db: Database):
        self._batches = db["destructions"]
        self._steps = db["destruction_steps"]
        self._claims = db["destruction_claims"]

    def insert(self, doc: dict) -> None:
        """Store a new batch."""
        self._batches.insert_one(doc)

    def by_id(self, batch_id) -> dict | None:
        """One batch, or None (also for a malformed id)."""
        key = batch_oid(batch_id)
        return self._batches.find_one({"_id": key}) if key else None

    def set(self, batch_id, changes: dict) -> None:
        """Write the fields of a step (only its claimant calls this)."""
        self._batches.update_one({"_id": batch_oid(batch_id)}, {"$set": changes})

    def page(self, query: dict, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Batches, newest first, with the total."""
        total = self._batches.count_documents(query)
        cursor = self._batches.find(query).sort([("proposed_at", -1), ("_id", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    # -- steps ------------------------------------------------------------------------------
    def claim_step(self, batch_id, step: str, record: dict) -> bool:
        """Claim a step of a batch once; False if it was taken."""
        try:
            self._steps.insert_one({**record, "_id": f"{batch_id}:{step}"})
            return True
        except DuplicateKeyError:
            return False

    def step(self, batch_id, step: str) -> dict | None:
        """One step record."""
        return self._steps.find_one({"_id": f"{batch_id}:{step}"})

    def set_step(self, batch_id, step: str, changes: dict) -> None:
        """Change a step record (an execution attempt's heartbeat and end; only its owner writes it)."""
        self._steps.update_one({"_id": f"{batch_id}:{step}"}, {"$set": changes})

    def release_step(self, batch_id, step: str) -> None:
        """Give a step back (its winner could not go on)."""
        self._steps.delete_one({"_id": f"{batch_id}:{step}"})

    # -- file claims ------------------------------------------------------------------------
    def claim_file(self, file_id: str, batch_id: str, at: datetime) -> bool:
        """A batch takes a file; False if another open batch holds it."""
        try:
            self._claims.insert_one({"_id": file_id, "batch_id": batch_id, "at": at})
            return True
        except DuplicateKeyError:
            return False

    def file_claim(self, file_id: str) -> dict | None:
        """Which batch holds a file, or None."""
        return self._claims.find_one({"_id": file_id})

    def release_file(self, file_id: str, batch_id: str) -> None:
        """A batch lets a file go (rejected, or its proposal failed)."""
        self._claims.delete_one({"_id": file_id, "batch_id": batch_id})


class Tombstones:
    """Wipes what a destroyed file said about its customer from every record that held it."""

    def __init__(self, db: Database):
        self._db = db

    def file(self, file_oid: ObjectId, changes: dict) -> None:
        """Overwrite the file's personal values and mark it destroyed."""
        self._db["files"].update_one({"_id": file_oid}, {"$set": changes})

    def versions(self, file_id: str, count: int, keep: dict) -> None:
        """Replace every earlier version's snapshot by the tombstone (the history of changes stays)."""
        for version in range(1, count + 1):
            self._db["file_versions"].update_one({"_id": f"{file_id}:{version:06d}"},
                                                 {"$set": {"state": keep, "wiped": True}})

    def documents(self, file_id: str) -> list[dict]:
        """Every document record of a file, whatever its status."""
        return list(self._db["documents"].find({"file_id": file_id}).sort([("uploaded_at", 1), ("_id", 1)]))

    def document(self, document_oid: ObjectId, changes: dict) -> None:
        """Mark a document destroyed, keeping its checksum and size."""
        self._db["documents"].update_one({"_id": document_oid}, {"$set": changes})
        ListingMarks(self._db).add("document", str(document_oid), datetime.now(timezone.utc))

    def loans(self, file_id: str) -> None:
        """The customer's name leaves the loan register; the loans themselves stay."""
        self._db["loans"].update_many({"file_id": file_id}, {"$set": {"file_name": ""}})

    def corrections(self, file_id: str) -> None:
        """Corrections carried the customer's values: only the fact that there were some stays."""
        self._db["corrections"].update_many({"file_id": file_id}, {"$set": {"changes": {}, "evidence": "",
                                                                            "wiped": True}})
