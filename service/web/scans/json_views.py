"""Scan imports and inbox items as the API and the progress page show them."""
from __future__ import annotations

from service.web.api import iso


def import_json(doc: dict, with_summary: bool = True) -> dict:
    """An import run: progress, counts and (once finished) what happened to each input."""
    body = {"id": str(doc["_id"]), "status": doc["state"], "source": doc.get("source"), "name": doc.get("name"),
            "total": doc.get("total"), "done": doc.get("done", 0), "counts": doc.get("counts") or {},
            "error": doc.get("error"), "created_by": doc.get("created_by_name"),
            "created_at": iso(doc.get("created_at")), "finished_at": iso(doc.get("finished_at"))}
    if with_summary:
        body["summary"] = (doc.get("summary") or []) if doc["state"] == "done" else None
    return body


def inbox_json(doc: dict) -> dict:
    """An inbox item."""
    return {"id": doc["_id"], "source_name": doc.get("source_name"), "pages": doc.get("pages"),
            "page_count": doc.get("page_count"), "reason": doc.get("reason"), "media_type": doc.get("media_type"),
            "size": doc.get("size"), "sha256": doc.get("sha256"), "import_id": doc.get("import_id"),
            "state": doc["state"], "created_at": iso(doc.get("created_at")), "file_id": doc.get("file_id"),
            "document_id": doc.get("document_id"), "discard_reason": doc.get("discard_reason"),
            "decided_by": doc.get("decided_by"), "decided_at": iso(doc.get("decided_at"))}
