"""Intake review (归档审核): staff submit a file's materials, the archive centre checks what is missing.

A submission lists scans already in the file and the paper items handed over; each resubmission is a
new version (history kept). The review itself (accept / return) lives in service/intake_review.py.
"""
from __future__ import annotations

from datetime import datetime
from datetime import timezone

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.documents import DocTypeService
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.errors import NotFound
from service.files import FileService
from service.messages import N_
from storage import mongo
from storage import new_id
from storage.documents import DocumentRepository
from storage.intake import IntakeRepository
from storage.intake import version_key

STATUSES = ("pending", "returned", "accepted")
# The seeds (004): every submission names the salesperson and the customer's name and number.
SUBMISSION_FIELDS = (("salesperson", "业务员姓名"), ("customer_name", "客户名称"), ("customer_no", "客户编号"))
TEXT_MAX = 100
NOTE_MAX = 500
MAX_DOCUMENTS = 200
MAX_PAPER_ITEMS = 50
PAPER_NAME_MAX = 60
PAPER_COUNT_MAX = 999


def _text(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def _paper_items(value, problems: dict) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PAPER_ITEMS:
        problems["paper_items"] = N_("应为至多 %(n)s 项的列表", n=MAX_PAPER_ITEMS)
        return []
    items = []
    for n, item in enumerate(value):
        name = item.get("name") if isinstance(item, dict) else None
        count = item.get("count") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > PAPER_NAME_MAX:
            problems[f"paper_items.{n}.name"] = N_("请填写 1-%(n)s 个字符", n=PAPER_NAME_MAX)
        elif not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= PAPER_COUNT_MAX:
            problems[f"paper_items.{n}.count"] = N_("应为 1-%(n)s 的整数", n=PAPER_COUNT_MAX)
        else:
            items.append({"name": name.strip(), "count": count})
    return items


class IntakeService:
    """Submissions: create, resubmit, read, list; what each is missing against the template."""

    def __init__(self, repo: IntakeRepository, files: FileService, documents: DocumentRepository,
                 doc_types: DocTypeService, audit: AuditTrail):
        self.repo = repo
        self.files = files
        self.documents = documents
        self.doc_types = doc_types
        self.audit = audit

    def _materials(self, file_doc: dict, body) -> dict:
        """The checked content of a submission (documents, paper items, names); Invalid naming each bad part."""
        if not isinstance(body, dict):
            raise Malformed(N_("请求体应为 JSON 对象"))
        problems: dict = {}
        doc_ids = body.get("documents") or []
        if not isinstance(doc_ids, list) or len(doc_ids) > MAX_DOCUMENTS or \
                not all(isinstance(d, str) for d in doc_ids):
            problems["documents"] = N_("应为扫描件编号的列表")
            doc_ids = []
        own = {str(d["_id"]) for d in self.documents.of_file(str(file_doc["_id"]))}
        strangers = [d for d in doc_ids if d not in own]
        if strangers:
            problems["documents"] = N_("不是本档案的扫描件：%(ids)s", ids=", ".join(strangers[:5]))
        paper = _paper_items(body.get("paper_items"), problems)
        values = {}
        for key, _label in SUBMISSION_FIELDS:
            value = body.get(key, "")
            value = "" if value is None else value
            if not _text(value, TEXT_MAX):
                problems[key] = N_("至多 %(n)s 个字符", n=TEXT_MAX)
            else:
                values[key] = value.strip()
        note = body.get("note") or ""
        if not _text(note, NOTE_MAX):
            problems["note"] = N_("至多 %(n)s 个字符", n=NOTE_MAX)
        if not problems and not doc_ids and not paper:
            problems["documents"] = N_("请至少列出一份扫描件或纸质材料")
        if problems:
            raise Invalid(N_("提交无效"), problems)
        return {"documents": list(dict.fromkeys(doc_ids)), "paper_items": paper, "note": note.strip(), **values}

    def _file(self, actor: User, file_id) -> dict:
        if not isinstance(file_id, str):
            raise Invalid(N_("需要 file_id"), {"file_id": N_("必填")})
        file_doc = self.files.load(actor, file_id, "file.view")
        if file_doc.get("status") in ("destroyed", "merged"):
            raise Conflict(N_("该档案已销毁或已合并"))
        return file_doc

    def submit(self, actor: User, body) -> dict:
        """Submit a file's materials for archiving (staff, archivist); 404 for a file one may not see."""
        access.require(actor, "intake.submit")
        file_doc = self._file(actor, body.get("file_id") if isinstance(body, dict) else None)
        materials = self._materials(file_doc, body)
        at, sub_id = clock.now(), new_id()
        if not self.repo.claim_file(str(file_doc["_id"]), str(sub_id)):
            raise Conflict(N_("该档案已有未完成的归档提交，请在原提交上补充"),
                           {"submission_id": self.repo.open_submission(str(file_doc["_id"]))})
        doc = {"_id": sub_id, "file_id": str(file_doc["_id"]), "archive_no": file_doc.get("archive_no"),
               "file_name": file_doc.get("name"), "template": file_doc.get("template"),
               "department": file_doc.get("department", ""),
               "security": file_doc.get("security", access.NORMAL), "submitter": actor.username,
               "submitter_name": actor.display_name, "version": 1, "status": "pending",
               "first_submitted_at": at, "submitted_at": at, "returned_items": [], "reviewed_by": None,
               "reviewed_at": None, "turnaround_hours": None, "total_hours": None, **materials}
        self.repo.claim_version({"_id": version_key(sub_id, 1), "submission_id": str(sub_id), "version": 1,
                                 "at": at, "by": actor.username, **materials})
        self.repo.insert(doc)
        self.audit.record(actor.username, "intake.submitted", f"intake:{sub_id}",
                          {"file_id": doc["file_id"], "version": 1})
        return doc

    def resubmit(self, actor: User, submission_id, body) -> dict:
        """A new version of a returned submission (its submitter); 409 if stale or not returned."""
        access.require(actor, "intake.submit")
        doc = self.get(actor, submission_id)
        if doc["submitter"] != actor.username:
            raise NotFound(N_("没有这个归档提交"))
        expected = body.get("version") if isinstance(body, dict) else None
        if not isinstance(expected, int) or isinstance(expected, bool):
            raise Malformed(N_("需要 version（您看到的版本）"), {"version": "integer"})
        if expected != doc["version"] or doc["status"] != "returned":
            raise Conflict(N_("该提交已是第 %(version)s 版，状态 %(status)s",
                              version=doc["version"], status=doc["status"]),
                           {"version": doc["version"], "status": doc["status"]})
        file_doc = self._file(actor, doc["file_id"])
        materials = self._materials(file_doc, body)
        at, version = clock.now(), doc["version"] + 1
        if not self.repo.claim_version({"_id": version_key(doc["_id"], version), "submission_id": str(doc["_id"]),
                                        "version": version, "at": at, "by": actor.username, **materials}):
            raise Conflict(N_("该提交刚被重新提交过"), {"version": version})
        changes = {"version": version, "status": "pending", "submitted_at": at, **materials,
                   "archive_no": file_doc.get("archive_no"), "file_name": file_doc.get("name")}
        self.repo.set(doc["_id"], changes)
        self.audit.record(actor.username, "intake.resubmitted", f"intake:{doc['_id']}", {"version": version})
        return {**doc, **changes}

    def get(self, actor: User, submission_id) -> dict:
        """One submission: to its submitter, archivists and register readers who may see the file; 404 otherwise."""
        reader = access.can(actor, "register.read")
        if not (reader or access.can(actor, "intake.submit")):
            access.require(actor, "intake.submit")
        doc = self.repo.by_id(submission_id)
        if doc is None or not (doc["submitter"] == actor.username or actor.has("archivist") or reader):
            raise NotFound(N_("没有这个归档提交"))
        try:
            self.files.load(actor, doc["file_id"], "file.view")
        except NotFound:
            raise NotFound(N_("没有这个归档提交")) from None
        return doc

    def history(self, submission_id) -> list[dict]:
        """Each version with its review (if decided), oldest first."""
        reviews = {r["version"]: r for r in self.repo.reviews(submission_id)}
        return [{**v, "review": reviews.get(v["version"])} for v in self.repo.versions(submission_id)]

    def missing(self, doc: dict) -> list[dict]:
        """What the submission lacks: required document types, required file fields, the names on it."""
        file_doc = self.files.repo.by_id(doc["file_id"]) or {}
        template_key = file_doc.get("template", doc.get("template", ""))
        listed = [d for d in (self.documents.by_id(i) for i in doc.get("documents", [])) if d]
        labels = self.doc_types.labels()
        found = [{"item": f"document:{code}", "label": labels.get(code, {}).get("label_zh", code), "kind": "document"}
                 for code in self.doc_types.missing(template_key, listed)]
        template = self.files.registry.get(template_key) or {"fields": []}
        fields = file_doc.get("fields") or {}
        for definition in template.get("fields", []):
            if definition.get("required") and fields.get(definition["key"]) in (None, "", [], {}):
                found.append({"item": f"field:{definition['key']}", "label": definition["label"]["zh"],
                              "kind": "field"})
        for key, label in SUBMISSION_FIELDS:
            if not doc.get(key):
                found.append({"item": f"submission:{key}", "label": label, "kind": "submission"})
        return found

    def list(self, actor: User, filters: dict, page: int = 1, per_page: int = 20) -> tuple[int, list[dict]]:
        """Submissions: one's own (staff), all of the files one may see (archivists, register readers)."""
        access.require(actor, "file.view")
        query = self._query(filters)
        if not (actor.has("archivist") or access.can(actor, "register.read")) or filters.get("mine"):
            query["submitter"] = actor.username
        visible = access.visibility_query(actor, id_field="file_id")
        if visible:
            query = mongo.all_of(query, visible)
        return self.repo.page(query, (page - 1) * per_page, per_page)

    def pending_count(self, actor: User, cap: int) -> int:
        """Submissions waiting for review (the register's `pending` list, as archivists see it), at most
        `cap`; 0 for anyone who does not review."""
        if not access.can(actor, "intake.review"):
            return 0
        query = mongo.all_of({"status": "pending"}, access.visibility_query(actor, id_field="file_id"))
        return self.repo.count_at_most(query, cap)

    def _query(self, filters: dict) -> dict:
        query: dict = {}
        status = filters.get("status") or ""
        if status:
            if status not in STATUSES:
                raise Malformed(N_("%(name)s 应为 %(values)s 之一", name="status", values=", ".join(STATUSES)),
                                {"status": "/".join(STATUSES)})
            query["status"] = status
        for key in ("submitter", "file_id", "archive_no"):
            if filters.get(key):
                if not isinstance(filters[key], str):
                    raise Malformed(N_("%(name)s 应为文本", name=key), {key: "text"})
                query[key] = filters[key]
        span = {}
        for key, op in (("since", "$gte"), ("until", "$lt")):
            if filters.get(key):
                try:
                    day = datetime.strptime(filters[key], "%Y-%m-%d").replace(tzinfo=timezone.utc)
                except (TypeError, ValueError):
                    raise Malformed(N_("%(name)s 应为 YYYY-MM-DD", name=key), {key: "YYYY-MM-DD"}) from None
                span[op] = day if key == "since" else day.replace(hour=23, minute=59, second=59)
        if span:
            query["first_submitted_at"] = span
        return query

    def of_file(self, actor: User, file_id: str) -> list[dict]:
        """The submissions of a file (for its page): all to archivists, one's own to others."""
        if not access.can(actor, "intake.submit"):
            return []
        query: dict = {"file_id": file_id}
        if not actor.has("archivist"):
            query["submitter"] = actor.username
        return self.repo.find(query, limit=50)
