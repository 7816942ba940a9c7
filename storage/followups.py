"""Follow-ups (回访), contact records, complaints, the rules and campaigns.

FerretDB's conditional updates are not atomic, so races are decided by unique inserts:
a follow-up's `_id` is `<file_id>:<rule>` (generation is idempotent), and closing a follow-up or a
complaint first inserts `{_id: <its id>}` into a closures collection — only one closer wins.
"""
from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.errors import DuplicateKeyError

from service import clock
from storage.listing_marks import ListingMarks
from storage.mongo import by_ids

RULES_ID = "rules"


def as_oid(value) -> ObjectId | None:
    """The ObjectId of an id, or None if it is malformed."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class FollowupRepository:
    """The only door to the follow-up collections."""

    def __init__(self, db: Database):
        self.followups = db["followups"]
        self.contacts = db["contacts"]
        self.complaints = db["complaints"]
        self._closures = db["followup_closures"]
        self._complaint_closures = db["complaint_closures"]
        self._rules = db["followup_rules"]
        self.campaigns = db["followup_campaigns"]
        self._marks = ListingMarks(db)

    def _written(self, followup_ids) -> None:
        # every write of follow-ups leaves a mark for their listing index
        self._marks.add_many("followups", followup_ids, clock.now())

    def every_followup(self):
        """Every follow-up (streamed; rebuilding the listing index)."""
        yield from self.followups.find({}).batch_size(1000)

    # -- follow-ups -------------------------------------------------------------------------
    def add_followup(self, doc: dict) -> bool:
        """Insert a due follow-up; False if it exists already (generation is idempotent)."""
        try:
            self.followups.insert_one(doc)
            self._written([doc["_id"]])
            return True
        except DuplicateKeyError:
            return False

    def add_followups(self, docs: list[dict]) -> list[str]:
        """Insert due follow-ups in one go; the ids inserted (those that exist already are skipped)."""
        if not docs:
            return []
        try:
            self.followups.insert_many(docs, ordered=False)
            added = [doc["_id"] for doc in docs]
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise
            taken = {docs[error["index"]]["_id"] for error in exc.details["writeErrors"]}
            added = [doc["_id"] for doc in docs if doc["_id"] not in taken]
        self._written(added)
        return added

    def followups_by_ids(self, followup_ids: list[str]) -> list[dict]:
        """The follow-ups with these ids, in that order (a list's page, read in parallel)."""
        return by_ids(self.followups, [i for i in followup_ids if isinstance(i, str)])

    def followup(self, followup_id: str) -> dict | None:
        """One follow-up, or None."""
        return self.followups.find_one({"_id": followup_id}) if isinstance(followup_id, str) else None

    def find_followups(self, query: dict, sort=None, skip: int = 0, limit: int = 0) -> tuple[int, list[dict]]:
        """Follow-ups matching a query (soonest due first) and how many match."""
        total = self.followups.count_documents(query)
        cursor = self.followups.find(query).sort(sort or [("due", 1), ("_id", 1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def set_followups(self, query: dict, changes: dict) -> int:
        """Change the follow-ups matching a query; how many changed."""
        changing = [doc["_id"] for doc in self.followups.find(query, {"_id": 1})]
        changed = self.followups.update_many(query, {"$set": changes}).modified_count
        self._written(changing)
        return changed

    def claim_closure(self, followup_id: str, contact_id: str, actor: str, at) -> bool:
        """Claim the closing of a follow-up; False if someone closed it first."""
        try:
            self._closures.insert_one({"_id": followup_id, "contact_id": contact_id, "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            return False

    def release_closure(self, followup_id: str) -> None:
        """Give a closure claim back (its winner could not finish)."""
        self._closures.delete_one({"_id": followup_id})

    # -- contacts and complaints ------------------------------------------------------------
    def add_contact(self, doc: dict) -> None:
        """Store a contact record."""
        self.contacts.insert_one(doc)

    def find_contacts(self, query: dict, skip: int = 0, limit: int = 0) -> tuple[int, list[dict]]:
        """Contact records matching a query, newest first, and how many match."""
        total = self.contacts.count_documents(query)
        cursor = self.contacts.find(query).sort([("date", -1), ("created_at", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def add_complaint(self, doc: dict) -> None:
        """Store a complaint raised in a contact."""
        self.complaints.insert_one(doc)
        self._marks.add_many("complaints", [doc["_id"]], clock.now())

    def every_complaint(self):
        """Every complaint (streamed; rebuilding the listing index)."""
        yield from self.complaints.find({}).batch_size(1000)

    def complaint(self, complaint_id) -> dict | None:
        """One complaint, or None (also for a malformed id)."""
        key = as_oid(complaint_id)
        return self.complaints.find_one({"_id": key}) if key else None

    def find_complaints(self, query: dict, skip: int = 0, limit: int = 0) -> tuple[int, list[dict]]:
        """Complaints matching a query, earliest promised date first, and how many match."""
        total = self.complaints.count_documents(query)
        cursor = self.complaints.find(query).sort([("promised", 1), ("_id", 1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)

    def claim_complaint_closure(self, complaint_id: str, actor: str, at) -> bool:
        """Claim the closing of a complaint; False if it was closed already."""
        try:
            self._complaint_closures.insert_one({"_id": complaint_id, "actor": actor, "at": at})
            return True
        except DuplicateKeyError:
            return False

    def set_complaint(self, complaint_id: str, changes: dict) -> None:
        """Write a complaint's closing (only the closure's claimant calls this)."""
        self.complaints.update_one({"_id": as_oid(complaint_id)}, {"$set": changes})
        self._marks.add_many("complaints", [complaint_id], clock.now())

    def sync_file(self, file_id: str, snapshot: dict, followups: list[dict]) -> None:
        """Copy a file's name, project, security and department onto its records that differ (for lists and
        filters); `followups` are the file's follow-ups as just read."""
        differs = {"file_id": file_id, "$or": [{key: {"$ne": value}} for key, value in snapshot.items()]}
        changing = [doc["_id"] for doc in self.complaints.find(differs, {"_id": 1})]
        for collection in (self.contacts, self.complaints):
            collection.update_many(differs, {"$set": snapshot})
        self._marks.add_many("complaints", changing, clock.now())
        if any(d["status"] == "open" and any(d.get(k) != v for k, v in snapshot.items()) for d in followups):
            self.followups.update_many({"file_id": file_id, "status": "open"}, {"$set": snapshot})
            self._written([d["_id"] for d in followups if d["status"] == "open"])

    # -- rules and campaigns ----------------------------------------------------------------
    def rules(self) -> dict | None:
        """The configured rules, or None while the defaults hold."""
        return self._rules.find_one({"_id": RULES_ID})

    def save_rules(self, rules: dict) -> None:
        """Replace the configured rules."""
        self._rules.replace_one({"_id": RULES_ID}, {"_id": RULES_ID, **rules}, upsert=True)

    def add_campaign(self, doc: dict) -> None:
        """Store a one-off campaign."""
        self.campaigns.insert_one(doc)

    def find_campaigns(self, skip: int = 0, limit: int = 0) -> tuple[int, list[dict]]:
        """Campaigns, newest first."""
        total = self.campaigns.count_documents({})
        cursor = self.campaigns.find({}).sort([("created_at", -1)]).skip(skip)
        return total, list(cursor.limit(limit) if limit else cursor)
