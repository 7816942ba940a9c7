"""A batch of index changes, applied whole under Whoosh's single write lock, or not at all.

The batch is collected in memory and written when the `with` block ends without an error, so the lock
is held only while writing; with `lock_first` it is taken when the block begins instead, for a block
that reads what it writes from elsewhere (the database): no other writer commits between its read and
its write, so an entry read earlier never lands after one read later. Whoosh lets one writer in at a
time and fails the next one at once; `open_writer` waits for it instead, retrying with growing pauses
up to a timeout (`IndexBusy`).

While writing, the batch keeps two promises that make the index a function of its entries (the
same entries give the same index, whatever order and batches they came in):

- a page carries its file's copied values (`_entries.COPIED`): a page written takes them from its
  file, and a file written passes changed values (a file sealed, renamed, moved) to its pages;
- every entry is cut with every dictionary term: a new term re-indexes the entries containing it.
"""
from __future__ import annotations

import fcntl
import logging
import random
import re
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh import query as wq
from whoosh.index import LockError

from search._analysis import dictionary_terms
from search._analysis import fold
from search._analysis import gram_units
from search._codec import ArrayCodec
from search._entries import COPIED
from search._entries import FileEntry
from search._entries import PageEntry
from search._entries import from_dict
from search._entries import with_file_values
from search._schema import document

logger = logging.getLogger(__name__)
_HAN_RUN = re.compile(r"[\u4e00-\u9fd5]{2,}")
_TEXTS = ("name", "fields_text", "project", "title", "text")  # an entry's texts cut into words


class IndexBusy(TimeoutError):
    """Another writer held the index for longer than the timeout."""


