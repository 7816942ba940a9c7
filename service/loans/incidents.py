"""The loss/damage register (损坏遗失登记): one incident per damaged or lost folder, with compensation."""
from __future__ import annotations

from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import NotFound
from service.messages import N_
from storage import new_id
from storage.loan_records import IncidentRepository

MIN_COMPENSATION, MAX_COMPENSATION = 50, 500  # the company rules: 50-500 yuan
KINDS = ("damaged", "lost")
READERS = ("archivist", "auditor", "admin", "executive")
HEADERS = (  # column headers, shown in the reader's language
    N_("登记时间"), N_("档案号"), N_("名称"), N_("情况"), N_("责任人"), N_("赔偿金额（元）"), N_("说明"),
    N_("借阅人"), N_("登记人"))


def check_compensation(value) -> float:
    """An amount of 50-500 yuan (a number, not text); Invalid otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not MIN_COMPENSATION <= value <= MAX_COMPENSATION:
        raise Invalid(N_("赔偿金额应为 50-500 元"),
                      {"compensation": N_("赔偿金额应为 %(min)s-%(max)s 元",
                                          min=MIN_COMPENSATION, max=MAX_COMPENSATION)})
    return round(float(value), 2)


class IncidentService:
    """Recording and reading incidents."""

    def __init__(self, repo: IncidentRepository, audit: AuditTrail):
        self.repo = repo
        self.audit = audit

    def record(self, actor: User, loan: dict, kind: str, responsible: str, amount: float, note: str) -> dict:
        """Open an incident for a loan's folder (the caller checked the inputs and won the return)."""
        doc = {"_id": new_id(), "loan_id": str(loan["_id"]), "file_id": loan["file_id"],
               "archive_no": loan["archive_no"], "file_name": loan.get("file_name", ""), "kind": kind,
               "responsible": responsible, "compensation": amount, "note": note, "borrower": loan["borrower"],
               "recorded_by": actor.username, "at": clock.now()}
        self.repo.insert(doc)
        self.audit.record(actor.username, "loan.incident_recorded", f"file:{loan['file_id']}",
                          {"loan_id": doc["loan_id"], "kind": kind, "responsible": responsible,
                           "compensation": amount})
        return doc

    def page(self, actor: User, page: int = 1, per_page: int = 20, kind: str = "") -> tuple[int, list[dict]]:
        """The register, newest first (archivists, auditors, admins, the executive)."""
        if not actor.active or not actor.has(*READERS):
            raise Forbidden(N_("没有权限"))
        query = {"kind": kind} if kind in KINDS else {}
        return self.repo.page(query, [("at", -1), ("_id", -1)], (page - 1) * per_page, per_page)

    def get(self, actor: User, incident_id) -> dict:
        """One incident (for those who read the register)."""
        if not actor.active or not actor.has(*READERS):
            raise Forbidden(N_("没有权限"))
        doc = self.repo.by_id(incident_id)
        if doc is None:
            raise NotFound(N_("没有这条登记"))
        return doc

    def of_file(self, file_id: str) -> list[dict]:
        """A file's incidents, oldest first."""
        return self.repo.find({"file_id": file_id}, [("at", 1)])

    def rows(self, actor: User):
        """Every incident as register rows (for the Excel export)."""
        total, _ = self.page(actor, 1, 1)
        _, docs = self.page(actor, 1, max(total, 1))
        for d in docs:
            yield [d["at"], d["archive_no"], d.get("file_name", ""), d["kind"], d["responsible"], d["compensation"],
                   d.get("note", ""), d["borrower"], d["recorded_by"]]
