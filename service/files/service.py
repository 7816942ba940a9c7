"""Customer files (客户档案): create, read, change with versions, list — through the policy."""
from __future__ import annotations

import copy
import re
import string
from collections.abc import Callable
from datetime import datetime

from service import access
from service import clock
from service.access import FileTarget
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Gone
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.errors import StaleVersion
from service.events import EventBus
from service.events import FileWritten
from service.files import templates
from service.files.duplicates import duplicate_keys
from service.files.pinyin import name_keys
from service.files.template_registry import TemplateRegistry
from service.messages import N_
from storage import DuplicateKey
from storage import new_id
from storage.files import FileRepository
from storage.files import version_key
from storage.sequences import Sequences

STAGES = ("意向", "潜在", "准客户", "成交")
CUSTOMER_TYPES = ("刚需", "改善", "投资", "国营", "外企", "股份", "私营")
STATUSES = ("active", "closed")
LOCATION_KEYS = ("room", "cabinet", "shelf", "box", "position")
CLASSIFICATION_KEYS = ("customer_type", "stage", "project", "region")
EDITABLE = ("name", "fields", "classification", "security", "department", "location", "status")


def merge_patch(target, patch):
    """RFC 7396 JSON Merge Patch: given keys replace, null removes, objects merge key by key."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def target_of(doc: dict) -> FileTarget:
    """What the policy needs of a stored file."""
    return FileTarget(security=doc.get("security", access.NORMAL), department=doc.get("department", ""),
                      approved_borrowers=frozenset(doc.get("approved_borrowers", [])))


def _short_text(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def check_state(state: dict, template: dict | None = None) -> dict:
    """Problems with a file's editable state, by field path (the template's fields included).

    `template` is the definition to check against; without it only built-in templates are known
    (FileService.check looks admin-defined ones up as well).
    """
    problems: dict = {}
    if template is None:
        template = templates.BUILTIN_TEMPLATES.get(state.get("template"))
    if template is None:
        problems["template"] = N_("未知模板")
    name = state.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        problems["name"] = N_("请填写 1-100 个字符的名称")
    classification = state.get("classification") or {}
    if not isinstance(classification, dict) or set(classification) - set(CLASSIFICATION_KEYS):
        problems["classification"] = N_("只能包含 %(keys)s", keys=", ".join(CLASSIFICATION_KEYS))
    else:
        if classification.get("stage") not in (None, "", *STAGES):
            problems["classification.stage"] = N_("应为 %(values)s 之一", values="/".join(STAGES))
        if classification.get("customer_type") not in (None, "", *CUSTOMER_TYPES):
            problems["classification.customer_type"] = N_("应为 %(values)s 之一", values="/".join(CUSTOMER_TYPES))
        for key in ("project", "region"):
            if classification.get(key) is not None and not _short_text(classification.get(key), 60):
                problems[f"classification.{key}"] = N_("至多 60 个字符")
    if state.get("security") not in access.SECURITY_LEVELS:
        problems["security"] = N_("应为 %(values)s 之一", values="/".join(access.SECURITY_LEVELS))
    if not _short_text(state.get("department", ""), 60):
        problems["department"] = N_("至多 60 个字符")
    location = state.get("location") or {}
    if not isinstance(location, dict) or set(location) - set(LOCATION_KEYS) or \
            not all(_short_text(v, 40) for v in location.values()):
        problems["location"] = N_("只能包含 %(keys)s，每项至多 40 个字符", keys=", ".join(LOCATION_KEYS))
    if state.get("status") not in STATUSES:
        problems["status"] = N_("应为 active 或 closed")
    if template is not None:
        fields = state.get("fields") if isinstance(state.get("fields"), dict) else None
        if fields is None:
            problems["fields"] = N_("应为对象")
        else:
            problems.update({f"fields.{k}": v for k, v in templates.validate_fields(template, fields).items()})
    return problems


class FileService:
    """The business rules of customer files."""

    def __init__(self, repo: FileRepository, sequences: Sequences, audit: AuditTrail, number_rule: str,
                 registry: TemplateRegistry, events: EventBus, notify=None, lists=None,
                 grants: Callable[[str, User | None], bool] | None = None):
        self.repo = repo
        self.lists = lists  # FileLists (service/file_lists.py): the list of files, from the search index
        self.sequences = sequences
        self.audit = audit
        self.number_rule = number_rule
        self.registry = registry
        self.events = events  # FileWritten after each write
        self.notify = notify  # the search index's queue: marks a file before its write, and a merge
        self.grants = grants  # (file_id, user) -> True while a digital loan lets the user read the file

    def check(self, state: dict) -> dict:
        """Problems with a state, checked against the newest version of its template."""
        return check_state(state, self.registry.get(state.get("template")))

    def archive_number(self, project: str, when: datetime, owner: str) -> str:
        """Draw the next archive number from the rule, e.g. {project}-{yyyy}-{seq:05}."""
        values = {"project": re.sub(r"[^\w-]", "", project or "") or "KH", "yyyy": f"{when.year:04d}",
                  "yy": f"{when.year % 100:02d}", "mm": f"{when.month:02d}"}
        scope = self._scope(values)
        seq = self.sequences.next(scope, owner)
        return self.number_rule.format(seq=seq, **values)

    def _scope(self, values: dict) -> str:
        parts = []
        for literal, name, spec, _conversion in string.Formatter().parse(self.number_rule):
            parts.append(literal)
            if name == "seq":
                parts.append("#")
            elif name:
                parts.append(format(values[name], spec or ""))
        return "".join(parts)

    def create(self, actor: User, data: dict, archive_no: str | None = None) -> dict:
        """Register a new file from the template's fields; 422 naming each bad field. `archive_no`: one
        drawn beforehand with `archive_number` (an import draws its rows' numbers in row order)."""
        access.require(actor, "file.create")
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        state = {"template": data.get("template"), "name": data.get("name"), "fields": data.get("fields") or {},
                 "classification": data.get("classification") or {}, "security": data.get("security") or access.NORMAL,
                 "department": data.get("department") if data.get("department") is not None else actor.department,
                 "location": data.get("location") or {}, "status": "active"}
        problems = self.check(state)
        if problems:
            raise Invalid(N_("档案无法登记"), problems)
        now = clock.now()
        file_id = new_id()
        owner = data.get("owner") if actor.has("archivist") and data.get("owner") else actor.username
        if not isinstance(owner, str) or len(owner) > 40:
            raise Invalid(N_("归档人无效"), {"owner": N_("用户名无效")})
        doc = {"_id": file_id, **state, **self._derived(state), "owner": owner,
               "template_version": self.registry.get(state["template"]).get("version", 1),
               "version": 1, "created_at": now, "created_by": actor.username, "updated_at": now,
               "updated_by": actor.username, "dup_keys": duplicate_keys(state)}
        doc["archive_no"] = archive_no or self.archive_number(state["classification"].get("project", ""), now,
                                                              str(file_id))
        self.repo.claim_version({"_id": version_key(str(file_id), 1), "file_id": str(file_id), "version": 1,
                                 "at": now, "actor": actor.username, "changes": sorted(EDITABLE),
                                 "state": _snapshot(doc)})
        self._writing(file_id)
        try:
            self.repo.insert(doc)
        except DuplicateKey:
            raise Invalid(N_("档案号已被使用"), {"archive_no": N_("档案号已存在")}) from None
        self.audit.record(actor.username, "file.created", f"file:{file_id}", {"archive_no": doc["archive_no"]})
        self._changed(file_id, doc)
        return doc

    def _derived(self, state: dict) -> dict:
        full, initials = name_keys(state["name"])
        return {"name_pinyin": full, "name_initials": initials}

    def load(self, actor: User, file_id: str, action: str) -> dict:
        """The file if the actor may do the action to it; NotFound otherwise (never revealing it)."""
        doc = self.repo.by_id(file_id)
        if doc is None or not access.can(actor, action, self._target(actor, doc)):
            raise NotFound(N_("没有这个档案"))  # never reveals a file one may not see
        return doc

    def _target(self, actor: User, doc: dict) -> FileTarget:
        """The file's target, with the actor as a borrower while their digital loan of it runs."""
        target = target_of(doc)
        if self.grants is not None and actor is not None and not access.can_see(actor, target) \
                and self.grants(str(doc["_id"]), actor):
            target = FileTarget(target.security, target.department, target.approved_borrowers | {actor.id})
        return target

    def get(self, actor: User, file_id: str) -> dict:
        """One file, if the actor may see it (the view is audited)."""
        doc = self.load(actor, file_id, "file.view")
        self.audit.record(actor.username, "file.viewed", f"file:{file_id}")
        return doc

    def patch(self, actor: User, file_id: str, expected_version, patch: dict) -> dict:
        """Apply a merge patch to the version the actor saw; 412 if someone saved in between."""
        if not isinstance(expected_version, int) or isinstance(expected_version, bool):
            raise Malformed(N_("If-Match 应为档案的版本号"), {"If-Match": "version"})
        if not isinstance(patch, dict) or set(patch) - set(EDITABLE):
            raise Invalid("only these parts can be changed: " + ", ".join(EDITABLE),
                          {k: N_("不可修改")
                           for k in (set(patch) - set(EDITABLE) if isinstance(patch, dict) else ["body"])})
        doc = self.load(actor, file_id, "file.edit")
        if doc.get("status") == "destroyed":
            raise Gone(N_("档案已销毁，只保留销毁记录"))
        if doc["version"] != expected_version:
            raise StaleVersion(N_("档案已是第 %(version)s 版，不是第 %(expected)s 版",
                                  version=doc["version"], expected=expected_version),
                               {"version": doc["version"]})
        current = {key: doc.get(key) for key in ("template", *EDITABLE)}
        state = merge_patch(current, patch)
        problems = self.check(state)
        if problems:
            raise Invalid(N_("修改无效"), problems)
        changed = sorted(_changed_paths(current, state))
        now, version = clock.now(), doc["version"] + 1
        new_doc = {**doc, **state, **self._derived(state), "version": version, "updated_at": now,
                   "updated_by": actor.username, "dup_keys": duplicate_keys(state),
                   "template_version": self.registry.get(state["template"]).get("version", 1)}
        if state["status"] == "closed" and doc.get("status") != "closed":
            new_doc["closed_at"] = now
        self._commit(actor, file_id, new_doc, changed)
        self.audit.record(actor.username, "file.updated", f"file:{file_id}", {"version": version, "changes": changed})
        return new_doc

    def _commit(self, actor: User, file_id: str, new_doc: dict, changed: list, note: dict | None = None) -> None:
        """Claim the new version by unique insert, then write the file; 412 if another save won."""
        version = new_doc["version"]
        record = {"_id": version_key(file_id, version), "file_id": file_id, "version": version,
                  "at": new_doc["updated_at"], "actor": actor.username, "changes": changed,
                  "state": _snapshot(new_doc)}
        if note:
            record["note"] = note
        if not self.repo.claim_version(record):
            raise StaleVersion(N_("档案刚被他人保存"), {"version": version})
        self._writing(file_id)
        self.repo.replace_state(file_id, {k: v for k, v in new_doc.items() if k != "_id"})
        self._changed(file_id)

    def _writing(self, file_id) -> None:
        """Before a write: the search index hears of it first (see IndexQueue.file_writing)."""
        if self.notify is not None:
            self.notify.file_writing(file_id)

    def _changed(self, file_id, created: dict | None = None) -> None:
        """Tell the areas that react (service/events.py: retention, follow-ups, then the search index)
        that a file was written; a file just made is handed to them as written, saving each a read."""
        self.events.publish(FileWritten(str(file_id), created))

    def reassign(self, actor: User, file_id: str, expected_version, owner, reason, users) -> dict:
        """Hand a file to another employee (a manager's decision, with its reason in the history)."""
        doc = self.load(actor, file_id, "file.view")
        access.require(actor, "file.reassign", target_of(doc))
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise Invalid(N_("请填写原因"),
                          {"reason": N_("请填写原因（至多 500 字）")})
        if not isinstance(owner, str) or not users.is_active_username(owner):
            raise Invalid(N_("没有这个在职用户"), {"owner": N_("没有这个在职用户")})
        if expected_version != doc["version"]:
            raise StaleVersion(N_("档案已是第 %(version)s 版", version=doc["version"]), {"version": doc["version"]})
        if owner == doc.get("owner"):
            raise Invalid(N_("归档人未变"), {"owner": N_("归档人未变")})
        now = clock.now()
        new_doc = {**doc, "owner": owner, "version": doc["version"] + 1, "updated_at": now,
                   "updated_by": actor.username}
        note = {"reassigned": {"from": doc.get("owner"), "to": owner, "reason": reason.strip()}}
        self._commit(actor, file_id, new_doc, ["owner"], note)
        self.audit.record(actor.username, "file.reassigned", f"file:{file_id}", note["reassigned"])
        return new_doc

    def history(self, actor: User, file_id: str) -> list[dict]:
        """Every version, newest first, with who changed what."""
        doc = self.load(actor, file_id, "file.view")
        versions = [self.repo.version(file_id, v) for v in range(doc["version"], 0, -1)]
        self.audit.record(actor.username, "file.history_viewed", f"file:{file_id}")
        return [v for v in versions if v is not None]

    def list(self, actor: User, filters: dict, page: int = 1, per_page: int = 20,
             sort: str = "archive_no", descending: bool = False) -> tuple[int, list[dict]]:
        """Files the actor may see, filtered, sorted and paged (from the search index: FileLists)."""
        access.require(actor, "file.view")
        return self.lists.page(actor, filters, page, per_page, sort, descending)


def _snapshot(doc: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k != "_id"}


def _changed_paths(before, after, prefix: str = "") -> set[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        paths: set[str] = set()
        for key in set(before) | set(after):
            paths |= _changed_paths(before.get(key), after.get(key), f"{prefix}{key}.")
        return paths
    return set() if before == after else {prefix.rstrip(".")}
