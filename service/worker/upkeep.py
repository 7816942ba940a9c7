"""Periodic upkeep jobs: fixity checks of the originals and the sweep of orphaned objects."""
from __future__ import annotations

import logging

from service.worker.context import JobContext

log = logging.getLogger(__name__)


def fixity(ctx: JobContext, payload: dict) -> None:
    """Check every original (or a sample of the least recently checked)."""
    report = ctx.services.fixity.run(sample=int(payload.get("sample") or 0))
    log.info("fixity: %d checked, %d failed", report.checked, len(report.failed))


def sweep(ctx: JobContext, payload: dict) -> None:
    """Remove objects no record points to, after the grace period."""
    report = ctx.services.sweeper.run()
    log.info("sweep: %d objects seen, %d removed, %d OCR jobs re-queued", report.seen, len(report.removed),
             report.requeued)
