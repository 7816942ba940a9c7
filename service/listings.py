"""Lists over large collections, answered by listing indexes, with what was written since at once.

The database answers point lookups and small equality sets; it cannot sort, count or page a large set
(FerretDB decodes every document for that). So each listed kind of record (loans, documents, jobs,
audit entries) has a listing index (`search.RecordIndex`) of the values its lists filter, sort and
count by.

What the index does not hold yet is found in one of two ways:

- marks: every write of a listed record leaves a mark (`storage.listing_marks`). The worker's pass
  (`catch_up`) reads a kind's marks, writes those records into the index (or removes them when they
  are gone), commits, then deletes exactly the marks it read.
- a watermark, for append-only kinds numbered densely (the audit trail: `_id` = sequence number):
  the index knows the highest number it holds; the records above it are read by point lookups
  upwards until one is missing, and the pass writes them in. Writers pay nothing.

A list (`select`, `counts`, `histogram`) asks the index without the marked records, reads the
records not in the index from the database, applies the same selection to them, and merges: a record
shows in lists with its new values the moment it is written, and exactly once. An index never filled
from its collection (new in this version, or a new database) is built on first use.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timezone
from pathlib import Path

from search import IndexBusy
from search import RecordIndex
from search import RecordKind
from search import RecordPage
from search import Selection
from service import clock
from service.errors import Unavailable
from service.messages import N_
from storage.listing_marks import ListingMarks

log = logging.getLogger(__name__)

BATCH = 500
WRITE_TIMEOUT = 10.0
BUILD_TIMEOUT = 60.0  # how long a rebuild waits for the index's writer
READY_WAIT = 5.0  # how long a list waits for another process that builds the index it needs


@dataclass(frozen=True)
class Listed:
    """A listed kind of record: its columns, how to read one record and every record, and its values.

    Append-only kinds numbered densely also give `after(number, limit)`: the records whose `sequence`
    column is above the number, in order, stopping at the first one missing (limit 0: all); they
    need no marks."""

    kind: RecordKind
    load: Callable[[str], dict | None]
    every: Callable[[], Iterable[dict]]
    values: Callable[[dict], dict]
    after: Callable[[int, int], list[dict]] | None = None
    sequence: str = ""


def both(first: tuple[dict, ...] | None, second: tuple[dict, ...] | None) -> tuple[dict, ...] | None:
    """Alternatives that hold when one of `first` and one of `second` hold (None: no condition)."""
    if first is None or second is None:
        return second if first is None else first
    combined = []
    for one in first:
        for other in second:
            merged = dict(one)
            for name, accepted in other.items():
                merged[name] = merged[name] & accepted if name in merged else accepted
            combined.append(merged)
    return tuple(combined)


def day_number(iso_day: str | None) -> int | None:
    """A YYYY-MM-DD day as the integer YYYYMMDD (ordered like the day)."""
    return int(iso_day.replace("-", "")) if iso_day else None


def epoch_ms(moment: datetime | None) -> int | None:
    """A stored time as the integer the listing indexes sort by (UTC milliseconds)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def from_epoch_ms(number: int) -> datetime:
    """The time (UTC) of an integer from a listing index."""
    return datetime.fromtimestamp(number / 1000, tz=timezone.utc)


