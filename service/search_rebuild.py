"""Rebuilding the index beside the live one and swapping it in; comparing it with the database."""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import shutil
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Callable
from typing import Iterator

from search import SearchIndex
from search import entry_hash
from service.search_entries import INDEXED_STATUSES
from service.search_entries import file_entry
from service.search_entries import file_terms
from service.search_entries import is_readable
from service.search_entries import page_entries

log = logging.getLogger(__name__)

BATCH = 200          # files per committed batch: memory stays bounded whatever the archive's size
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


def file_batches(sources, batch_size: int) -> Iterator[list[dict]]:
    """The indexed files in _id order, a batch at a time (a keyset walk, no skip)."""
    query: dict = {"status": {"$in": list(INDEXED_STATUSES)}}
    while True:
        _total, docs = sources.files.page(query, [("_id", 1)], 0, batch_size)
        if not docs:
            return
        yield docs
        query = {"status": {"$in": list(INDEXED_STATUSES)}, "_id": {"$gt": docs[-1]["_id"]}}


def entries_of(sources, docs: list[dict]) -> Iterator:
    """The file and page entries of a batch of files."""
    entries = {str(doc["_id"]): file_entry(doc) for doc in docs}
    documents = sources.documents.find({"file_id": {"$in": list(entries)}, "status": "active"})
    yield from entries.values()
    for document in documents:
        if is_readable(document):
            yield from page_entries(sources.objects, document, entries[document["file_id"]])


def rebuild(sources, live: Path, doc_type_terms: list[str], progress: Callable | None, batch_size: int) -> None:
    """Write every entry into a new directory next to `live`, then swap the two."""
    fresh = live.with_name(f"{live.name}.rebuild-{os.getpid()}-{int(time.time())}")
    terms = list(doc_type_terms)
    total = 0
    for docs in file_batches(sources, batch_size):  # names only: the dictionary, before any entry is cut
        terms.extend(word for doc in docs for word in file_terms(doc))
        total += len(docs)
    index = SearchIndex(fresh)
    try:
        index.add_terms(sorted(set(terms)))
        done = 0
        for docs in file_batches(sources, batch_size):
            with index.writer() as batch:
                for entry in entries_of(sources, docs):
                    (batch.upsert_file if entry.kind == "file" else batch.upsert_page)(entry)
            done += len(docs)
            if progress:
                progress(done, total)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    _swap(fresh, live)


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
    for docs in file_batches(sources, BATCH):
        for entry in entries_of(sources, docs):
            expected[(entry.kind, entry.ident)] = entry_hash(entry)
    return expected


def compare(expected: dict, actual: dict) -> Drift:
    """The differences, ids sorted."""
    return Drift(missing=sorted(key for key in expected if key not in actual),
                 stale=sorted(key for key in expected if key in actual and actual[key] != expected[key]),
                 extra=sorted(key for key in actual if key not in expected))
