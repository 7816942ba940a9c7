"""Importing existing customer registers (Excel/CSV): map columns, dry-run, then import in the worker."""
from __future__ import annotations

import contextvars
import hashlib
import json
import logging
from collections import deque
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor

from service import access
from service import clock
from service.accounts import User
from service.accounts import UserService
from service.errors import Conflict
from service.errors import Invalid
from service.errors import NotFound
from service.files import sheets
from service.files.duplicates import duplicate_keys
from service.files.service import CLASSIFICATION_KEYS
from service.files.service import LOCATION_KEYS
from service.files.service import FileService
from service.files.template_registry import TemplateRegistry
from service.held_reads import held
from service.messages import N_
from storage.imports import ImportRepository
from storage.jobs import JobQueue
from storage.objects import ObjectStore

log = logging.getLogger(__name__)
EXTERNAL_KEY = "external_key"
IGNORE = ""
PROGRESS_EVERY = 50
IMPORT_THREADS = 4  # files stored at once by an import
MAX_SHEET_BYTES = 20 * 1024 * 1024


def _pairs(problems: dict) -> list[dict]:
    """Problems as a list (field paths contain '.', which may not be a stored key)."""
    return [{"field": path, "problem": text} for path, text in problems.items()]


def targets(template: dict) -> list[tuple[str, str]]:
    """Where a column can go: (path, Chinese label)."""
    found = [("name", "客户姓名/企业名称"), (EXTERNAL_KEY, "外部编号（用于防止重复导入）"),
             ("security", "密级"), ("department", "部门")]
    found += [(f"classification.{k}", label) for k, label in zip(
        CLASSIFICATION_KEYS, ("客户类型", "阶段", "项目", "区域"))]
    found += [(f"location.{k}", label) for k, label in zip(LOCATION_KEYS, ("档案室", "柜号", "层", "盒号", "位置"))]
    for definition in template["fields"]:
        if definition["type"] == "object":
            found += [(f"fields.{definition['key']}.{sub['key']}", f"{definition['label']['zh']}·{sub['label']['zh']}")
                      for sub in definition["fields"]]
        elif definition["type"] != "list":
            found.append((f"fields.{definition['key']}", definition["label"]["zh"]))
    return found


def suggest(template: dict, headers: list[str], remembered: dict) -> dict:
    """A mapping for each header: the remembered one, else a target whose label or key it names."""
    by_name = {}
    for path, label in targets(template):
        by_name[label] = path
        by_name[path.rsplit(".", 1)[-1]] = path
    for definition in template["fields"]:
        by_name[definition["label"].get("en", "").lower()] = f"fields.{definition['key']}"
    return {h: remembered.get(h, by_name.get(h.strip(), by_name.get(h.strip().lower(), IGNORE))) for h in headers}


def _typed(definition: dict | None, value):
    if value is None or definition is None:
        return value
    kind = definition["type"]
    if kind in ("integer", "number") and isinstance(value, str):
        try:
            return int(value) if kind == "integer" else float(value)
        except ValueError:
            return value  # validation names it
    if kind not in ("integer", "number", "boolean") and not isinstance(value, str):
        return str(value)  # a phone number typed as a number in Excel stays text
    return value


def _definition(template: dict, path: str) -> dict | None:
    parts = path.split(".")[1:]
    definitions, found = template["fields"], None
    for part in parts:
        found = next((d for d in definitions if d["key"] == part), None)
        if found is None:
            return None
        definitions = found.get("fields") or []
    return found


def row_state(template: dict, mapping: dict, headers: list[str], row: list) -> tuple[dict, str]:
    """A file state and its external key from one row."""
    state: dict = {"template": template["key"], "fields": {}, "classification": {}, "location": {},
                   "security": "normal", "status": "active"}
    external = None
    for header, value in zip(headers, row):
        target = mapping.get(header) or IGNORE
        if target == IGNORE or value is None:
            continue
        if target == EXTERNAL_KEY:
            external = str(value)
            continue
        value = _typed(_definition(template, target) if target.startswith("fields.") else None, value)
        node, parts = state, target.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value if parts[0] == "fields" else str(value)
    if external is None:  # no key column: the row's own content identifies it
        external = hashlib.sha256(json.dumps(row, ensure_ascii=False, default=str).encode()).hexdigest()
    return state, f"{template['key']}:{external}"