class Listings:
    """The listing indexes under one directory and the marks of what changed since their last pass."""

    def __init__(self, marks: ListingMarks, directory: Path, kinds: dict[str, Listed]):
        self.marks = marks
        self.directory = Path(directory)
        self.kinds = kinds
        self._indexes: dict[str, RecordIndex] = {}

    def index(self, kind: str) -> RecordIndex:
        """The listing index of a kind (opened on first use)."""
        found = self._indexes.get(kind)
        if found is None:
            found = self._indexes[kind] = RecordIndex(self.directory / kind, self.kinds[kind].kind)
        return found

    def ready(self, kind: str) -> RecordIndex:
        """The index of a kind, built from its collection first if it never was; Unavailable while
        another process builds it (for longer than READY_WAIT)."""
        index = self.index(kind)
        if not index.complete:
            try:
                self.rebuild(kind, unless_complete=True, timeout=READY_WAIT)
            except IndexBusy:
                raise Unavailable(N_("列表索引正在建立，请稍后再试")) from None
        return index

    def changed(self, kind: str, record_id) -> None:
        """Note a write of a record (call after the write succeeded)."""
        self.marks.add(kind, str(record_id), clock.now())

    def view(self, kind: str) -> "ListView":
        """The index of a kind with the records it does not hold yet read once, for several questions."""
        index = self.ready(kind)
        listed = self.kinds[kind]
        if listed.after is not None:
            held = index.highest(listed.sequence) or 0
            return ListView(index, frozenset(), [(str(d["_id"]), listed.values(d)) for d in listed.after(held, 0)])
        marked = frozenset(m["record_id"] for m in self.marks.of_kind(kind))
        docs = ((record_id, listed.load(record_id)) for record_id in sorted(marked))
        return ListView(index, marked, [(record_id, listed.values(doc)) for record_id, doc in docs if doc is not None])

    def select(self, kind: str, selection: Selection) -> RecordPage:
        """A slice of the records selected, those not in the index yet read from the database and merged in."""
        return self.view(kind).select(selection)

    def total(self, kind: str, selection: Selection) -> int:
        """How many records are selected."""
        return self.view(kind).total(selection)

    def counts(self, kind: str, column: str, selection: Selection, weight: str | None = None) -> dict[str, int]:
        """How many selected records hold each value of a column (see `ListView.counts`)."""
        return self.view(kind).counts(column, selection, weight)

    def histogram(self, kind: str, column: str, edges: list[int], selection: Selection,
                  weight: str | None = None) -> list[int]:
        """How many selected records fall in each interval of a number column (see `ListView.histogram`)."""
        return self.view(kind).histogram(column, edges, selection, weight)

    def catch_up(self, kinds: Iterable[str] | None = None) -> int:
        """Take what was written since into the indexes (the worker's pass); how many records were written.

        An index never built is not built here (a read or the worker's start does that)."""
        written = 0
        for kind in kinds or self.kinds:
            try:
                written += self._follow(kind) if self.kinds[kind].after is not None else self._pass(kind)
            except IndexBusy:
                log.info("listing index %s busy; the next pass takes its records", kind)
        return written

    def _pass(self, kind: str) -> int:
        marks = self.marks.of_kind(kind, BATCH)
        if not marks:
            return 0
        listed = self.kinds[kind]
        record_ids = {m["record_id"] for m in marks}
        with self.index(kind).writer(timeout=WRITE_TIMEOUT) as writer:
            for record_id in record_ids:
                doc = listed.load(record_id)
                if doc is None:
                    writer.delete(record_id)
                else:
                    writer.upsert(record_id, listed.values(doc))
        self.marks.remove([m["_id"] for m in marks])
        return len(record_ids)

    def _follow(self, kind: str) -> int:
        # an append-only kind: the records above the highest number the index holds
        listed = self.kinds[kind]
        docs = listed.after(self.index(kind).highest(listed.sequence) or 0, BATCH)
        if not docs:
            return 0
        with self.index(kind).writer(timeout=WRITE_TIMEOUT) as writer:
            for doc in docs:
                writer.upsert(str(doc["_id"]), listed.values(doc))
        return len(docs)

    def rebuild(self, kind: str, unless_complete: bool = False, timeout: float = BUILD_TIMEOUT) -> int:
        """Write every record of a kind into its index again (`archive reindex`, restore, a new index);
        `unless_complete`: nothing if another process completed it while this one waited."""
        listed = self.kinds[kind]
        index = self.index(kind)
        count = 0
        with index.writer(timeout=timeout, clear=True) as writer:
            if unless_complete and index.complete:
                writer.abandon()
                return 0
            for doc in listed.every():
                writer.upsert(str(doc["_id"]), listed.values(doc))
                count += 1
        log.info("listing index %s built: %d records", kind, count)
        return count

    def build_incomplete(self) -> dict[str, int]:
        """Build the indexes never filled from their collection (a kind new in this version; the worker's start)."""
        return {kind: self.rebuild(kind, unless_complete=True) for kind in self.kinds
                if not self.index(kind).complete}


