"""Lists over large collections, answered by listing indexes, with what was written since at once.

The database answers point lookups and small equality sets; it cannot sort, count or page a large set
(FerretDB decodes every document for that). So each listed kind of record (loans, ...) has a listing
index (`search.RecordIndex`) of the values its lists filter, sort and count by.

Every write of a listed record leaves a mark (`storage.listing_marks`). The worker's pass
(`catch_up`) reads a kind's marks, writes those records into the index (or removes them when they
are gone), commits, then deletes exactly the marks it read. A list (`select`) asks the index for the
slice it needs without the marked records, reads the marked ones from the database by id, applies
the same selection to them, and merges: a record shows in lists with its new values the moment it
is written, and exactly once.
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
from storage.listing_marks import ListingMarks

log = logging.getLogger(__name__)

BATCH = 500
WRITE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Listed:
    """A listed kind of record: its columns, how to read one record and every record, and its values."""

    kind: RecordKind
    load: Callable[[str], dict | None]
    every: Callable[[], Iterable[dict]]
    values: Callable[[dict], dict]


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

    def changed(self, kind: str, record_id) -> None:
        """Note a write of a record (call after the write succeeded)."""
        self.marks.add(kind, str(record_id), clock.now())

    def select(self, kind: str, selection: Selection) -> RecordPage:
        """A slice of the records selected, the marked ones read from the database and merged in."""
        marked = {m["record_id"] for m in self.marks.of_kind(kind)}
        if not marked:
            return self.index(kind).select(selection)
        listed = self.kinds[kind]
        fresh = []
        for record_id in sorted(marked):
            doc = listed.load(record_id)
            values = listed.values(doc) if doc is not None else None
            if values is not None and selection.accepts(values):
                fresh.append((selection.key(values), record_id))
        end = selection.offset + selection.limit
        head = self.index(kind).select(replace(selection, exclude_ids=frozenset(marked), offset=0, limit=end))
        rows = sorted([*zip(head.keys, head.ids), *fresh], key=lambda row: row[0], reverse=selection.descending)
        chosen = rows[selection.offset:end]
        return RecordPage(head.total + len(fresh), [i for _, i in chosen], [k for k, _ in chosen])

    def counts(self, kind: str, column: str, selection: Selection) -> dict[str, int]:
        """How many selected records hold each value of a column (the empty one too), marked records included."""
        marked = {m["record_id"] for m in self.marks.of_kind(kind)}
        totals = self.index(kind).counts(column, replace(selection, exclude_ids=frozenset(marked)))
        listed = self.kinds[kind]
        for record_id in marked:
            doc = listed.load(record_id)
            values = listed.values(doc) if doc is not None else None
            if values is not None and selection.accepts(values):
                value = str(values.get(column) or "")
                totals[value] = totals.get(value, 0) + 1
        return totals

    def catch_up(self, kinds: Iterable[str] | None = None) -> int:
        """Take marked records into their indexes (the worker's pass); how many records were written."""
        written = 0
        for kind in kinds or self.kinds:
            try:
                written += self._pass(kind)
            except IndexBusy:
                log.info("listing index %s busy; next pass takes its marks", kind)
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

    def rebuild(self, kind: str) -> int:
        """Write every record of a kind into its index again (`archive reindex`, a new index)."""
        listed = self.kinds[kind]
        count = 0
        with self.index(kind).writer(timeout=60.0, clear=True) as writer:
            for doc in listed.every():
                writer.upsert(str(doc["_id"]), listed.values(doc))
                count += 1
        return count

    def rebuild_empty(self) -> dict[str, int]:
        """Build the indexes that hold nothing while their collection has records (first start)."""
        built = {}
        for kind, listed in self.kinds.items():
            if self.index(kind).size() == 0:
                built[kind] = self.rebuild(kind)
        return built
