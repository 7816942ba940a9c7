"""`archive restore SRC`: rebuild an EMPTY installation from a backup snapshot, then verify it.

Steps, in order: the snapshot's dumps are checked against the manifest's SHA-256 (a damaged dump
stops the restore before anything is written); the installation must be empty (no record in any
collection, no object in any bucket: a restore never mixes two archives); the collections are
inserted; the destruction register is merged with a newer export if one is given and replayed
(files destroyed per the register are destroyed again, and their objects are not uploaded); the
other objects are uploaded, each checked against its SHA-256 before and after; retention locks are
set again on the originals; the search index is rebuilt; the audit trail's and the register's
chains are verified; every document's original is compared with its recorded checksum. Any
failed check is reported and makes the restore fail (exit 1), after everything else was done.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Callable

from service import clock
from service.backup.disposition import load_register
from service.backup.service import FORMAT
from service.errors import Conflict
from service.errors import Invalid
from service.messages import N_
from storage.backup import MIGRATIONS
from storage.backup import RESTORE_CLAIM
from storage.backup import BackupDir
from storage.backup import Records
from storage.backup import file_sha256
from storage.backup import read_dump
from storage.documents import original_key
from storage.errors import ObjectMissing

log = logging.getLogger(__name__)


@dataclass
class RestoreReport:
    """What a restore did and found."""

    snapshot: str
    collections: int = 0
    records: int = 0
    objects: int = 0
    withheld: int = 0
    register_added: int = 0
    replayed: int = 0
    seconds: float = 0.0
    corrupted: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if every check held."""
        return not (self.corrupted or self.failures)

    def summary(self) -> dict:
        """The report as plain values."""
        return {"snapshot": self.snapshot, "ok": self.ok, "collections": self.collections,
                "records": self.records, "objects": self.objects, "withheld_destroyed": self.withheld,
                "register_added": self.register_added, "replayed_destructions": self.replayed,
                "seconds": round(self.seconds, 2), "corrupted": self.corrupted, "failures": self.failures,
                "checks": self.checks}


def open_snapshot(src: Path, snapshot: str | None) -> tuple[BackupDir, str, dict]:
    """The backup directory, the snapshot's id (the newest if none is given) and its manifest."""
    source = BackupDir(src)
    ids = source.snapshot_ids()
    if not ids:
        raise Invalid(N_("%(src)s 中没有完整的备份", src=str(src)), {"src": str(src)})
    chosen = snapshot or ids[-1]
    if chosen not in ids:
        raise Invalid(N_("没有这个备份快照：%(snapshot)s", snapshot=chosen), {"snapshot": "one of " + ", ".join(ids)})
    manifest = source.manifest(chosen)
    if manifest.get("format") != FORMAT:
        raise Invalid(N_("不认识的备份格式：%(format)r", format=manifest.get("format")), {"src": str(src)})
    return source, chosen, manifest


