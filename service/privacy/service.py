"""Personal-information rules (个人信息保护): "show in full" with a purpose, erasure requests and the restriction
they put on a file until its retention lets it go."""
from __future__ import annotations

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents import DocumentService
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.events import LoanRequested
from service.events import ShareRequested
from service.files import FileService
from service.files import target_of
from service.messages import N_
from service.privacy import pii
from storage.loans import LoanRepository
from storage.objects import ObjectStore
from storage.privacy import PrivacyRepository

PURPOSE_MAX = 200
REASON_MAX = 500


def text_of(value, name: str, limit: int, missing: str) -> str:
    """A required piece of text (stripped); Malformed when missing, Invalid when too long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Malformed(missing, {name: missing})
    if not isinstance(value, str) or len(value) > limit:
        raise Invalid(N_("%(name)s 应为至多 %(n)s 个字符的文本", name=name, n=limit), {name: f"1-{limit}"})
    return value.strip()


class PrivacyService:
    """Reveal one personal number, or one scanned page uncovered, for a purpose; record erasure requests and
    restrict their files."""

    def __init__(self, repo: PrivacyRepository, files: FileService, templates, retention, audit: AuditTrail,
                 documents: DocumentService, loans: LoanRepository, objects: ObjectStore):
        self.repo = repo
        self.files = files
        self.documents = documents
        self.templates = templates
        self.retention = retention
        self.audit = audit
        self.loans = loans  # the loan records a subject access export lists
        self.objects = objects

    def definitions(self, file_doc: dict) -> list | None:
        """The template field definitions of a file (None for an unknown template)."""
        template = self.templates.get(file_doc.get("template"))
        return template.get("fields") if template else None

    def reveal(self, actor: User, file_id: str, path, purpose) -> dict:
        """One ID or phone number of a file in full, for a stated purpose (audited); for this answer only."""
        file_doc = self.files.load(actor, file_id, "file.view")
        access.require(actor, "pii.reveal", target_of(file_doc))
        purpose = text_of(purpose, "purpose", PURPOSE_MAX, N_("请填写查看目的"))
        fields = file_doc.get("fields") or {}
        kinds = pii.paths(fields, self.definitions(file_doc))
        if not isinstance(path, str) or path not in kinds:
            raise NotFound(N_("没有这个个人信息字段"))
        self.audit.record(actor.username, "pii.revealed", f"file:{file_doc['_id']}",
                          {"field": path, "kind": kinds[path], "purpose": purpose})
        return {"field": path, "kind": kinds[path], "value": str(pii.value_at(fields, path))}

    def reveal_page(self, actor: User, document_id: str, number: int, purpose) -> dict:
        """One scanned page with its ID and mobile numbers shown, text and image, for a stated purpose (audited);
        for this answer only: {"document", "file", "page", "image" (JPEG bytes)}."""
        doc, file_doc = self.documents.load(actor, document_id, "file.content")
        access.require(actor, "pii.reveal", target_of(file_doc))
        purpose = text_of(purpose, "purpose", PURPOSE_MAX, N_("请填写查看目的"))
        page = self.documents.page(actor, document_id, number)
        kinds = sorted({found.kind for found in pii.number_spans(page.get("text"))})
        if not kinds:
            raise NotFound(N_("这一页没有遮盖的号码"))
        image = self.documents.page_image(actor, document_id, number, "image", covered=False)
        self.audit.record(actor.username, "pii.revealed", f"file:{file_doc['_id']}",
                          {"document_id": str(doc["_id"]), "page": number, "kinds": kinds, "purpose": purpose})
        return {"document": doc, "file": file_doc, "page": page, "image": image}

    # -- erasure -----------------------------------------------------------------------------
    def request_erasure(self, actor: User, file_id: str, requester, reason) -> dict:
        """Record a customer's erasure request on the file (archivist); the file is restricted from now on."""
        access.require(actor, "privacy.manage")
        file_doc = self.files.load(actor, file_id, "file.view")
        requester = text_of(requester, "requester", 100, N_("请填写提出人"))
        reason = text_of(reason, "reason", REASON_MAX, N_("请填写原因"))
        if file_doc.get("status") in ("destroyed", "merged"):
            raise Conflict(N_("档案状态为 %(status)s，无需登记", status=file_doc["status"]))
        doc = {"kind": "erasure", "file_id": str(file_doc["_id"]), "archive_no": file_doc["archive_no"],
               "requester": requester, "reason": reason, "recorded_by": actor.username, "requested_at": clock.now()}
        if not self.repo.insert_erasure(doc):
            raise Conflict(N_("该档案已有删除请求"))
        self.audit.record(actor.username, "privacy.erasure_requested", f"file:{doc['file_id']}",
                          {"requester": requester, "reason": reason})
        return self.erasure(doc["file_id"])

    def erasure(self, file_id: str) -> dict | None:
        """A file's erasure request with its state: 'done', 'due' (hand to destruction) or 'pending' until a date."""
        doc = self.repo.erasure(str(file_id))
        if doc is None:
            return None
        file_doc = self.files.repo.by_id(str(file_id))
        state = self.retention.repo.state(str(file_id)) or {}
        until = state.get("destroy_after")
        if file_doc is None or file_doc.get("status") == "destroyed":
            status = "done"
        elif until and until < self.retention.today().isoformat():
            status = "due"
        else:
            status = "pending"
        return {**doc, "status": status, "until": until}

    def restriction(self, check: LoanRequested | ShareRequested) -> str | None:
        """Why a file takes no new loans or shares (an open erasure request), or None."""
        if self.repo.erasure(str(check.file_id)) is None:
            return None
        return (N_("档案有待执行的删除请求，暂停借阅和外部共享"))

    # -- subject access ------------------------------------------------------------------------
    def subject_access(self, actor: User, file_id: str) -> tuple[str, bytes]:
        """The customer's own data (their files, documents, contacts, loans) as a zip (archivist; audited)."""
        from service.privacy import export as privacy_export
        access.require(actor, "privacy.manage")
        file_doc = self.files.load(actor, file_id, "file.content")
        found = privacy_export.customer_files(self.files, actor, file_doc)
        data = privacy_export.build(found, self.documents.repo, self.loans, self.objects)
        self.audit.record(actor.username, "privacy.subject_access_exported", f"file:{file_doc['_id']}",
                          {"files": [f["archive_no"] for f in found], "size": len(data)})
        return f"subject-access-{file_doc['archive_no']}.zip", data