@contextmanager
def opening(directory: Path):
    """Held while a process opens or creates the index in `directory`: two processes starting at once
    (web workers, the worker, a command) must not both create it, or one renames a table of contents
    the other has just replaced."""
    with open(Path(directory) / "open.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def settled(read, attempts: int = 20):
    """`read()` (open an index, or ask whether one exists), again if a writer in another process
    committed a new generation between Whoosh listing the tables of contents and reading the latest
    one, which it deletes on commit (FileNotFoundError)."""
    for attempt in range(attempts):
        try:
            return read()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


def open_writer(ix, timeout: float):
    """Whoosh's writer, once the lock is free; waits up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            return ix.writer(codec=ArrayCodec())
        except LockError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise IndexBusy(f"the search index stayed locked by another writer for {timeout:g} s") from None
            time.sleep(min(left, pause * random.uniform(0.5, 1.0)))
            pause = min(pause * 2, 1.0)


class IndexWriter:
    """Changes to apply together; use as `with index.writer() as w:` (see SearchIndex.writer)."""

    def __init__(self, index, timeout: float, lock_first: bool = False):
        self._index = index
        self._timeout = timeout
        self._lock_first = lock_first
        self._writer = None  # Whoosh's writer, once the lock is held
        self._files: dict[str, FileEntry | None] = {}  # None: deleted
        self._pages: dict[str, PageEntry] = {}
        self._dropped_files: set[str] = set()
        self._dropped_documents: set[str] = set()
        self._terms: list[str] = []
        self.waited = 0.0  # seconds spent waiting for the write lock

    def __enter__(self) -> IndexWriter:
        if self._lock_first:
            self._lock()
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is None:
            self._apply()
        elif self._writer is not None and not self._writer.is_closed:
            self._writer.cancel()
        return False

    def _lock(self) -> None:
        asked = time.monotonic()
        self._writer = open_writer(self._index.whoosh, self._timeout)
        self.waited = time.monotonic() - asked

    def upsert_file(self, entry: FileEntry) -> None:
        """Add or replace a customer file's entry."""
        if not isinstance(entry, FileEntry):
            raise ValueError("upsert_file takes a FileEntry")
        self._files[entry.file_id] = entry

    def upsert_page(self, entry: PageEntry) -> None:
        """Add or replace one page (a document that lost pages: delete_document first)."""
        if not isinstance(entry, PageEntry):
            raise ValueError("upsert_page takes a PageEntry")
        self._pages[entry.key] = entry

    def delete_file(self, file_id: str) -> None:
        """Remove a file's entry and all its pages."""
        self._files[file_id] = None
        self._dropped_files.add(file_id)
        self._pages = {key: p for key, p in self._pages.items() if p.file_id != file_id}

    def delete_document(self, document_id: str) -> None:
        """Remove all pages of a document."""
        self._dropped_documents.add(document_id)
        self._pages = {key: p for key, p in self._pages.items() if p.document_id != document_id}

    def add_terms(self, words) -> None:
        """Add dictionary terms (names, projects, document types) with this batch."""
        self._terms.extend(words)

    def _apply(self) -> None:
        if not (self._files or self._pages or self._dropped_documents) and \
                set(dictionary_terms(self._terms)) <= self._index.known_terms():
            if self._writer is not None:
                self._writer.cancel()
            return  # nothing to write: no need for the lock (add_terms of known names is common)
        if self._writer is None:
            self._lock()
        writer = self._writer
        try:
            fresh = [t for t in dictionary_terms(self._terms) if t not in self._index.known_terms()]
            self._index.vocabulary.add_terms(fresh)
            with writer.searcher() as searcher:  # closed: an open one keeps its segments' caches
                entries = self._entries(searcher, fresh)
            for file_id in sorted(self._dropped_files):
                writer.delete_by_term("file_id", file_id)
            for document_id in sorted(self._dropped_documents):
                writer.delete_by_term("document_id", document_id)
            for key, entry in entries.items():
                writer.delete_by_term("key", key)
                writer.add_document(**document(entry))
            writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        self._index.remember_terms(fresh)
        logger.info("index: %d entries written, %d files and %d documents removed, %d new terms; "
                    "waited %.2f s for the lock", len(entries), len(self._dropped_files),
                    len(self._dropped_documents), len(fresh), self.waited)

    def _entries(self, searcher, fresh: list[str]) -> dict:
        entries: dict = {f.key: f for f in self._files.values() if f is not None}
        for page in self._pages.values():
            entries[page.key] = self._with_file(page, searcher)
        for file in filter(None, self._files.values()):
            # the file's entries alone, pages picked out after: an And with the kind term would walk
            # every page's posting (Whoosh intersects by listing all ids), slower as the index grows
            for stored in self._committed(searcher, wq.Term("file_id", file.file_id)):
                if stored["kind"] == "page" and any(stored[name] != getattr(file, name) for name in COPIED):
                    entries.setdefault(_key(stored), with_file_values(from_dict(stored), file))
        # a new term changes the cut of the entries whose text holds it: found by its runs of Chinese
        # characters (one search for all terms with the same runs, as 客户1, 客户2...), then kept only
        # if the text holds the whole term, so that names sharing a common word do not re-index every
        # entry with that word at each batch
        groups: dict[tuple[str, ...], list[str]] = {}
        for term in fresh:
            groups.setdefault(tuple(_HAN_RUN.findall(term)), []).append(term)
        for runs, terms in groups.items():
            q = wq.And([wq.Phrase("grams", gram_units(run)) if len(run) > 2 else wq.Term("grams", run)
                        for run in runs])
            for stored in self._committed(searcher, q):
                text = fold("\n".join(str(stored.get(name) or "") for name in _TEXTS))
                if any(term in text for term in terms):
                    entries.setdefault(_key(stored), from_dict(stored))
        return entries

    def _with_file(self, page: PageEntry, searcher) -> PageEntry:
        if page.file_id in self._files:
            file = self._files[page.file_id]
            return with_file_values(page, file) if file else page
        if page.file_id in self._dropped_files:
            return page
        docnum = searcher.document_number(key=f"file:{page.file_id}")
        return page if docnum is None else with_file_values(page, searcher.stored_fields(docnum)["entry"])

    def _committed(self, searcher, q):
        # committed entries that this batch does not remove (those it rewrites win by setdefault)
        for docnum in searcher.docs_for_query(q):
            stored = searcher.stored_fields(docnum)["entry"]
            dropped = stored["file_id"] in self._dropped_files or stored.get("document_id") in self._dropped_documents
            if not dropped:
                yield stored


def _key(stored: dict) -> str:
    if stored["kind"] == "file":
        return f"file:{stored['file_id']}"
    return f"page:{stored['document_id']}:{stored['page']}"
