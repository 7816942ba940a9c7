"""`archive backup DEST`: a consistent, restorable, incremental copy of the whole installation.

What a snapshot holds and when:

1. Every collection of the database (enumerated, never listed by hand) is dumped first, one
   JSON Lines file of extended JSON each, with its count and SHA-256 in the manifest.
2. Then every object of every bucket of the product is listed and kept content-addressed under
   DEST/objects/ab/cdef… . A content already there is not copied again: its SHA-256 comes from
   the document records (originals) or from an earlier snapshot's manifest (same key, size and
   time of writing); only an unknown object is read from the store and hashed while copied.
3. The manifest is written and `snapshots/<id>.tmp` renamed to `snapshots/<id>`: a snapshot
   that exists is complete; a stopped backup leaves only a `.tmp` that the next one ignores.

Consistency while the product is in use: records are dumped before objects are listed, and the
store writes an object before the record that points to it, so every record in the dump finds
its object in the listing, unless the object was deleted in between (a destruction or the
sweeper running meanwhile): such objects are reported in the manifest under `missing`, and the
backup still succeeds. Objects written after the dump may be kept too; no record of this
snapshot refers to them, and after a restore the sweeper removes them as orphans.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Callable

from service import clock
from storage.backup import BackupDir
from storage.backup import Records
from storage.backup import write_dump
from storage.errors import ObjectMissing
from storage.objects import BUCKETS
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

FORMAT = "kehu-archive-backup/1"


def product_version() -> str:
    """The installed version of the product."""
    try:
        return metadata.version("kehu-archive")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class BackupReport:
    """What a backup did."""

    snapshot: str
    path: Path
    collections: int = 0
    documents: int = 0
    objects: int = 0
    copied: int = 0
    reused: int = 0
    downloaded: int = 0
    bytes_copied: int = 0
    size: int = 0
    seconds: float = 0.0
    missing: list = field(default_factory=list)
    mismatched: list = field(default_factory=list)

    def summary(self) -> dict:
        """The report as plain values."""
        return {"snapshot": self.snapshot, "path": str(self.path), "collections": self.collections,
                "documents": self.documents, "objects": self.objects, "copied": self.copied,
                "reused": self.reused, "downloaded": self.downloaded, "bytes_copied": self.bytes_copied,
                "size": self.size, "seconds": round(self.seconds, 2), "missing": len(self.missing),
                "mismatched": len(self.mismatched)}


class BackupService:
    """Writes snapshots of one installation into a backup directory."""

    def __init__(self, records: Records, objects: ObjectStore, db_name: str = "", bucket_prefix: str = ""):
        self.records = records
        self.objects = objects
        self.db_name = db_name
        self.bucket_prefix = bucket_prefix

    def run(self, dest: Path, progress: Callable[[str], None] | None = None) -> BackupReport:
        """Write one snapshot into `dest`; the report (missing objects do not make it fail)."""
        say = progress or (lambda line: None)
        started = clock.now()
        began = time.monotonic()
        target = BackupDir(dest)
        target.prepare()
        snapshot_id, tmp = target.begin(_snapshot_id(started))
        report = BackupReport(snapshot=snapshot_id, path=target.snapshots / snapshot_id)
        known: dict[str, str] = {}  # "originals/<key>" -> sha256 recorded by the documents
        collections = self._dump(tmp, known, report, say)
        objects = self._copy_objects(target, known, _earlier(target), report, say)
        report.seconds = time.monotonic() - began
        manifest = {"format": FORMAT, "version": product_version(), "snapshot": snapshot_id,
                    "started_at": started.isoformat(), "finished_at": clock.now().isoformat(),
                    "source": {"db_name": self.db_name, "bucket_prefix": self.bucket_prefix},
                    "collections": collections, "objects": objects, "missing": report.missing,
                    "mismatched": report.mismatched, "size": report.size,
                    "stats": {k: v for k, v in report.summary().items() if k not in ("snapshot", "path")}}
        report.path = target.commit(tmp, manifest)
        say(f"backup {snapshot_id}: {report.collections} collections, {report.documents} records, "
            f"{report.objects} objects ({report.copied} copied, {report.reused} already kept), "
            f"{report.size} bytes, {report.seconds:.1f} s")
        return report

    def _dump(self, tmp: Path, known: dict, report: BackupReport, say) -> dict:
        """Dump every collection; note the originals' checksums the document records hold."""
        def note(doc: dict) -> None:
            if isinstance(doc.get("key"), str) and isinstance(doc.get("sha256"), str) \
                    and doc.get("status") != "destroyed":
                known[f"originals/{doc['key']}"] = doc["sha256"]
        collections = {}
        for name in self.records.names():
            path = tmp / "collections" / f"{name}.jsonl"
            count, sha, size = write_dump(path, self.records.documents(name), note if name == "documents" else None)
            collections[name] = {"count": count, "sha256": sha, "bytes": size}
            report.collections += 1
            report.documents += count
            report.size += size
            say(f"dumped {name}: {count} records")
        return collections

    def _copy_objects(self, target: BackupDir, known: dict, earlier: dict, report: BackupReport, say) -> dict:
        """Keep every object of every bucket; the manifest's key -> {sha256, size}."""
        listed, kept = set(), {}
        for role in BUCKETS:
            for entry in self.objects.entries(role):
                name = f"{role}/{entry.key}"
                listed.add(name)
                stamp = entry.modified.isoformat() if entry.modified else None
                sha = known.get(name) or earlier.get((name, entry.size, stamp))
                if sha and target.has(sha, entry.size):
                    report.reused += 1
                else:
                    sha = self._copy(target, role, entry.key, known.get(name), entry.size, report)
                    if sha is None:
                        continue
                kept[name] = {"sha256": sha, "size": entry.size, "modified": stamp}
                report.objects += 1
                report.size += entry.size
                if report.objects % 100 == 0:
                    say(f"objects: {report.objects} kept ({report.copied} copied)")
        report.missing += sorted(name for name in known if name not in listed)
        return kept

    def _copy(self, target: BackupDir, role: str, key: str, expected: str | None, size: int,
              report: BackupReport) -> str | None:
        """Read one object from the store into the backup; its SHA-256, or None if it vanished."""
        try:
            sha, copied_size, written = target.add(self.objects.stream(role, key))
        except ObjectMissing:
            report.missing.append(f"{role}/{key}")
            return None
        report.downloaded += 1
        if written:
            report.copied += 1
            report.bytes_copied += copied_size
        if expected and sha != expected:
            report.mismatched.append({"key": f"{role}/{key}", "expected": expected, "found": sha})
            log.warning("backup: %s/%s does not match its recorded SHA-256", role, key)
        return sha


def _snapshot_id(started: datetime) -> str:
    """A sortable id from the start time (BackupDir.begin makes it unique in the destination)."""
    return started.strftime("%Y%m%dT%H%M%S") + f"{started.microsecond // 1000:03d}Z"


def _earlier(target: BackupDir) -> dict:
    """(key, size, time of writing) -> sha256 from the newest complete snapshot in the destination
    (it lists every object the store held then; older snapshots add only objects since deleted)."""
    ids = target.snapshot_ids()
    if not ids:
        return {}
    return {(name, item.get("size"), item.get("modified")): item.get("sha256")
            for name, item in target.manifest(ids[-1]).get("objects", {}).items()}

