"""A job kind that does nothing but wait and record that it finished: it proves the loop."""
from __future__ import annotations

import time

from service.worker.context import JobContext


def run(ctx: JobContext, payload: dict) -> None:
    """Sleep `sleep` seconds (in short steps), fail on request, then count one completion."""
    deadline = time.monotonic() + float(payload.get("sleep", 0))
    while time.monotonic() < deadline:
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    if payload.get("fail"):
        raise RuntimeError(str(payload["fail"]))
    ctx.services.db["noop_runs"].update_one(
        {"_id": ctx.job.id}, {"$inc": {"completions": 1}}, upsert=True)
