"""Document types (合同, 授权委托书, 身份证复印件 ...) and which ones each template requires."""
from __future__ import annotations

import re

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Invalid
from service.files import TemplateRegistry
from service.messages import N_
from storage.documents import DocumentRepository

# code, Chinese label, English label
BUILTIN_TYPES = (
    ("purchase_contract", "购房合同", "Purchase contract"),
    ("authorization", "授权委托书", "Authorization / power of attorney"),
    ("id_copy", "身份证复印件", "ID copy"),
    ("registration_form", "业主登记表", "Owner registration form"),
    ("survey_form", "调查表", "Survey form"),
    ("handover_form", "交房验收单", "Handover / inspection form"),
    ("other", "其他", "Other"),
)
# The seeds' rule: a buyer's file holds the contract, the ID copy and the registration form.
DEFAULT_REQUIRED = {"individual": ["purchase_contract", "id_copy", "registration_form"],
                    "enterprise": ["purchase_contract", "authorization"]}
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class DocTypeService:
    """Built-in types plus what an admin adds or relabels; a type is retired, never deleted."""

    def __init__(self, repo: DocumentRepository, registry: TemplateRegistry, audit: AuditTrail):
        self.repo = repo
        self.registry = registry
        self.audit = audit

    def all(self, include_retired: bool = False) -> list[dict]:
        """Every type as {code, label_zh, label_en, active, builtin}, built-in ones first."""
        found = {code: {"code": code, "label_zh": zh, "label_en": en, "active": True, "builtin": True}
                 for code, zh, en in BUILTIN_TYPES}
        for doc in self.repo.types():
            found[doc["_id"]] = {"code": doc["_id"], "label_zh": doc["label_zh"], "label_en": doc["label_en"],
                                 "active": doc.get("active", True), "builtin": doc["_id"] in found}
        return [t for t in found.values() if include_retired or t["active"]]

    def labels(self) -> dict[str, dict]:
        """Every type (retired ones too, so old documents keep their names) by code."""
        return {t["code"]: t for t in self.all(include_retired=True)}

    def is_active(self, code) -> bool:
        """Whether new documents may be given this type."""
        return isinstance(code, str) and any(t["code"] == code for t in self.all())

    def save(self, actor: User, data: dict) -> dict:
        """Add a type or change one's labels or active flag (admin)."""
        access.require(actor, "template.manage")
        code = data.get("code")
        problems = {}
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            problems["code"] = "2-40 个小写字母、数字或下划线 (2-40 lower-case letters, digits or _)"
        for key in ("label_zh", "label_en"):
            value = data.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > 40:
                problems[key] = N_("请填写 1-40 个字符")
        active = data.get("active", True)
        if not isinstance(active, bool):
            problems["active"] = "true / false"
        if code == "other" and active is False:
            problems["active"] = "“其他”不能停用 (“other” cannot be retired)"
        if problems:
            raise Invalid(N_("文件类型无效"), problems)
        doc = {"_id": code, "label_zh": data["label_zh"].strip(), "label_en": data["label_en"].strip(),
               "active": active, "by": actor.username, "at": clock.now()}
        self.repo.save_type(doc)
        self.audit.record(actor.username, "doc_type.saved", f"doc_type:{code}", {"active": active})
        return self.labels()[code]

    def required(self, template_key: str) -> list[str]:
        """The types a file of this template must hold (资料齐全)."""
        stored = self.repo.required_types(template_key)
        return stored if stored is not None else list(DEFAULT_REQUIRED.get(template_key, []))

    def set_required(self, actor: User, template_key, types) -> list[str]:
        """Set the required types of a template (admin)."""
        access.require(actor, "template.manage")
        if self.registry.get(template_key) is None:
            raise Invalid(N_("未知模板"), {"template": N_("没有这个模板")})
        known = {t["code"] for t in self.all()}
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise Invalid(N_("types 应为类型代码的列表"), {"types": "list"})
        unknown = [t for t in types if t not in known]
        if unknown:
            raise Invalid(N_("未知文件类型"), {"types": N_("未知类型：%(types)s", types=", ".join(unknown))})
        cleaned = list(dict.fromkeys(types))
        self.repo.set_required_types(template_key, cleaned, actor.username, clock.now())
        self.audit.record(actor.username, "doc_type.required_set", f"template:{template_key}", {"types": cleaned})
        return cleaned

    def missing(self, template_key: str, documents: list[dict]) -> list[str]:
        """Required types that none of the (active) documents has."""
        present = {d.get("doc_type") for d in documents if d.get("status", "active") == "active"}
        active = {t["code"] for t in self.all()}  # a retired type can no longer be supplied, so it is not asked for
        return [t for t in self.required(template_key) if t not in present and t in active]
