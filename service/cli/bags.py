"""`archive export-bag` and `archive import-bag` (the operator at the server; audited as `cli`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

from service.backup import BagService
from service.backup import safe_name
from service.errors import Invalid
from service.errors import NotFound
from service.messages import N_


def add_command(sub, services: Callable) -> None:
    """Add the bag subcommands to the `archive` parser."""
    p = sub.add_parser("export-bag", help="export files (by id, or a whole project) as BagIt bags into DEST")
    chosen = p.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--file", action="append", default=None, metavar="ID", help="a file's id (repeatable)")
    chosen.add_argument("--project", default=None, help="every file of a project (楼盘)")
    p.add_argument("dest", type=Path)
    p.set_defaults(func=lambda args: export(services(), args.file, args.project, args.dest))
    p = sub.add_parser("import-bag", help="recreate a file from a BagIt bag (directory or zip); validated first")
    p.add_argument("path", type=Path)
    p.set_defaults(func=lambda args: import_(services(), args.path))


def export(services, file_ids: list[str] | None, project: str | None, dest: Path) -> int:
    """One bag directory per file under dest, named by archive number."""
    repo = services.files.repo
    if project is not None:
        docs = [d for d in repo.find({"classification.project": project}, limit=0)
                if d.get("status") in ("active", "closed")]
        if not docs:
            raise NotFound(N_("项目 %(project)s 没有档案", project=project))
    else:
        docs = []
        for file_id in file_ids:
            doc = repo.by_id(file_id)
            if doc is None:
                raise NotFound(N_("没有这个档案：%(id)s", id=file_id))
            docs.append(doc)
    dest.mkdir(parents=True, exist_ok=True)
    bags = BagService(services)
    written = []
    for number, doc in enumerate(docs, 1):
        path = bags.export(doc, dest / safe_name(doc["archive_no"]), "cli")
        written.append(str(path))
        print(f"bag {number}/{len(docs)}: {doc['archive_no']} -> {path}", file=sys.stderr, flush=True)
    print(json.dumps({"bags": len(written), "dest": str(dest)}, ensure_ascii=False))
    return 0


def import_(services, path: Path) -> int:
    """Validate a bag and recreate its file."""
    if not path.exists():
        raise Invalid(N_("没有这个路径：%(path)s", path=str(path)), {"path": str(path)})
    record = BagService(services).import_bag(path, "cli")
    print(json.dumps({"file_id": str(record["_id"]), "archive_no": record["archive_no"]}, ensure_ascii=False))
    return 0
