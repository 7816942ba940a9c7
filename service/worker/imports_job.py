"""The job that imports a checked customer register."""
from __future__ import annotations

from service.worker.context import JobContext


def run(ctx: JobContext, payload: dict) -> None:
    """Import the rows of one import run (idempotent: imported rows are skipped on a retry)."""
    with ctx.services.index_queue.collecting():
        ctx.services.imports.run(payload["import_id"])
