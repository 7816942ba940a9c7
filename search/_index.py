"""The index directory: open or create it, search it, describe it.

Readers never wait: a searcher opens the segments of the last commit and Whoosh's write lock is not
involved. Writes go through `writer()` (the worker's job); see `_writer`.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from whoosh import index as whoosh_index
from whoosh import query as wq

from search._analysis import Vocabulary
from search._analysis import dictionary_terms
from search._filters import Visibility
from search._filters import filter_query
from search._query import parse
from search._results import SORTS
from search._results import SearchResult
from search._results import gather
from search._schema import SCHEMA_VERSION
from search._schema import EntryScoring
from search._schema import build_schema
from search._snippets import needle_pattern
from search._writer import IndexWriter
from search import _whoosh_patch

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PER_PAGE = 200
TERMS_FILE = "terms.txt"
VERSION_FILE = "schema_version.txt"


class IndexOutdated(RuntimeError):
    """The directory holds an index of another schema version: rebuild it (archive reindex)."""


@contextmanager
def _directory_lock(directory: Path):
    # two processes starting at once must not both create the index
    with open(directory / "open.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SearchIndex:
    """The full-text index of customer files and their pages in `directory` (created if missing).

    `zone` is where a date filter's days begin and end (Asia/Shanghai unless told otherwise).
    """

    def __init__(self, directory: Path, zone: tzinfo = SHANGHAI):
        _whoosh_patch.apply()  # whoosh-reloaded 2.7.5 misreads columns across segments; see the module
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._zone = zone
        self.vocabulary = Vocabulary()
        self._terms: set[str] = set()
        self._terms_size = 0
        self._terms_lock = threading.Lock()
        with _directory_lock(self.directory):
            self.whoosh = self._open()
        self._read_terms()

    def _open(self):
        version = self.directory / VERSION_FILE
        if whoosh_index.exists_in(self.directory):
            found = version.read_text().strip() if version.exists() else "none"
            if found != SCHEMA_VERSION:
                raise IndexOutdated(f"the index in {self.directory} has schema version {found}, this code "
                                    f"needs {SCHEMA_VERSION}: rebuild it")
            return whoosh_index.open_dir(self.directory, schema=build_schema(self.vocabulary))
        made = whoosh_index.create_in(self.directory, build_schema(self.vocabulary))
        version.write_text(SCHEMA_VERSION + "\n")
        logger.info("created a search index in %s", self.directory)
        return made

    def writer(self, timeout: float = 60.0) -> IndexWriter:
        """A batch of changes: `with index.writer(timeout=60) as w: w.upsert_page(...)`. On leaving
        the block without an error it waits up to `timeout` s for the write lock (IndexBusy after
        that), writes the batch and commits; on an error nothing is written. The lock is always
        released."""
        return IndexWriter(self, timeout)

    def add_terms(self, words, timeout: float = 60.0) -> None:
        """Add names, projects, document types to the dictionary (a write: it re-indexes the entries
        that contain a new term, and keeps the terms in terms.txt for every process)."""
        with self.writer(timeout) as batch:
            batch.add_terms(words)

    def search(self, q: str = "", *, visibility: Visibility, filters: dict | None = None, page: int = 1,
               per_page: int = 20, sort: str = "relevance", pages_per_file: int = 5) -> SearchResult:
        """Files matching `q` that `visibility` allows, with their matching pages and facets; see
        `_query` for the syntax, `_filters` for filters and `_results` for counting. A query that
        cannot be understood raises QueryError; bad arguments raise ValueError."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            raise ValueError(f"page must be 1 or more and per_page 1 to {MAX_PER_PAGE}")
        if pages_per_file < 0:
            raise ValueError("pages_per_file must be 0 or more")
        restriction = filter_query(filters, visibility, self._zone)
        self._read_terms()
        parsed = parse(q, self.vocabulary)
        with self.whoosh.searcher(weighting=EntryScoring()) as searcher:
            hits = []
            if parsed.query is not wq.NullQuery:
                hits = searcher.search(parsed.query, filter=restriction, limit=None).top_n
            return gather(searcher, hits, needle_pattern(parsed.needles), sort, page, per_page, pages_per_file)

    def stats(self) -> dict:
        """Counts: files, pages, documents, dictionary terms, segments, deleted entries not yet merged."""
        with self.whoosh.searcher() as searcher:
            reader = searcher.reader()
            kinds = reader.column_reader("kind")
            documents = reader.column_reader("document_id")
            counts = Counter(kinds[n] for n in reader.all_doc_ids())
            return {"files": counts["file"], "pages": counts["page"],
                    "documents": len({documents[n] for n in reader.all_doc_ids() if kinds[n] == "page"}),
                    "terms": len(self.known_terms()), "segments": len(reader.leaf_readers()),
                    "deleted": reader.doc_count_all() - reader.doc_count()}

    def entries_signature(self) -> dict[tuple[str, str], str]:
        """{(kind, id): entry_hash} of every entry, ids as FileEntry.ident / PageEntry.ident, to
        compare with what the database says the index should hold."""
        with self.whoosh.searcher() as searcher:
            reader = searcher.reader()
            keys = reader.column_reader("key")
            digests = reader.column_reader("digest")
            return {tuple(keys[n].split(":", 1)): digests[n] for n in reader.all_doc_ids()}

    def known_terms(self) -> frozenset[str]:
        """The dictionary terms this index was cut with (terms.txt)."""
        self._read_terms()
        return frozenset(self._terms)

    def remember_terms(self, terms: list[str]) -> None:
        """Append terms to terms.txt (after the commit that re-indexed their entries)."""
        if not terms:
            return
        with self._terms_lock, open(self.directory / TERMS_FILE, "a", encoding="utf-8") as handle:
            handle.write("".join(f"{term}\n" for term in terms))
            handle.flush()
            os.fsync(handle.fileno())
        self._read_terms()

    def _read_terms(self) -> None:
        # terms.txt only grows; read it again when it did, so a reader cuts queries like the writer
        # (whole lines only: a writer may be appending right now)
        path = self.directory / TERMS_FILE
        if (path.stat().st_size if path.exists() else 0) == self._terms_size:
            return
        with self._terms_lock:
            data = path.read_bytes()
            complete = data[:data.rfind(b"\n") + 1]
            terms = dictionary_terms(complete.decode("utf-8").splitlines())
            self.vocabulary.add_terms(terms)
            self._terms = set(terms)
            self._terms_size = len(complete)
