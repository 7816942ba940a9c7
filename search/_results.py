"""From the matches (arrays per segment) to the result page: grouped by customer file, sorted,
paged, with facets.

Counting unit: the customer file. `total` is the number of files with at least one matching entry
(the file's own or one of its pages); each facet value counts the files among those that would stay
if that value were added as a filter: for customer_type, stage and project the files that have it,
for doc_type the files with a matching page of that type. So choosing a facet shows that many files.
`hits_total` counts the matching entries (file entries plus pages).

A file's score is that of its best matching entry, its date that of its newest matching entry (a
file's own date is its creation, a page's its upload); "relevance" sorts by score, then date, then
file id, "date" by date, then score, then file id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

import numpy as np
from markupsafe import Markup

from search._columns import SegmentColumns
from search._schema import FACETS
from search._snippets import Needles
from search._snippets import snippet

SORTS = ("relevance", "date")
TABLE_CELLS = 32_000_000  # facet counting by a value x file table up to this size, else by sorting


@dataclass(frozen=True)
class PageHit:
    """A matching page; `snippet` is escaped HTML with <mark> around the matches."""

    document_id: str
    page: int
    doc_type: str
    title: str
    snippet: Markup
    score: float


@dataclass(frozen=True)
class FileHit:
    """A customer file in the results: `file_match` when the file's own entry matched (then
    `snippet` comes from its fields), and its best matching pages (`pages_total` of them in all)."""

    file_id: str
    archive_no: str
    name: str
    score: float
    file_match: bool
    date: datetime
    snippet: Markup
    pages: tuple[PageHit, ...]
    pages_total: int


@dataclass(frozen=True)
class SearchResult:
    """One page of results; `total` files and `hits_total` entries match, over all pages."""

    total: int
    hits_total: int
    groups: tuple[FileHit, ...]
    facets: dict[str, dict[str, int]]
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many result pages there are."""
        return -(-self.total // self.per_page)


@dataclass(frozen=True)
class SegmentHits:
    """The allowed matches of one segment: entry numbers within it, scores, its columns and offset."""

    offset: int
    columns: SegmentColumns
    docs: np.ndarray
    scores: np.ndarray
    files: np.ndarray  # every entry's file, numbered across the segments (`ColumnCache.file_numbers`)


@dataclass
class _Hits:
    """Every match of every segment, side by side: segment, entry, score, file (group), date, kind."""

    segment: np.ndarray
    docs: np.ndarray
    scores: np.ndarray
    group: np.ndarray
    date: np.ndarray
    is_file: np.ndarray
    groups: int


def _side_by_side(parts: list[SegmentHits], files: int) -> tuple[_Hits, dict[str, tuple[np.ndarray, list[str]]]]:
    keys, dates, kinds, facets = [], [], [], {name: [] for name in FACETS}
    names: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for part in parts:
        columns, docs = part.columns, part.docs
        keys.append(part.files[docs])
        dates.append(columns.numbers["date"][docs])
        kinds.append(columns.codes["kind"][docs] == _code(columns.values["kind"], "file"))
        for name in FACETS:
            # this segment's codes as codes shared by all segments; no value is -1
            shared = np.asarray([names[name].setdefault(v, len(names[name])) if v else -1
                                 for v in columns.values[name]], dtype=np.int64)
            facets[name].append(shared[columns.codes[name][docs]])
    joined = lambda arrays, dtype: np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)  # noqa: E731
    # the matched files numbered 0, 1, ... in the order of their numbers (file_key order)
    numbers = joined(keys, np.int64)
    matched = np.zeros(files, dtype=bool)
    matched[numbers] = True
    group = (np.cumsum(matched) - 1)[numbers]
    hits = _Hits(segment=np.concatenate([np.full(len(p.docs), i) for i, p in enumerate(parts)] or [np.zeros(0, int)]),
                 docs=joined([p.docs for p in parts], np.int64), scores=joined([p.scores for p in parts], np.float64),
                 group=group, date=joined(dates, np.uint64), is_file=joined(kinds, bool),
                 groups=int(matched.sum()))
    values = {name: (joined(facets[name], np.int64), list(names[name])) for name in FACETS}
    return hits, values


def _code(values: list[str], wanted: str) -> int:
    return values.index(wanted) if wanted in values else -1


def gather(searcher, parts: list[SegmentHits], files: int, pattern: Needles | None, sort: str, page: int,
           per_page: int, pages_per_file: int, from_column) -> SearchResult:
    """Group the matches by file (`files`: how many the parts' file numbers count), count facets,
    sort, cut one page, add snippets; `from_column` turns the date column's number into a datetime."""
    hits, facet_values = _side_by_side(parts, files)
    count = hits.groups
    best = np.full(count, -np.inf)
    np.maximum.at(best, hits.group, hits.scores)
    newest = np.zeros(count, dtype=np.uint64)
    np.maximum.at(newest, hits.group, hits.date)
    facets = {name: _facet(codes, values, hits.group, count) for name, (codes, values) in facet_values.items()}
    window = _window(hits, parts, best, newest, sort, (page - 1) * per_page, page * per_page)
    shown = np.flatnonzero(np.isin(hits.group, window))  # the entries of the page's files, in one pass
    groups = tuple(_file_hit(searcher, hits, parts, shown[hits.group[shown] == g], best[g],
                             from_column(int(newest[g])), pattern, pages_per_file) for g in window)
    return SearchResult(total=count, hits_total=len(hits.docs), facets=facets, page=page, per_page=per_page,
                        groups=groups)


