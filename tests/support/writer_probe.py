"""A record of who held the search index's write lock, kept by the processes a test starts.

`install()` runs first in a child process (see `BOOT`): it wraps Whoosh's file lock so that each
try for the write lock of the index in ARCHIVE_INDEX_DIR appends one line to the file named by
ARCHIVE_TEST_WRITER_LOG: `acquire <pid> <lock>` once it is held, `busy <pid>` when another writer
has it, `release <pid> <lock>` just before letting go. The lines are written while the lock is
held, one `os.write` each to a file opened for appending, so their order is the order of the
sessions: two writers at once would show as two `acquire` lines in a row. Nothing else changes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOG_VARIABLE = "ARCHIVE_TEST_WRITER_LOG"
LOCK_NAME = "MAIN_WRITELOCK"  # Whoosh's write lock: the index name and "_WRITELOCK"
BOOT = "import sys; from tests.support import writer_probe; writer_probe.install(); "
WORKER_BOOT = BOOT + "from service.cli.commands import main; sys.exit(main(sys.argv[1:]))"
WEB_BOOT = BOOT + "from gunicorn.app.wsgiapp import run; sys.exit(run())"


def install() -> None:
    """Record the write sessions of this process (and of the processes it forks)."""
    from whoosh.util.filelock import FcntlLock
    log, index_dir = os.environ[LOG_VARIABLE], os.path.abspath(os.environ["ARCHIVE_INDEX_DIR"])
    acquire, release = FcntlLock.acquire, FcntlLock.release

    def watched(lock) -> bool:
        return lock.filename == os.path.join(index_dir, LOCK_NAME)

    def note(line: str) -> None:
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    def acquire_noted(self, blocking=False):
        held = acquire(self, blocking)
        if watched(self):
            note(f"acquire {os.getpid()} {id(self)}" if held else f"busy {os.getpid()}")
        return held

    def release_noted(self):
        if watched(self) and self.fd is not None:
            note(f"release {os.getpid()} {id(self)}")
        return release(self)

    FcntlLock.acquire, FcntlLock.release = acquire_noted, release_noted


@dataclass
class Sessions:
    """What a writer log says: who wrote, who found the lock taken, and any overlap."""

    writers: list[int]   # the pid of each session, in order
    busy: set[int]       # pids that found the lock held by another writer at least once
    overlaps: list[str]  # lines where a session began before the previous one ended


def read(path: Path) -> Sessions:
    """The sessions in a writer log (empty if nobody wrote)."""
    lines = path.read_text().splitlines() if path.exists() else []
    writers, busy, overlaps, holder = [], set(), [], None
    for number, line in enumerate(lines, 1):
        event, pid, *lock = line.split()
        if event == "busy":
            busy.add(int(pid))
        elif event == "acquire":
            if holder is not None:
                overlaps.append(f"line {number}: {line} while {holder} held it")
            holder = (pid, *lock)
            writers.append(int(pid))
        elif holder != (pid, *lock):
            overlaps.append(f"line {number}: {line} but {holder} held it")
        else:
            holder = None
    return Sessions(writers, busy, overlaps)
