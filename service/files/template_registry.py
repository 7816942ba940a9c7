"""Which templates exist: the built-in ones plus those an admin defines, each versioned."""
from __future__ import annotations

import copy
import json

from service import access
from service import clock
from service.accounts import User
from service.audit import AuditTrail
from service.errors import Invalid
from service.errors import NotFound
from service.files import templates
from service.messages import N_
from storage.templates import TemplateRepository

MAX_VERSIONS = 10_000


class TemplateRegistry:
    """Look up templates by key (newest version or a given one) and define new ones."""

    def __init__(self, repo: TemplateRepository, audit: AuditTrail):
        self.repo = repo
        self.audit = audit

    def _newest_version(self, key: str) -> int:
        version = 0
        while self.repo.get(key, version + 1) is not None and version < MAX_VERSIONS:
            version += 1
        return version

    def get(self, key, version: int | None = None) -> dict | None:
        """The template definition, or None if there is no such template (or version)."""
        if not isinstance(key, str):
            return None
        if key in templates.BUILTIN_TEMPLATES:
            builtin = templates.BUILTIN_TEMPLATES[key]
            return builtin if version in (None, builtin.get("version", 1)) else None
        version = version or self._newest_version(key)
        doc = self.repo.get(key, version) if version else None
        return _definition(doc) if doc else None

    def require(self, key) -> dict:
        """The template, or NotFound."""
        template = self.get(key)
        if template is None:
            raise NotFound(N_("没有这个模板"))
        return template

    def all(self) -> dict[str, dict]:
        """Every template by key, newest versions only, built-in ones first."""
        found = dict(templates.BUILTIN_TEMPLATES)
        for doc in self.repo.all_versions():
            found[doc["key"]] = _definition(doc)  # sorted by _id, so the newest wins
        return found

    def define(self, actor: User, definition) -> dict:
        """Store a new template, or a new version of an admin-defined one (admin)."""
        access.require(actor, "template.manage")
        problems = templates.check_template_definition(definition)
        if not problems and definition["key"] in templates.BUILTIN_TEMPLATES:
            problems["key"] = N_("内置模板不能修改")
        if problems:
            raise Invalid(N_("模板无效"), problems)
        for _ in range(MAX_VERSIONS):
            version = self._newest_version(definition["key"]) + 1
            stored = {**copy.deepcopy(definition), "version": version, "defined_by": actor.username,
                      "defined_at": clock.now(),
                      # stored as text: JSON Schema keys such as "$schema" are not allowed as field names
                      "schema_json": json.dumps(templates.compile_schema({**definition, "version": version}),
                                                ensure_ascii=False)}
            if self.repo.insert(stored):
                self.audit.record(actor.username, "template.defined", f"template:{definition['key']}",
                                  {"version": version})
                return _definition(stored)
        raise RuntimeError("could not store the template")


def _definition(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("_id", "schema_json")}

