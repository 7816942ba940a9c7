"""Numbered, idempotent schema migrations, run at start-up (web, worker, `archive init`) and by `archive migrate`.

Each migration runs once per database: its number is claimed by a unique insert into `migrations`.
A process that loses the claim waits for the winner to finish (or stops with a clear error if the
winner failed or stays away too long). Every migration is idempotent, so an operator's
`archive migrate --retry N` after a crash is safe.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Callable

from service import clock
from service.files import duplicate_keys
from service.files import name_keys
from storage import mongo
from storage.migrations import DONE
from storage.migrations import FAILED
from storage.migrations import MigrationRepository

log = logging.getLogger(__name__)

APPLIED, PENDING, UNKNOWN = "applied", "pending", "unknown"


class MigrationError(Exception):
    """The database cannot be brought up to date without an operator."""


@dataclass(frozen=True)
class Migration:
    """One step: its number (the order), a short name, what it does, and the function doing it."""

    number: int
    name: str
    description: str
    run: Callable[[object], dict]  # gets the wired Services; returns a small summary


def ensure_indexes(services) -> dict:
    """1: the indexes every area relies on (what ensure_schema made by hand before migrations)."""
    mongo.ensure_schema(services.db, services.settings.postgres_url)
    return {"indexes": len(mongo.INDEXES)}


def ensure_lookup_indexes(services) -> dict:
    """5: GIN indexes for the equality lookups on FerretDB over PostgreSQL (nothing to do on MongoDB)."""
    mongo.ensure_schema(services.db, services.settings.postgres_url)
    declared = sum(len(fields) for fields in mongo.EQUALITY_LOOKUPS.values())
    return {"lookups": declared if services.settings.postgres_url else 0}


def backfill_file_keys(services) -> dict:
    """2: files registered before the duplicate check (fa26be8) lack dup_keys; older ones the pinyin
    name keys or the template version. Without dup_keys such a file is never found as a duplicate."""
    repo = MigrationRepository(services.db)
    changed = 0
    with services.index_queue.collecting():  # the file list filters and sorts by the name keys
        for doc in repo.files_lacking():
            changes: dict = {}
            if "dup_keys" not in doc:
                changes["dup_keys"] = duplicate_keys(doc)
            if ("name_pinyin" not in doc or "name_initials" not in doc) and isinstance(doc.get("name"), str):
                changes["name_pinyin"], changes["name_initials"] = name_keys(doc["name"])
            if "template_version" not in doc:
                changes["template_version"] = 1  # the built-in templates were all at version 1 then
            if changes:
                repo.set_file_fields(doc["_id"], changes)
                services.index_queue.file_changed(doc["_id"])
                changed += 1
    return {"files": changed}


def compute_retention(services) -> dict:
    """3: files registered before retention existed have no computed retention, so the due list missed them."""
    return {"files": services.retention.recompute_all()}


def job_lanes(services) -> dict:
    """6: claims look jobs up by lane (their kind while runnable); jobs queued before lanes had none."""
    mongo.ensure_schema(services.db, services.settings.postgres_url)
    return {"jobs": services.jobs.assign_lanes()}


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "indexes", "create the indexes every area relies on", ensure_indexes),
    Migration(2, "file-derived-keys", "backfill dup_keys, pinyin name keys and template_version of older files",
              backfill_file_keys),
    Migration(3, "retention-states", "compute the retention of files registered before retention existed",
              compute_retention),
    Migration(4, "followup-indexes", "the indexes of follow-ups, contact records and complaints",
              ensure_indexes),
    Migration(5, "equality-indexes", "GIN indexes for every equality lookup on FerretDB over PostgreSQL",
              ensure_lookup_indexes),
    Migration(6, "job-lanes", "index jobs by lane and give every queued job its lane", job_lanes),
)


class Migrator:
    """Shows and runs the migrations over one database."""

    def __init__(self, services, migrations: tuple[Migration, ...] = MIGRATIONS,
                 wait_seconds: float = 300.0, poll_seconds: float = 0.5):
        self.services = services
        self.repo = MigrationRepository(services.db)
        self.migrations = tuple(sorted(migrations, key=lambda m: m.number))
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def status(self) -> list[dict]:
        """Every known migration with its state (applied, pending, running, failed), then unknown records."""
        records = self.repo.all()
        rows = []
        for m in self.migrations:
            doc = records.get(m.number)
            state = PENDING if doc is None else (APPLIED if doc.get("state") == DONE else doc.get("state", "?"))
            rows.append({"number": m.number, "name": m.name, "description": m.description, "state": state,
                         "finished_at": (doc or {}).get("finished_at"), "error": (doc or {}).get("error")})
        known = {m.number for m in self.migrations}
        for number, doc in sorted(records.items(), key=lambda kv: str(kv[0])):
            if number not in known:
                rows.append({"number": number, "name": doc.get("name", ""), "description": "", "state": UNKNOWN,
                             "finished_at": doc.get("finished_at"), "error": None})
        return rows

    def pending(self) -> list[Migration]:
        """Migrations not yet applied, in order."""
        records = self.repo.all()
        return [m for m in self.migrations if (records.get(m.number) or {}).get("state") != DONE]

    def run(self) -> list[int]:
        """Apply every pending migration in order; the numbers this process ran."""
        unknown = [row["number"] for row in self.status() if row["state"] == UNKNOWN]
        if unknown:
            raise MigrationError(f"the database has migrations this version does not know ({unknown}): "
                                 "it was upgraded by a newer version; run that version")
        ran = []
        for migration in self.pending():
            if self._apply(migration):
                ran.append(migration.number)
        return ran

    def retry(self, number: int) -> bool:
        """Drop a failed or stuck claim so that the next run applies the migration again."""
        if number not in {m.number for m in self.migrations}:
            raise MigrationError(f"no migration {number}")
        doc = self.repo.get(number)
        if doc is not None and doc.get("state") == DONE:
            raise MigrationError(f"migration {number} is applied; nothing to retry")
        return self.repo.release(number)

    def _apply(self, migration: Migration) -> bool:
        if not self.repo.claim(migration.number, migration.name, self.owner, clock.now()):
            self._wait_for(migration)
            return False
        log.info("migration %s (%s) started", migration.number, migration.name)
        try:
            result = migration.run(self.services)
        except Exception as exc:
            self.repo.fail(migration.number, clock.now(), f"{type(exc).__name__}: {exc}")
            raise MigrationError(f"migration {migration.number} ({migration.name}) failed: {exc}; "
                                 f"fix the cause, then run `archive migrate --retry {migration.number}`") from exc
        self.repo.finish(migration.number, clock.now(), result or {})
        log.info("migration %s (%s) done: %s", migration.number, migration.name, result)
        return True

    def _wait_for(self, migration: Migration) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            doc = self.repo.get(migration.number) or {}
            if doc.get("state") == DONE:
                return
            if doc.get("state") == FAILED:
                raise MigrationError(f"migration {migration.number} ({migration.name}) failed in "
                                     f"{doc.get('owner')}: {doc.get('error')}; run "
                                     f"`archive migrate --retry {migration.number}`")
            if time.monotonic() >= deadline:
                raise MigrationError(f"migration {migration.number} ({migration.name}) is still running in "
                                     f"{doc.get('owner')} since {doc.get('started_at')}; if that process died, run "
                                     f"`archive migrate --retry {migration.number}`")
            time.sleep(self.poll_seconds)


def migrate_at_start(services) -> list[int]:
    """What web and worker processes call on start: apply what is pending (MigrationError stops the start)."""
    ran = Migrator(services).run()
    if ran:
        log.info("applied migrations %s", ran)
    return ran
