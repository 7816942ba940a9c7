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
    _verification_tasks(ctx, None)


def verification(ctx: JobContext, payload: dict) -> None:
    """Make the periodic verification tasks of the current period (as_of=YYYY-MM-DD to choose the day)."""
    _verification_tasks(ctx, payload.get("as_of"))


def _verification_tasks(ctx: JobContext, as_of) -> None:
    from service.intake import parse_day
    service = ctx.services.verification
    made = service.generate(parse_day(as_of, service.today()))
    log.info("verification: %d new tasks", made)
