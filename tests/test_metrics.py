"""/metrics in Prometheus text format, its protection, request ids and JSON request logs."""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from datetime import timedelta

from bson import ObjectId
from prometheus_client.parser import text_string_to_metric_families

from service import clock
from service import logs

REMOTE = {"REMOTE_ADDR": "10.1.2.3"}


def _families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def _sample(families, name, **labels):
    for family in families.values():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


def test_metrics_format_requests_jobs_ocr_pages_and_queue_age(client, services):
    services.db["documents"].insert_many([
        {"_id": ObjectId(), "file_id": "x", "pages": 3, "ocr_status": "done", "status": "active"},
        {"_id": ObjectId(), "file_id": "x", "pages": 4, "ocr_status": "done", "status": "active"},
        {"_id": ObjectId(), "file_id": "x", "pages": 9, "ocr_status": "pending", "status": "active"}])
    services.jobs.enqueue("noop", {})
    with clock.frozen(clock.now()):
        services.db["jobs"].update_many({}, {"$set": {"created_at": clock.now() - timedelta(minutes=5)}})
        assert client.get("/healthz").status_code == 200
        assert client.get("/no/such/page").status_code == 404
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    families = _families(response.get_data(as_text=True))
    assert _sample(families, "archive_http_requests_total", endpoint="health.healthz", method="GET",
                   status="200") >= 1
    assert _sample(families, "archive_http_requests_total", endpoint="unmatched", status="404") >= 1
    assert _sample(families, "archive_http_request_duration_seconds_count", endpoint="health.healthz") >= 1
    assert families["archive_http_request_duration_seconds"].type == "histogram"
    assert _sample(families, "archive_jobs", state="queued") == 1
    assert _sample(families, "archive_jobs", state="failed") == 0
    assert _sample(families, "archive_ocr_pages_total") == 7
    assert _sample(families, "archive_jobs_oldest_queued_age_seconds") == 300
    assert _sample(families, "archive_database_up") == 1


def test_metrics_refused_from_elsewhere_and_without_the_token(app, client):
    assert client.get("/metrics", environ_base=REMOTE).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 403
    app.config["ARCHIVE_METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # with a token set, local is not enough
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, environ_base=REMOTE).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Basic s3cret-token"}).status_code == 403
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}, environ_base=REMOTE)
    assert ok.status_code == 200 and b"archive_jobs" in ok.data


def test_request_id_is_taken_or_made_and_returned(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
    assert given.headers["X-Request-ID"] == "abc-123.x"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    hostile = client.get("/healthz", headers={"X-Request-ID": "a\" b<script>" + "x" * 300})
    assert hostile.headers["X-Request-ID"] != "a\" b<script>" and len(hostile.headers["X-Request-ID"]) == 32


def test_each_request_is_one_json_log_line_with_its_fields(client, caplog):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    request_log = logging.getLogger("archive.request")
    request_log.addHandler(handler)
    request_log.setLevel(logging.INFO)
    try:
        client.get("/login", headers={"X-Request-ID": "req-42"})
        client.get("/api/v1/files")  # 401
    finally:
        request_log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert set(first) >= {"time", "level", "logger", "message", "request_id", "method", "path", "status",
                          "duration_ms"}
    assert first["request_id"] == "req-42" and first["method"] == "GET" and first["path"] == "/login"
    assert first["status"] == 200 and first["level"] == "INFO" and first["logger"] == "archive.request"
    assert second["status"] == 401 and second["request_id"] != "req-42"
    datetime.fromisoformat(first["time"])


def test_log_lines_inside_a_request_carry_its_id_and_configure_is_idempotent(app):
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers)
    root.handlers = []  # another test's `archive` run may have installed the JSON handler on stderr already
    try:
        handler = logs.configure(stream=stream)
        assert logs.configure(stream=stream) is handler
        with app.test_request_context("/", headers={"X-Request-ID": "inner-7"}):
            app.preprocess_request()
            logging.getLogger("service.anything").warning("中文 message %s", 1)
        logging.getLogger("service.anything").error("outside", exc_info=ValueError("boom"))
    finally:
        root.handlers = before
    inner, outside = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert inner["request_id"] == "inner-7" and inner["message"] == "中文 message 1"
    assert "request_id" not in outside and "ValueError" in outside["exception"]


def test_multiprocess_mode_adds_up_the_requests_of_several_processes(settings, tmp_path):
    """scripts/run sets PROMETHEUS_MULTIPROC_DIR for its two gunicorn workers: counts are summed over them."""
    import os
    import subprocess
    import sys
    code = ("import sys; from service import settings, metrics; from service.wiring import build_services\n"
            "s = build_services(settings.from_env().with_overrides(db_name=sys.argv[1]))\n"
            "metrics.observe('files.index', 'GET', 200, 0.2)\n"
            "sys.stdout.write(metrics.exposition(s).decode()) if sys.argv[2] == 'show' else None\n")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for mode in ("quiet", "quiet", "show"):
        done = subprocess.run([sys.executable, "-c", code, settings.db_name, mode], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    families = _families(done.stdout)
    assert _sample(families, "archive_http_requests_total", endpoint="files.index", status="200") == 3
    assert _sample(families, "archive_http_request_duration_seconds_count", endpoint="files.index") == 3
    assert _sample(families, "archive_jobs", state="queued") == 0