def _facet(codes: np.ndarray, values: list[str], group: np.ndarray, count: int) -> dict[str, int]:
    # files per value: distinct (value, file) pairs, marked in a value x file table when it is
    # small enough (no sort), else found by sorting
    present = codes >= 0
    if len(values) * count <= TABLE_CELLS:
        seen = np.zeros((len(values), count), dtype=bool)
        seen[codes[present], group[present]] = True
        counted = seen.sum(axis=1)
    else:
        pairs = np.unique(codes[present] * max(count, 1) + group[present])
        counted = np.bincount(pairs // max(count, 1), minlength=len(values))
    found = [(values[i], int(n)) for i, n in enumerate(counted) if n]
    return dict(sorted(found, key=lambda item: (-item[1], item[0])))


def _window(hits: _Hits, parts, best, newest, sort: str, start: int, end: int) -> list[int]:
    """The groups on the page, ordered (see the module docstring). numpy sorts by score and date;
    files tied on both are put in file id order, which is read only for the ties at the page."""
    signed = (newest ^ np.uint64(1 << 63)).view(np.int64)  # Whoosh's sortable form back to the number
    first, second = (-best, -signed) if sort == "relevance" else (-signed, -best)
    if start >= len(first):
        return []
    end = min(end, len(first))
    order = _head(first, second, end)
    same = lambda i, j: first[order[i]] == first[order[j]] and second[order[i]] == second[order[j]]  # noqa: E731
    low, high = start, end
    while low > 0 and same(low - 1, start):
        low -= 1
    while high < len(order) and same(high, end - 1):
        high += 1
    chosen = order[low:high].tolist()
    if high - low > end - start or _has_ties(first, second, chosen):
        names = _file_ids(hits, parts, chosen)
        chosen.sort(key=lambda g: (first[g], second[g], names[g]))
    return chosen[start - low:end - low]


def _head(first: np.ndarray, second: np.ndarray, end: int) -> np.ndarray:
    """The groups in order (by first, then second, then group number) as far as the `end`-th and
    every group that ties with it on `first`: a page deep in 90,000 files sorts only what comes
    before it, not every file."""
    head = np.arange(len(first))
    if end * 4 < len(first):
        head = np.flatnonzero(first <= np.partition(first, end - 1)[end - 1])
    return head[np.lexsort((second[head], first[head]))]


def _has_ties(first, second, chosen: list[int]) -> bool:
    pairs = {(first[g], second[g]) for g in chosen}
    return len(pairs) < len(chosen)


def _file_ids(hits: _Hits, parts, groups: list[int]) -> dict[int, str]:
    wanted = set(groups)
    names = {}
    for i in np.flatnonzero(np.isin(hits.group, groups)):
        g = int(hits.group[i])
        if g in wanted and g not in names:
            names[g] = parts[hits.segment[i]].columns.text("file_id", int(hits.docs[i]))
    return names


def _file_hit(searcher, hits: _Hits, parts, members: np.ndarray, score: float, date: datetime, pattern,
              pages_per_file: int) -> FileHit:
    # `members`: the indices of the file's matching entries in `hits`
    own = None
    ranked = []
    for i in members:
        part = parts[hits.segment[i]]
        local, docnum = int(hits.docs[i]), part.offset + int(hits.docs[i])
        if hits.is_file[i]:
            own = docnum
        else:
            ranked.append((-float(hits.scores[i]), part.columns.text("document_id", local),
                           int(part.columns.numbers["page"][local]), docnum))
    ranked.sort()
    pages = []
    for negative, _, _, docnum in ranked[:pages_per_file]:
        entry = searcher.stored_fields(docnum)["entry"]
        pages.append(PageHit(document_id=entry["document_id"], page=entry["page"], doc_type=entry["doc_type"],
                             title=entry["title"], snippet=snippet(entry["text"], pattern), score=-negative))
    own_entry = searcher.stored_fields(own)["entry"] if own is not None else None
    named = own_entry or searcher.stored_fields(ranked[0][3])["entry"]
    return FileHit(file_id=named["file_id"], archive_no=named["archive_no"], name=named["name"], score=float(score),
                   file_match=own_entry is not None, date=date.replace(tzinfo=timezone.utc),
                   snippet=snippet(own_entry["fields_text"], pattern) if own_entry else Markup(""),
                   pages=tuple(pages), pages_total=len(ranked))
