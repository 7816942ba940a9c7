"""The MongoDB client (one per process), schema set-up and a liveness probe."""
from __future__ import annotations

import logging

from pymongo import ASCENDING
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

# (collection, keys, options); extended by each area as it lands.
INDEXES: list[tuple[str, list[tuple[str, int]], dict]] = [
    ("jobs", [("state", ASCENDING), ("run_after", ASCENDING)], {}),
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
INDEXES += [  # external sharing and personal information (#11)
    ("shares", [("token_hash", ASCENDING)], {}),
    ("shares", [("file_id", ASCENDING)], {}),
    ("share_authorizations", [("file_id", ASCENDING)], {}),
]


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


def ensure_schema(db: Database) -> None:
    """Create the indexes the product relies on; safe to run any number of times."""
    for collection, keys, options in INDEXES:
        db[collection].create_index(keys, **options)
    log.info("database schema ensured for %s", db.name)


def ping(client: MongoClient, timeout_ms: int) -> None:
    """Raise StorageUnavailable unless the database answers within timeout_ms."""
    try:
        client.admin.command("ping", maxTimeMS=timeout_ms)
    except PyMongoError as exc:
        raise StorageUnavailable("database", type(exc).__name__) from exc