class ImportService:
    """Upload a register, map its columns, check it, and import it row by row in the worker."""

    def __init__(self, repo: ImportRepository, files: FileService, registry: TemplateRegistry,
                 users: UserService, objects: ObjectStore, jobs: JobQueue):
        self.repo, self.files, self.registry = repo, files, registry
        self.users, self.objects, self.jobs = users, objects, jobs

    def upload(self, actor: User, template_key: str, data: bytes, filename: str = "") -> dict:
        """Keep the sheet and propose a column mapping."""
        access.require(actor, "file.create")
        template = self.registry.require(template_key)
        if len(data) > MAX_SHEET_BYTES:
            raise Invalid(N_("表格太大"), {"file": N_("至多 20 MB")})
        headers, rows = sheets.read(data)
        mapping = suggest(template, headers, self.repo.mapping(template["key"]))
        doc = {"template": template["key"], "filename": filename[:200], "headers": headers, "rows": len(rows),
               "mapping": [{"header": h, "target": t} for h, t in mapping.items()], "state": "uploaded",
               "created_by": actor.id, "created_at": clock.now(),
               "done": 0, "created": 0, "skipped": 0, "failed": 0, "errors": []}
        import_id = self.repo.insert(doc)
        self.objects.put_bytes("derivatives", f"imports/{import_id}", data)
        doc["_id"] = import_id
        return doc

    def get(self, actor: User, import_id: str) -> dict:
        """An import run of one's own (or any, for archivists)."""
        doc = self.repo.get(import_id)
        if doc is None or (doc["created_by"] != actor.id and not actor.has("archivist")):
            raise NotFound(N_("没有这次档案导入"))
        return doc

    def set_mapping(self, actor: User, import_id: str, mapping: dict) -> dict:
        """Choose where each column goes; remembered for the template."""
        doc = self.get(actor, import_id)
        template = self.registry.require(doc["template"])
        allowed = {path for path, _ in targets(template)} | {IGNORE}
        wrong = {h: N_("未知目标") for h, t in mapping.items()
                 if t not in allowed or h not in doc["headers"]}
        if wrong:
            raise Invalid(N_("列对应关系无效"), wrong)
        if "name" not in mapping.values():
            raise Invalid(N_("需要有一列是名称"), {"mapping": N_("请为“客户姓名/企业名称”选择一列")})
        self.repo.update(import_id, {"mapping": [{"header": h, "target": t} for h, t in mapping.items()]})
        self.repo.remember_mapping(template["key"], mapping)
        return self.get(actor, import_id)

    def _rows(self, doc: dict):
        template = self.registry.require(doc["template"])
        mapping = {pair["header"]: pair["target"] for pair in doc["mapping"]}
        _, rows = sheets.read(self.objects.read("derivatives", f"imports/{doc['_id']}"))
        for number, row in enumerate(rows, start=2):  # row 1 is the header, as in Excel
            state, key = row_state(template, mapping, doc["headers"], row)
            yield number, state, key

    def dry_run(self, actor: User, import_id: str) -> dict:
        """What an import would do, row by row: errors, duplicates, already imported; nothing is stored."""
        doc = self.get(actor, import_id)
        rows = list(self._rows(doc))
        existing = self.repo.existing_dup_keys(k for _, state, _ in rows for k in duplicate_keys(state))
        imported = self.repo.finished_keys(key for _, _, key in rows)
        seen: dict[str, int] = {}
        report = {"rows": 0, "new": 0, "already_imported": 0, "errors": [], "duplicates": []}
        for number, state, key in rows:
            report["rows"] += 1
            problems = self.files.check(state)
            if problems:
                report["errors"].append({"row": number, "problems": _pairs(problems)})
                continue
            if key in imported:
                report["already_imported"] += 1
                continue
            report["new"] += 1
            clashes = [existing.get(k) or N_("第 %(row)s 行", row=seen[k])
                       for k in duplicate_keys(state) if k in existing or k in seen]
            if clashes:
                report["duplicates"].append({"row": number, "with": sorted(set(clashes))})
            for k in duplicate_keys(state):
                seen.setdefault(k, number)
        self.repo.update(import_id, {"dry_run": report, "state": "checked"})
        return report

    def start(self, actor: User, import_id: str) -> str:
        """Queue the import; the worker runs it with progress."""
        doc = self.get(actor, import_id)
        if doc["state"] in ("queued", "running", "done"):
            raise Conflict(N_("这次导入已经开始"))
        self.repo.update(import_id, {"state": "queued"})
        return self.jobs.enqueue("import", {"import_id": import_id})

    def run(self, import_id: str) -> None:
        """Import every good row not imported before (idempotent: row keys are claimed first).

        In row order, each good row's key is claimed and its archive number drawn, so numbers follow
        the sheet; the files are then stored by IMPORT_THREADS threads (each file is a dozen round trips
        to the database, which a single thread spends waiting). The follow-up rules, the retention
        policies and the owners' departments are read once for the whole import (service/held_reads)."""
        doc = self.repo.get(import_id)
        actor = self.users.get(doc["created_by"])
        counts = {"done": 0, "created": 0, "skipped": 0, "failed": 0}
        rows = list(self._rows(doc))
        imported = self.repo.finished_keys(key for _, _, key in rows)
        errors = []
        self.repo.update(import_id, {"state": "running", "started_at": clock.now()})
        with held(), ThreadPoolExecutor(max_workers=IMPORT_THREADS) as pool:  # rules and policies read once
            outcomes: deque = deque()  # (row number, outcome or the future of one), in row order
            for number, state, key in rows:
                problems = self.files.check(state)
                if problems:  # already listed by the check; counted, never stored
                    outcomes.append((number, {"failed": problems}))
                elif key in imported or not self.repo.claim_key(key, import_id):
                    outcomes.append((number, {"skipped": True}))
                else:
                    state = {**state, "department": state.get("department") or actor.department}
                    numbered = self.files.archive_number(state["classification"].get("project", ""),
                                                         clock.now(), f"import:{key}")
                    work = contextvars.copy_context().run  # the caller's scope (the index jobs it collects)
                    outcomes.append((number, pool.submit(work, self._store, actor, state, key, numbered)))
                # count what is settled, in row order; wait for the first row once a few are in flight
                while outcomes and (not isinstance(outcomes[0][1], Future) or outcomes[0][1].done()
                                    or len(outcomes) > 4 * IMPORT_THREADS):
                    self._count(import_id, counts, errors, *outcomes.popleft())
            while outcomes:
                self._count(import_id, counts, errors, *outcomes.popleft())
        self.repo.update(import_id, {**counts, "errors": errors[:1000], "state": "done",
                                     "finished_at": clock.now()})
        log.info("import %s: %s", import_id, counts)

    def _store(self, actor: User, state: dict, key: str, archive_no: str) -> dict:
        try:
            created = self.files.create(actor, state, archive_no=archive_no)
        except Invalid as exc:
            self.repo.release_key(key)
            return {"failed": exc.fields}
        self.repo.record_file(key, str(created["_id"]))
        return {"created": True}

    def _count(self, import_id: str, counts: dict, errors: list, number: int, outcome: "dict | Future") -> None:
        outcome = outcome.result() if isinstance(outcome, Future) else outcome  # a store's error ends the run
        counts["done"] += 1
        if "failed" in outcome:
            counts["failed"] += 1
            errors.append({"row": number, "problems": _pairs(outcome["failed"])})
        else:
            counts["created" if "created" in outcome else "skipped"] += 1
        if counts["done"] % PROGRESS_EVERY == 0:
            self.repo.update(import_id, dict(counts))
