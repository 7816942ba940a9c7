"""Retention (保管期限): policies, each file's computed dates, the due list, and the storage lock that follows them."""
from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import date
from datetime import datetime
from datetime import timezone
from zoneinfo import ZoneInfo

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents import DocTypeService
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.events import DocumentAdded
from service.events import FileRestored
from service.events import FileWritten
from service.files import CUSTOMER_TYPES
from service.files import STAGES
from service.files import FileService
from service.files import TemplateRegistry
from service.held_reads import once
from service.messages import N_
from service.retention import rules
from storage import StorageUnavailable
from storage import new_id
from storage.documents import DocumentRepository
from storage.loans import LoanRepository
from storage.retention import RetentionRepository
from storage.retention_locks import ObjectLocks

log = logging.getLogger(__name__)

READERS = ("archivist", "admin", "auditor", "approver", "executive")  # see due lists, holds and batches
NAME_MAX = 100
MAX_YEARS = 200


def require_reader(actor: User | None) -> None:
    """Forbidden unless the person works with retention (archivist, admin, auditor, approver, executive)."""
    if actor is None or not actor.active or not actor.has(*READERS):
        raise Forbidden(N_("没有权限"))


class RetentionService:
    """Policies and the dates they give each file; the originals' locks kept in step with them."""

    def __init__(self, repo: RetentionRepository, files: FileService, documents: DocumentRepository,
                 loans: LoanRepository, types: DocTypeService, registry: TemplateRegistry, locks: ObjectLocks,
                 audit: AuditTrail, zone: str = "Asia/Shanghai", notify=None, lists=None):
        self.repo = repo
        self.files = files
        self.documents = documents
        self.loans = loans
        self.types = types
        self.registry = registry
        self.locks = locks
        self.audit = audit
        self.zone = ZoneInfo(zone)
        self.notify = notify  # the search index's queue: the file list copies the destroy-after date and holds
        self.lists = lists  # FileLists (service/file_lists.py): the due list, from the search index

    def today(self) -> date:
        """Today's local date."""
        return clock.today(self.zone)

    # -- policies ---------------------------------------------------------------------------
    def check_policy(self, data) -> dict:
        """A policy's stored values from a request; Invalid naming each bad field."""
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        problems: dict = {}
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
            problems["name"] = N_("请填写名称（至多 %(n)s 字）", n=NAME_MAX)
        match = data.get("match") if data.get("match") is not None else {}
        if not isinstance(match, dict) or set(match) - set(rules.MATCH_KEYS):
            problems["match"] = N_("只能包含 %(keys)s", keys=", ".join(rules.MATCH_KEYS))
            match = {}
        problems.update(self._check_match(match))
        if data.get("trigger") not in rules.TRIGGERS:
            problems["trigger"] = N_("应为 %(values)s 之一", values="/".join(rules.TRIGGERS))
        years = data.get("years", "missing")
        if years is not None and (not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_YEARS):
            problems["years"] = N_("应为 1-%(n)s 年，或 null 表示永久", n=MAX_YEARS)
        if problems:
            raise Invalid(N_("保管策略无效"), problems)
        cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in match.items() if v not in (None, "", [])}
        return {"name": name.strip(), "match": cleaned, "trigger": data["trigger"], "years": years}

    def _check_match(self, match: dict) -> dict:
        problems = {}
        template = match.get("template")
        if template not in (None, "") and (not isinstance(template, str) or self.registry.get(template) is None):
            problems["match.template"] = N_("没有这个模板")
        if match.get("customer_type") not in (None, "", *CUSTOMER_TYPES):
            problems["match.customer_type"] = N_("应为 %(values)s 之一", values="/".join(CUSTOMER_TYPES))
        if match.get("stage") not in (None, "", *STAGES):
            problems["match.stage"] = N_("应为 %(values)s 之一", values="/".join(STAGES))
        project = match.get("project")
        if project not in (None, "") and (not isinstance(project, str) or len(project) > 60):
            problems["match.project"] = N_("至多 60 个字符")
        doc_types = match.get("doc_types")
        if doc_types not in (None, []) and (not isinstance(doc_types, list) or len(doc_types) > 20
                                            or not all(self.types.is_active(t) for t in doc_types)):
            problems["match.doc_types"] = N_("应为已有文件类型的列表")
        return problems

    def create_policy(self, actor: User, data) -> dict:
        """Define a policy (admin); every file's dates are computed again."""
        access.require(actor, "retention.manage")
        values = self.check_policy(data)
        doc = {"_id": new_id(), **values, "active": True, "created_by": actor.username, "created_at": clock.now()}
        self.repo.insert_policy(doc)
        self.audit.record(actor.username, "retention.policy_created", f"retention_policy:{doc['_id']}", values)
        self.recompute_all()
        return doc

    def retire_policy(self, actor: User, policy_id) -> dict:
        """Take a policy out of use (admin); it stays on record for the files it governed."""
        access.require(actor, "retention.manage")
        doc = self.repo.policy(policy_id)
        if doc is None:
            raise NotFound(N_("没有这个保管策略"))
        if doc.get("active"):
            self.repo.set_policy(doc["_id"], {"active": False, "retired_by": actor.username, "retired_at": clock.now()})
            self.audit.record(actor.username, "retention.policy_retired", f"retention_policy:{doc['_id']}",
                              {"name": doc["name"]})
            self.recompute_all()
        return {**doc, "active": False}

    def policies(self, actor: User, include_retired: bool = False) -> list[dict]:
        """The policies (anyone who may see files may read them)."""
        access.require(actor, "file.view")
        return self.repo.policies(active_only=not include_retired)

    def policy(self, actor: User, policy_id) -> dict:
        """One policy."""
        access.require(actor, "file.view")
        doc = self.repo.policy(policy_id)
        if doc is None:
            raise NotFound(N_("没有这个保管策略"))
        return doc

    # -- computing --------------------------------------------------------------------------
    def last_activity(self, file_doc: dict, documents: list[dict]) -> datetime | None:
        """The latest change, upload or loan step of a file."""
        file_id = str(file_doc["_id"])
        moments = [file_doc.get("updated_at"), file_doc.get("created_at")]
        moments += [d.get("uploaded_at") for d in documents]
        for loan in self.loans.find({"file_id": file_id}):
            moments += [loan.get(k) for k in ("requested_at", "handed_out_at", "returned_at")]
        moments = [m if m.tzinfo else m.replace(tzinfo=timezone.utc) for m in moments if isinstance(m, datetime)]
        return max(moments, default=None)

    def recompute(self, file_id, new_keys: tuple[str, ...] = (), force_locks: bool = False,
                  file_doc: dict | None = None, announce: bool = True, new: bool = False) -> dict | None:
        """Compute a file's retention again, store it, and move its originals' locks to match; with
        `announce`, tell the search index if what its entry copies changed (the due list).

        Called after every write of a file, so it reads only what the policies in use need: with
        no policy, no hold and nothing stored before, it stores nothing. `new`: the file was just made
        (`file_doc`), so nothing was stored for it before and no hold can name it.
        """
        file_doc = file_doc or self.files.repo.by_id(str(file_id))
        if file_doc is None:
            return None
        previous = {} if new else self.repo.state(str(file_id)) or {}
        if file_doc.get("status") == "destroyed":
            return previous
        policies = once("retention.policies", self.repo.policies) if file_doc.get("status") != "merged" else []
        held = False if new else self.repo.has_active_hold(str(file_id))
        if not policies and not previous and not held:
            return None
        documents = _Lazy(lambda: [] if new else self.documents.of_file(str(file_id)))
        needs_types = any((p.get("match") or {}).get("doc_types") for p in policies)
        needs_activity = any(p["trigger"] == "last_activity" for p in policies)
        outcome = rules.decide(policies, file_doc, {d.get("doc_type") for d in documents()} if needs_types else set(),
                               self.last_activity(file_doc, documents()) if needs_activity else None, self.zone)
        policy = outcome.policy or {}
        state = {"file_id": str(file_id), "archive_no": file_doc["archive_no"], "status": file_doc.get("status"),
                 "kind": outcome.kind, "policy_id": str(policy["_id"]) if policy else None,
                 "policy_name": policy.get("name"), "trigger": policy.get("trigger"), "years": policy.get("years"),
                 "trigger_date": outcome.trigger_date.isoformat() if outcome.trigger_date else None,
                 "destroy_after": outcome.destroy_after.isoformat() if outcome.destroy_after else None,
                 "computed_at": clock.now()}
        until = rules.lock_until(outcome, self.zone, clock.now())
        state.update(self._sync_locks(documents, previous, until, held, new_keys, force_locks))
        self.repo.save_state(str(file_id), state)
        if announce and self.notify is not None and _listed(state) != _listed(previous):
            self.notify.retention_changed(str(file_id))
        return state

    def _sync_locks(self, documents: "_Lazy", previous: dict, until: datetime | None, held: bool,
                    new_keys: tuple[str, ...], force: bool) -> dict:
        """Move the originals' retention dates and legal holds to what the file's state asks."""
        wanted = {"lock_until": until, "legal_hold": held}
        moved = force or not previous.get("locks_synced", False) or _moment(previous.get("lock_until")) != until \
            or previous.get("legal_hold", False) != held
        keys = [d["key"] for d in documents()] if moved else list(new_keys)
        try:
            for key in keys:
                if moved or until is not None:  # a new original carries no lock of its own yet
                    self.locks.set_retention(key, until)
                if held or (moved and previous.get("legal_hold", False)):
                    self.locks.set_legal_hold(key, held)
        except StorageUnavailable as exc:
            # The file's change is stored; the locks follow at the next recompute (the CLI forces one).
            log.warning("could not move the locks of %d originals (%s); recompute later", len(keys), exc)
            return {**wanted, "locks_synced": False}
        return {**wanted, "locks_synced": True}

    def recompute_all(self, progress=None) -> int:
        """Compute every file's retention again (after a policy changed, and `archive retention-recompute`)."""
        ids = [str(doc["_id"]) for doc in self.files.repo.find({"status": {"$ne": "destroyed"}}, limit=0)]
        with self.notify.collecting() if self.notify is not None else nullcontext():  # index jobs of 500 files
            for done, file_id in enumerate(ids, 1):
                self.recompute(file_id, force_locks=progress is not None)
                if progress:
                    progress(done, len(ids))
        return len(ids)

    def file_changed(self, file_id, created: dict | None = None) -> None:
        """After a write of a file (`created`: the file as just made): the retention again; the write's own
        index job, queued after this, carries the new retention to the index."""
        self.recompute(str(file_id), file_doc=created, announce=False, new=created is not None)

    def file_written(self, event: FileWritten) -> None:
        """The reaction to a file's write (service/events.py)."""
        self.file_changed(event.file_id, event.created)

    def file_restored(self, event: FileRestored) -> None:
        """The reaction to a file recreated from a bag (service/events.py): its retention computed here."""
        self.file_changed(event.file_id)

    def document_added(self, event: DocumentAdded) -> None:
        """The reaction to an upload (service/events.py): the new original is locked like its file's others."""
        self.recompute(event.document["file_id"], new_keys=(event.document["key"],))

    # -- reading ----------------------------------------------------------------------------
    def of_file(self, actor: User, file_id: str) -> dict:
        """A file's policy, trigger date, destroy-after date and holds, for those who may see the file."""
        file_doc = self.files.load(actor, file_id, "file.view")
        state = self.repo.state(str(file_doc["_id"]))
        if state is None and file_doc.get("status") != "destroyed":
            state = self.recompute(str(file_doc["_id"]))
        _, holds = self.repo.holds({"file_id": str(file_doc["_id"])})
        return {"file": file_doc, "state": state or {}, "holds": holds,
                "due": rules.is_due(state, self.today())}

    def parse_as_of(self, raw) -> date:
        """A YYYY-MM-DD query value (today when empty); Malformed otherwise."""
        if raw in (None, ""):
            return self.today()
        day = rules.parse_date(raw) if isinstance(raw, str) and len(raw) == 10 else None
        if day is None:
            raise Malformed(N_("as_of 应为日期 YYYY-MM-DD"), {"as_of": "YYYY-MM-DD"})
        return day

    def due(self, actor: User, as_of: date, page: int = 1, per_page: int = 0) -> tuple[int, list[dict]]:
        """Files whose retention has run out by the day and that no hold keeps, oldest date first (the
        search index's due list, FileLists.due): the total and the computed retentions of a page
        (per_page 0: of all)."""
        require_reader(actor)
        total, file_ids = self.lists.due(as_of.isoformat(), page, per_page)
        states = [self.repo.state(file_id) for file_id in file_ids]
        return total, [state for state in states if state is not None]

    def names(self, actor: User, file_ids: list[str]) -> dict[str, dict]:
        """The files of a list the person may see, by id (a point lookup each)."""
        files = [self.files.repo.by_id(file_id) for file_id in dict.fromkeys(file_ids)]
        return {str(f["_id"]): f for f in files
                if f is not None and access.can_see(actor, self.files._target(actor, f))}


def _listed(state: dict) -> tuple:
    # what the search index's file entry copies of a computed retention
    return state.get("kind"), state.get("destroy_after"), bool(state.get("legal_hold"))


def _moment(value) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class _Lazy:
    """A value read on first use and kept (the documents of a file, which only some policies need)."""

    def __init__(self, load):
        self._load = load
        self._value = None

    def __call__(self):
        if self._value is None:
            self._value = self._load()
        return self._value
