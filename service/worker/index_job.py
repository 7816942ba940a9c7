"""The job that keeps the search index true: one file or one document written into it."""
from __future__ import annotations

import logging

from search import IndexBusy
from service.worker.context import JobContext
from service.worker.context import PermanentFailure

log = logging.getLogger(__name__)

WRITE_TIMEOUT = 30.0  # then the job fails and is retried later, rather than holding a worker


def run(ctx: JobContext, payload: dict) -> None:
    """Index the file or document named in the payload; a busy index makes the job retry."""
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
    except IndexBusy:
        log.info("search index busy; index job %s will run again", ctx.job.id)
        raise
