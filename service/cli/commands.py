"""The `archive` command."""
from __future__ import annotations

import argparse
import json
import logging
import secrets
import signal
import sys
import time

from service import settings as settings_module
from service.cli import backup as backup_cli
from service.cli import migrations as migrations_cli
from service.cli import retention as retention_cli
from service.cli import scans as cli_scans
from service.errors import DomainError
from service.fulltext import rebuild as search_rebuild
from service.migrations import MigrationError
from service.migrations import migrate_at_start
from service.wiring import Services
from service.wiring import build_services

log = logging.getLogger(__name__)
REBUILD_WAIT_SECONDS = 2.0  # between looks at another process's rebuild of the search index


def _services() -> Services:
    return build_services(settings_module.from_env())


def cmd_init(args) -> int:
    """Create indexes and buckets, and the first admin if there is none."""
    services = _services()
    services.ensure_schema()
    migrate_at_start(services)
    if services.users.has_admin():
        print("schema ready; an admin exists")
        return 0
    password = args.admin_password or secrets.token_urlsafe(12)
    services.users.create(args.admin_username, password, ["admin"], display_name="管理员")
    if args.admin_password:
        print(f"schema ready; created admin '{args.admin_username}' with the given password")
    else:
        print(f"schema ready; created admin '{args.admin_username}' with password: {password}")
        print("(shown once: write it down or change it after signing in)")
    return 0


def cmd_ensure_schema(args) -> int:
    """Create indexes and buckets."""
    _services().ensure_schema()
    print("schema ready")
    return 0


def cmd_create_user(args) -> int:
    """Create a user from the command line."""
    user = _services().users.create(args.username, args.password, args.role,
                                    department=args.department, display_name=args.display_name)
    print(f"created user {user.username} ({', '.join(user.roles)})")
    return 0


def cmd_worker(args) -> int:
    """Run the job loop until SIGTERM or SIGINT."""
    from service.worker import Worker
    services = _services()
    migrate_at_start(services)  # before any job: handlers expect the current schema
    _rebuild_if_outdated(services)  # an upgrade that changed the index's schema
    built = services.listings.build_incomplete()  # a listing index new in this version
    if built:
        log.info("listing indexes built: %s", built)
    worker = Worker(services, schedule=True)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    log.info("worker %s started", worker.worker_id)
    try:
        worker.run(max_jobs=args.max_jobs)
    finally:
        worker.close()
    log.info("worker %s stopped", worker.worker_id)
    return 0


def _rebuild_if_outdated(services: Services) -> None:
    """Rebuild an outdated search index; when another process (a worker started at the same time on
    another machine, `archive reindex`) is rebuilding it, wait for that one and look again."""
    waited = False
    while True:
        try:
            services.search.rebuild_if_outdated()
            return
        except search_rebuild.RebuildRunning:
            if not waited:
                log.info("another process is rebuilding the search index; waiting for it")
            waited = True
            time.sleep(REBUILD_WAIT_SECONDS)


def cmd_enqueue(args) -> int:
    """Queue a job by hand (operators and tests)."""
    try:
        payload = json.loads(args.payload)
    except json.JSONDecodeError as exc:
        print(f"--payload is not JSON: {exc}", file=sys.stderr)
        return 2
    print(_services().jobs.enqueue(args.kind, payload))
    return 0


def cmd_audit_verify(args) -> int:
    """Verify the audit trail's chain of hashes; exit 1 if it is broken."""
    result = _services().audit.verify()
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def cmd_fixity(args) -> int:
    """Re-read originals and compare checksums; exit 1 if any is missing or changed."""
    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            print(f"checked {done}/{total}", flush=True)
    report = _services().fixity.run(sample=args.sample, actor="cli", progress=progress)
    for failure in report.failed:
        print(f"{failure['outcome']}: document {failure['document_id']} (file {failure['file_id']}) "
              f"expected {failure['expected']['sha256']} found {failure['found'].get('sha256', '-')}")
    print(json.dumps({"run": report.run_id, "checked": report.checked, "ok": report.ok,
                      "failed": len(report.failed)}))
    return 1 if report.failed else 0


def cmd_sweep(args) -> int:
    """Remove stored objects that no record points to (older than the grace period)."""
    report = _services().sweeper.run()
    print(json.dumps({"seen": report.seen, "removed": report.removed, "kept_young": report.kept_young,
                      "requeued_ocr": report.requeued,
                      "reindexed": report.reindexed}, ensure_ascii=False))
    return 0


