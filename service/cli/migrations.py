"""`archive migrate`: show the migrations' states and run the pending ones."""
from __future__ import annotations

import sys
from typing import Callable

from service.migrations import PENDING
from service.migrations import UNKNOWN
from service.migrations import MigrationError
from service.migrations import Migrator


def add_command(sub, services: Callable) -> None:
    """Register `archive migrate` on the CLI's subparsers."""
    p = sub.add_parser("migrate", help="show the schema migrations and run the pending ones")
    p.add_argument("--list", action="store_true", help="only show applied, pending, failed and unknown ones")
    p.add_argument("--retry", type=int, default=None, metavar="N",
                   help="drop the failed or stuck claim of migration N, then run the pending ones")
    p.set_defaults(func=lambda args: migrate(services(), args.list, args.retry))


def show(migrator: Migrator) -> list[dict]:
    """Print one line per migration; the rows."""
    rows = migrator.status()
    for row in rows:
        when = row["finished_at"].isoformat(timespec="seconds") if row.get("finished_at") else ""
        print(f"{row['number']:>4}  {row['state']:<8} {row['name']:<20} {when}  {row['error'] or row['description']}")
    return rows


def migrate(services, list_only: bool = False, retry: int | None = None) -> int:
    """Show, and unless list_only run; exit 1 on a failed, stuck or unknown migration."""
    migrator = Migrator(services)
    try:
        if retry is not None:
            released = migrator.retry(retry)
            print(f"migration {retry}: {'claim dropped' if released else 'no claim to drop'}")
        if list_only:
            rows = show(migrator)
            return 1 if any(r["state"] not in ("applied", PENDING) for r in rows) else 0
        ran = migrator.run()
    except MigrationError as exc:
        show(migrator)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    show(migrator)
    print(f"applied {len(ran)} migration(s){': ' + ', '.join(map(str, ran)) if ran else ''}; "
          f"{sum(1 for r in migrator.status() if r['state'] == UNKNOWN)} unknown")
    return 0
