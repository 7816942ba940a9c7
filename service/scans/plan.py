"""Where the pages of one scanner output go: the file its name names, the files its separators name, or the inbox.

No storage is written here: the plan is a list of segments (page ranges with a destination),
which scan_filing then stores.
"""
from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from typing import Callable
from typing import Iterable

from service.messages import N_
from storage.scan_import import ScanImportRepository

MAX_CANDIDATES = 60
MAX_MERGE_HOPS = 5
NO_PLACE = N_("文件名中没有档案号，这些页面之前也没有分隔页")
UNKNOWN_FILE = N_("分隔页指向的档案不存在")
DESTROYED_FILE = N_("分隔页指向的档案已销毁")


@dataclass(frozen=True)
class Segment:
    """Pages first..last of an input and where they go: a file and type, or the inbox with a reason."""

    first: int
    last: int
    file: dict | None = None
    doc_type: str | None = None
    reason: str | None = None

    @property
    def pages(self) -> list[int]:
        """[first, last] as stored."""
        return [self.first, self.last]


def number_pattern(rule: str) -> re.Pattern:
    """A regex for archive numbers drawn from the numbering rule, e.g. {project}-{yyyy}-{seq:05}."""
    parts = []
    for literal, name, spec, _ in string.Formatter().parse(rule):
        parts.append(re.escape(literal))
        if name == "project":
            parts.append(r"[\w-]+?")  # the project keeps letters, digits (Chinese too), _ and -
        elif name == "seq":
            width = int(spec) if spec and spec.isdigit() else 1
            parts.append(rf"\d{{{width},}}(?!\d)")
        elif name == "yyyy":
            parts.append(r"\d{4}")
        elif name in ("yy", "mm"):
            parts.append(r"\d{2}")
    return re.compile("".join(parts))


def candidates(pattern: re.Pattern, name: str) -> list[str]:
    """Every archive number the name could contain, longest first (tried from each position)."""
    text = unicodedata.normalize("NFKC", name)  # full-width digits and dashes typed on Chinese keyboards
    found = {match.group(0) for start in range(len(text)) if (match := pattern.match(text, start))}
    found |= {number.upper() for number in found}  # "kh-2026-00001.pdf" typed in lower case
    return sorted(found, key=lambda s: (-len(s), s))[:MAX_CANDIDATES]


class FileResolver:
    """Files by archive number (in a name) or id (on a separator sheet), merged files followed, cached per import."""

    def __init__(self, repo: ScanImportRepository, rule: str, type_active: Callable[[str], bool]):
        self.repo = repo
        self.pattern = number_pattern(rule)
        self.type_active = type_active
        self._by_id: dict[str, dict | None] = {}

    def _follow(self, doc: dict | None) -> dict | None:
        for _ in range(MAX_MERGE_HOPS):
            if doc is None or doc.get("status") != "merged" or not doc.get("merged_into"):
                return doc
            doc = self.by_id(str(doc["merged_into"]))
        return doc

    def by_id(self, file_id: str) -> dict | None:
        """The file record (number, name, status), or None."""
        if file_id not in self._by_id:
            self._by_id[file_id] = self.repo.file_by_id(file_id)
        return self._by_id[file_id]

    def by_name(self, name: str) -> tuple[dict | None, str | None]:
        """The live file whose archive number the name contains, or None and why not."""
        found = self.repo.files_by_numbers(candidates(self.pattern, name))
        if not found:
            return None, None
        best = max(found, key=lambda doc: len(doc["archive_no"]))
        doc = self._follow(best)
        if doc is None or doc.get("status") in ("destroyed", "merged"):
            return None, N_("文件名中的档案 %(no)s 已销毁", no=best["archive_no"])
        return doc, None

    def separator(self, file_id: str, doc_type: str) -> Segment:
        """An open segment for the pages after a separator sheet: a file and type, or the inbox and why."""
        doc = self._follow(self.by_id(file_id))
        if doc is None:
            return Segment(0, 0, reason=UNKNOWN_FILE)
        if doc.get("status") in ("destroyed", "merged"):
            return Segment(0, 0, reason=DESTROYED_FILE)
        if not self.type_active(doc_type):
            return Segment(0, 0, reason=N_("分隔页上的文件类型不存在或已停用：%(code)s", code=doc_type))
        return Segment(0, 0, file=doc, doc_type=doc_type)


def split(marks: Iterable[tuple[str, str] | None], resolver: FileResolver, lead_reason: str | None) -> list[Segment]:
    """Segments from each page's separator mark (None for an ordinary page); separator pages are left out."""
    segments: list[Segment] = []
    current, start, number = Segment(0, 0, reason=lead_reason or NO_PLACE), 1, 0
    for number, mark in enumerate(marks, start=1):
        if mark is None:
            continue
        if number > start:
            segments.append(_closed(current, start, number - 1))
        current, start = resolver.separator(*mark), number + 1
    if number >= start:
        segments.append(_closed(current, start, number))
    return segments


def _closed(segment: Segment, first: int, last: int) -> Segment:
    return Segment(first, last, segment.file, segment.doc_type, segment.reason)
