"""`archive retention-recompute` and `archive destruction-register-verify` from the command line."""
from __future__ import annotations

import json
from typing import Callable

from service.wiring import Services


def add_command(sub, services: Callable[[], Services]) -> None:
    """Add the retention subcommands to the `archive` parser."""
    sub.add_parser("retention-recompute", help="compute every file's retention dates again and move the "
                                               "originals' locks to match").set_defaults(
        func=lambda args: recompute(services()))
    sub.add_parser("destruction-register-verify", help="verify the destruction register's hash chain "
                                                       "(exit 1 if broken)").set_defaults(
        func=lambda args: verify(services()))


def recompute(services: Services) -> int:
    """Recompute all files, forcing the locks of their originals to be set again."""
    def progress(done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            print(f"computed {done}/{total}", flush=True)
    count = services.retention.recompute_all(progress)
    due = len(services.retention.repo.states({"kind": "dated", "status": {"$nin": ["destroyed", "merged"]},
                                              "destroy_after": {"$lt": services.retention.today().isoformat()}}))
    print(json.dumps({"files": count, "due_today_before_holds": due}))
    return 0


def verify(services: Services) -> int:
    """Walk the register's chain."""
    result = services.destruction_register.verify()
    print(json.dumps(result))
    return 0 if result["ok"] else 1
