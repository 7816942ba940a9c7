"""Search over customer files and their pages, and keeping the index true to the database."""
from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Callable

from search import IndexOutdated
from search import QueryError
from search import SearchIndex
from search import SearchResult
from search import Visibility
from service import access
from service import clock
from service.accounts import User
from service.documents import DocTypeService
from service.errors import Invalid
from service.errors import Unavailable
from service.events import FileRestored
from service.events import FileWritten
from service.fulltext import rebuild as search_rebuild
from service.fulltext.entries import file_entry
from service.fulltext.entries import file_terms
from service.fulltext.entries import is_readable
from service.fulltext.entries import is_searched
from service.fulltext.entries import page_entries
from service.fulltext.entries import retention_of
from service.messages import N_
from service.messages import Message
from storage.documents import DocumentRepository
from storage.files import FileRepository
from storage.index_pending import FILE
from storage.index_pending import RETENTION
from storage.index_pending import DocumentMarks
from storage.index_pending import PendingMarks
from storage.jobs import JobQueue
from storage.objects import ObjectStore
from storage.retention import RetentionRepository

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 60.0
READERS = 8  # threads reading an index job's files from the database


@dataclass
class _Collector:
    file_ids: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_COLLECTOR: contextvars.ContextVar[_Collector | None] = contextvars.ContextVar("index_collector", default=None)


class IndexQueue:
    """Tells the worker what changed, as `index` jobs; the services that write call it after a write.

    Each file written is marked pending first (`storage.index_pending`), so that lists show it as
    written until the index job has committed it (service/file_lists.py); so is each document whose
    pages are read, so that it shows as searchable only once they are.
    """

    BATCH = 500  # files per index job when changes are collected (a bulk import)

    def __init__(self, jobs: JobQueue, pending: PendingMarks, document_marks: DocumentMarks):
        self.jobs = jobs
        self.pending = pending
        self.document_marks = document_marks

    def file_writing(self, file_id) -> None:
        """A file is about to be written: its mark goes in first, so that a write whose index job was
        never queued (the process died in between) still leaves a mark for the sweeper to find
        (`lost_writes`). file_changed marks it again after the write, for the lists."""
        self.pending.mark(file_id, FILE, clock.now())

    def lost_writes(self, older_than) -> int:
        """Queue one index job for every file marked before `older_than` (a write whose job was lost,
        or is that late: indexing a file twice is harmless); how many files."""
        file_ids = self.pending.file_ids_marked_before(older_than)
        if file_ids:
            self.jobs.enqueue("index", {"file_ids": file_ids})
        return len(file_ids)

    def file_changed(self, file_id) -> None:
        """A file's own values changed (created, edited, reassigned, merged, destroyed)."""
        self.pending.mark(file_id, FILE, clock.now())
        self._queue(str(file_id))

    def file_written(self, event: FileWritten | FileRestored) -> None:
        """The reaction to a file's write or restoration (service/events.py): its index job."""
        self.file_changed(event.file_id)

    def retention_changed(self, file_id) -> None:
        """A file's computed retention or holds changed (its entry copies them for the due list)."""
        self.pending.mark(file_id, RETENTION, clock.now())
        self._queue(str(file_id))

    def _queue(self, file_id: str) -> None:
        collector = _COLLECTOR.get()
        if collector is None:
            self.jobs.enqueue("index", {"file_id": file_id})
            return
        with collector.lock:
            collector.file_ids.append(file_id)
            full = collector.file_ids if len(collector.file_ids) >= self.BATCH else None
            if full is not None:
                collector.file_ids = []
        if full is not None:
            self._flush(full)

    @contextmanager
    def collecting(self):
        """Within this block, changed files are queued as jobs of BATCH files each: a bulk import then
        costs a few index commits instead of one per file. The block's context is the scope: threads
        that run their work in a copy of it (contextvars.copy_context) collect into the same jobs."""
        collector = _Collector()
        token = _COLLECTOR.set(collector)
        try:
            yield
        finally:
            _COLLECTOR.reset(token)
            with collector.lock:
                rest, collector.file_ids = collector.file_ids, []
            if rest:
                self._flush(rest)

    def _flush(self, collected: list[str]) -> None:
        self.jobs.enqueue("index", {"file_ids": list(dict.fromkeys(collected))})

    def files_merged(self, merged_id, survivor_id) -> None:
        """A merge: the merged file is listed as merged, its documents now belong to the survivor."""
        self.pending.mark(merged_id, FILE, clock.now())
        self.pending.mark(survivor_id, FILE, clock.now())
        self.jobs.enqueue("index", {"file_id": str(merged_id)})
        self.jobs.enqueue("index", {"file_id": str(survivor_id), "documents": True})

    def document_reading(self, document_id) -> None:
        """A document's pages are about to be recorded as read: it is not searchable until an index
        commit holds them (call this before that record; index_document clears the mark)."""
        self.document_marks.mark(document_id, clock.now())

    def document_changed(self, document_id) -> None:
        """A document's pages were (re)read."""
        self.jobs.enqueue("index", {"document_id": str(document_id)})


