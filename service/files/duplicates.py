"""Possible duplicates of a customer file: same ID number, mobile, credit code, or name sound in a project.

Each file stores its normalized keys as `dup_keys`, so a check is one `$in` query over that list
(a scan on FerretDB, an index on MongoDB). What a person learns is limited by the policy: files
they may not see are only counted, never named.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from service import access
from service.accounts import User
from service.files import validators
from service.files.pinyin import sound_key
from storage.files import FileRepository
from storage.files import oid

if TYPE_CHECKING:
    from service.files.service import FileService

# Files that are no longer customers of their own: a redirect left by a merge, or destroyed.
RETIRED_STATUSES = ("merged", "destroyed")
REASONS = {"id": "id_number", "mobile": "phone", "credit": "credit_code", "pinyin": "name_pinyin"}
MAX_MATCHES = 50


def duplicate_keys(state: dict) -> list[str]:
    """The normalized keys by which another file counts as a possible duplicate of this state."""
    fields = state.get("fields") if isinstance(state.get("fields"), dict) else {}
    keys = []
    id_number = fields.get("id_number")
    if isinstance(id_number, str) and id_number.strip():
        keys.append("id:" + validators.normalize_id_number(id_number))
    phone = fields.get("phone")
    if isinstance(phone, str) and validators.check_mobile(phone) is None:
        keys.append("mobile:" + validators.normalize_mobile(phone))
    credit = fields.get("credit_code")
    if isinstance(credit, str) and credit.strip():
        keys.append("credit:" + validators.normalize_credit_code(credit))
    classification = state.get("classification") if isinstance(state.get("classification"), dict) else {}
    project, name = classification.get("project"), state.get("name")
    project = project.strip() if isinstance(project, str) else ""
    sound = sound_key(name) if isinstance(name, str) else ""
    if project and sound:
        keys.append(f"pinyin:{project}:{sound}")  # the sound has no ':', so the key splits unambiguously
    return keys


def find_duplicates(repo: FileRepository, state: dict, exclude_id=None) -> list[dict]:
    """Live files sharing a key with the state, as {"file": doc, "reasons": [...]}, by archive number.

    No policy here: callers show the result through visible_report().
    """
    keys = duplicate_keys(state)
    if not keys:
        return []
    query: dict = {"status": {"$nin": list(RETIRED_STATUSES)}}
    excluded = oid(str(exclude_id)) if exclude_id is not None else None
    if excluded is not None:
        query["_id"] = {"$ne": excluded}
    wanted = set(keys)
    matches = [{"file": doc, "reasons": sorted({REASONS[k.split(":", 1)[0]] for k in doc.get("dup_keys", [])
                                                if k in wanted})}
               for doc in repo.with_any("dup_keys", keys, query, limit=MAX_MATCHES)]
    return sorted(matches, key=lambda m: m["file"].get("archive_no", ""))


def _may_see(actor: User, doc: dict) -> bool:
    from service.files.service import target_of  # service.files.service imports this module (for duplicate_keys)
    return access.can(actor, "file.view", target_of(doc))


def visible_report(actor: User, matches: list[dict]) -> dict:
    """{"items": [{"id", "archive_no", "name", "reasons"}], "hidden": n}: only files the actor may see are named."""
    items, hidden = [], 0
    for match in matches:
        doc = match["file"]
        if _may_see(actor, doc):
            items.append({"id": str(doc["_id"]), "archive_no": doc.get("archive_no", ""),
                          "name": doc.get("name", ""), "reasons": match["reasons"]})
        else:
            hidden += 1
    return {"items": items, "hidden": hidden}


class DuplicateService:
    """Duplicate warnings for people, through the policy."""

    def __init__(self, files: FileService):
        self.files = files

    def for_state(self, actor: User, state: dict, exclude_id=None) -> dict:
        """Possible duplicates of a file's state (one just created, or a row about to be imported)."""
        return visible_report(actor, find_duplicates(self.files.repo, state, exclude_id))

    def for_file(self, actor: User, file_id: str) -> dict:
        """Possible duplicates of a stored file the actor may see (the look is audited)."""
        doc = self.files.load(actor, file_id, "file.view")
        report = self.for_state(actor, doc, exclude_id=file_id)
        self.files.audit.record(actor.username, "file.duplicates_viewed", f"file:{file_id}",
                                {"shown": len(report["items"]), "hidden": report["hidden"]})
        return report
