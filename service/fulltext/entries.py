"""What the index should hold for a stored file or document, built from the database's records."""
from __future__ import annotations

import json
import logging
from datetime import date

from search import FileEntry
from search import PageEntry
from service.retention import DATED
from storage import ObjectMissing
from storage.documents import page_key
from storage.objects import ObjectStore

log = logging.getLogger(__name__)

SEARCHED_STATUSES = ("active", "closed")  # merged and destroyed files are listed, not found
ID_KEYS = ("id_number", "credit_code", "license_no")
PHONE_KEYS = ("phone", "mobile", "tel")
CONTRACT_KEYS = ("contract_no",)


def is_searched(file_doc: dict | None) -> bool:
    """True if a search may find a file and its pages (every file has an entry, for the list)."""
    return file_doc is not None and file_doc.get("status", "active") in SEARCHED_STATUSES


def _leaves(value, key: str = ""):
    """(key, text) of every scalar in a file's fields, nested objects and lists included."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _leaves(inner, str(name))
    elif isinstance(value, list):
        for inner in value:
            yield from _leaves(inner, key)
    elif value is not None and value != "":
        yield key, str(value)


def _matching(fields: dict, keys: tuple[str, ...]) -> list[str]:
    return [text for key, text in _leaves(fields) if any(part in key for part in keys)]


def key_days(fields: dict) -> list[str]:
    """MMDD of every YYYY-MM-DD date among a file's fields (what reminders of birthdays and
    anniversaries look for, whichever fields the rules name)."""
    found = []
    for _key, text in _leaves(fields):
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                found.append(date.fromisoformat(text).strftime("%m%d"))
            except ValueError:
                continue
    return found


def retention_of(repo, file_id: str) -> dict:
    """What a file's entry copies of its retention: the computed kind and
    destroy-after date, and whether an active hold keeps it (two point lookups)."""
    state = repo.state(str(file_id)) or {}
    return {"kind": state.get("kind"), "destroy_after": state.get("destroy_after"),
            "held": repo.has_active_hold(str(file_id))}


def file_entry(doc: dict, retention: dict | None = None) -> FileEntry:
    """The index entry of a stored file, with its retention as `retention_of` gives it."""
    fields = doc.get("fields") or {}
    classification = doc.get("classification") or {}
    retention = retention or {}
    dated = retention.get("kind") == DATED and retention.get("destroy_after")
    return FileEntry(file_id=str(doc["_id"]), archive_no=doc.get("archive_no", ""), name=doc.get("name", ""),
                     fields_text="\n".join(text for _key, text in _leaves(fields)),
                     id_numbers=_matching(fields, ID_KEYS), phones=_matching(fields, PHONE_KEYS),
                     contract_nos=_matching(fields, CONTRACT_KEYS), template=doc.get("template") or "",
                     customer_type=classification.get("customer_type") or "",
                     stage=classification.get("stage") or "", project=classification.get("project") or "",
                     security=doc.get("security") or "normal", department=doc.get("department") or "",
                     created=doc["created_at"], updated=doc.get("updated_at") or doc["created_at"],
                     status=doc.get("status") or "active", owner=doc.get("owner") or "",
                     name_pinyin=doc.get("name_pinyin") or "", name_initials=doc.get("name_initials") or "",
                     destroy_after=retention["destroy_after"] if dated else "",
                     held=bool(retention.get("held")), key_days=key_days(fields))


def file_terms(doc: dict) -> list[str]:
    """Dictionary words of a file: its name and project."""
    project = (doc.get("classification") or {}).get("project")
    return [word for word in (doc.get("name"), project) if word]


def is_readable(document: dict) -> bool:
    """True if a document has page text to index."""
    return document.get("status", "active") == "active" and document.get("ocr_status") == "done"


def page_entries(objects: ObjectStore, document: dict, file: FileEntry) -> list[PageEntry]:
    """One entry per page whose text is stored, with the file's values copied in."""
    entries = []
    document_id = str(document["_id"])
    for number in range(1, (document.get("pages") or 0) + 1):
        try:
            record = json.loads(objects.read("derivatives", page_key(document_id, number, "text")))
        except ObjectMissing:
            log.warning("document %s has no stored text for page %d", document_id, number)
            continue
        entries.append(PageEntry(document_id=document_id, page=number, file_id=file.file_id,
                                 archive_no=file.archive_no, name=file.name,
                                 doc_type=document.get("doc_type") or "", title=document.get("title") or "",
                                 text=record.get("text") or "", security=file.security,
                                 department=file.department, customer_type=file.customer_type,
                                 stage=file.stage, project=file.project, uploaded=document["uploaded_at"]))
    return entries
