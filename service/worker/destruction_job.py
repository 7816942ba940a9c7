"""The job that executes an approved destruction batch started from its page."""
from __future__ import annotations

from service.errors import DomainError
from service.worker.context import JobContext
from service.worker.context import PermanentFailure


def run(ctx: JobContext, payload: dict) -> None:
    """Execute the batch as the person who started it (resumable: a retry destroys only what is left);
    a batch that cannot be executed now says why on its page and is not tried again."""
    executor = ctx.services.destruction_executor
    batch_id = str(payload.get("batch_id"))
    try:
        actor = ctx.services.users.by_username(str(payload.get("actor")))
        executor.execute(actor, batch_id)
    except DomainError as exc:
        executor.not_started(batch_id, exc.message)
        raise PermanentFailure(exc.message) from None
