"""Intake submissions (归档提交), their versions and the one review of each version.

Races are decided by unique inserts: a version record `<submission_id>:<n>` (a stale resubmission
loses) and a review record `<submission_id>:<n>` (two archivists: one decision per version).
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def submission_oid(submission_id) -> ObjectId | None:
    """The ObjectId of a submission id, or None if it is malformed."""
    try:
        return ObjectId(submission_id)
    except (InvalidId, TypeError):
        return None


def version_key(submission_id, version: int) -> str:
    """The _id of a version (and of its review) of a submission."""
    return f"{submission_id}:{version}"


class IntakeRepository:
    """Submissions are single documents written only by the winner of a version or review claim."""

    def __init__(self, db: Database):
        self._subs = db["intake_submissions"]
        self._versions = db["intake_versions"]
        self._reviews = db["intake_reviews"]
        self._open = db["intake_open"]

    def claim_file(self, file_id: str, submission_id: str) -> bool:
        """Mark a file as having an open (pending or returned) submission; False if it has one."""
        try:
            self._open.insert_one({"_id": file_id, "submission_id": submission_id})
            return True
        except DuplicateKeyError:
            return False

    def open_submission(self, file_id: str) -> str | None:
        """The id of the file's open submission, or None."""
        doc = self._open.find_one({"_id": file_id})
        return doc["submission_id"] if doc else None

    def release_file(self, file_id: str, submission_id: str) -> None:
        """The file's submission was accepted: a new one may be made."""
        self._open.delete_one({"_id": file_id, "submission_id": submission_id})

    def insert(self, doc: dict) -> None:
        """Store a new submission."""
        self._subs.insert_one(doc)

    def by_id(self, submission_id) -> dict | None:
        """One submission, or None (also for a malformed id)."""
        key = submission_oid(submission_id)
        return self._subs.find_one({"_id": key}) if key else None

    def set(self, submission_id, changes: dict) -> None:
        """Write the state of a submission (only the claimant of a version or review calls this)."""
        self._subs.update_one({"_id": submission_oid(submission_id)}, {"$set": changes})

    def claim_version(self, doc: dict) -> bool:
        """Insert a version record; False if that version number is taken already."""
        try:
            self._versions.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def versions(self, submission_id) -> list[dict]:
        """Every version of a submission, oldest first."""
        return list(self._versions.find({"submission_id": str(submission_id)}).sort([("version", 1)]))

    def claim_review(self, doc: dict) -> bool:
        """Insert the review of a version; False if someone decided that version already."""
        try:
            self._reviews.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def release_review(self, submission_id, version: int) -> None:
        """Give a review claim back (its winner could not finish cataloguing)."""
        self._reviews.delete_one({"_id": version_key(submission_id, version)})

    def reviews(self, submission_id) -> list[dict]:
        """Every review of a submission, oldest first."""
        return list(self._reviews.find({"submission_id": str(submission_id)}).sort([("version", 1)]))

    def page(self, query: dict, skip: int, limit: int, sort=None) -> tuple[int, list[dict]]:
        """A page of submissions and the total matching (newest first by default)."""
        total = self._subs.count_documents(query)
        cursor = self._subs.find(query).sort(sort or [("submitted_at", -1), ("_id", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def find(self, query: dict, limit: int = 0) -> list[dict]:
        """Submissions matching a query, newest first."""
        cursor = self._subs.find(query).sort([("submitted_at", -1), ("_id", -1)])
        return list(cursor.limit(limit) if limit else cursor)

    def count_at_most(self, query: dict, limit: int) -> int:
        """How many submissions match, counting at most `limit` (ids only, no sort: a bounded read)."""
        return len(list(self._subs.find(query, {"_id": 1}).limit(limit)))
