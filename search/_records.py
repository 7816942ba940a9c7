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
    index.histogram("requested_at", month_edges, Selection(...))      # counts per interval
    index.highest("seq")                                                # an append-only kind's watermark
"""
from __future__ import annotations

import threading
from array import array
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
from search._writer import opening
from search._writer import settled

NO_NUMBER = -(2 ** 63)  # the value of a number a record does not have (sorts first)
FEW_IDS = 256  # records left out of a selection found by their id's terms up to this many
COMPLETE = "COMPLETE"  # a file beside the segments: the index was filled from its source at least once


class WideRefBytesColumn(columns.RefBytesColumn):
    """Whoosh's RefBytesColumn without its limit of 65,535 distinct values per segment.

    Whoosh's writer turns every further value into the empty one (with a warning): a column of file
    ids or audit targets would lose values silently once segments merge. This writer keeps the
    references as 32-bit numbers while writing and stores them in the smallest width that fits
    (B, H or I); Whoosh's own reader and `_columns._ref_column` read all three widths.
    """

    def writer(self, dbfile):
        """A writer of 8-, 16- or 32-bit references."""
        return _WideRefWriter(dbfile, self._fixedlen, self._default)


class _WideRefWriter(columns.RefBytesColumn.Writer):
    def __init__(self, dbfile, fixedlen, default):
        super().__init__(dbfile, fixedlen, default)
        self._refs = array("I")

    def fill(self, docnum):
        if docnum > self._count:
            self._refs.extend(0 for _ in range(docnum - self._count))

    def add(self, docnum, v):
        self.fill(docnum)
        ref = self._uniques.setdefault(v, len(self._uniques))
        self._refs.append(ref)
        self._count = docnum + 1

    def finish(self, doccount):
        self.fill(doccount)
        typecode = "B" if len(self._uniques) <= 0xFF else "H" if len(self._uniques) <= 0xFFFF else "I"
        self._dbfile.write_array(array(typecode, self._refs))
        self._write_uniques(typecode)
        self._dbfile.write_byte(ord(typecode))


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
            **{name: fields.ID(sortable=WideRefBytesColumn()) for name in self.coded},
            **{name: fields.COLUMN(columns.NumericColumn("q", default=NO_NUMBER)) for name in self.numbers})


@dataclass(frozen=True)
class Selection:
    """Which records, in which order, which slice.

    `where`: column -> accepted values (all columns must match); `any_of`: alternatives, each a `where`,
    of which one must match (visibility rules); `prefixes`: column -> the start its value must have;
    `ranges`: number column -> (lowest, highest), either end None for open; `exclude_ids`: records
    left out (those a list reads from the database instead).
    """

    where: dict[str, set[str]] = field(default_factory=dict)
    any_of: tuple[dict[str, set[str]], ...] | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
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
        if not all(str(values.get(name) or "").startswith(start) for name, start in self.prefixes.items()):
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
    """One segment's columns as arrays, each read on first use (segments never change; deletions are
    applied per reader). Callers hold the index's lock."""

    def __init__(self, leaf):
        self.size = leaf.doc_count_all()
        self._leaf = leaf
        self._coded: dict[str, tuple[np.ndarray, list[str]]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._code_of: dict[str, dict[str, int]] = {}
        self._value_array: dict[str, np.ndarray] = {}
        self._ids = leaf.column_reader("id", translate=False)
        self._id_array: np.ndarray | None = None

    def coded(self, name: str) -> tuple[np.ndarray, list[str]]:
        """A coded column: each entry's code, and the values the codes stand for."""
        if name not in self._coded:
            self._coded[name] = _ref_column(self._leaf.column_reader(name, translate=False), self.size)
        return self._coded[name]

    def number(self, name: str) -> np.ndarray:
        """A number column (NO_NUMBER where an entry has none)."""
        if name not in self._numbers:
            self._numbers[name] = _fixed_column(self._leaf.column_reader(name, translate=False), "q", NO_NUMBER,
                                                self.size)
        return self._numbers[name]

    def record_id(self, docnum: int) -> str:
        """The id of one entry."""
        value = self._ids[docnum]
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def code_of(self, name: str) -> dict[str, int]:
        """A coded column's code of each value (a column may hold a value per record: audit targets)."""
        if name not in self._code_of:
            self._code_of[name] = {value: code for code, value in enumerate(self.coded(name)[1])}
        return self._code_of[name]

    def matching(self, wanted: dict[str, set[str]]) -> np.ndarray:
        """A mask of the entries whose columns hold one of the wanted values, column by column."""
        mask = np.ones(self.size, dtype=bool)
        for name, accepted in wanted.items():
            codes, code_of = self.coded(name)[0], self.code_of(name)
            chosen = [code_of[value] for value in accepted if value in code_of]
            mask &= (codes == chosen[0]) if len(chosen) == 1 else np.isin(codes, chosen)
        return mask

    def starting(self, prefixes: dict[str, str]) -> np.ndarray:
        """A mask of the entries whose columns' values start with the given text, column by column."""
        mask = np.ones(self.size, dtype=bool)
        for name, start in prefixes.items():
            codes, values = self.coded(name)
            if name not in self._value_array:
                self._value_array[name] = np.array(values, dtype=np.str_)
            chosen = np.flatnonzero(np.strings.startswith(self._value_array[name], start)) if values else []
            mask &= np.isin(codes, chosen)
        return mask

    def holding(self, record_ids: frozenset[str]) -> np.ndarray:
        """A mask of the entries of these records: a few found by the id's terms, many by every entry's id."""
        if len(record_ids) > FEW_IDS:
            return np.isin(self.ids(), list(record_ids))
        mask = np.zeros(self.size, dtype=bool)
        for record_id in record_ids:
            if ("id", record_id) in self._leaf:
                mask[list(self._leaf.postings("id", record_id).all_ids())] = True
        return mask

    def ids(self) -> np.ndarray:
        """Every entry's id (read once)."""
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
        with opening(self.directory):
            self._index = settled(lambda: storage.open_index(schema=kind.schema())
                                  if whoosh_index.exists(storage) else storage.create_index(kind.schema()))
        self._lock = threading.Lock()
        self._reader = None
        self._leaves: list = []
        self._segments: dict[str, _Segment] = {}

    @contextmanager
    def writer(self, timeout: float = 30.0, clear: bool = False):
        """Upserts and deletes, committed together on success; IndexBusy if another writer holds it.

        `clear`: the commit drops every record written before (a rebuild from the database), and
        marks the index complete."""
        try:
            writer = self._index.writer(timeout=timeout)
        except whoosh_index.LockError as exc:
            raise IndexBusy(f"the {self.kind.name} listing index is being written") from exc
        records = _RecordWriter(writer, self.kind, adding=clear)
        try:
            yield records
        except BaseException:
            writer.cancel()
            raise
        if records.abandoned:
            writer.cancel()
        elif clear:
            writer.commit(mergetype=writing.CLEAR)
            (self.directory / COMPLETE).touch()
        else:
            writer.commit()

    @property
    def complete(self) -> bool:
        """Whether the index was filled from its source at least once (a `writer(clear=True)` committed)."""
        return (self.directory / COMPLETE).exists()

    def _current(self) -> list:
        # one reader, replaced when a commit appears; segments' arrays kept while they live
        if self._reader is None or self._index.latest_generation() != self._reader.generation():
            reader = self._index.reader()
            # an empty index's reader has a leaf without a segment
            leaves = [leaf for leaf, _offset in reader.leaf_readers() if leaf.segment() is not None]
            self._segments = {leaf.segment().segment_id(): self._segments.get(leaf.segment().segment_id())
                              or _Segment(leaf) for leaf in leaves}
            self._reader, self._leaves = reader, leaves
        return [(leaf, self._segments[leaf.segment().segment_id()]) for leaf in self._leaves]

    def _masks(self, selection: Selection):
        for leaf, segment in self._current():
            mask = segment.matching(selection.where)
            if selection.prefixes:
                mask &= segment.starting(selection.prefixes)
            if selection.any_of is not None:
                alternatives = np.zeros(segment.size, dtype=bool)
                for wanted in selection.any_of:
                    alternatives |= segment.matching(wanted)
                mask &= alternatives
            for name, (low, high) in selection.ranges.items():
                if low is not None:
                    mask &= segment.number(name) >= low
                if high is not None:
                    mask &= segment.number(name) <= high
            if leaf.has_deletions():
                mask[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = False
            if selection.exclude_ids:
                mask &= ~segment.holding(selection.exclude_ids)
            yield segment, mask

    def select(self, selection: Selection) -> RecordPage:
        """The selected records' total, and the ids and sort keys of the requested slice."""
        limit = max(selection.limit, 0)
        with self._lock:
            found = [(segment, np.flatnonzero(mask)) for segment, mask in self._masks(selection)]
            total = sum(len(docnums) for _, docnums in found)
            if not total or limit == 0:
                return RecordPage(total, [], [])
            keys = np.concatenate([segment.number(selection.sort)[docnums] if selection.sort
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

    def counts(self, column: str, selection: Selection, weight: str | None = None) -> dict[str, int]:
        """How many selected records hold each value of a coded column, the empty value included (with
        `weight`: the sum of that number column over them instead, a missing number adding nothing)."""
        totals: dict[str, int] = {}
        with self._lock:
            for segment, mask in self._masks(selection):
                codes, values = segment.coded(column)
                counted = np.bincount(codes[mask], weights=_weights(segment, weight, mask), minlength=len(values))
                for value, n in zip(values, counted):
                    if n:
                        totals[value] = totals.get(value, 0) + int(n)
        return totals

    def histogram(self, column: str, edges: list[int], selection: Selection,
                  weight: str | None = None) -> list[int]:
        """How many selected records have a number column in each interval [edges[i], edges[i+1])
        (with `weight`: the sum of that number column over them instead)."""
        bounds = np.asarray(edges, dtype=np.int64)
        totals = np.zeros(max(len(edges) - 1, 0), dtype=np.int64)
        with self._lock:
            for segment, mask in self._masks(selection):
                bins = np.searchsorted(bounds, segment.number(column)[mask], side="right") - 1
                inside = (bins >= 0) & (bins < len(totals))
                weights = _weights(segment, weight, mask)
                totals += np.bincount(bins[inside], weights=None if weights is None else weights[inside],
                                      minlength=len(totals)).astype(np.int64)
        return [int(n) for n in totals]

    def highest(self, column: str) -> int | None:
        """The highest value of a number column over the records held (None when none has one)."""
        found = None
        with self._lock:
            for segment, mask in self._masks(Selection()):
                numbers = segment.number(column)[mask]
                numbers = numbers[numbers != NO_NUMBER]
                if len(numbers):
                    top = int(numbers.max())
                    found = top if found is None else max(found, top)
        return found

    def size(self) -> int:
        """How many records the index holds."""
        with self._lock:
            self._current()
            return self._reader.doc_count()


def _weights(segment: _Segment, weight: str | None, mask: np.ndarray) -> np.ndarray | None:
    # a number column's values as weights of the selected entries; a missing number weighs nothing
    if weight is None:
        return None
    numbers = segment.number(weight)[mask]
    return np.where(numbers == NO_NUMBER, 0, numbers).astype(np.float64)


class _RecordWriter:
    """What `RecordIndex.writer()` yields."""

    def __init__(self, writer, kind: RecordKind, adding: bool = False):
        self._writer = writer
        self._kind = kind
        # a rebuild starts from nothing: adding skips update_document's look-up of an earlier entry
        self._write = writer.add_document if adding else writer.update_document
        self.abandoned = False

    def abandon(self) -> None:
        """Commit nothing of this writer (it found its work already done)."""
        self.abandoned = True

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
        self._write(**document)

    def delete(self, record_id: str) -> None:
        """Remove one record (nothing if absent)."""
        self._writer.delete_by_term("id", record_id)
