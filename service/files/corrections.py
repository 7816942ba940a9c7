"""Corrections (信息更正): staff record a customer's request with its evidence; an archivist applies or rejects it.

A request is checked when it is made (the changed file must pass check_state), so a bad one is
refused at once. Applying runs it through FileService.patch against the file's current version,
so it gets a version, a history entry and the usual 412/422 rules. Each request is decided once:
the decision is claimed by a unique insert before anything changes.
"""
from __future__ import annotations

import copy

from service import access
from service import clock
from service.accounts import User
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.errors import StaleVersion
from service.files.duplicates import RETIRED_STATUSES
from service.files.service import EDITABLE
from service.files.service import FileService
from service.files.service import _changed_paths
from service.files.service import merge_patch
from service.messages import N_
from storage import new_id
from storage.corrections import CorrectionRepository

CORRECTABLE = ("name", "fields")
EVIDENCE_MAX = 2000
REASON_MAX = 500
PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Invalid(N_("请填写 %(name)s（至多 %(n)s 个字符）", name=name, n=limit),
                      {name: N_("1-%(n)s 个字符", n=limit)})
    return value.strip()


def _changed_by(doc: dict, changes, check) -> list[str]:
    """The paths a correction changes on this file; Invalid naming each problem."""
    if not isinstance(changes, dict) or not changes or set(changes) - set(CORRECTABLE):
        raise Invalid(N_("更正只能修改名称或字段"),
                      {"changes": N_("只能更正 name 和 fields")})
    current = {key: doc.get(key) for key in ("template", *EDITABLE)}
    state = merge_patch(current, changes)
    problems = check(state)
    if problems:
        raise Invalid(N_("更正后档案将不合规"), problems)
    changed = sorted(_changed_paths(current, state))
    if not changed:
        raise Invalid(N_("更正没有改变任何内容"), {"changes": N_("没有变化")})
    return changed


def _refuse_retired(doc: dict) -> None:
    if doc.get("status") in RETIRED_STATUSES:
        raise Conflict(N_("档案状态为 %(status)s", status=doc["status"]),
                       {"status": doc["status"], "merged_into": doc.get("merged_into")})


class CorrectionService:
    """Requests, decisions and their audit."""

    def __init__(self, repo: CorrectionRepository, files: FileService):
        self.repo = repo
        self.files = files

    def request(self, actor: User, file_id: str, body) -> dict:
        """Record a customer's correction request with its evidence; 422 if the change would be invalid."""
        access.require(actor, "file.edit")
        if not isinstance(body, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        doc = self.files.load(actor, file_id, "file.edit")
        _refuse_retired(doc)
        evidence = _text(body.get("evidence"), "evidence", EVIDENCE_MAX)
        changed = _changed_by(doc, body.get("changes"), self.files.check)
        record = {"_id": new_id(), "file_id": str(doc["_id"]), "changes": copy.deepcopy(body["changes"]),
                  "evidence": evidence, "requested_by": actor.username, "at": clock.now(), "state": PENDING,
                  "file_version": doc["version"]}
        self.repo.insert(record)
        self.files.audit.record(actor.username, "file.correction_requested", f"file:{record['file_id']}",
                                {"correction": f"correction:{record['_id']}", "changes": changed})
        return record

    def for_file(self, actor: User, file_id: str) -> list[dict]:
        """A file's correction requests, newest first (the look is audited)."""
        doc = self.files.load(actor, file_id, "file.view")
        records = self.repo.for_file(str(doc["_id"]))
        self.files.audit.record(actor.username, "file.corrections_viewed", f"file:{doc['_id']}")
        return records

    def _pending(self, actor: User, correction_id: str) -> tuple[dict, dict]:
        """The undecided request and its file, for an archivist who may correct that file."""
        access.require(actor, "file.correct")
        record = self.repo.by_id(correction_id)
        if record is None:
            raise NotFound(N_("没有这个更正申请"))
        doc = self.files.load(actor, record["file_id"], "file.correct")
        if record["state"] != PENDING:
            raise Conflict(N_("申请已是 %(state)s 状态", state=record["state"]), {"state": record["state"]})
        _refuse_retired(doc)
        return record, doc

    def _claim(self, actor: User, record: dict, decision: str) -> None:
        if not self.repo.claim_decision(str(record["_id"]), {"decision": decision, "by": actor.username,
                                                             "at": clock.now()}):
            raise Conflict(N_("申请正在处理或已处理"), {"state": "decided"})

    def apply(self, actor: User, correction_id: str) -> dict:
        """Make the requested change as a new version of the file; 409 if decided already."""
        record, doc = self._pending(actor, correction_id)
        correction_id = str(record["_id"])
        self._claim(actor, record, APPLIED)
        applied = False
        try:
            new_doc = self.files.patch(actor, record["file_id"], doc["version"], record["changes"])
            applied = True
        except StaleVersion:
            raise Conflict(N_("应用更正时档案被修改，请重试"),
                           {"version": "changed"}) from None
        finally:
            if not applied:
                self.repo.release_decision(correction_id)  # still pending: it may be applied again or rejected
        self.files.repo.annotate_version(record["file_id"], new_doc["version"],
                                         {"correction": str(record["_id"]), "requested_by": record["requested_by"]})
        outcome = {"state": APPLIED, "decided_by": actor.username, "decided_at": clock.now(),
                   "version": new_doc["version"]}
        self.repo.record_decision(correction_id, outcome)
        self.files.audit.record(actor.username, "file.correction_applied", f"file:{record['file_id']}",
                                {"correction": f"correction:{record['_id']}", "version": new_doc["version"]})
        return {**record, **outcome}

    def reject(self, actor: User, correction_id: str, reason) -> dict:
        """Refuse the request with a reason; 409 if decided already."""
        record, _doc = self._pending(actor, correction_id)
        reason = _text(reason, "reason", REASON_MAX)
        self._claim(actor, record, REJECTED)
        outcome = {"state": REJECTED, "decided_by": actor.username, "decided_at": clock.now(), "reason": reason}
        self.repo.record_decision(str(record["_id"]), outcome)
        self.files.audit.record(actor.username, "file.correction_rejected", f"file:{record['file_id']}",
                                {"correction": f"correction:{record['_id']}", "reason": reason})
        return {**record, **outcome}