class RestoreService:
    """Restores one snapshot into the services' (empty) installation."""

    def __init__(self, services, replay):
        self.services = services
        self.replay = replay  # a DispositionReplay over the same database

    def run(self, src: Path, snapshot: str | None = None, register: Path | None = None,
            progress: Callable[[str], None] | None = None) -> RestoreReport:
        """Restore, replay the register, rebuild and verify; the report (check report.ok)."""
        say = progress or (lambda line: None)
        began = time.monotonic()
        source, chosen, manifest = open_snapshot(src, snapshot)
        newer = load_register(register) if register else []
        report = RestoreReport(snapshot=chosen)
        self._check_dumps(source, chosen, manifest)
        self.services.ensure_schema()
        self._refuse_unless_empty()
        if not Records(self.services.db).claim_restore({"snapshot": chosen, "at": clock.now()}):
            raise Conflict(N_("另一个恢复正在进行"), {"snapshot": chosen})
        self._insert(source, chosen, manifest, report, say)
        report.register_added = self.replay.merge(newer)
        replayed = self.replay.replay()
        report.replayed = replayed["replayed"]
        say(f"register: {report.register_added} newer entries taken, {report.replayed} files destroyed again")
        self._upload(source, manifest, set(replayed["documents"]), report, say)
        self._after(report, say)
        report.seconds = time.monotonic() - began
        self.services.audit.record("restore", "system.restored", f"backup:{chosen}",
                                   {k: v for k, v in report.summary().items() if k not in ("checks",)})
        return report

    def _check_dumps(self, source: BackupDir, chosen: str, manifest: dict) -> None:
        """Every dump is there and matches its SHA-256; Invalid before anything is written if not."""
        for name, item in manifest["collections"].items():
            path = source.dump_path(chosen, name)
            found = file_sha256(path) if path.is_file() else None
            if found != item["sha256"]:
                raise Invalid(N_("备份中的 %(name)s 已损坏或缺失", name=name),
                              {"collection": name})

    def _refuse_unless_empty(self) -> None:
        """Conflict if the installation holds any record or object."""
        records = {name: count for name, count in Records(self.services.db).non_empty().items()
                   if name != MIGRATIONS}
        objects = [role for role in ("originals", "derivatives") if next(iter(self.services.objects.keys(role)), None)]
        if records or objects:
            shown = ", ".join(f"{k}({v})" for k, v in list(records.items())[:8])
            raise Conflict(N_("只能恢复到空的系统：数据库中已有 %(records)s，存储桶中已有 %(buckets)s",
                              records=shown or "-", buckets=", ".join(objects) or "-"),
                           {"records": records, "buckets": objects})

    def _insert(self, source: BackupDir, chosen: str, manifest: dict, report: RestoreReport, say) -> None:
        records = Records(self.services.db)
        for name, item in sorted(manifest["collections"].items()):
            if name == RESTORE_CLAIM:
                continue  # the claim of the restore that filled the backed-up installation, not this one's
            if name == MIGRATIONS:
                records.remove_all(name)
            count = records.insert_all(name, read_dump(source.dump_path(chosen, name)))
            if count != item["count"]:
                report.failures.append(f"collection {name}: {count} records restored, manifest says {item['count']}")
            report.collections += 1
            report.records += count
            say(f"restored {name}: {count} records")

    def _upload(self, source: BackupDir, manifest: dict, destroyed: set[str], report: RestoreReport, say) -> None:
        """Upload every object but those of destroyed documents, checking each content twice."""
        objects = self.services.objects
        for name, item in sorted(manifest["objects"].items()):
            role, _, key = name.partition("/")
            if _document_of(role, key) in destroyed:
                report.withheld += 1
                continue
            sha = item["sha256"]
            found = source.digest(sha)
            if found != sha:
                report.corrupted.append({"key": name, "expected": sha, "found": found or "missing"})
                say(f"CORRUPTED in the backup: {name} (expected {sha}, found {found or 'nothing'})")
                continue
            with open(source.object_path(sha), "rb") as handle:
                stored = objects.put(role, key, handle, item["size"])
            if stored.sha256 != sha:
                report.corrupted.append({"key": name, "expected": sha, "found": stored.sha256})
                continue
            report.objects += 1
            if report.objects % 100 == 0:
                say(f"objects: {report.objects} uploaded")
        say(f"objects: {report.objects} uploaded, {report.withheld} of destroyed files withheld, "
            f"{len(report.corrupted)} corrupted")
        self._verify_stored(manifest, destroyed, report)

    def _verify_stored(self, manifest: dict, destroyed: set[str], report: RestoreReport) -> None:
        """Read back what was uploaded and every live document's original, comparing checksums."""
        bad = {c["key"] for c in report.corrupted}
        for name, item in manifest["objects"].items():
            role, _, key = name.partition("/")
            if name in bad or _document_of(role, key) in destroyed:
                continue
            found = _stored_sha(self.services.objects, role, key)
            if found != item["sha256"]:
                report.failures.append(f"object {name}: stored {found or 'nothing'}, expected {item['sha256']}")
        for doc in self.services.documents.repo.find({"status": "active"}):
            name = f"originals/{original_key(doc['_id'])}"
            if name in bad:
                continue
            expected = (manifest["objects"].get(name) or {}).get("sha256")
            if expected != doc.get("sha256"):
                why = "missing when the backup was taken" if name in manifest.get("missing", []) else \
                    f"original {expected or 'not in the backup'}"
                report.failures.append(f"document {doc['_id']}: {why}, record says {doc.get('sha256')}")
        report.checks["objects_verified"] = report.objects

    def _after(self, report: RestoreReport, say) -> None:
        """Locks, search index, chains."""
        say("retention: setting the originals' locks again")
        self.services.retention.recompute_all(lambda done, total: None)
        say("search: rebuilding the index")
        stats = self.services.search.reindex(restart=True)
        for kind in self.services.listings.kinds:
            say(f"listing index {kind}: {self.services.listings.rebuild(kind)} records")
        report.checks["search"] = {"files": stats.get("files"), "pages": stats.get("pages")}
        audit = self.services.audit.verify()
        register = self.services.destruction_register.verify()
        report.checks["audit"] = audit
        report.checks["register"] = register
        if not audit["ok"]:
            report.failures.append(f"audit chain broken at entry {audit['first_bad']}")
        if not register["ok"]:
            report.failures.append(f"destruction register chain broken at entry {register['first_bad']}")
        say(f"audit chain: {'ok' if audit['ok'] else 'BROKEN'} ({audit['entries']} entries); register: "
            f"{'ok' if register['ok'] else 'BROKEN'} ({register['entries']} entries)")


def _document_of(role: str, key: str) -> str | None:
    """The document id an object belongs to (originals/documents/<id>, derivatives/<id>/…)."""
    if role == "originals" and key.startswith("documents/"):
        return key[len("documents/"):]
    if role == "derivatives":
        return key.split("/", 1)[0]
    return None


def _stored_sha(objects, role: str, key: str) -> str | None:
    digest = hashlib.sha256()
    try:
        for chunk in objects.stream(role, key):
            digest.update(chunk)
    except ObjectMissing:
        return None
    return digest.hexdigest()
