"""Holds (冻结): a dispute, an audit or litigation keeps a file from destruction until the hold is lifted."""
from __future__ import annotations

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Conflict
from service.errors import Gone
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.messages import N_
from service.retention.service import RetentionService
from service.retention.service import require_reader
from storage import new_id

KINDS = ("dispute", "audit", "litigation")
NOTE_MAX = 500


def _text(value, name: str, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > NOTE_MAX or (required and not value.strip()):
        raise Invalid(N_("%(name)s 无效", name=name), {name: N_("请填写说明（至多 %(n)s 字）", n=NOTE_MAX)})
    return value.strip()


class HoldService:
    """Placing, lifting and listing holds; each change moves the originals' legal hold."""

    def __init__(self, retention: RetentionService, audit: AuditTrail):
        self.retention = retention
        self.repo = retention.repo
        self.files = retention.files
        self.audit = audit

    def place(self, actor: User, file_id, reason, note=None) -> dict:
        """Put a hold on a file (archivist, auditor, admin) for a dispute, an audit or litigation."""
        access.require(actor, "hold.manage")
        if reason not in KINDS:
            raise Invalid(N_("原因无效"), {"reason": N_("应为 %(values)s 之一", values="/".join(KINDS))})
        note = _text(note, "note", required=False)
        file_doc = self.files.load(actor, str(file_id), "file.view")
        if file_doc.get("status") == "destroyed":
            raise Gone(N_("档案已销毁"))
        doc = {"_id": new_id(), "file_id": str(file_doc["_id"]), "archive_no": file_doc["archive_no"],
               "reason": reason, "note": note, "status": "active", "placed_by": actor.username,
               "placed_at": clock.now()}
        self.repo.insert_hold(doc)
        self.audit.record(actor.username, "retention.hold_placed", f"file:{doc['file_id']}",
                          {"hold_id": str(doc["_id"]), "reason": reason, "note": note})
        self.retention.recompute(doc["file_id"])
        return doc

    def lift(self, actor: User, file_id, hold_id, reason) -> dict:
        """Lift a hold with the reason; 409 if it was lifted already."""
        access.require(actor, "hold.manage")
        reason = _text(reason, "reason", required=True)
        doc = self.repo.hold(hold_id)
        if doc is None or doc["file_id"] != str(file_id):
            raise NotFound(N_("没有这个冻结"))
        if doc["status"] != "active" or not self.repo.claim(f"{doc['_id']}:lift", actor.username, clock.now()):
            raise Conflict(N_("冻结已解除"), {"status": "lifted"})
        changes = {"status": "lifted", "lifted_by": actor.username, "lifted_at": clock.now(), "lift_reason": reason}
        self.repo.set_hold(doc["_id"], changes)
        self.audit.record(actor.username, "retention.hold_lifted", f"file:{doc['file_id']}",
                          {"hold_id": str(doc["_id"]), "reason": reason})
        self.retention.recompute(doc["file_id"])
        return {**doc, **changes}

    def of_file(self, actor: User, file_id) -> list[dict]:
        """Every hold of a file the person may see, newest first."""
        file_doc = self.files.load(actor, str(file_id), "file.view")
        return self.repo.holds({"file_id": str(file_doc["_id"])})[1]

    def page(self, actor: User, status: str = "active", page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Holds of every file (active by default) for the people who work with retention."""
        require_reader(actor)
        if status not in ("active", "lifted", ""):
            raise Malformed(N_("status 应为 active 或 lifted"), {"status": "active/lifted"})
        return self.repo.holds({"status": status} if status else {}, (page - 1) * per_page, per_page)