class ListView:
    """A listing index and the records it does not hold yet (as the database has them now): lists and
    counts over both, each record once. Read the fresh records once for several questions."""

    def __init__(self, index: RecordIndex, leave_out: frozenset[str], rows: list[tuple[str, dict]]):
        self.index = index
        self.leave_out = leave_out  # records the index holds in an older state (or not at all any more)
        self.rows = rows  # (id, values) of the records read from the database

    def _left_out(self, selection: Selection) -> frozenset[str]:
        """What the index must leave out: its stale records and those the selection excludes itself."""
        return self.leave_out | selection.exclude_ids if selection.exclude_ids else self.leave_out

    def select(self, selection: Selection) -> RecordPage:
        """A slice of the records selected, the fresh ones merged into the index's."""
        fresh = sorted(((selection.key(v), i) for i, v in self.rows
                        if selection.accepts(v) and i not in selection.exclude_ids),
                       reverse=selection.descending)
        if not fresh:
            return self.index.select(replace(selection, exclude_ids=self._left_out(selection)))
        # the index's rows from where the slice may start (at most len(fresh) of them come before it)
        start = max(0, selection.offset - len(fresh))
        end = selection.offset + max(selection.limit, 0)
        head = self.index.select(replace(selection, exclude_ids=self._left_out(selection), offset=start,
                                         limit=end - start))
        before = 0
        if start and head.ids:  # fresh rows that come before the index's first row of the window
            first = _rank(selection, head.keys[0], 0, 0)
            before = sum(1 for n, (key, _) in enumerate(fresh) if _rank(selection, key, 1, n) < first)
        merged = sorted([(_rank(selection, k, 0, n), k, i) for n, (k, i) in enumerate(zip(head.keys, head.ids))]
                        + [(_rank(selection, k, 1, n), k, i) for n, (k, i) in enumerate(fresh) if n >= before])
        skip = selection.offset - start - before
        chosen = merged[skip:skip + max(selection.limit, 0)]
        return RecordPage(head.total + len(fresh), [i for _, _, i in chosen], [k for _, k, _ in chosen])

    def total(self, selection: Selection) -> int:
        """How many records are selected."""
        return self.select(replace(selection, offset=0, limit=0)).total

    def counts(self, column: str, selection: Selection, weight: str | None = None) -> dict[str, int]:
        """How many selected records hold each value of a coded column, the empty value included (with
        `weight`: the sum of that number column over them)."""
        totals = self.index.counts(column, replace(selection, exclude_ids=self._left_out(selection)), weight)
        for record, values in self.rows:
            if selection.accepts(values) and record not in selection.exclude_ids:
                value = str(values.get(column) or "")
                totals[value] = totals.get(value, 0) + (_number(values, weight) if weight else 1)
        return totals

    def histogram(self, column: str, edges: list[int], selection: Selection, weight: str | None = None) -> list[int]:
        """How many selected records have a number column in each interval [edges[i], edges[i+1]) (with
        `weight`: the sum of that number column over them)."""
        totals = self.index.histogram(column, edges, replace(selection, exclude_ids=self._left_out(selection)), weight)
        for record, values in self.rows:
            number = values.get(column)
            if number is None or not selection.accepts(values) or record in selection.exclude_ids:
                continue
            for n in range(len(totals)):
                if edges[n] <= number < edges[n + 1]:
                    totals[n] += _number(values, weight) if weight else 1
        return totals


def _rank(selection: Selection, key: int, source: int, position: int) -> tuple:
    # the merged order of index rows (source 0) and fresh rows (source 1), each already in the list's
    # order: by key; on a tie the index's rows first, so descending is exactly ascending reversed
    if selection.descending:
        return (-key, 1 - source, position)
    return (key, source, position)


def _number(values: dict, name: str) -> int:
    number = values.get(name)
    return int(number) if number is not None else 0
