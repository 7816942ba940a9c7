"""The jobs' listing: counts by state and the lists of waiting, running and failed jobs, without
decoding the queue or the finished jobs (`storage.jobs` marks every change of state)."""
from __future__ import annotations

from datetime import datetime

from search import RecordKind
from service.listings import Listed
from service.listings import epoch_ms
from storage.jobs import JobQueue

JOB_LISTING = RecordKind("job", coded=("state", "kind"), numbers=("created_at",))


def job_values(doc: dict) -> dict:
    """A job's values in the jobs' listing index."""
    created = doc.get("created_at")
    return {"state": doc.get("state"), "kind": doc.get("kind"),
            "created_at": epoch_ms(created) if isinstance(created, datetime) else None}


def listed_jobs(queue: JobQueue) -> Listed:
    """How the listing indexes read jobs (the queue's and the finished ones)."""
    return Listed(JOB_LISTING, queue.by_id, queue.every, job_values)
