"""Prometheus metrics: request counters and latencies (per process, or gunicorn-wide in multiprocess
mode), and the archive's gauges read from the database at scrape time."""
from __future__ import annotations

import logging
import os

from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.core import GaugeMetricFamily

from service import clock
from service.errors import Unavailable
from storage import DatabaseError
from storage import StorageUnavailable

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # set by scripts/run: gunicorn runs several worker processes
JOB_STATES = ("queued", "running", "failed", "done")

REQUESTS = Counter("archive_http_requests", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("archive_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))


def observe(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    LATENCY.labels(endpoint, method).observe(seconds)


class ArchiveCollector:
    """Jobs by state, OCR pages processed and the age of the oldest waiting job, read when scraped (from the
    listing indexes, as the dashboard counts them)."""

    def __init__(self, services):
        self.services = services

    def collect(self):
        """The gauges; archive_database_up 0 (and nothing else) if the database does not answer."""
        up = GaugeMetricFamily("archive_database_up", "1 if the database answered this scrape")
        try:
            jobs = self.services.dashboard.job_counts(clock.now())
            pages = self.services.dashboard.ocr_pages_done()
        except (DatabaseError, StorageUnavailable) as exc:
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        except Unavailable:
            log.info("metrics: the listing indexes are being built; jobs and pages next scrape")
            up.add_metric([], 1)
            yield up
            return
        up.add_metric([], 1)
        yield up
        gauge = GaugeMetricFamily("archive_jobs", "Background jobs by state", labels=["state"])
        for state in JOB_STATES:
            gauge.add_metric([state], jobs["by_state"].get(state, 0))
        yield gauge
        yield CounterMetricFamily("archive_ocr_pages", "Pages of documents whose recognition finished", value=pages)
        age = GaugeMetricFamily("archive_jobs_oldest_queued_age_seconds",
                                "Age of the oldest job waiting in the queue (0 when none waits)")
        age.add_metric([], jobs["oldest_queued_seconds"])
        yield age


def exposition(services) -> bytes:
    """The whole scrape in Prometheus text format."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    archive = CollectorRegistry(auto_describe=False)
    archive.register(ArchiveCollector(services))
    return text + generate_latest(archive)
