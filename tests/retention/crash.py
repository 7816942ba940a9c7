"""Run a destruction batch's execution and SIGKILL this process at a file's stage, as a crash would.

    python -m tests.retention.crash <batch id> <username> <stage> <nth>

The process kills itself when the nth file reaches the stage (records, objects, search, done);
the settings come from the environment like any archive process.
"""
from __future__ import annotations

import os
import signal
import sys

from service import settings as settings_module
from service.wiring import build_services


def main(batch_id: str, username: str, stage: str, nth: int) -> int:
    services = build_services(settings_module.from_env())
    actor = services.users.by_username(username)
    seen: list[str] = []

    def checkpoint(reached: str, file_id: str) -> None:
        if reached == stage:
            seen.append(file_id)
            if len(seen) == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    services.destruction_executor.checkpoint = checkpoint
    services.destruction_executor.execute(actor, batch_id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
