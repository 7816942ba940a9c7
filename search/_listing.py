"""Lists of customer files from the index's columns: filters, visibility, sort, one page, the total and
counts by value, without reading any stored entry.

The rules are written twice, as masks over a segment's arrays and as a test of one `FileEntry` in
Python, because a list also takes files written since their entry was (`replaced`: a file id and
its current entry, or None for a file gone from the list): their entries in the index are left out
and the current ones are filtered, counted and merged into the page here. A test holds the two
versions of the rules to the same answers.

What the rules are (those of the database query the list used before): `name` is found in the name,
or in lower case in the full pinyin, or equals the initials in lower case; `archive_no`, `owner`,
`template`, `customer_type`, `stage` and `project` are exact values; `statuses` None means every
status but merged; `due_before` (YYYY-MM-DD) keeps files whose dated retention ran out before that
day and that no hold keeps; `key_days` (MMDD texts) keeps files with a date among their fields on one
of those days of the year. Sorts: archive number, pinyin of the name, creation, last change and
retention end, each ascending or descending, ties by file id ascending.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import numpy as np

from search._columns import SegmentColumns
from search._columns import file_key
from search._entries import FileEntry
from search._filters import Visibility
from search._schema import microseconds

SORTS = ("archive_no", "name", "created", "updated", "destroy_after")
COUNTED = ("status", "owner", "template", "customer_type", "stage", "project", "security", "department")
EXACT = ("owner", "template", "customer_type", "stage", "project")


@dataclass(frozen=True)
class FileQuery:
    """What a list of files asks for: filters (blank ones are ignored) and the sort."""

    name: str = ""
    archive_no: str = ""
    statuses: frozenset[str] | None = None
    owner: str = ""
    template: str = ""
    customer_type: str = ""
    stage: str = ""
    project: str = ""
    due_before: str = ""
    key_days: frozenset[str] | None = None
    sort: str = "archive_no"
    descending: bool = False

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        if self.statuses is not None:
            object.__setattr__(self, "statuses", frozenset(self.statuses))
        if self.key_days is not None:
            object.__setattr__(self, "key_days", frozenset(self.key_days))
        for name in ("name", "archive_no", *EXACT, "due_before"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be text")


@dataclass(frozen=True)
class FileList:
    """One page of a list: `total` files match, `file_ids` are the page's in order, `counts` the
    files matching by value of each counted column asked for."""

    total: int
    file_ids: tuple[str, ...]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def matches(entry: FileEntry, query: FileQuery, visibility: Visibility) -> bool:
    """True if the list shows the entry (the Python side of `segment_mask`)."""
    if not visibility.allows(entry.file_id, entry.security, entry.department):
        return False
    if query.statuses is None and entry.status == "merged" or \
            query.statuses is not None and entry.status not in query.statuses:
        return False
    if any(getattr(query, name) and getattr(query, name) != getattr(entry, name) for name in EXACT):
        return False
    if query.archive_no and entry.archive_no != query.archive_no:
        return False
    if query.due_before and not (entry.destroy_after and entry.destroy_after < query.due_before and not entry.held):
        return False
    if query.key_days is not None and query.key_days.isdisjoint(entry.key_days):
        return False
    return not query.name or _name_matches(query.name, entry.name, entry.name_pinyin, entry.name_initials)


def _name_matches(wanted: str, name: str, pinyin: str, initials: str) -> bool:
    lower = wanted.lower()
    return wanted in name or lower in pinyin or lower == initials


def sort_key(entry: FileEntry, sort: str):
    """The value an entry is sorted by (the Python side of `_keys`)."""
    if sort in ("created", "updated"):
        return microseconds(getattr(entry, sort))
    return {"archive_no": entry.archive_no, "name": entry.name_pinyin, "destroy_after": entry.destroy_after}[sort]


def segment_mask(columns: SegmentColumns, query: FileQuery, visibility: Visibility) -> np.ndarray:
    """The file entries of a segment that the list shows (deletions are the caller's)."""
    mask = columns.coded("kind", {"file"}) & visibility.mask(columns)
    if query.statuses is None:
        mask &= ~columns.coded("status", {"merged"})
    else:
        mask &= columns.coded("status", query.statuses)
    for name in EXACT:
        if getattr(query, name):
            mask &= columns.coded(name, {getattr(query, name)})
    if query.due_before:
        ran_out = {v for v in columns.values["destroy_after"] if v and v < query.due_before}
        mask &= columns.coded("destroy_after", ran_out) & ~columns.coded("held", {"1"})
    if query.key_days is not None and mask.any():
        mask &= _key_days_mask(columns, mask, query.key_days)
    if (query.name or query.archive_no) and mask.any():
        mask &= _text_mask(columns, query)
    return mask


def _key_days_mask(columns: SegmentColumns, mask: np.ndarray, days: frozenset[str]) -> np.ndarray:
    # only the values the mask's rows hold are split: a segment may hold one per file
    codes = columns.codes["key_days"]
    values = columns.values["key_days"]
    wanted = [code for code in np.unique(codes[mask]).tolist() if not days.isdisjoint(values[code].split())]
    return np.isin(codes, wanted)


def _text_mask(columns: SegmentColumns, query: FileQuery) -> np.ndarray:
    # the rules of `matches` for the name and the archive number, with numpy's string functions
    listing = columns.listing()
    rows = np.ones(len(listing.docnums), dtype=bool)
    if query.archive_no:
        rows &= listing.array("archive_no") == query.archive_no
    if query.name and len(listing.docnums):
        lower = query.name.lower()
        rows &= (np.strings.find(listing.array("name"), query.name) >= 0) | \
            (np.strings.find(listing.array("pinyin"), lower) >= 0) | (listing.array("initials") == lower)
    found = np.zeros(columns.size, dtype=bool)
    found[listing.docnums[rows]] = True
    return found


def _keys(columns: SegmentColumns, sort: str):
    listing = columns.listing()
    if sort == "archive_no":
        return listing.archive_nos
    if sort == "name":
        return listing.pinyins
    if sort == "destroy_after":
        values = np.asarray(columns.values["destroy_after"], dtype=object)
        return values[columns.codes["destroy_after"][listing.docnums]].tolist()
    return columns.numbers[sort][listing.docnums]


def without(columns: SegmentColumns, file_ids) -> np.ndarray:
    """A mask of the entries whose file is not one of `file_ids`."""
    if not file_ids:
        return np.ones(columns.size, dtype=bool)
    keys = np.asarray([file_key(f) for f in file_ids], dtype=np.uint64)
    return ~np.isin(columns.numbers["file_key"], keys)


def first(columns: SegmentColumns, mask: np.ndarray, query: FileQuery, count: int) -> list[tuple]:
    """The first `count` allowed file entries of a segment in the sort's order, as (key, file id)."""
    if count <= 0 or not mask.any():
        return []
    listing = columns.listing()
    order = listing.order(query.sort, query.descending, lambda: _keys(columns, query.sort))
    rows = listing.rows(order[mask[order]][:count]).tolist()
    keys = _keys(columns, query.sort)
    return [(_plain(keys[r]), listing.file_ids[r]) for r in rows]


def _plain(value):
    return int(value) if isinstance(value, np.integer) else value


def counts(columns: SegmentColumns, mask: np.ndarray, names) -> dict[str, dict[str, int]]:
    """Allowed entries by value of each named coded column."""
    found = {}
    for name in names:
        tally = np.bincount(columns.codes[name][mask], minlength=len(columns.values[name]))
        found[name] = {columns.values[name][i]: int(tally[i]) for i in np.flatnonzero(tally).tolist()}
    return found


def merged_page(candidates: list[tuple], query: FileQuery, start: int, end: int | None) -> tuple[str, ...]:
    """The page [start, end) of (key, file id) candidates (end None: to the last), sorted by key,
    ties by file id ascending."""
    candidates = sorted(candidates, key=lambda item: item[1])
    candidates.sort(key=lambda item: item[0], reverse=query.descending)  # stable: ties keep the id order
    return tuple(file_id for _key, file_id in candidates[start:end])


def add_counts(total: dict, more: dict) -> None:
    """Add counts by value into `total`."""
    for name, values in more.items():
        into = total.setdefault(name, {})
        for value, n in values.items():
            into[value] = into.get(value, 0) + n
