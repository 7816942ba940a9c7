"""Who may see what, and the search form's filters: as a mask over a segment's entries (what a search
uses) and as the equivalent Whoosh filter query (for comparisons and raw Whoosh calls).

The mask is applied to the matches before anything is counted, so entries a user may not see never
reach totals, facets, grouping or snippets: for that user they are not in the index.
"""
from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from datetime import tzinfo

import numpy as np
from whoosh import query as wq

from search._columns import file_key
from search._entries import SEARCHED_STATUSES
from search._schema import FACETS


def _names(value, what: str) -> frozenset[str]:
    if isinstance(value, str):
        raise ValueError(f"{what} must be a collection of strings, not one string")
    return frozenset(str(v) for v in value or () if v)


@dataclass(frozen=True)
class Visibility:
    """What a user may find: `all` for archivists and the executive; otherwise normal files, the
    confidential files of `departments`, and any file in `file_ids` (an approved loan)."""

    all: bool = False
    departments: frozenset[str] = frozenset()
    file_ids: frozenset[str] = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "departments", _names(self.departments, "departments"))
        object.__setattr__(self, "file_ids", _names(self.file_ids, "file_ids"))

    def allows(self, file_id: str, security: str, department: str) -> bool:
        """The rule of `mask` for one file (the list's files written since their entry)."""
        return self.all or security == "normal" or file_id in self.file_ids or \
            (security == "confidential" and department in self.departments)

    def mask(self, columns) -> np.ndarray:
        """The entries allowed, as a mask over one segment's entries (`_columns`)."""
        if self.all:
            return np.ones(columns.size, dtype=bool)
        mask = columns.coded("security", {"normal"})
        if self.departments:
            mask |= columns.coded("security", {"confidential"}) & columns.coded("department", self.departments)
        if self.file_ids:
            keys = np.asarray([file_key(f) for f in self.file_ids], dtype=np.uint64)
            mask |= np.isin(columns.numbers["file_key"], keys)
        return mask

    def query(self) -> wq.Query | None:
        """The entries allowed, or None when everything is (sealed needs `all` or a file id)."""
        if self.all:
            return None
        allowed: list[wq.Query] = [wq.Term("security", "normal")]
        if self.departments:
            allowed.append(wq.And([wq.Term("security", "confidential"), _any_of("department", self.departments)]))
        if self.file_ids:
            allowed.append(_any_of("file_id", self.file_ids))
        return wq.Or(allowed)


def _any_of(fieldname: str, values: Iterable[str]) -> wq.Query:
    return wq.Or([wq.Term(fieldname, value) for value in sorted(values)])


@dataclass(frozen=True)
class Narrowing:
    """The form's filters, checked: facet values that may match, and a date range (naive UTC,
    `start` included, `end` excluded)."""

    facets: dict
    start: datetime | None
    end: datetime | None


def narrowing(filters: Mapping | None, zone: tzinfo) -> Narrowing:
    """doc_type, customer_type, stage, project (a value or a list of values, any of which may
    match), date_from and date_to (days in `zone` or datetimes, naive ones UTC; both ends
    included). Blank values are ignored; an unknown name is a ValueError."""
    filters = dict(filters or {})
    unknown = set(filters) - {*FACETS, "date_from", "date_to"}
    if unknown:
        raise ValueError(f"unknown filters: {', '.join(sorted(unknown))}")
    facets = {}
    for name in FACETS:
        values = filters.get(name)
        values = [values] if isinstance(values, str) else list(values or ())
        values = frozenset(str(v) for v in values if v)
        if values:
            facets[name] = values
    return Narrowing(facets, _moment(filters.get("date_from"), zone, end=False),
                     _moment(filters.get("date_to"), zone, end=True))


def filter_query(filters: Mapping | None, visibility: Visibility, zone: tzinfo) -> wq.Query | None:
    """Visibility and the form's filters (see `narrowing`) as one Whoosh query."""
    if not isinstance(visibility, Visibility):
        raise ValueError("visibility must be a Visibility")
    parts = [q for q in (visibility.query(),) if q is not None]
    narrow = narrowing(filters, zone)
    parts += [_any_of(name, values) for name, values in narrow.facets.items()]
    if narrow.start or narrow.end:
        parts.append(wq.DateRange("date", narrow.start, narrow.end, endexcl=True))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def allowed_mask(columns, visibility: Visibility, narrow: Narrowing, to_column) -> np.ndarray:
    """The same rule as `filter_query`, as a mask over one segment's entries (`_columns`);
    `to_column` turns a datetime into the date column's number."""
    mask = columns.remembered(("visible", visibility), lambda: visibility.mask(columns))
    for name, values in narrow.facets.items():
        mask = mask & columns.coded(name, values)
    dates = columns.numbers["date"]
    if narrow.start:
        mask = mask & (dates >= to_column(narrow.start))
    if narrow.end:
        mask = mask & (dates < to_column(narrow.end))
    return mask


def searched_mask(columns) -> np.ndarray:
    """The entries a search may find: pages, and files neither merged nor destroyed (`_entries`)."""
    return ~columns.coded("kind", {"file"}) | columns.coded("status", SEARCHED_STATUSES)


def _moment(value, zone: tzinfo, end: bool) -> datetime | None:
    # a day runs from its midnight in `zone` to the next; the index holds naive UTC
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        moment += timedelta(microseconds=1 if end else 0)  # the range's end is exclusive
    elif isinstance(value, date):
        moment = datetime.combine(value + timedelta(days=1 if end else 0), time(), tzinfo=zone)
    else:
        raise ValueError(f"dates must be date or datetime values, not {type(value).__name__}")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