@dataclass
class Sources:
    """Where the index's entries come from."""

    files: FileRepository
    documents: DocumentRepository
    objects: ObjectStore
    doc_types: DocTypeService
    retention: RetentionRepository
    pending: PendingMarks
    document_marks: DocumentMarks


def _write_file(batch, doc: dict, entry) -> None:
    """A file's entry into a batch: a merged or destroyed file keeps its entry (listed) without pages."""
    if entry.searched:
        batch.add_terms(file_terms(doc))
    else:
        batch.delete_file(entry.file_id)
    batch.upsert_file(entry)


class SearchService:
    """Finding files and pages for a user, and writing what the database holds into the index."""

    def __init__(self, sources: Sources, directory: Path, borrowed: Callable[[User], set[str]] | None = None):
        self.sources = sources
        self.directory = Path(directory)
        self._index: SearchIndex | None = None
        self.borrowed = borrowed  # the files a person's running digital loans open to them

    @property
    def index(self) -> SearchIndex:
        """The live index, opened on first use (web processes that never search never open it)."""
        if self._index is None or self._index.replaced():
            # first use, or `archive reindex` swapped in a new directory (or it was deleted: it
            # comes back empty, and search-check reports the drift)
            if self._index is not None:
                self._index.close()
                self._index = None
            try:
                self._index = SearchIndex(self.directory)
            except IndexOutdated:
                raise Unavailable(N_("搜索索引正在为新版本重建，请稍后再试")) from None
        return self._index

    def rebuild_if_outdated(self, progress: Callable[[int, int], None] | None = None) -> bool:
        """Rebuild the index if it was written by an older version of the schema, or is empty while the
        database holds files (lost: the list of files reads it); the worker does this when it starts.
        True if it did."""
        try:
            index = self.index
        except Unavailable:
            log.warning("the search index in %s has an older schema: rebuilding it", self.directory)
            self.reindex(progress)
            return True
        if index.whoosh.doc_count_all() or not self.sources.files.any():
            return False
        log.warning("the search index in %s is empty but the database holds files: rebuilding it", self.directory)
        self.reindex(progress)
        return True

    def search(self, actor: User, q: str, filters: dict | None = None, page: int = 1, per_page: int = 20,
               sort: str = "relevance") -> SearchResult:
        """What the actor may see that matches `q`; Invalid naming `q` if the query cannot be read."""
        access.require(actor, "search")
        try:
            return self.index.search(q or "", visibility=self.visibility(actor), filters=filters, page=page,
                                     per_page=per_page, sort=sort)
        except QueryError as exc:
            why = Message(exc.message, exc.params)
            raise Invalid(why, {"q": why}) from None

    def visibility(self, actor: User) -> Visibility:
        """The actor's view of the index, by the same rules as access.can_see."""
        if access.sees_everything(actor):
            return Visibility(all=True)
        borrowed = {str(doc["_id"]) for doc in self.sources.files.find({"approved_borrowers": actor.id}, limit=0)}
        if self.borrowed is not None:
            borrowed |= self.borrowed(actor)
        return Visibility(departments={actor.department} if actor.department else set(), file_ids=borrowed)

    def index_file(self, file_id: str, documents: bool = False, timeout: float = WRITE_TIMEOUT) -> None:
        """Write a file's entry (removing its pages once merged or destroyed; the entry too if the file is
        gone); with `documents`, its pages too. Its pending marks go once the commit holds it.

        Here and in the other index_ methods the database is read under the index's write lock
        (`lock_first`): two workers indexing one file can then not commit what the first read after
        what the second read later."""
        with self.index.writer(timeout=timeout, lock_first=True) as batch:
            marks = self.sources.pending.of_file(file_id)  # before the file: see storage.index_pending
            doc = self.sources.files.by_id(file_id)
            if doc is None:
                batch.delete_file(str(file_id))
            else:
                self._write_file_with_pages(batch, doc, documents)
        search_rebuild.note_changed(self.directory, [file_id])
        self.sources.pending.clear(marks)

    def _write_file_with_pages(self, batch, doc: dict, documents: bool) -> None:
        entry = file_entry(doc, retention_of(self.sources.retention, str(doc["_id"])))
        _write_file(batch, doc, entry)
        if not (documents and entry.searched):
            return
        for document in self.sources.documents.of_file(entry.file_id):
            if is_readable(document):
                batch.delete_document(str(document["_id"]))
                for page in page_entries(self.sources.objects, document, entry):
                    batch.upsert_page(page)

    def index_files(self, file_ids: list[str], timeout: float = WRITE_TIMEOUT) -> None:
        """Write many files' entries in one commit (removing those gone), then clear their marks."""
        # each a point lookup (or two) per file, run in parallel: a job of 500 files waits on the database
        with self.index.writer(timeout=timeout, lock_first=True) as batch, \
                ThreadPoolExecutor(max_workers=READERS) as pool:
            marks = [mark for found in pool.map(self.sources.pending.of_file, file_ids) for mark in found]
            docs = list(zip(file_ids, pool.map(self.sources.files.by_id, file_ids)))
            present = [file_id for file_id, doc in docs if doc is not None]
            states = dict(zip(present, pool.map(lambda file_id: retention_of(self.sources.retention, file_id),
                                                present)))
            for file_id, doc in docs:
                if doc is None:
                    batch.delete_file(file_id)
                else:
                    _write_file(batch, doc, file_entry(doc, states[file_id]))
        search_rebuild.note_changed(self.directory, file_ids)
        self.sources.pending.clear(marks)

    def index_document(self, document_id: str, timeout: float = WRITE_TIMEOUT) -> None:
        """Replace a document's pages with what is stored now (none if it is removed or its file is),
        read under the index's lock; its pending marks go once the commit holds them."""
        marks = self.sources.document_marks.of_document(document_id)  # before the document, as index_file
        with self.index.writer(timeout=timeout, lock_first=True) as batch:
            document = self.sources.documents.by_id(document_id)
            file_doc = self.sources.files.by_id(document["file_id"]) if document else None
            entries = []
            if document is not None and is_readable(document) and is_searched(file_doc):
                entries = page_entries(self.sources.objects, document, file_entry(file_doc))
            batch.add_terms(self.doc_type_terms())
            batch.delete_document(str(document_id))
            for page in entries:
                batch.upsert_page(page)
        search_rebuild.note_changed(self.directory, [document["file_id"]] if document else [])
        self.sources.document_marks.clear(marks)

    def remove_file(self, file_id: str, timeout: float = WRITE_TIMEOUT) -> None:
        """Remove a file and all its pages from the index."""
        with self.index.writer(timeout=timeout) as batch:
            batch.delete_file(str(file_id))
        search_rebuild.note_changed(self.directory, [str(file_id)])

    def doc_type_terms(self) -> list[str]:
        """Document type labels, as dictionary words."""
        return [t["label_zh"] for t in self.sources.doc_types.all(include_retired=True) if t.get("label_zh")]

    def reindex(self, progress: Callable[[int, int], None] | None = None,
                batch_size: int = search_rebuild.BATCH, restart: bool = False) -> dict:
        """Rebuild the index beside the live one, batch by batch, then swap it in (resuming a rebuild
        that stopped, unless `restart`); the new stats, with how the rebuild went."""
        run = search_rebuild.rebuild(self.sources, self.directory, self.doc_type_terms(), progress, batch_size,
                                     restart)
        if not self.index.whoosh.doc_count_all():  # Whoosh cannot describe an index without entries
            return {"files": 0, "pages": 0, "documents": 0, "segments": 0, "deleted": 0, **run}
        return {**self.index.stats(), **run}

    def index_state(self) -> dict:
        """Whether the index is being rebuilt (files written of all), stopped half-way or ready, and how
        many files and documents wait for their next index commit."""
        return {**search_rebuild.progress(self.directory), "files_waiting": self.sources.pending.files_marked(),
                "documents_waiting": self.sources.document_marks.count()}

    def check(self) -> search_rebuild.Drift:
        """Compare the index with what the database says it should hold."""
        expected = search_rebuild.expected_signature(self.sources)
        index = self.index
        # an index without entries answers entries_signature with Whoosh's NotImplementedError
        actual = index.entries_signature() if index.whoosh.doc_count_all() else {}
        return search_rebuild.compare(expected, actual)
