"""Rebuilding the index beside the live one and swapping it in; comparing it with the database."""
from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import fcntl
import json
import logging
import os
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Callable
from typing import Iterator

from search import SearchIndex
from search import entry_hash
from service.fulltext.entries import file_entry
from service.fulltext.entries import file_terms
from service.fulltext.entries import is_readable
from service.fulltext.entries import is_searched
from service.fulltext.entries import page_entries
from service.fulltext.entries import retention_of
from service.messages import N_
from storage.files import oid

log = logging.getLogger(__name__)

BATCH = 200          # files per committed batch: memory stays bounded whatever the archive's size
STATE = "rebuild.json"  # in the rebuild directory: the last file id committed
JOURNAL = "changed.txt"  # in the rebuild directory: ids of files changed while it runs
STALE_SECONDS = 15 * 60  # a rebuild on another machine not heard of for this long has stopped
RENAME_EXCHANGE = 2  # linux renameat2 flag
AT_FDCWD = -100


@dataclass
class Drift:
    """How the index differs from the database: entries missing, stale (changed) or extra."""

    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    extra: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if the index holds exactly what the database says."""
        return not (self.missing or self.stale or self.extra)

    def counts(self) -> dict[str, int]:
        """How many of each."""
        return {"missing": len(self.missing), "stale": len(self.stale), "extra": len(self.extra)}


class RebuildRunning(RuntimeError):
    """Another `archive reindex` is running on this index."""


def rebuild_dir(live: Path) -> Path:
    """Where a rebuild of `live` is written (and left, to be resumed, if it stops half-way)."""
    return live.with_name(f"{live.name}.rebuild")


def note_changed(live: Path, file_ids) -> None:
    """Called after every write to the live index: while a rebuild runs, the files changed are
    journaled, and the rebuild writes them again before and after it swaps the index in (it may
    have read them before the change)."""
    state = rebuild_dir(live) / STATE
    if not state.exists():
        return
    with open(rebuild_dir(live) / JOURNAL, "a", encoding="utf-8") as journal:
        journal.write("".join(f"{file_id}\n" for file_id in file_ids if file_id))


def file_ids(sources) -> list:
    """Every file's id (each has an entry), sorted: one unsorted pass over the files, since FerretDB
    sorts and pages by decoding every file for each read (a keyset walk was quadratic)."""
    return sorted(doc["_id"] for doc in sources.files.each({"_id": 1}))


def file_batches(sources, batch_size: int, after=None, ids: list | None = None) -> Iterator[list[dict]]:
    """Every file in _id order after `after`, a batch at a time, each batch read by _id lookups (in
    parallel); a file deleted since the ids were read is left out."""
    ids = file_ids(sources) if ids is None else ids
    if after is not None:
        ids = ids[bisect.bisect_right(ids, after):]
    for start in range(0, len(ids), batch_size):
        docs = sources.files.batch(ids[start:start + batch_size])
        if docs:
            yield docs


def entries_of(sources, docs: list[dict], retention: dict[str, dict]) -> Iterator:
    """The file and page entries of a batch of files (`retention`: computed retention by file id;
    merged and destroyed files have no pages)."""
    entries = {str(doc["_id"]): file_entry(doc, retention.get(str(doc["_id"]))) for doc in docs}
    searched = [file_id for file_id, entry in entries.items() if entry.searched]
    documents = sources.documents.of_files(searched)
    yield from entries.values()
    for document in documents:
        if is_readable(document):
            yield from page_entries(sources.objects, document, entries[document["file_id"]])


@contextmanager
def _only_one(live: Path):
    with open(live.with_name(f"{live.name}.rebuild.lock"), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildRunning(N_("另一个重建索引任务正在运行")) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def rebuild(sources, live: Path, doc_type_terms: list[str], progress: Callable | None, batch_size: int,
            restart: bool = False) -> dict:
    """Write every entry into `rebuild_dir(live)`, batch by batch, then swap it with `live`.

    After each committed batch the last file id is saved in the directory (rebuild.json): a rebuild
    that stopped (killed, a server down) resumes from there when run again, unless `restart`. Files
    changed meanwhile (`note_changed`) are written again before the swap and, for changes that land
    during it, after. Returns {"resumed_after": files already done when it started, "caught_up": n}.
    """
    fresh = rebuild_dir(live)
    with _only_one(live):
        marks = [mark["_id"] for mark in sources.pending.marks()]  # cleared once the swapped index holds them
        retention = sources.retention.summaries()
        runner = {"host": socket.gethostname(), "pid": os.getpid()}  # whom progress() asks whether it still runs
        state = None if restart else _read_state(fresh)
        if state is None:
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir(parents=True)
            state = {"after": None, "done": 0}
        _write_state(fresh, {**state, **runner})
        resumed = state["done"]
        terms = list(doc_type_terms)
        ids = []
        for doc in sources.files.each():  # names: the dictionary, before any entry is cut
            ids.append(doc["_id"])
            if is_searched(doc):
                terms.extend(file_terms(doc))
        ids.sort()
        total = len(ids)
        runner["total"] = total
        _write_state(fresh, {**state, **runner})
        index = SearchIndex(fresh, mmap=False)  # see SearchIndex: resident memory stays the writer's own
        index.add_terms(sorted(set(terms)))
        if progress:
            progress(state["done"], total)
        for docs in file_batches(sources, batch_size, _file_id(state["after"]), ids):
            with index.writer() as batch:
                batch.add_terms(word for doc in docs if is_searched(doc) for word in file_terms(doc))  # added since
                for entry in entries_of(sources, docs, retention):
                    (batch.upsert_file if entry.kind == "file" else batch.upsert_page)(entry)
            state = {"after": str(docs[-1]["_id"]), "done": state["done"] + len(docs)}
            _write_state(fresh, {**state, **runner})
            if progress:
                progress(min(state["done"], total), total)
        caught_up, offset = catch_up(sources, index, fresh / JOURNAL, 0)
        index.close()
        _swap(fresh, live)  # writes are journaled up to this moment (the state file moves with the index)
        after_swap = SearchIndex(live)
        more, _ = catch_up(sources, after_swap, live / JOURNAL, offset)
        after_swap.close()
        (live / STATE).unlink()
        (live / JOURNAL).unlink(missing_ok=True)
        sources.pending.clear(marks)
    return {"resumed_after": resumed, "caught_up": caught_up + more}


def progress(live: Path) -> dict:
    """How a rebuild of `live` stands: status "running" (files written of all), "stopped" (half-way,
    resumed by the next `archive reindex`) or "ready" (none under way)."""
    fresh = rebuild_dir(live)
    state = _read_state(fresh)
    if state is None:
        return {"status": "ready", "done": 0, "total": None}
    return {"status": "running" if _running(state, fresh / STATE) else "stopped", "done": state["done"],
            "total": state.get("total")}


def _running(state: dict, path: Path) -> bool:
    """Whether the process that wrote a rebuild's state is still at work."""
    if state.get("host") == socket.gethostname() and isinstance(state.get("pid"), int):
        try:
            os.kill(state["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        return time.time() - path.stat().st_mtime < STALE_SECONDS
    except OSError:
        return False


def catch_up(sources, index: SearchIndex, journal: Path, offset: int) -> tuple[int, int]:
    """Write again every file journaled after byte `offset`: its entry and all its pages (none once
    merged or destroyed), or nothing if it is gone. How many files, and the offset reached."""
    count = 0
    while journal.exists():
        data = journal.read_bytes()[offset:]
        complete = data[:data.rfind(b"\n") + 1]
        if not complete:
            break
        offset += len(complete)
        ids = sorted(set(complete.decode("utf-8").split()))
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            docs = [doc for doc in (sources.files.by_id(i) for i in chunk) if doc is not None]
            retention = {str(doc["_id"]): retention_of(sources.retention, str(doc["_id"])) for doc in docs}
            with index.writer() as batch:
                batch.add_terms(word for doc in docs if is_searched(doc) for word in file_terms(doc))
                for file_id in chunk:
                    batch.delete_file(file_id)
                for entry in entries_of(sources, docs, retention):
                    (batch.upsert_file if entry.kind == "file" else batch.upsert_page)(entry)
        count += len(ids)
    return count, offset


def _file_id(value):
    # file ids are ObjectIds in the database and strings in the saved state
    return None if value is None else (oid(value) or value)


def _read_state(fresh: Path) -> dict | None:
    try:
        state = json.loads((fresh / STATE).read_text())
        return state if isinstance(state, dict) and {"after", "done"} <= set(state) else None
    except (OSError, ValueError):
        return None


def _write_state(fresh: Path, state: dict) -> None:
    temporary = fresh / f"{STATE}.tmp"
    temporary.write_text(json.dumps(state))
    os.replace(temporary, fresh / STATE)


def _swap(fresh: Path, live: Path) -> None:
    """Put `fresh` at `live` in one step (searches never see a missing index); the old one is removed."""
    if not live.exists():
        fresh.rename(live)
        return
    if _exchange(fresh, live):
        shutil.rmtree(fresh)  # now the old index
        return
    # no atomic exchange on this system: two renames, a moment without an index
    old = live.with_name(f"{live.name}.old-{os.getpid()}")
    live.rename(old)
    fresh.rename(live)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    result = libc.renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result != 0:
        log.warning("renameat2 exchange failed (errno %d); falling back to two renames", ctypes.get_errno())
        return False
    return True


def expected_signature(sources) -> dict[tuple[str, str], str]:
    """{(kind, id): entry_hash} of every entry the database says the index should hold."""
    expected = {}
    retention = sources.retention.summaries()
    for docs in file_batches(sources, BATCH):
        for entry in entries_of(sources, docs, retention):
            expected[(entry.kind, entry.ident)] = entry_hash(entry)
    return expected


def compare(expected: dict, actual: dict) -> Drift:
    """The differences, ids sorted."""
    return Drift(missing=sorted(key for key in expected if key not in actual),
                 stale=sorted(key for key in expected if key in actual and actual[key] != expected[key]),
                 extra=sorted(key for key in actual if key not in expected))
