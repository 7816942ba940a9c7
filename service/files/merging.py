"""Merging a duplicate customer file into the one that survives; the merged one stays as a redirect.

Both files change through the versions mechanism of service.files.service: the merge claims the next
version of each by a unique insert in file_versions before it writes either file, so a save or
another merge that raced it finds its version taken and is refused.
"""
from __future__ import annotations

from datetime import datetime

from service import access
from service import clock
from service.accounts import User
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.events import EventBus
from service.events import MergeRequested
from service.files.duplicates import RETIRED_STATUSES
from service.files.duplicates import duplicate_keys
from service.files.service import EDITABLE
from service.files.service import FileService
from service.files.service import _changed_paths
from service.files.service import _snapshot
from service.messages import N_
from storage.files import version_key

# records that belong to a file by file_id
MOVED_COLLECTIONS = ("documents", "loans", "corrections", "contacts", "complaints")
MAX_REDIRECTS = 10
REASON_MAX = 500


def _version_record(file_id: str, new_doc: dict, actor: User, now: datetime, changes: list, note: dict) -> dict:
    return {"_id": version_key(file_id, new_doc["version"]), "file_id": file_id, "version": new_doc["version"],
            "at": now, "actor": actor.username, "changes": changes, "note": note, "state": _snapshot(new_doc)}


def _checked_arguments(into, reason, version, into_version) -> str:
    if not isinstance(into, str) or not into.strip():
        raise Invalid(N_("请指明保留哪份档案"), {"into": N_("必填")})
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise Invalid(N_("请填写合并原因"), {"reason": N_("1-%(n)s 个字符", n=REASON_MAX)})
    for name, value in (("version", version), ("into_version", into_version)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise Malformed(N_("%(name)s 应为版本号", name=name), {name: "version"})
    return reason.strip()


def _refuse_conflicts(merged: dict, survivor: dict, version, into_version) -> None:
    """409 for a merge that cannot be: into itself, from or into a retired file, across templates, stale."""
    if merged["_id"] == survivor["_id"]:
        raise Conflict(N_("档案不能合并到自身"), {"into": N_("同一档案")})
    if merged.get("status") in RETIRED_STATUSES:
        raise Conflict(N_("此档案已是 %(status)s 状态", status=merged["status"]), {"status": merged["status"]})
    if survivor.get("status") in RETIRED_STATUSES:
        raise Conflict(N_("保留的档案为 %(status)s 状态", status=survivor["status"]), {"into": survivor["status"]})
    if merged.get("template") != survivor.get("template"):
        raise Conflict(N_("不同模板的档案不能合并"), {"template": survivor.get("template")})
    for name, doc, expected in (("version", merged, version), ("into_version", survivor, into_version)):
        if expected is not None and doc["version"] != expected:
            raise Conflict(N_("档案已是第 %(version)s 版，不是第 %(expected)s 版",
                              version=doc["version"], expected=expected),
                           {name: doc["version"]})


class MergeService:
    """The archivist's merge of duplicates, and following the redirect it leaves."""

    def __init__(self, files: FileService, events: EventBus):
        self.files = files
        self.events = events  # MergeRequested: another area may refuse the merge (a folder out on loan)

    def merge(self, actor: User, file_id: str, into, reason, version=None, into_version=None) -> dict:
        """Merge file_id into `into`: the survivor's new state (with merged_from); 409 if it cannot be."""
        access.require(actor, "file.merge")
        reason = _checked_arguments(into, reason, version, into_version)
        merged = self.files.load(actor, file_id, "file.merge")
        survivor = self.files.load(actor, into, "file.merge")
        _refuse_conflicts(merged, survivor, version, into_version)
        reason_not = self.events.refusal(MergeRequested(str(merged["_id"]), str(survivor["_id"])))
        if reason_not:
            raise Conflict(reason_not, {"into": reason_not})
        merged_id, survivor_id, now = str(merged["_id"]), str(survivor["_id"]), clock.now()
        new_survivor, changes = self._survivor_state(actor, survivor, merged, now)
        new_merged = {**merged, "status": "merged", "merged_into": survivor_id, "merged_at": now,
                      "merged_by": actor.username, "merge_reason": reason, "version": merged["version"] + 1,
                      "updated_at": now, "updated_by": actor.username}
        self._claim_both(_version_record(merged_id, new_merged, actor, now, ["merged_into", "status"],
                                         {"merged_into": survivor_id, "reason": reason}),
                         _version_record(survivor_id, new_survivor, actor, now, changes,
                                         {"merged_from": merged_id, "reason": reason}))
        self.files.repo.replace_state(survivor_id, {k: v for k, v in new_survivor.items() if k != "_id"})
        self.files.repo.replace_state(merged_id, {k: v for k, v in new_merged.items() if k != "_id"})
        moved = {name: self.files.repo.move_references(name, merged_id, survivor_id) for name in MOVED_COLLECTIONS}
        if self.files.notify is not None:
            self.files.notify.files_merged(merged_id, survivor_id)
        self.files.audit.record(actor.username, "file.merged", f"file:{merged_id}",
                                {"into": survivor_id, "reason": reason, "version": new_merged["version"],
                                 "moved": moved})
        self.files.audit.record(actor.username, "file.merged", f"file:{survivor_id}",
                                {"from": merged_id, "reason": reason, "version": new_survivor["version"],
                                 "changes": changes})
        return new_survivor

    def _survivor_state(self, actor: User, survivor: dict, merged: dict, now: datetime) -> tuple[dict, list]:
        """The survivor's fields win; keys only the merged file has are filled in from it."""
        current = {key: survivor.get(key) for key in ("template", *EDITABLE)}
        state = {**current, "fields": {**(merged.get("fields") or {}), **(survivor.get("fields") or {})}}
        problems = self.files.check(state)
        if problems:
            raise Invalid(N_("合并后的字段无效"), problems)
        new_doc = {**survivor, **state, **self.files._derived(state), "dup_keys": duplicate_keys(state),
                   "merged_from": [*survivor.get("merged_from", []), str(merged["_id"])],
                   "version": survivor["version"] + 1, "updated_at": now, "updated_by": actor.username}
        return new_doc, sorted(_changed_paths(current, state)) + ["merged_from"]

    def _claim_both(self, merged_record: dict, survivor_record: dict) -> None:
        """Claim both next versions, or neither: a lost second claim gives the first one back."""
        repo = self.files.repo
        if not repo.claim_version(merged_record):
            raise Conflict(N_("档案刚被他人修改"), {"version": merged_record["version"]})
        won = False
        try:
            won = repo.claim_version(survivor_record)
        finally:
            if not won:
                repo.release_version(merged_record["file_id"], merged_record["version"])
        if not won:
            raise Conflict(N_("保留的档案刚被他人修改"),
                           {"into_version": survivor_record["version"]})

    def follow(self, actor: User, file_id: str) -> tuple[dict, str | None]:
        """A file by id (audited), or the file it was merged into, with the id asked for."""
        doc = self.files.get(actor, file_id)
        for hops in range(MAX_REDIRECTS):
            if doc.get("status") != "merged" or not doc.get("merged_into"):
                return doc, (file_id if hops else None)
            doc = self.files.get(actor, doc["merged_into"])
        raise Conflict(N_("合并跳转次数太多"), {"id": file_id})