def cmd_reindex(args) -> int:
    """Rebuild the search index beside the live one and swap it in; searches keep working meanwhile.
    A rebuild that stopped resumes where it stopped (unless --restart)."""
    bar = ProgressBar("reindex", sys.stderr)
    try:
        services = _services()
        stats = services.search.reindex(bar.update, restart=args.restart)
    except search_rebuild.RebuildRunning as exc:
        print(str(exc), file=sys.stderr)
        return 1
    bar.finish()
    stats["listings"] = {kind: services.listings.rebuild(kind) for kind in services.listings.kinds}
    print(json.dumps(stats))
    return 0


class ProgressBar:
    """`name [#####.....] 40% 400/1000 files, 12 s, about 18 s left` on a terminal (redrawn in
    place), one line per tenth otherwise."""

    def __init__(self, name: str, stream, width: int = 30):
        self.name, self.stream, self.width = name, stream, width
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._tenth = -1
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        """Show `done` of `total` files."""
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if not self.tty and tenth == self._tenth:
            return
        self._tenth = tenth
        spent = time.monotonic() - self.started
        left = f", about {spent / share - spent:.0f} s left" if 0 < share < 1 else ""
        filled = int(share * self.width)
        line = (f"{self.name} [{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} "
                f"{done}/{total} files, {spent:.0f} s{left}")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the bar's line."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def cmd_search_check(args) -> int:
    """Compare the search index with the database; exit 1 if they differ."""
    drift = _services().search.check()
    for kind in ("missing", "stale", "extra"):
        for key in getattr(drift, kind)[:args.show]:
            print(f"{kind}: {key[0]} {key[1]}")
    print(json.dumps({**drift.counts(), "ok": drift.ok}))
    return 0 if drift.ok else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="archive", description="客户档案库 command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create indexes, buckets and the first admin")
    p.add_argument("--admin-username", default="admin")
    p.add_argument("--admin-password", default=None,
                   help="default: ARCHIVE_ADMIN_PASSWORD, else a generated one printed once")
    p.set_defaults(func=cmd_init)

    sub.add_parser("ensure-schema", help="create indexes and buckets").set_defaults(func=cmd_ensure_schema)

    p = sub.add_parser("create-user", help="create a user")
    p.add_argument("--username", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--role", action="append", required=True, help="repeat for several roles")
    p.add_argument("--department", default="")
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("worker", help="run the background job loop")
    p.add_argument("--max-jobs", type=int, default=None)
    p.set_defaults(func=cmd_worker)

    sub.add_parser("audit-verify", help="verify the audit hash chain").set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("fixity", help="re-read stored originals and compare their checksums")
    p.add_argument("--sample", type=int, default=0, help="check only the N least recently checked (0 = all)")
    p.set_defaults(func=cmd_fixity)

    sub.add_parser("sweep", help="remove orphaned objects after the grace period").set_defaults(func=cmd_sweep)

    p = sub.add_parser("enqueue", help="queue a job")
    p.add_argument("kind")
    p.add_argument("--payload", default="{}")
    p.set_defaults(func=cmd_enqueue)

    p = sub.add_parser("reindex", help="rebuild the search index and swap it in (resumes a stopped rebuild)")
    p.add_argument("--restart", action="store_true", help="discard a stopped rebuild and start over")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("search-check", help="compare the search index with the database (exit 1 on drift)")
    p.add_argument("--show", type=int, default=20, help="list at most this many ids of each kind")
    p.set_defaults(func=cmd_search_check)

    cli_scans.add_command(sub, _services)
    retention_cli.add_command(sub, _services)
    backup_cli.add_command(sub, _services)
    migrations_cli.add_command(sub, _services)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `archive` command."""
    from service import logs
    logs.configure()  # JSON lines on stderr (ARCHIVE_LOG_FORMAT=text for the plain format)
    args = build_parser().parse_args(argv)
    if args.command == "init" and args.admin_password is None:
        import os
        args.admin_password = os.environ.get("ARCHIVE_ADMIN_PASSWORD") or None
    try:
        return args.func(args)
    except settings_module.SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except MigrationError as exc:
        print(f"migration error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        print(f"error: {exc.message}{' (' + detail + ')' if detail else ''}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
