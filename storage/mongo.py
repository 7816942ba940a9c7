"""The MongoDB client (one per process), schema set-up and a liveness probe."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from pymongo import ASCENDING
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid
from pymongo.errors import PyMongoError

from storage import equality
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

# (collection, keys, options); extended by each area as it lands.
INDEXES: list[tuple[str, list[tuple[str, int]], dict]] = [
    ("jobs", [("state", ASCENDING), ("run_after", ASCENDING)], {}),
    ("jobs", [("lane", ASCENDING)], {}),
    ("users", [("username", ASCENDING)], {"unique": True}),
    ("api_tokens", [("user_id", ASCENDING)], {}),
    ("files", [("archive_no", ASCENDING)], {"unique": True}),
    ("files", [("dup_keys", ASCENDING)], {}),
    ("corrections", [("file_id", ASCENDING)], {}),
    ("documents", [("file_id", ASCENDING)], {}),
    ("documents", [("source.unit", ASCENDING)], {}),
    ("scan_inbox", [("state", ASCENDING), ("created_at", ASCENDING)], {}),
    ("scan_imports", [("created_at", ASCENDING)], {}),
    ("login_failures", [("user_id", ASCENDING), ("at", ASCENDING)], {}),
    ("audit", [("target", ASCENDING)], {}),
    ("audit", [("actor", ASCENDING)], {}),
    ("audit", [("action", ASCENDING)], {}),
    ("intake_submissions", [("submitter", ASCENDING)], {}),
    ("intake_submissions", [("file_id", ASCENDING)], {}),
    ("intake_versions", [("submission_id", ASCENDING)], {}),
    ("intake_reviews", [("submission_id", ASCENDING)], {}),
    ("verification_tasks", [("owner", ASCENDING), ("status", ASCENDING)], {}),
    ("verification_tasks", [("status", ASCENDING), ("due_date", ASCENDING)], {}),
    ("verification_tasks", [("period", ASCENDING)], {}),
    ("followups", [("file_id", ASCENDING)], {}),
    ("followups", [("assignee", ASCENDING), ("status", ASCENDING), ("due", ASCENDING)], {}),
    ("followups", [("team", ASCENDING), ("due", ASCENDING)], {}),
    ("contacts", [("file_id", ASCENDING)], {}),
    ("contacts", [("date", ASCENDING)], {}),
    ("complaints", [("department", ASCENDING), ("status", ASCENDING)], {}),
    ("complaints", [("month", ASCENDING)], {}),
    ("complaints", [("file_id", ASCENDING)], {}),
]
INDEXES += [  # external sharing and personal information
    ("shares", [("token_hash", ASCENDING)], {}),
    ("shares", [("file_id", ASCENDING)], {}),
    ("share_authorizations", [("file_id", ASCENDING)], {}),
]
INDEXES += [  # notices: one per event, a person's newest first
    ("notices", [("key", ASCENDING)], {"unique": True}),
    ("notices", [("user", ASCENDING), ("at", ASCENDING)], {}),
]


# Every top-level field the code looks up by equality, per collection (`_id` included). On FerretDB
# over PostgreSQL each gets a GIN expression index (storage/equality.py), the only index FerretDB's
# pushdown can use; on MongoDB the ordinary indexes above serve. A lookup on a field missing here
# reads the whole collection on FerretDB: add the field here when adding such a lookup.
_LOOKUPS_BESIDES_ID: dict[str, tuple[str, ...]] = {  # every collection is also looked up by `_id`
    "api_tokens": ("user_id",),
    "audit": ("action", "actor", "target"),
    "complaint_closures": (),
    "complaints": ("file_id", "month", "status"),
    "contacts": ("file_id", "followup_id"),
    "correction_decisions": (),
    "corrections": ("file_id",),
    "destruction_claims": ("batch_id",),
    "destruction_register": ("batch_id",),
    "destruction_steps": (),
    "destructions": ("status",),
    "doc_types": (),
    "document_hashes": (),
    "documents": ("file_id", "fixity_status", "ocr_status", "status"),
    "file_versions": ("file_id",),
    "files": ("approved_borrowers", "archive_no", "dup_keys", "name", "owner", "status", "version"),
    "fixity_failures": (),
    "fixity_runs": (),
    "folders_out": ("loan_id",),
    "followup_campaigns": (),
    "followup_closures": (),
    "followup_rules": (),
    "followups": ("assignee", "campaign_id", "file_id", "kind", "status"),
    "import_key_files": (),
    "import_keys": (),
    "import_mappings": (),
    "imports": (),
    "index_pending": ("file_id", "reason"),
    "index_pending_documents": ("document_id",),
    "intake_open": ("submission_id",),
    "intake_reviews": ("submission_id",),
    "intake_submissions": ("file_id", "status", "submitter"),
    "intake_versions": ("submission_id",),
    "job_claims": (),
    "jobs": ("lane", "state"),
    "jobs_done": (),
    "loan_incidents": ("file_id",),
    "loan_notices": ("read", "user"),
    "loan_reservations": ("file_id", "status", "user"),
    "loan_steps": (),
    "loans": ("borrower", "file_department", "file_id", "file_security", "kind", "status"),
    "listing_marks": ("kind",),
    "login_failures": ("user_id",),
    "migrations": ("state",),
    "noop_runs": (),
    "notices": ("key", "read", "user"),
    "partners": (),
    "privacy_requests": (),
    "required_doc_types": (),
    "retention": ("kind",),
    "retention_holds": ("file_id", "status"),
    "retention_policies": ("active",),
    "retention_steps": (),
    "scan_imports": (),
    "scan_inbox": ("state",),
    "scan_inbox_decisions": (),
    "scan_unit_takeovers": (),
    "scan_units": (),
    "schedule_slots": (),
    "sequence_numbers": (),
    "share_authorizations": ("file_id",),
    "share_steps": (),
    "shares": ("file_id", "requester", "token_hash"),
    "templates": (),
    "users": ("username",),
    "verification_done": (),
    "verification_rules": (),
    "verification_tasks": ("owner", "period", "status"),
}
EQUALITY_LOOKUPS: dict[str, tuple[str, ...]] = {name: ("_id", *fields) for name, fields in _LOOKUPS_BESIDES_ID.items()}


def all_of(*queries: dict) -> dict:
    """A filter that holds when every query holds, with plain fields kept at the top level.

    FerretDB sends top-level equalities to PostgreSQL (indexed) but nothing inside `$and`/`$or`:
    `{"$and": [{"file_id": x}, visibility]}` decodes the whole collection, while
    `{"file_id": x, "$and": [visibility]}` is an indexed lookup followed by a filter of its few matches.
    """
    merged: dict = {}
    rest: list[dict] = []
    for query in queries:
        for name, condition in (query or {}).items():
            if name.startswith("$") or name in merged:
                rest.append({name: condition})
            else:
                merged[name] = condition
    if rest:
        merged["$and"] = rest
    return merged


def find_each(collection: Collection, field: str, values: Iterable, query: dict | None = None,
              projection: dict | None = None, limit: int = 0) -> list[dict]:
    """Documents whose `field` equals one of `values` (and match `query`): one indexed lookup per value.

    FerretDB never sends `{field: {"$in": values}}` to PostgreSQL, so that decodes the whole collection,
    while each `{field: value}` is a GIN-indexed lookup. Results come in the order of `values`, each
    document once. Without a `limit` the lookups run in parallel (`lookup_each`); with one (0: none),
    one after another until it is reached.
    """
    found: dict = {}
    if not limit:
        for docs in lookup_each(collection, field, values, query, projection).values():
            for doc in docs:
                found.setdefault(doc["_id"], doc)
        return list(found.values())
    for value in dict.fromkeys(values):
        for doc in collection.find({**(query or {}), field: value}, projection):
            found.setdefault(doc["_id"], doc)
            if limit and len(found) >= limit:
                return list(found.values())
    return list(found.values())


def lookup_each(collection: Collection, field: str, values: Iterable, query: dict | None = None,
                projection: dict | None = None, threads: int = 8) -> dict:
    """The documents matching each of many values of `field`, by value: indexed lookups run in parallel.

    For checks of thousands of values at once (an import's rows), where one lookup after another would
    wait on the network for each and a scan would decode the whole collection.
    """
    wanted = list(dict.fromkeys(values))

    def one(value):
        return value, list(collection.find({**(query or {}), field: value}, projection))

    if len(wanted) <= 1:  # no thread for a single lookup
        return dict(map(one, wanted))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return dict(pool.map(one, wanted))


def by_ids(collection: Collection, ids: Iterable, threads: int = 8) -> list[dict]:
    """The documents with these _ids, in that order (missing ones left out): a list's page of rows,
    read by point lookups in parallel."""
    found = lookup_each(collection, "_id", ids, threads=threads)
    return [docs[0] for docs in found.values() if docs]


def make_client(url: str, timeout_ms: int = 2000) -> MongoClient:
    """One client per process, lazy (connect=False) so that forking servers stay safe."""
    return MongoClient(
        url,
        connect=False,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=30_000,
        appname="kehu-archive",
    )


def ensure_schema(db: Database, postgres_url: str = "") -> None:
    """Create the collections and indexes the product relies on; safe to run any number of times.

    With `postgres_url` (FerretDB over PostgreSQL) the GIN lookup indexes are made too, for every
    declared collection, so a collection added in a later release gets its indexes at the next start.
    """
    present = set(db.list_collection_names())
    for name in sorted(set(EQUALITY_LOOKUPS) - present):
        try:
            db.create_collection(name)
        except CollectionInvalid:  # made meanwhile by another process
            pass
    for collection, keys, options in INDEXES:
        db[collection].create_index(keys, **options)
    if postgres_url:
        equality.ensure_indexes(postgres_url, db.name, EQUALITY_LOOKUPS)
    log.info("database schema ensured for %s", db.name)


def ping(client: MongoClient, timeout_ms: int) -> None:
    """Raise StorageUnavailable unless the database answers within timeout_ms."""
    try:
        client.admin.command("ping", maxTimeMS=timeout_ms)
    except PyMongoError as exc:
        raise StorageUnavailable("database", type(exc).__name__) from exc
