"""Loans (借阅), their step claims and the folders that are out.

FerretDB's conditional updates are not atomic, so every race is decided by an insert with a
unique _id: a step record `<loan_id>:<step>` (one decision, one hand-out, one return, renewal n),
and a claim `{_id: <file_id>}` in `folders_out` while a folder is out (or lost).
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from service import clock
from storage.listing_marks import ListingMarks
from storage.mongo import by_ids


def loan_oid(loan_id) -> ObjectId | None:
    """The ObjectId of a loan id, or None if it is malformed."""
    try:
        return ObjectId(loan_id)
    except (InvalidId, TypeError):
        return None


def step_key(loan_id, step: str) -> str:
    """The _id of a step record of a loan."""
    return f"{loan_id}:{step}"


class LoanRepository:
    """Loans are single documents written only by the winner of a step claim."""

    LISTED = "loan"  # every write leaves a mark for the loans' listing index

    def __init__(self, db: Database):
        self._loans = db["loans"]
        self._steps = db["loan_steps"]
        self._out = db["folders_out"]
        self._marks = ListingMarks(db)

    def insert(self, doc: dict) -> None:
        """Store a new request."""
        self._loans.insert_one(doc)
        self._marks.add(self.LISTED, str(doc["_id"]), doc.get("requested_at") or clock.now())

    def every(self):
        """Every loan (streamed; rebuilding the listing index)."""
        yield from self._loans.find({}).batch_size(1000)

    def by_id(self, loan_id) -> dict | None:
        """One loan, or None (also for a malformed id)."""
        key = loan_oid(loan_id)
        return self._loans.find_one({"_id": key}) if key else None

    def by_ids(self, loan_ids: list[str]) -> list[dict]:
        """The loans with these ids, in that order (a list's page, read in parallel)."""
        return by_ids(self._loans, [key for key in map(loan_oid, loan_ids) if key is not None])

    def set(self, loan_id, changes: dict) -> None:
        """Write the fields of a step (only its claimant calls this)."""
        self._loans.update_one({"_id": loan_oid(loan_id)}, {"$set": changes})
        self._marks.add(self.LISTED, str(loan_id), clock.now())

    def claim_step(self, loan_id, step: str, actor: str, at: datetime,
                   abandoned_before: datetime | None = None) -> bool:
        """Claim a step of a loan; False if it was already taken. With `abandoned_before` (for a caller that has
        just seen the loan still waiting for this step), a claim made before then is one whose step never
        finished (its process or the database died in between): one caller takes it over."""
        try:
            self._steps.insert_one({"_id": step_key(loan_id, step), "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            if abandoned_before is None:
                return False
        held = self._steps.find_one({"_id": step_key(loan_id, step)})
        if held is None or held["at"] >= abandoned_before:
            return False
        try:  # one taker per abandoned claim, decided by a unique insert as every other race here
            self._steps.insert_one({"_id": f"{step_key(loan_id, step)}:retaken:{held['at'].timestamp():.3f}",
                                    "actor": actor, "at": at})
        except DuplicateKeyError:
            return False
        self._steps.update_one({"_id": step_key(loan_id, step)}, {"$set": {"actor": actor, "at": at}})
        return True

    def release_step(self, loan_id, step: str) -> None:
        """Give a step back (its winner could not finish, e.g. the folder was out)."""
        self._steps.delete_one({"_id": step_key(loan_id, step)})

    def claim_folder(self, file_id: str, loan_id: str, at: datetime) -> bool:
        """Mark a folder as out to a loan; False if it is out (or lost) already, to another loan."""
        try:
            self._out.insert_one({"_id": file_id, "loan_id": loan_id, "at": at, "lost": False})
            return True
        except DuplicateKeyError:  # this loan's own claim, from a hand-out that never finished, is its to keep
            held = self._out.find_one({"_id": file_id})
            return held is not None and held.get("loan_id") == loan_id and not held.get("lost")

    def folder(self, file_id: str) -> dict | None:
        """Who holds a folder: {loan_id, at, lost}, or None while it is in the archive."""
        return self._out.find_one({"_id": file_id})

    def release_folder(self, file_id: str, loan_id: str) -> None:
        """The folder is back in the archive (only the loan that holds it releases it)."""
        self._out.delete_one({"_id": file_id, "loan_id": loan_id})

    def mark_folder_lost(self, file_id: str, loan_id: str) -> None:
        """The folder was lost on this loan: it stays claimed so that nobody can lend it."""
        self._out.update_one({"_id": file_id, "loan_id": loan_id}, {"$set": {"lost": True}})

    def page(self, query: dict, skip: int, limit: int, sort=None) -> tuple[int, list[dict]]:
        """A page of loans and the total matching (newest request first by default)."""
        total = self._loans.count_documents(query)
        cursor = self._loans.find(query).sort(sort or [("requested_at", -1), ("_id", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def find(self, query: dict, sort=None, limit: int = 0) -> list[dict]:
        """Loans matching a query, oldest request first by default."""
        cursor = self._loans.find(query).sort(sort or [("requested_at", 1), ("_id", 1)])
        return list(cursor.limit(limit) if limit else cursor)

    def exists(self, query: dict) -> bool:
        """True if some loan matches."""
        return self._loans.find_one(query, projection={"_id": 1}) is not None
