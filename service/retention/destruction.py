"""Destruction batches (销毁清册): propose, approve or reject, record the paper destruction; read and list.

Execution lives in destruction_execute.py, the register in destruction_register.py.
"""
from __future__ import annotations

import re

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.messages import N_
from service.messages import Joined
from service.retention import rules
from service.retention.service import RetentionService
from service.retention.service import require_reader
from storage import new_id
from storage.loans import LoanRepository
from storage.retention_destructions import DestructionRepository
from storage.sequences import Sequences

MAX_FILES = 500
TEXT_MAX = 500
STATUSES = ("proposed", "approved", "rejected", "executing", "done")
HOLD_LABELS = {"dispute": N_("纠纷"), "audit": N_("审计检查"), "litigation": N_("诉讼")}


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise Invalid(N_("%(name)s 无效", name=name), {name: N_("请填写（至多 %(n)s 字）", n=limit)})
    return value.strip()


class DestructionService:
    """The business rules of a destruction batch up to its execution."""

    def __init__(self, repo: DestructionRepository, retention: RetentionService, loans: LoanRepository,
                 sequences: Sequences, audit: AuditTrail):
        self.repo = repo
        self.retention = retention
        self.files = retention.files
        self.loans = loans
        self.sequences = sequences
        self.audit = audit

    # -- checking files ---------------------------------------------------------------------
    def refusal(self, file_id: str, batch_id: str | None = None) -> str | None:
        """Why a file cannot be destroyed now (in this batch), or None. Its dates are computed afresh."""
        file_doc = self.files.repo.by_id(file_id)
        if file_doc is None:
            return N_("没有这个档案")
        if file_doc.get("status") == "destroyed":
            return N_("档案已销毁")
        if file_doc.get("status") == "merged":
            return N_("档案已合并")
        holds = self.retention.repo.holds({"file_id": file_id, "status": "active"})[1]
        if holds:
            hold = holds[0]
            if hold.get("note"):
                return N_("已冻结：%(reason)s，%(note)s", reason=HOLD_LABELS[hold["reason"]], note=hold["note"])
            return N_("已冻结：%(reason)s", reason=HOLD_LABELS[hold["reason"]])
        state = self.retention.recompute(file_id) or {}
        if not rules.is_due(state, self.retention.today()):
            return _not_due(state)
        folder = self.loans.folder(file_id)
        if folder is not None:
            return (N_("纸质档案已遗失") if folder.get("lost")
                    else N_("纸质档案借出中"))
        if self.loans.find({"file_id": file_id, "status": "out"}, limit=1):
            return N_("借阅中")
        claim = self.repo.file_claim(file_id)
        if claim is not None and claim["batch_id"] != str(batch_id):
            other = self.repo.by_id(claim["batch_id"]) or {}
            return N_("已在销毁批次 %(number)s 中", number=other.get("number", claim["batch_id"]))
        return None

    def _check_ids(self, file_ids) -> list[str]:
        if not isinstance(file_ids, list) or not file_ids or len(file_ids) > MAX_FILES \
                or not all(isinstance(i, str) for i in file_ids):
            raise Invalid(N_("file_ids 应列出 1-500 个档案 id"), {"file_ids": N_("1-%(n)s 个档案 id", n=MAX_FILES)})
        ids = list(dict.fromkeys(i.strip() for i in file_ids))
        unknown = [i for i in ids if self.files.repo.by_id(i) is None]
        if unknown:
            raise Invalid(N_("未知档案"), {"file_ids": N_("没有这些档案：%(ids)s", ids=", ".join(unknown[:20]))})
        return ids

    # -- proposing and deciding -------------------------------------------------------------
    def propose(self, actor: User, data) -> dict:
        """Propose a batch (archivist); 409 naming each file that is not due, on hold, out or in another batch."""
        access.require(actor, "destruction.propose")
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        reason = _text(data.get("reason"), "reason", TEXT_MAX)
        ids = self._check_ids(data.get("file_ids"))
        batch_id = new_id()
        refused = {i: why for i in ids if (why := self.refusal(i, str(batch_id)))}
        at = clock.now()
        taken = []
        for file_id in ids if not refused else []:
            if not self.repo.claim_file(file_id, str(batch_id), at):
                refused[file_id] = N_("刚被另一销毁批次选中")
                break
            taken.append(file_id)
        if refused:
            for file_id in taken:
                self.repo.release_file(file_id, str(batch_id))
            reasons = Joined("；", (N_("%(no)s：%(why)s", no=self._archive_no(i), why=why)
                                   for i, why in refused.items()))
            raise Conflict(N_("以下档案不能销毁：%(reasons)s", reasons=reasons), refused)
        doc = {"_id": batch_id, "number": self._number(at, str(batch_id)), "status": "proposed",
               "file_ids": ids, "items": [self._item(i) for i in ids], "reason": reason,
               "proposed_by": actor.username, "proposed_at": at}
        self.repo.insert(doc)
        self.audit.record(actor.username, "destruction.proposed", f"destruction:{batch_id}",
                          {"number": doc["number"], "files": [it["archive_no"] for it in doc["items"]],
                           "reason": reason})
        return doc

    def _archive_no(self, file_id: str) -> str:
        doc = self.files.repo.by_id(file_id)
        return doc["archive_no"] if doc else file_id

    def _item(self, file_id: str) -> dict:
        file_doc = self.files.repo.by_id(file_id)
        state = self.retention.repo.state(file_id) or {}
        return {"file_id": file_id, "archive_no": file_doc["archive_no"], "template": file_doc.get("template"),
                "classification": file_doc.get("classification") or {}, "policy_id": state.get("policy_id"),
                "policy_name": state.get("policy_name"), "trigger_date": state.get("trigger_date"),
                "destroy_after": state.get("destroy_after")}

    def _number(self, at, owner: str) -> str:
        year = rules.local_day(at, self.retention.zone).year
        return f"XH-{year}-{self.sequences.next(f'XH-{year}-#', owner):04d}"

    def _decidable(self, actor: User, batch_id) -> dict:
        access.require(actor, "destruction.approve")
        doc = self.load(batch_id)
        if doc["proposed_by"] == actor.username:
            raise Forbidden(N_("不能审批自己提出的销毁"))
        if doc["status"] != "proposed":
            raise Conflict(N_("该批次已处理"), {"status": doc["status"]})
        if not self.repo.claim_step(doc["_id"], "decision", {"actor": actor.username, "at": clock.now()}):
            raise Conflict(N_("该批次刚被他人处理"))
        return doc

    def approve(self, actor: User, batch_id) -> dict:
        """Approve (an approver or the executive other than the proposer); 403 for the proposer."""
        doc = self._decidable(actor, batch_id)
        changes = {"status": "approved", "approved_by": actor.username, "approved_at": clock.now()}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "destruction.approved", f"destruction:{doc['_id']}",
                          {"number": doc["number"]})
        return {**doc, **changes}

    def reject(self, actor: User, batch_id, reason) -> dict:
        """Reject with a reason; the files are free for another batch."""
        reason = _text(reason, "reason", TEXT_MAX)
        doc = self._decidable(actor, batch_id)
        changes = {"status": "rejected", "rejected_by": actor.username, "rejected_at": clock.now(),
                   "reject_reason": reason}
        self.repo.set(doc["_id"], changes)
        for file_id in doc["file_ids"]:
            self.repo.release_file(file_id, str(doc["_id"]))
        self.audit.record(actor.username, "destruction.rejected", f"destruction:{doc['_id']}",
                          {"number": doc["number"], "reason": reason})
        return {**doc, **changes}

    def record_paper(self, actor: User, batch_id, data) -> dict:
        """Record how, where and before whom the paper folders were destroyed (archivist or admin)."""
        access.require(actor, "destruction.execute")
        if not isinstance(data, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        paper = self._check_paper(data)
        doc = self.load(batch_id)
        if doc["status"] != "approved":
            raise Conflict(N_("只有已批准的批次可以登记"), {"status": doc["status"]})
        if not self.repo.claim_step(doc["_id"], "paper", {"actor": actor.username, "at": clock.now()}):
            raise Conflict(N_("纸质销毁已登记"))
        paper.update(recorded_by=actor.username, recorded_at=clock.now())
        self.repo.set(doc["_id"], {"paper": paper})
        self.audit.record(actor.username, "destruction.paper_recorded", f"destruction:{doc['_id']}", paper)
        return {**doc, "paper": paper}

    def _check_paper(self, data: dict) -> dict:
        problems, paper = {}, {}
        for name, limit in (("method", 100), ("place", 200)):
            try:
                paper[name] = _text(data.get(name), name, limit)
            except Invalid as exc:
                problems.update(exc.fields)
        witnesses = data.get("witnesses")
        if not isinstance(witnesses, list) or len(witnesses) != 2 or not all(
                isinstance(w, str) and w.strip() and len(w) <= 40 for w in witnesses) \
                or witnesses[0].strip() == witnesses[1].strip():
            problems["witnesses"] = N_("需两名不同的监销人")
        else:
            paper["witnesses"] = [w.strip() for w in witnesses]
        day = data.get("date") or self.retention.today().isoformat()
        parsed = rules.parse_date(day) if isinstance(day, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None
        if parsed is None or parsed > self.retention.today():
            problems["date"] = N_("应为不晚于今天的日期 YYYY-MM-DD")
        else:
            paper["date"] = parsed.isoformat()
        if problems:
            raise Invalid(N_("纸质销毁登记无效"), problems)
        return paper

    # -- reading ----------------------------------------------------------------------------
    def load(self, batch_id) -> dict:
        """A batch; NotFound otherwise."""
        doc = self.repo.by_id(batch_id)
        if doc is None:
            raise NotFound(N_("没有这个销毁批次"))
        return doc

    def get(self, actor: User, batch_id) -> dict:
        """A batch, for the people who work with retention."""
        require_reader(actor)
        return self.load(batch_id)

    def page(self, actor: User, status: str = "", page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Batches, newest first, by status."""
        require_reader(actor)
        if status and status not in STATUSES:
            raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="status", values=", ".join(STATUSES)),
                            {"status": "/".join(STATUSES)})
        return self.repo.page({"status": status} if status else {}, (page - 1) * per_page, per_page)

    def destroyed_items(self, batch: dict) -> list[dict]:
        """Per file of a batch, what its execution recorded (archive number, documents with checksums)."""
        return [step for file_id in batch["file_ids"] if (step := self.repo.step(batch["_id"], f"file:{file_id}"))]


def _not_due(state: dict) -> str:
    kind = state.get("kind", rules.NONE)
    if kind == rules.PERMANENT:
        return N_("永久保管")
    if kind == rules.PENDING:
        return N_("保管期限起算日未知")
    if kind == rules.DATED:
        return N_("保管期限至 %(date)s", date=state["destroy_after"])
    return N_("没有适用的保管策略")

