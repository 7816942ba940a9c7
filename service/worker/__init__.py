"""The background worker: claims jobs and runs one handler per job kind."""
from service.worker.loop import Worker

__all__ = ["Worker"]
