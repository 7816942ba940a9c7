"""The job that files an uploaded zip of scans."""
from __future__ import annotations

import logging

from service.errors import NotFound
from service.worker.context import JobContext
from service.worker.context import PermanentFailure

log = logging.getLogger(__name__)


def run(ctx: JobContext, payload: dict) -> None:
    """Run one scan import (idempotent: a retry files only what the last attempt did not)."""
    import_id = str(payload.get("import_id"))
    try:
        ctx.services.scan_imports.run(import_id)
    except NotFound as exc:
        raise PermanentFailure(exc.message) from None
    except Exception as exc:
        if ctx.job.attempts >= ctx.job.attempt_limit:
            _give_up(ctx, import_id, f"{type(exc).__name__}: {exc}")
        raise


def _give_up(ctx: JobContext, import_id: str, reason: str) -> None:
    """The last attempt failed: say so on the import, so its progress page stops waiting."""
    try:
        ctx.services.scan_imports.give_up(import_id, reason)
    except Exception as exc:  # the job's own failure is the one to record
        log.warning("could not mark scan import %s failed (%s)", import_id, type(exc).__name__)
