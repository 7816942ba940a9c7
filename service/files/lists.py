"""Lists, totals and counts of customer files from the search index's file entries, with read-your-writes.

The index is written by the worker after the database write, so the index alone would miss a file
just registered and show one just edited with its old values. Every write marks the file pending
(`storage.index_pending`) until an index commit holds it. A list reads the marks first, loads those
files by _id (a GIN-indexed point lookup each) and asks the index for its page with their current
entries in place of the indexed ones (`replaced`): they are filtered, counted and sorted by the
same rules, and files merged, destroyed or gone leave or change at once. Reading the marks before
the index is what makes this safe: a mark is deleted only after the commit that holds its write.
Then the page's files (at most per_page) are read by _id, in the index's order.

When the index cannot answer (an older schema is being rebuilt after an upgrade), or more than
PENDING_LIMIT files wait for the worker (a bulk import, a new retention policy), the database is
asked as before: the same answer, as slow as a scan of the files.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from search import FileEntry
from search import FileQuery
from search import Visibility
from service import access
from service.accounts import User
from service.errors import Malformed
from service.errors import Unavailable
from service.fulltext import SearchService
from service.fulltext import file_entry
from service.fulltext import retention_of
from service.messages import N_
from service.retention import DATED
from storage.files import FileRepository
from storage.files import oid
from storage.index_pending import FILE
from storage.index_pending import PendingMarks
from storage.retention import RetentionRepository

log = logging.getLogger(__name__)

PENDING_LIMIT = 2000  # files loaded one by one before the database is asked instead (~2 ms each)
SORTS = {"archive_no": "archive_no", "name": "name", "created": "created", "updated": "updated"}
DATABASE_SORTS = {"archive_no": "archive_no", "name": "name_pinyin", "created": "created_at",
                  "updated": "updated_at"}
EXACT = ("archive_no", "owner", "template", "customer_type", "stage", "project")
COUNTED = ("stage", "customer_type", "project")
DUE_STATUSES = frozenset({"active", "closed"})


@dataclass(frozen=True)
class _Written:
    """A file written since the index's entry: its document (None: gone) and current entry."""

    doc: dict | None
    entry: FileEntry | None


def _text(filters: dict, key: str) -> str:
    value = filters.get(key)
    return value if isinstance(value, str) else ""


def file_query(filters: dict, sort: str, descending: bool) -> FileQuery:
    """The index's query for the list's filters (see FileLists.page); Malformed for an unknown sort."""
    if sort not in SORTS:
        raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="sort", values=", ".join(SORTS)),
                        {"sort": "/".join(SORTS)})
    status = _text(filters, "status")
    return FileQuery(name=_text(filters, "name").strip(), statuses=frozenset({status}) if status else None,
                     sort=SORTS[sort], descending=bool(descending), **{key: _text(filters, key) for key in EXACT})


