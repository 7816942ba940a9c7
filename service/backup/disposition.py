"""Backups follow disposition (ISO 15489): after a restore, every file the destruction register
says was destroyed is destroyed again.

The register in the backup may be older than the live one (a backup taken before a destruction):
`archive restore --register FILE` takes a register exported from the live system (`archive
destruction-register-export FILE`). Its chain is verified, the restored register must be a prefix
of it (the same entries, hash for hash), and the newer entries are appended to the restored one.
Then, for every file of every entry, the records become the executor's tombstone (the same
fields wiped, `service.retention.execution`) and the file's documents are returned, so that the
restore does not upload their objects at all.
"""
from __future__ import annotations

from datetime import datetime
from datetime import timezone
from pathlib import Path

from service.audit import AuditTrail
from service.audit import verify_chain
from service.errors import Conflict
from service.errors import Invalid
from service.messages import N_
from service.retention import KEPT
from service.retention import entry_hash
from storage.audit import key as seq_key
from storage.backup import from_line
from storage.files import FileRepository
from storage.retention import RetentionRepository
from storage.retention_destructions import DestructionRepository
from storage.retention_destructions import Tombstones
from storage.retention_register import RegisterRepository


class _Listed:
    """Register entries held in memory, shaped like a `ChainedEntries` for `verify_chain`."""

    def __init__(self, entries: list[dict]):
        self.entries = sorted(entries, key=lambda e: e.get("seq") or 0)

    def key(self, seq: int) -> str:
        """The _id of the entry with this sequence number."""
        return seq_key(seq, RegisterRepository.WIDTH)

    def in_order(self):
        """The entries by sequence number."""
        return iter(self.entries)


def load_register(path: Path) -> list[dict]:
    """A register export (JSON Lines of extended JSON), its chain verified; Invalid if it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            entries = [from_line(line) for line in handle if line.strip()]
    except (OSError, ValueError) as exc:
        raise Invalid(N_("销毁登记簿文件无法读取：%(why)s", why=str(exc)), {"register": str(path)})
    for entry in entries:
        entry["_id"] = seq_key(entry.get("seq") or 0, RegisterRepository.WIDTH)
    checked = verify_chain(_Listed(entries), entry_hash)
    if not checked["ok"]:
        raise Invalid(N_("销毁登记簿文件的哈希链断裂于第 %(seq)s 条", seq=checked["first_bad"]),
                      {"register": str(path)})
    return entries


class DispositionReplay:
    """Re-applies the destruction register to restored records."""

    def __init__(self, register: RegisterRepository, batches: DestructionRepository, tombstones: Tombstones,
                 files: FileRepository, retention: RetentionRepository, audit: AuditTrail):
        self.register = register
        self.batches = batches
        self.tombstones = tombstones
        self.files = files
        self.retention = retention
        self.audit = audit

    def merge(self, newer: list[dict]) -> int:
        """Append the entries of a newer register the restored one lacks; how many were added."""
        added = 0
        for entry in newer:
            have = self.register.at(entry["seq"])
            if have is not None:
                if have.get("hash") != entry.get("hash"):
                    raise Conflict(N_("备份中的销毁登记簿与给出的登记簿在第 %(seq)s 条不一致", seq=entry["seq"]),
                                   {"register": entry["seq"]})
                continue
            if not self.register.insert(entry):
                raise Conflict(N_("销毁登记簿写入冲突"), {})
            added += 1
        return added

    def replay(self, actor: str = "restore") -> dict:
        """Destroy again every file the register lists; {"files", "replayed", "documents": ids}."""
        files, replayed, documents = 0, 0, set()
        for entry in self.register.in_order():
            for item in entry.get("files", []):
                files += 1
                file_doc = self.files.by_id(item["file_id"])
                if file_doc is None:
                    continue  # not in this backup at all
                docs = self.tombstones.documents(item["file_id"])
                documents.update(str(d["_id"]) for d in docs)
                if _already(file_doc, docs):
                    continue
                self._destroy(entry, item, file_doc, docs)
                self.audit.record(actor, "destruction.replayed", f"file:{item['file_id']}",
                                  {"register_seq": entry["seq"], "batch": entry.get("number"),
                                   "archive_no": item.get("archive_no"), "documents": len(docs)})
                replayed += 1
            self._close_batch(entry)
        return {"files": files, "replayed": replayed, "documents": sorted(documents)}

    def _destroy(self, entry: dict, item: dict, file_doc: dict, docs: list[dict]) -> None:
        """The executor's tombstone, from what the register says of the destruction."""
        file_id = str(file_doc["_id"])
        manifest = [{"document_id": str(d["_id"]), "doc_type": d.get("doc_type"), "sha256": d.get("sha256"),
                     "size": d.get("size"), "pages": d.get("pages")} for d in docs]
        destroyed = {"batch_id": entry.get("batch_id"), "number": entry.get("number"),
                     "at": _when(entry.get("executed_at")), "by": entry.get("executed_by"),
                     "policy_name": item.get("policy_name"), "trigger_date": None,
                     "destroy_after": item.get("destroy_after"), "documents": manifest,
                     "replayed_from_register": entry["seq"]}
        wiped = {"status": "destroyed", "name": "", "name_pinyin": "", "name_initials": "", "fields": {},
                 "dup_keys": [], "approved_borrowers": [], "destroyed": destroyed}
        self.tombstones.file(file_doc["_id"], wiped)
        keep = {k: file_doc.get(k) for k in KEPT}
        self.tombstones.versions(file_id, file_doc.get("version", 1), {**keep, **wiped})
        for doc in docs:
            self.tombstones.document(doc["_id"], {"status": "destroyed", "title": "", "original_name": "",
                                                  "source": {}, "ocr_error": None,
                                                  "destroyed_in": entry.get("number")})
        self.tombstones.loans(file_id)
        self.tombstones.corrections(file_id)
        state = self.retention.state(file_id) or {}
        self.retention.save_state(file_id, {**state, "status": "destroyed", "lock_until": None, "legal_hold": False})

    def _close_batch(self, entry: dict) -> None:
        """A batch the backup knew as not yet done is marked done, as the register says it is."""
        batch = self.batches.by_id(entry.get("batch_id"))
        if batch is None or batch.get("status") == "done":
            return
        self.batches.set(batch["_id"], {"status": "done", "executed_by": entry.get("executed_by"),
                                        "executed_at": _when(entry.get("executed_at")),
                                        "counts": entry.get("counts"), "register_seq": entry["seq"]})


def _already(file_doc: dict, docs: list[dict]) -> bool:
    return file_doc.get("status") == "destroyed" and all(d.get("status") == "destroyed" for d in docs)


def _when(value) -> datetime | None:
    """The register keeps times as ISO text; records keep datetimes."""
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)

