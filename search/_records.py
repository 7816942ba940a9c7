"""Listing indexes: one small Whoosh index per kind of record (loans, follow-ups, audit entries, ...).

The database answers point lookups; it cannot sort, count or page a large set without decoding every
record (FerretDB). A listing index holds, per record, only the values lists filter, count and sort by:
coded text columns (status, borrower, department ...) and 64-bit integer columns (times as epoch
milliseconds, sequence numbers). A list is a mask over those columns (numpy, per segment, read once
per segment like the search index's columns), a sort, a slice: the page's record ids, the exact
total, and counts per value. Rows are then read from the database by id.

    index = RecordIndex(path, RecordKind("loan", coded=("status", "borrower"), numbers=("requested_at",)))
    with index.writer(timeout=30) as w:
        w.upsert("65a..", {"status": "out", "borrower": "liwen", "requested_at": 1733370000000})
        w.delete("65b..")
    page = index.select(Selection(where={"status": {"out"}}, sort="requested_at", descending=True,
                                  offset=0, limit=20))
    page.total, page.ids, index.counts("status", Selection(...))
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from whoosh import columns
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.filedb.filestore import FileStorage

from search import _whoosh_patch
from search._columns import _fixed_column
from search._columns import _ref_column
from search._writer import IndexBusy

NO_NUMBER = -(2 ** 63)  # the value of a number a record does not have (sorts first)
MAX_LIMIT = 1000


@dataclass(frozen=True)
class RecordKind:
    """What a listing index holds: its name, coded (exact) columns and integer columns."""

    name: str
    coded: tuple[str, ...]
    numbers: tuple[str, ...] = ()

    def schema(self) -> fields.Schema:
        """The Whoosh schema: the record id, then one column per value."""
        return fields.Schema(
            id=fields.ID(unique=True, stored=True, sortable=True),
            **{name: fields.ID(sortable=columns.RefBytesColumn()) for name in self.coded},
            **{name: fields.COLUMN(columns.NumericColumn("q", default=NO_NUMBER)) for name in self.numbers})


@dataclass(frozen=True)
class Selection:
    """Which records, in which order, which slice.

    `where`: column -> accepted values (all columns must match); `any_of`: alternatives, each a `where`,
    of which one must match (visibility rules); `ranges`: number column -> (lowest, highest), either
    end None for open; `ids`: only these records (None: any).
    """

    where: dict[str, set[str]] = field(default_factory=dict)
    any_of: tuple[dict[str, set[str]], ...] | None = None
    ranges: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    exclude_ids: frozenset[str] = frozenset()
    sort: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int = 20

    def accepts(self, values: dict) -> bool:
        """Whether a record with these column values is selected (what the index's masks compute)."""
        def matches(wanted: dict[str, set[str]]) -> bool:
            return all(str(values.get(name) or "") in accepted for name, accepted in wanted.items())

        for name, (low, high) in self.ranges.items():
            number = values.get(name)
            number = NO_NUMBER if number is None else int(number)
            if (low is not None and number < low) or (high is not None and number > high):
                return False
        return matches(self.where) and (self.any_of is None or any(matches(w) for w in self.any_of))

    def key(self, values: dict) -> int:
        """A record's sort key under this selection."""
        number = values.get(self.sort) if self.sort else 0
        return NO_NUMBER if number is None else int(number)


@dataclass(frozen=True)
class RecordPage:
    """A slice of a selection: the ids in order, their sort values, and the total selected."""

    total: int
    ids: list[str]
    keys: list[int]


class _Segment:
    """One segment's columns as arrays (segments never change; deletions are applied per reader)."""

    def __init__(self, leaf, kind: RecordKind):
        self.size = leaf.doc_count_all()
        self.codes, self.values = {}, {}
        for name in kind.coded:
            self.codes[name], self.values[name] = _ref_column(leaf.column_reader(name, translate=False), self.size)
        self.numbers = {name: _fixed_column(leaf.column_reader(name, translate=False), "q", NO_NUMBER, self.size)
                        for name in kind.numbers}
        self._ids = leaf.column_reader("id", translate=False)
        self._id_array: np.ndarray | None = None

    def record_id(self, docnum: int) -> str:
        """The id of one entry."""
        value = self._ids[docnum]
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def matching(self, wanted: dict[str, set[str]]) -> np.ndarray:
        """A mask of the entries whose columns hold one of the wanted values, column by column."""
        mask = np.ones(self.size, dtype=bool)
        for name, accepted in wanted.items():
            codes = [i for i, value in enumerate(self.values[name]) if value in accepted]
            mask &= np.isin(self.codes[name], codes)
        return mask

    def ids(self) -> np.ndarray:
        """Every entry's id (read once, for selections that exclude ids)."""
        if self._id_array is None:
            self._id_array = np.array([self.record_id(n) for n in range(self.size)], dtype=object)
        return self._id_array


class RecordIndex:
    """A listing index of one kind of record in `directory` (created if missing)."""

    def __init__(self, directory: Path, kind: RecordKind):
        _whoosh_patch.apply()
        self.kind = kind
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(self.directory))
        if whoosh_index.exists(storage):
            self._index = storage.open_index(schema=kind.schema())
        else:
            self._index = storage.create_index(kind.schema())
        self._lock = threading.Lock()
        self._reader = None
        self._leaves: list = []
        self._segments: dict[str, _Segment] = {}

    @contextmanager
    def writer(self, timeout: float = 30.0, clear: bool = False):
        """Upserts and deletes, committed together on success; IndexBusy if another writer holds it.

        `clear`: the commit drops every record written before (a rebuild from the database)."""
        try:
            writer = self._index.writer(timeout=timeout)
        except whoosh_index.LockError as exc:
            raise IndexBusy(f"the {self.kind.name} listing index is being written") from exc
        try:
            yield _RecordWriter(writer, self.kind)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR) if clear else writer.commit()

    def _current(self) -> list:
        # one reader, replaced when a commit appears; segments' arrays kept while they live
        if self._reader is None or self._index.latest_generation() != self._reader.generation():
            reader = self._index.reader()
            # an empty index's reader has a leaf without a segment
            leaves = [leaf for leaf, _offset in reader.leaf_readers() if leaf.segment() is not None]
            self._segments = {leaf.segment().segment_id(): self._segments.get(leaf.segment().segment_id())
                              or _Segment(leaf, self.kind) for leaf in leaves}
            self._reader, self._leaves = reader, leaves
        return [(leaf, self._segments[leaf.segment().segment_id()]) for leaf in self._leaves]

    def _masks(self, selection: Selection):
        for leaf, segment in self._current():
            mask = segment.matching(selection.where)
            if selection.any_of is not None:
                alternatives = np.zeros(segment.size, dtype=bool)
                for wanted in selection.any_of:
                    alternatives |= segment.matching(wanted)
                mask &= alternatives
            for name, (low, high) in selection.ranges.items():
                if low is not None:
                    mask &= segment.numbers[name] >= low
                if high is not None:
                    mask &= segment.numbers[name] <= high
            if leaf.has_deletions():
                mask[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = False
            if selection.exclude_ids:
                mask &= ~np.isin(segment.ids(), list(selection.exclude_ids))
            yield segment, mask

    def select(self, selection: Selection) -> RecordPage:
        """The selected records' total, and the ids and sort keys of the requested slice."""
        limit = min(max(selection.limit, 0), MAX_LIMIT)
        with self._lock:
            found = [(segment, np.flatnonzero(mask)) for segment, mask in self._masks(selection)]
            total = sum(len(docnums) for _, docnums in found)
            if not total or limit == 0:
                return RecordPage(total, [], [])
            keys = np.concatenate([segment.numbers[selection.sort][docnums] if selection.sort
                                   else np.zeros(len(docnums), dtype=np.int64) for segment, docnums in found])
            owners = np.concatenate([np.full(len(docnums), i) for i, (_, docnums) in enumerate(found)])
            docs = np.concatenate([docnums for _, docnums in found])
            # by key, ties in index order (stable across calls); only the slice's ids are read
            order = np.lexsort((docs, owners, keys))
            if selection.descending:
                order = order[::-1]
            chosen = order[selection.offset:selection.offset + limit]
            return RecordPage(total, [found[owners[i]][0].record_id(int(docs[i])) for i in chosen],
                              [int(keys[i]) for i in chosen])

    def counts(self, column: str, selection: Selection) -> dict[str, int]:
        """How many selected records hold each value of a coded column (the empty value included)."""
        totals: dict[str, int] = {}
        with self._lock:
            for segment, mask in self._masks(selection):
                counted = np.bincount(segment.codes[column][mask], minlength=len(segment.values[column]))
                for value, n in zip(segment.values[column], counted):
                    if n:
                        totals[value] = totals.get(value, 0) + int(n)
        return totals

    def size(self) -> int:
        """How many records the index holds."""
        with self._lock:
            self._current()
            return self._reader.doc_count()


class _RecordWriter:
    """What `RecordIndex.writer()` yields."""

    def __init__(self, writer, kind: RecordKind):
        self._writer = writer
        self._kind = kind

    def upsert(self, record_id: str, values: dict) -> None:
        """Add or replace one record's values (unknown names are refused; a missing value is empty)."""
        unknown = set(values) - set(self._kind.coded) - set(self._kind.numbers)
        if unknown:
            raise ValueError(f"{self._kind.name} has no column {', '.join(sorted(unknown))}")
        document = {"id": record_id}
        for name in self._kind.coded:
            document[name] = str(values.get(name) or "")
        for name in self._kind.numbers:
            number = values.get(name)
            document[name] = NO_NUMBER if number is None else int(number)
        self._writer.update_document(**document)

    def delete(self, record_id: str) -> None:
        """Remove one record (nothing if absent)."""
        self._writer.delete_by_term("id", record_id)
