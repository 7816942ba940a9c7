"""What a job handler is given."""
from __future__ import annotations

from dataclasses import dataclass

from service.wiring import Services
from storage.jobs import Job


class PermanentFailure(Exception):
    """A job that can never succeed (broken input): fail it without retrying."""


@dataclass(frozen=True)
class JobContext:
    """The services and the claimed job."""

    services: Services
    job: Job
