"""The index directory: open or create it, search it, describe it.

Readers never wait: a searcher opens the segments of the last commit and Whoosh's write lock is not
involved. One searcher is kept and replaced when a commit appears, and each segment's columns are
read once (`_columns`); searches in one process take turns on it (numpy does the counting, so a
search holds it for milliseconds). Writes go through `writer()` (the worker's job); see `_writer`.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage

from search import _whoosh_patch
from search._analysis import Vocabulary
from search._analysis import dictionary_terms
from search._columns import ColumnCache
from search._entries import FileEntry
from search._evaluate import evaluate
from search._filters import Visibility
from search._filters import allowed_mask
from search._filters import narrowing
from search._filters import searched_mask
from search._listing import COUNTED
from search._listing import FileList
from search._listing import FileQuery
from search._listing import add_counts
from search._listing import counts
from search._listing import first
from search._listing import matches
from search._listing import merged_page
from search._listing import segment_mask
from search._listing import sort_key
from search._listing import without
from search._query import parse
from search._results import SORTS
from search._results import SearchResult
from search._results import SegmentHits
from search._results import gather
from search._schema import SCHEMA_VERSION
from search._schema import EntryScoring
from search._schema import build_schema
from search._snippets import needle_pattern
from search._writer import IndexWriter
from search._writer import opening
from search._writer import settled

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PER_PAGE = 200
TERMS_FILE = "terms.txt"
VERSION_FILE = "schema_version.txt"


class IndexOutdated(RuntimeError):
    """The directory holds an index of another schema version: rebuild it (archive reindex)."""


class SearchIndex:
    """The full-text index of customer files and their pages in `directory` (created if missing).

    `zone` is where a date filter's days begin and end (Asia/Shanghai unless told otherwise).
    `mmap=False` reads segment files with plain reads instead of mapping them: a long writing job
    (a rebuild) then does not count every segment it has read as its own resident memory.
    """

    def __init__(self, directory: Path, zone: tzinfo = SHANGHAI, *, mmap: bool = True):
        _whoosh_patch.apply()  # whoosh-reloaded 2.7.5 misreads columns across segments; see the module
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._zone = zone
        self._storage = FileStorage(str(self.directory), supports_mmap=mmap)
        self.vocabulary = Vocabulary()
        self._terms: set[str] = set()
        self._terms_size = 0
        self._terms_lock = threading.Lock()
        self._search_lock = threading.Lock()
        self._open_searcher = None
        self._columns = ColumnCache()
        self._deletions: dict = {}
        self._inode = self.directory.stat().st_ino
        with opening(self.directory):
            self.whoosh = settled(self._open)
        self._read_terms()

    def _open(self):
        version = self.directory / VERSION_FILE
        if whoosh_index.exists_in(self.directory):
            found = version.read_text().strip() if version.exists() else "none"
            if found != SCHEMA_VERSION:
                raise IndexOutdated(f"the index in {self.directory} has schema version {found}, this code "
                                    f"needs {SCHEMA_VERSION}: rebuild it")
            return self._storage.open_index(schema=build_schema(self.vocabulary))
        made = self._storage.create_index(build_schema(self.vocabulary))
        version.write_text(SCHEMA_VERSION + "\n")
        logger.info("created a search index in %s", self.directory)
        return made

    def writer(self, timeout: float = 60.0, *, lock_first: bool = False) -> IndexWriter:
        """A batch of changes: `with index.writer(timeout=60) as w: w.upsert_page(...)`. On leaving
        the block without an error it waits up to `timeout` s for the write lock (IndexBusy after
        that), writes the batch and commits; on an error nothing is written. The lock is always
        released. `lock_first` waits for the lock on entering the block instead: a block that reads
        the entries' sources inside it is then never overtaken by a writer that read them later."""
        return IndexWriter(self, timeout, lock_first)

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
        if not isinstance(visibility, Visibility):
            raise ValueError("visibility must be a Visibility")
        narrow = narrowing(filters, self._zone)
        self._read_terms()
        parsed = parse(q, self.vocabulary)
        with self._search_lock:
            # the searcher reads the newest table of contents, which a writer in another process may
            # replace (and delete) meanwhile: read again, as the index is opened. Its schema is the
            # one it read (not self.whoosh.schema, which reads the table of contents again)
            searcher = settled(self._searcher)
            date_field = searcher.schema["date"]
            to_column, from_column = date_field.to_column_value, date_field.from_column_value
            # an index nobody has written to yet has no segment (Whoosh gives an empty reader instead)
            leaves = searcher.leaf_searchers() if searcher.doc_count_all() else []
            segments = self._columns.of([(leaf.reader(), offset) for leaf, offset in leaves])
            numbers, files = self._columns.file_numbers(segments)
            parts = []
            for (leaf, offset), columns, file_numbers in zip(leaves, segments, numbers):
                if parsed.query is wq.NullQuery:
                    break
                reader = leaf.reader()  # its deletions only grow, so its count of entries names them
                allowed = allowed_mask(columns, visibility, narrow, to_column) & columns.remembered(
                    ("searched", reader.doc_count()), lambda: searched_mask(columns) & self._live(reader, columns))
                found = evaluate(parsed.query, leaf, leaf.reader(), columns)
                keep = allowed[found.docs]
                parts.append(SegmentHits(offset, columns, found.docs[keep], found.scores[keep], file_numbers))
            marked = needle_pattern(parsed.needles, parsed.numbers)
            return gather(searcher, parts, files, marked, sort, page, per_page, pages_per_file, from_column)

    def list_files(self, query: FileQuery, *, visibility: Visibility, page: int = 1, per_page: int | None = 20,
                   replaced: Mapping[str, FileEntry | None] | None = None, counted=()) -> FileList:
        """A page of the files `query` asks for that `visibility` allows, the total and, for each
        name in `counted` (`_listing.COUNTED`), files by value; see `_listing`. `replaced` gives the
        current entries of files written since the index's (None: no longer listed): their
        indexed entries are ignored. `per_page` 0 gives no ids (a count), None every id."""
        if per_page is not None and not 0 <= per_page <= MAX_PER_PAGE or page < 1:
            raise ValueError(f"page must be 1 or more and per_page 0 to {MAX_PER_PAGE} (or None: all)")
        if not isinstance(visibility, Visibility) or not isinstance(query, FileQuery):
            raise ValueError("list_files takes a FileQuery and a Visibility")
        if set(counted) - set(COUNTED):
            raise ValueError(f"counted must be among {', '.join(COUNTED)}")
        replaced = dict(replaced or {})
        current = [e for e in replaced.values() if e is not None and matches(e, query, visibility)]
        start, end = (0, None) if per_page is None else ((page - 1) * per_page, page * per_page)
        candidates = [(sort_key(e, query.sort), e.file_id) for e in current]
        totals: dict = {}
        add_counts(totals, {name: Counter(getattr(e, name) for e in current) for name in counted})
        total = len(current)
        with self._search_lock:
            for columns, live in self._segments():
                mask = segment_mask(columns, query, visibility) & live & without(columns, replaced)
                found = int(mask.sum())
                total += found
                candidates += first(columns, mask, query, found if end is None else end)
                add_counts(totals, counts(columns, mask, counted))
        return FileList(total=total, file_ids=merged_page(candidates, query, start, end), counts=totals)

    def _segments(self):
        # (columns, live mask) of every segment of the latest commit; the caller holds _search_lock
        searcher = self._searcher()
        if not searcher.doc_count_all():
            return []
        leaves = [leaf.reader() for leaf, _offset in searcher.leaf_searchers()]
        segments = self._columns.of([(leaf, 0) for leaf in leaves])
        return [(columns, self._live(leaf, columns)) for leaf, columns in zip(leaves, segments)]

    def _searcher(self):
        # one searcher, kept while the index does not change; a new one after a commit. Not
        # Searcher.refresh(): whoosh-reloaded 2.7.5 reuses a segment's reader by segment id and so
        # keeps its old deletions. The old searcher is left to be collected, not closed: the cached
        # columns of segments still in the index read through its segment readers.
        if self._open_searcher is None or not self._open_searcher.up_to_date():
            self._open_searcher = self.whoosh.searcher(weighting=EntryScoring())
        return self._open_searcher

    def _live(self, leaf, columns) -> np.ndarray:
        # entries not deleted (deletions stay in a segment until it is merged)
        key = (leaf.segment().segment_id(), leaf.doc_count())
        live = self._deletions.get(key)
        if live is None:
            live = np.ones(columns.size, dtype=bool)
            if len(self._deletions) > 256:  # entries of segments merged away
                self._deletions.clear()
            if leaf.has_deletions():
                live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = False
            self._deletions[key] = live
        return live

    def replaced(self) -> bool:
        """True if the directory is no longer the one this object opened (a rebuild swapped it)."""
        try:
            return self.directory.stat().st_ino != self._inode
        except FileNotFoundError:
            return True

    def close(self) -> None:
        """Close the kept searcher (its files)."""
        with self._search_lock:
            if self._open_searcher is not None:
                self._open_searcher.close()
                self._open_searcher = None

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
