"""`archive import-scans`: file a folder of scanner output from the command line."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

from service.wiring import Services


def add_command(sub, services: Callable[[], Services]) -> None:
    """Add the import-scans subcommand to the `archive` parser."""
    p = sub.add_parser("import-scans", help="file a folder (or zip) of scanner output: archive numbers in names, "
                                            "separator sheets, the rest to the inbox")
    p.add_argument("folder", type=Path)
    p.add_argument("--user", required=True, help="the acting archivist's username")
    p.set_defaults(func=lambda args: import_scans(services(), args))


def _item_line(item: dict) -> str:
    pages = f"p{item['pages'][0]}-{item['pages'][1]}" if item.get("pages") else "all pages"
    again = " (already there)" if item.get("already") else ""
    if item["kind"] == "document":
        return f"  {pages} -> {item['archive_no']} {item['doc_type']} document {item['document_id']}{again}"
    if item["kind"] == "inbox":
        return f"  {pages} -> inbox {item['inbox_id']}: {item['reason']}{again}"
    return f"  {pages} FAILED: {item['reason']}"


def print_entry(number: int, total: int, entry: dict) -> None:
    """One input's outcome, as it is filed."""
    head = f"[{number}/{total}] {entry['name']}: {entry['outcome']}"
    print(head + (f" ({entry['reason']})" if entry.get("reason") else ""), flush=True)
    for item in entry.get("items", []):
        print(_item_line(item), flush=True)


def import_scans(services: Services, args: argparse.Namespace) -> int:
    """Run the import now; exit 1 if anything failed."""
    actor = services.users.by_username(args.user)
    run = services.scan_imports.run_folder(actor, args.folder, print_entry)
    print(json.dumps({"import_id": str(run["_id"]), **run["counts"]}, ensure_ascii=False))
    return 1 if run["counts"]["failed"] else 0