class FileLists:
    """The file list, the dashboard's counts of files and the retention due list."""

    def __init__(self, files: FileRepository, search: SearchService, pending: PendingMarks,
                 retention: RetentionRepository):
        self.files = files
        self.search = search
        self.pending = pending
        self.retention = retention

    def page(self, actor: User, filters: dict, page: int, per_page: int, sort: str,
             descending: bool) -> tuple[int, list[dict]]:
        """Files the actor may see (as access.can_see, digital loans included): name (characters,
        pinyin, initials), archive_no, status (all but merged when blank), owner, template,
        customer_type, stage, project; sorted by archive_no, name (pinyin), created or updated, ties
        by id; the total and the page's file documents."""
        query = file_query(filters, sort, descending)
        visibility = self.search.visibility(actor)
        written = self._written(FILE)
        listed = self._listed(query, visibility, written, page, per_page)
        if listed is None:
            return self._database_page(actor, filters, visibility, page, per_page, sort, descending)
        docs = [written[i].doc if i in written else self.files.by_id(i) for i in listed.file_ids]
        return listed.total, [doc for doc in docs if doc is not None]

    def counts(self, actor: User) -> dict:
        """Files the actor's list shows (blank filters): the total and files by stage, customer
        type and project ("" where a file has none)."""
        visibility = self.search.visibility(actor)
        listed = self._listed(FileQuery(), visibility, self._written(FILE), 1, 0, COUNTED)
        if listed is None:
            return self._database_counts(actor, visibility)
        return {"total": listed.total, **{name: listed.counts.get(name, {}) for name in COUNTED}}

    def due(self, as_of: str, page: int = 1, per_page: int = 0) -> tuple[int, list[str]]:
        """Ids of the files (active or closed) whose dated retention ran out before the day (ISO) and
        that no hold keeps, by destroy-after date then id: the total and a page (per_page 0: all)."""
        query = FileQuery(statuses=DUE_STATUSES, due_before=as_of, sort="destroy_after")
        listed = self._listed(query, Visibility(all=True), self._written(None), page, per_page or None)
        if listed is None:
            return self._database_due(as_of, page, per_page)
        return listed.total, list(listed.file_ids)

    def on_key_days(self, actor: User, owner: str, days: frozenset[str]) -> list[str] | None:
        """Ids of the active files of `owner` that the actor may see with a date among their fields
        on one of `days` (MMDD); None when the index cannot answer (ask the database)."""
        query = FileQuery(owner=owner, statuses=frozenset({"active"}), key_days=days)
        listed = self._listed(query, self.search.visibility(actor), self._written(FILE), 1, None)
        return None if listed is None else list(listed.file_ids)

    def _written(self, reason: str | None) -> dict[str, _Written] | None:
        """The files marked pending (of one reason, or all), as they are now; None if too many."""
        file_ids = self.pending.file_ids(reason)
        if len(file_ids) > PENDING_LIMIT:
            log.warning("%d files wait for the search index: lists read the database", len(file_ids))
            return None
        written = {}
        for file_id in file_ids:
            doc = self.files.by_id(file_id)
            retention = retention_of(self.retention, file_id) if doc is not None and reason is None else None
            written[file_id] = _Written(doc, file_entry(doc, retention) if doc is not None else None)
        return written

    def _listed(self, query: FileQuery, visibility: Visibility, written, page: int, per_page: int | None,
                counted=()):
        # the index's answer, or None when it cannot give one (then the database is asked)
        if written is None:
            return None
        try:
            index = self.search.index
        except Unavailable:
            return None
        replaced = {file_id: w.entry for file_id, w in written.items()}
        return index.list_files(query, visibility=visibility, page=page, per_page=per_page, replaced=replaced,
                                counted=counted)

    # -- the database, when the index cannot answer ----------------------------------------------
    def _visible(self, actor: User, visibility: Visibility) -> dict:
        borrowed = [oid(file_id) for file_id in visibility.file_ids if oid(file_id)]
        return access.visibility_query(actor, borrowed_ids=borrowed)

    def _database_page(self, actor, filters, visibility, page, per_page, sort, descending):
        query = database_query(file_query(filters, sort, descending))
        visible = self._visible(actor, visibility)
        combined = {"$and": [query, visible]} if visible and query else (visible or query)
        order = [(DATABASE_SORTS[sort], -1 if descending else 1), ("_id", 1)]
        return self.files.page(combined, order, (page - 1) * per_page, per_page)

    def _database_counts(self, actor: User, visibility: Visibility) -> dict:
        visible = self._visible(actor, visibility)
        query = {"status": {"$ne": "merged"}}
        return self.files.counts({"$and": [query, visible]} if visible else query, COUNTED)

    def _database_due(self, as_of: str, page: int, per_page: int) -> tuple[int, list[str]]:
        states = self.retention.states({"kind": DATED, "destroy_after": {"$lt": as_of},
                                        "status": {"$nin": ["destroyed", "merged"]}}, projection={"_id": 1})
        held = self.retention.held_file_ids()
        ids = [s["_id"] for s in states if s["_id"] not in held]
        # a recompute racing an execution may have written a stale state: the file itself decides
        live = [i for i in ids if (self.files.by_id(i) or {}).get("status") in DUE_STATUSES]
        return len(live), live[(page - 1) * per_page: page * per_page] if per_page else live


def database_query(query: FileQuery) -> dict:
    """A FileQuery's filters as a database query (what the list asked before the index answered)."""
    found: dict = {}
    if query.name:
        found["$or"] = [{"name": {"$regex": re.escape(query.name)}},
                        {"name_pinyin": {"$regex": re.escape(query.name).lower()}},
                        {"name_initials": query.name.lower()}]
    for key in ("archive_no", "owner", "template"):
        if getattr(query, key):
            found[key] = getattr(query, key)
    if query.statuses is None:
        found["status"] = {"$ne": "merged"}
    else:  # one status is a top-level equality, which FerretDB hands to PostgreSQL (GIN-indexed)
        found["status"] = next(iter(query.statuses)) if len(query.statuses) == 1 else {"$in": sorted(query.statuses)}
    for key in ("customer_type", "stage", "project"):
        if getattr(query, key):
            found[f"classification.{key}"] = getattr(query, key)
    return found

