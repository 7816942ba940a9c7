"""`archive backup`, `archive restore`, `archive destruction-register-export`, `archive export-bag` and
`archive import-bag` from the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

from service.backup import BackupService
from service.backup import DispositionReplay
from service.backup import RestoreService
from service.wiring import Services
from storage.backup import Records
from storage.backup import to_line
from storage.retention_destructions import DestructionRepository
from storage.retention_destructions import Tombstones
from storage.retention_register import RegisterRepository


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def backup_service(services: Services) -> BackupService:
    """A BackupService over the installation's database and buckets."""
    return BackupService(Records(services.db), services.objects, services.settings.db_name,
                         services.settings.bucket_prefix)


def restore_service(services: Services) -> RestoreService:
    """A RestoreService over the installation's (empty) database and buckets."""
    replay = DispositionReplay(RegisterRepository(services.db), DestructionRepository(services.db),
                               Tombstones(services.db), services.files.repo, services.retention.repo, services.audit)
    return RestoreService(services, replay)


def add_command(sub, services: Callable[[], Services]) -> None:
    """Add the backup, restore and bag subcommands to the `archive` parser."""
    p = sub.add_parser("backup", help="write a snapshot of every collection and object into DEST (incremental)")
    p.add_argument("dest", type=Path)
    p.set_defaults(func=lambda args: backup(services(), args.dest))
    p = sub.add_parser("restore", help="rebuild an EMPTY installation from a backup, replay destructions, verify")
    p.add_argument("src", type=Path)
    p.add_argument("--snapshot", default=None, help="the snapshot's id (default: the newest)")
    p.add_argument("--register", type=Path, default=None,
                   help="a newer destruction register (archive destruction-register-export) to replay")
    p.set_defaults(func=lambda args: restore(services(), args.src, args.snapshot, args.register))
    p = sub.add_parser("destruction-register-export", help="write the destruction register as JSON Lines")
    p.add_argument("file", type=Path)
    p.set_defaults(func=lambda args: export_register(services(), args.file))
    from service.cli import bags as bags_cli
    bags_cli.add_command(sub, services)


def backup(services: Services, dest: Path) -> int:
    """Write one snapshot; exit 0 even if objects vanished meanwhile (they are reported)."""
    report = backup_service(services).run(dest, _say)
    for name in report.missing:
        _say(f"missing (deleted while the backup ran, or never stored): {name}")
    for item in report.mismatched:
        _say(f"checksum differs from the record: {item['key']}")
    print(json.dumps(report.summary(), ensure_ascii=False))
    return 0


def restore(services: Services, src: Path, snapshot: str | None, register: Path | None) -> int:
    """Restore; exit 1 if any check failed."""
    report = restore_service(services).run(src, snapshot, register, _say)
    for item in report.corrupted:
        _say(f"CORRUPTED: {item['key']} expected {item['expected']} found {item['found']}")
    for failure in report.failures:
        _say(f"FAILED: {failure}")
    print(json.dumps(report.summary(), ensure_ascii=False, default=str))
    return 0 if report.ok else 1


def export_register(services: Services, path: Path) -> int:
    """Every register entry, oldest first, one extended-JSON line each."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for entry in RegisterRepository(services.db).in_order():
            handle.write(to_line(entry))
            count += 1
    print(json.dumps({"entries": count, "file": str(path)}))
    return 0
