"""The job that keeps the search index true: one file or one document written into it."""
from __future__ import annotations

from search import IndexBusy
from service.worker.context import JobContext
from service.worker.context import PermanentFailure
from service.worker.context import TryLater

WRITE_TIMEOUT = 30.0  # then the job is queued again, rather than holding a worker
BUSY_PAUSE = 2.0  # seconds before a job that found the index busy runs again


def run(ctx: JobContext, payload: dict) -> None:
    """Index the file or document named in the payload; a busy index queues the job again, as often as
    it takes (the change it carries is never dropped for that)."""
    search = ctx.services.search
    try:
        if payload.get("file_ids"):
            search.index_files(payload["file_ids"], timeout=WRITE_TIMEOUT)
        elif payload.get("file_id"):
            search.index_file(payload["file_id"], documents=bool(payload.get("documents")), timeout=WRITE_TIMEOUT)
        elif payload.get("document_id"):
            search.index_document(payload["document_id"], timeout=WRITE_TIMEOUT)
        else:
            raise PermanentFailure("an index job needs a file_id or a document_id")
    except IndexBusy as exc:
        raise TryLater(f"{exc}", BUSY_PAUSE) from exc


def combine(payloads: list[dict]) -> list[dict]:
    """Index jobs' payloads as fewer: every file change among them (one file, or many) as one write of
    all those files; a merge's file with its pages and a document's pages as they were."""
    files, rest = [], []
    for payload in payloads:
        if payload.get("file_ids"):
            files += payload["file_ids"]
        elif payload.get("file_id") and not payload.get("documents"):
            files.append(payload["file_id"])
        else:
            rest.append(payload)
    return ([{"file_ids": list(dict.fromkeys(files))}] if files else []) + rest
