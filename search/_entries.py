"""What the index holds: one entry per customer file and one per document page.

A page carries copies of its file's name, archive number, classification, security and department,
so that filters and permissions apply to pages without a join. The index keeps those copies equal to
the file's (see `_writer`), so a page entry's hash is that of the page as the database would build
it with its file's current values.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone

SECURITY_LEVELS = ("normal", "confidential", "sealed")
SEARCHED_STATUSES = ("active", "closed")  # a merged or destroyed file is listed, never found by a search
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_DAY = re.compile(r"(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])")
# what a page copies from its file
COPIED = ("archive_no", "name", "security", "department", "customer_type", "stage", "project")


def _utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, not {type(value).__name__}")
    # pymongo hands back naive datetimes that are UTC
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _text(entry, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(entry, name)
        if value is None:
            object.__setattr__(entry, name, "")
        elif not isinstance(value, str):
            raise ValueError(f"{name} must be text, not {type(value).__name__}")


def _common(entry) -> None:
    if not entry.file_id or not isinstance(entry.file_id, str):
        raise ValueError("file_id must be a non-empty string")
    if entry.security not in SECURITY_LEVELS:
        raise ValueError(f"security must be one of {', '.join(SECURITY_LEVELS)}, not {entry.security!r}")


@dataclass(frozen=True, kw_only=True)
class FileEntry:
    """A customer file as the index sees it; `fields_text` is the template's fields as plain text.

    The list of files reads the rest: `status`, `owner`, the name's pinyin and initials as the
    database keeps them, `updated`, and of the retention the day after which a dated period runs
    out (`destroy_after`, "" when the file has none) and whether a hold keeps the file (`held`).
    `key_days` are the month and day (MMDD) of every date among the fields, distinct and sorted: the
    follow-ups' birthday and anniversary reminders pick their candidate files by them.
    """

    file_id: str
    archive_no: str
    name: str
    fields_text: str = ""
    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    contract_nos: tuple[str, ...] = ()
    template: str = ""
    customer_type: str = ""
    stage: str = ""
    project: str = ""
    security: str = "normal"
    department: str = ""
    created: datetime
    updated: datetime
    status: str = "active"
    owner: str = ""
    name_pinyin: str = ""
    name_initials: str = ""
    destroy_after: str = ""
    held: bool = False
    key_days: tuple[str, ...] = ()

    kind = "file"

    def __post_init__(self):
        _text(self, ("archive_no", "name", "fields_text", "template", "customer_type", "stage", "project",
                     "department", "status", "owner", "name_pinyin", "name_initials", "destroy_after"))
        if not self.status:
            raise ValueError("status must not be empty")
        if self.destroy_after and not _DAY.fullmatch(self.destroy_after):
            raise ValueError(f"destroy_after must be a day YYYY-MM-DD, not {self.destroy_after!r}")
        if not isinstance(self.held, bool):
            raise ValueError("held must be True or False")
        for name in ("id_numbers", "phones", "contract_nos"):
            values = getattr(self, name) or ()
            if isinstance(values, str):
                raise ValueError(f"{name} must be a list of strings")
            object.__setattr__(self, name, tuple(str(v) for v in values))
        if isinstance(self.key_days, str) or not all(isinstance(d, str) and _MONTH_DAY.fullmatch(d)
                                                      for d in self.key_days):
            raise ValueError("key_days must be a list of MMDD texts")
        object.__setattr__(self, "key_days", tuple(sorted(set(self.key_days))))
        _common(self)
        object.__setattr__(self, "created", _utc(self.created, "created"))
        object.__setattr__(self, "updated", _utc(self.updated, "updated"))

    @property
    def key(self) -> str:
        """The entry's unique key in the index."""
        return f"file:{self.file_id}"

    @property
    def searched(self) -> bool:
        """True if a search may find the file (merged and destroyed files are only listed)."""
        return self.status in SEARCHED_STATUSES

    @property
    def ident(self) -> str:
        """The id part of `entries_signature` keys."""
        return self.file_id


@dataclass(frozen=True, kw_only=True)
class PageEntry:
    """One page of a scanned document: its OCR text, with its file's filters copied in."""

    document_id: str
    page: int
    file_id: str
    archive_no: str = ""
    name: str = ""
    doc_type: str = ""
    title: str = ""
    text: str = ""
    security: str = "normal"
    department: str = ""
    customer_type: str = ""
    stage: str = ""
    project: str = ""
    uploaded: datetime

    kind = "page"

    def __post_init__(self):
        _text(self, ("archive_no", "name", "doc_type", "title", "text", "department", "customer_type",
                     "stage", "project"))
        if not self.document_id or not isinstance(self.document_id, str):
            raise ValueError("document_id must be a non-empty string")
        if isinstance(self.page, bool) or not isinstance(self.page, int) or self.page < 1:
            raise ValueError("page must be a whole number from 1")
        _common(self)
        object.__setattr__(self, "uploaded", _utc(self.uploaded, "uploaded"))

    @property
    def key(self) -> str:
        """The entry's unique key in the index."""
        return f"page:{self.document_id}:{self.page}"

    @property
    def ident(self) -> str:
        """The id part of `entries_signature` keys."""
        return f"{self.document_id}:{self.page}"


Entry = FileEntry | PageEntry


def to_dict(entry: Entry) -> dict:
    """The entry as JSON-ready values (datetimes as ISO strings in UTC)."""
    data = dataclasses.asdict(entry)
    for name, value in data.items():
        if isinstance(value, datetime):
            data[name] = value.isoformat()
        elif isinstance(value, tuple):
            data[name] = list(value)
    data["kind"] = entry.kind
    return data


def from_dict(data: dict) -> Entry:
    """The entry `to_dict` gave."""
    values = dict(data)
    cls = FileEntry if values.pop("kind") == "file" else PageEntry
    for field in dataclasses.fields(cls):
        if field.type == "datetime":
            values[field.name] = datetime.fromisoformat(values[field.name])
    return cls(**values)


def entry_hash(entry: Entry) -> str:
    """A digest of everything the index holds of an entry; equal entries give equal digests."""
    canonical = json.dumps(to_dict(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def with_file_values(page: PageEntry, file: FileEntry | dict) -> PageEntry:
    """The page with its file's copied values (from an entry or its stored dict)."""
    get = file.get if isinstance(file, dict) else lambda name: getattr(file, name)
    return dataclasses.replace(page, **{name: get(name) for name in COPIED})
