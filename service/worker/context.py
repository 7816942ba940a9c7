"""What a job handler is given."""
from __future__ import annotations

from dataclasses import dataclass

from service.wiring import Services
from storage.jobs import Job


class PermanentFailure(Exception):
    """A job that can never succeed (broken input): fail it without retrying."""


class TryLater(Exception):
    """A job that cannot run now (a resource another process holds): queued again after `seconds`,
    however often, without spending one of its attempts."""

    def __init__(self, reason: str, seconds: float):
        super().__init__(reason)
        self.seconds = seconds


@dataclass(frozen=True)
class JobContext:
    """The services and the claimed job."""

    services: Services
    job: Job
