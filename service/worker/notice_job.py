"""The job that posts a loan decision's notice to the borrower, queued in the decision's flow."""
from __future__ import annotations

from service.worker.context import JobContext


def run(ctx: JobContext, payload: dict) -> None:
    """Post the notice (nothing if it is there already); a database error fails the try and the job is retried."""
    ctx.services.notices.post_loan_decision(payload["loan"])
