"""From Whoosh's matches to the result page: grouped by customer file, sorted, paged, with facets.

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

import re
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone

from markupsafe import Markup

from search._schema import FACETS
from search._snippets import snippet

SORTS = ("relevance", "date")
_EPOCH = datetime(1970, 1, 1)


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


@dataclass
class _Group:
    file_id: str
    score: float = 0.0
    date: datetime = datetime.min
    file_hit: tuple[float, int] | None = None
    page_hits: list[tuple[float, int]] = field(default_factory=list)


def gather(searcher, hits: list[tuple[float, int]], pattern: re.Pattern | None, sort: str,
           page: int, per_page: int, pages_per_file: int) -> SearchResult:
    """Group `hits` (score, docnum) by file, count facets, sort, cut one page, add snippets."""
    reader = searcher.reader()
    columns = {name: reader.column_reader(name) for name in ("kind", "file_id", "date", *FACETS)}
    groups: dict[str, _Group] = {}
    facet_files: dict[str, dict[str, set]] = {name: defaultdict(set) for name in FACETS}
    for score, docnum in hits:
        file_id = columns["file_id"][docnum]
        group = groups.get(file_id) or groups.setdefault(file_id, _Group(file_id))
        group.score = max(group.score, score)
        group.date = max(group.date, columns["date"][docnum])
        if columns["kind"][docnum] == "file":
            group.file_hit = (score, docnum)
        else:
            group.page_hits.append((score, docnum))
        for name in FACETS:
            value = columns[name][docnum]
            if value:
                facet_files[name][value].add(file_id)
    facets = {name: dict(sorted(((value, len(files)) for value, files in values.items()),
                                key=lambda item: (-item[1], item[0])))
              for name, values in facet_files.items()}
    ordered = sorted(groups.values(), key=_order(sort))
    chosen = ordered[(page - 1) * per_page:page * per_page]
    return SearchResult(total=len(groups), hits_total=len(hits), facets=facets, page=page, per_page=per_page,
                        groups=tuple(_file_hit(searcher, reader, g, pattern, pages_per_file) for g in chosen))


def _order(sort: str):
    # ties go to the newer file, then to the file id, never to Whoosh's document numbers (which
    # differ between an index kept up to date and a rebuilt one)
    if sort == "date":
        return lambda g: (-_seconds(g.date), -g.score, g.file_id)
    return lambda g: (-g.score, -_seconds(g.date), g.file_id)


def _seconds(moment: datetime) -> float:
    return (moment - _EPOCH).total_seconds()


def _file_hit(searcher, reader, group: _Group, pattern, pages_per_file: int) -> FileHit:
    documents, numbers = reader.column_reader("document_id"), reader.column_reader("page")
    ranked = sorted((-score, documents[docnum], numbers[docnum], docnum) for score, docnum in group.page_hits)
    pages = []
    for negative, _, _, docnum in ranked[:pages_per_file]:
        entry = searcher.stored_fields(docnum)["entry"]
        pages.append(PageHit(document_id=entry["document_id"], page=entry["page"], doc_type=entry["doc_type"],
                             title=entry["title"], snippet=snippet(entry["text"], pattern), score=-negative))
    own = searcher.stored_fields(group.file_hit[1])["entry"] if group.file_hit else None
    named = own or searcher.stored_fields(ranked[0][3])["entry"]
    return FileHit(file_id=group.file_id, archive_no=named["archive_no"], name=named["name"], score=group.score,
                   file_match=own is not None, date=group.date.replace(tzinfo=timezone.utc),
                   snippet=snippet(own["fields_text"], pattern) if own else Markup(""),
                   pages=tuple(pages), pages_total=len(ranked))
