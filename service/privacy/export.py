"""The subject access package (个人信息查阅): a customer's own data as a zip, for the archivist to hand over."""
from __future__ import annotations

import io
import json
import zipfile

from service import access
from service.files import target_of
from storage import ObjectMissing

LOAN_KEYS = ("kind", "purpose", "days", "borrower_name", "borrower_department", "status", "requested_at",
             "decided_at", "handed_out_at", "due_at", "returned_at")


def customer_files(files, actor, file_doc: dict) -> list[dict]:
    """The file and the others of the same customer (same ID number) the archivist may see."""
    number = (file_doc.get("fields") or {}).get("id_number")
    found = [file_doc]
    if isinstance(number, str) and number.strip():
        for other in files.repo.find({"fields.id_number": number.strip()}, limit=50):
            if other["_id"] != file_doc["_id"] and other.get("status") not in ("destroyed", "merged") \
                    and access.can(actor, "file.content", target_of(other)):
                found.append(other)
    return found


def _file_record(doc: dict) -> dict:
    return {"archive_no": doc["archive_no"], "name": doc["name"], "template": doc["template"],
            "fields": doc.get("fields") or {}, "classification": doc.get("classification") or {},
            "status": doc["status"], "created_at": doc.get("created_at"), "updated_at": doc.get("updated_at")}


def build(files_found: list[dict], documents, loans, objects) -> bytes:
    """The zip: customer.json (files, contacts, loans) and each file's document originals."""
    out = io.BytesIO()
    record = {"files": [], "loans": []}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for doc in files_found:
            entry = _file_record(doc)
            entry["documents"] = []
            for item in documents.of_file(str(doc["_id"])):
                name = f"documents/{doc['archive_no']}/{item['_id']}"
                try:
                    archive.writestr(name, objects.read("originals", item["key"]))
                except ObjectMissing:
                    name = None
                entry["documents"].append({"doc_type": item.get("doc_type"), "title": item.get("title"),
                                           "sha256": item.get("sha256"), "media_type": item.get("media_type"),
                                           "path": name})
            record["files"].append(entry)
            record["loans"] += [{"archive_no": doc["archive_no"], **{k: loan.get(k) for k in LOAN_KEYS}}
                                for loan in loans.find({"file_id": str(doc["_id"])})]
        archive.writestr("customer.json", json.dumps(record, ensure_ascii=False, indent=2, default=str))
    return out.getvalue()
