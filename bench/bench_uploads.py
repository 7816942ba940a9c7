"""Scan uploads through the API (gunicorn, as `make run` serves it) against a direct MinIO put.

    .venv/bin/python -m bench.bench_uploads        (normally through `make bench`)

BENCH_UPLOAD_FILES files (default 20) of BENCH_UPLOAD_MB MB (default 50) are written to a temp
dir. The baseline puts each straight into MinIO through ObjectStore.put, with the service's own
store settings (storage.objects.PART_SIZE and PARALLEL_PARTS); the API path sends it through
POST /api/v1/files/{id}/documents of a gunicorn process started for this run the way
scripts/run starts it (gthread, MALLOC_ARENA_MAX=1; 1 worker of 4 threads here), as a multipart
body whose file part the client sends from disk with sendfile(), so that the client copies as
little through Python as curl or a browser would. The two take the files in turn, file by file,
which one goes first alternating: on a shared box MinIO's and the disk's speed drift within a
run, and two phases one after the other each met a different drift.

Targets: API rate at least 0.8 of the direct rate, and the web worker's peak resident memory
under 150 MB while it takes the uploads (VmHWM, reset after the login, whose argon2 hash alone
takes 64 MiB for a moment; the peak over the worker's whole life is shown beside it). Every
upload's SHA-256 is checked against the file's; a wrong one exits 1.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_files import file_body
from bench.common import fresh_settings
from bench.common import table
from bench.common import write_results
from service.wiring import build_services

FILES = int(os.environ.get("BENCH_UPLOAD_FILES", "20"))
MEGABYTES = int(os.environ.get("BENCH_UPLOAD_MB", "50"))
PASSWORD = "Bench-Pass-2026"
BOUNDARY = "----archive-bench-boundary"


def make_files(directory: Path) -> list[tuple[Path, str]]:
    """Distinct 'PDF' files of the configured size, with their SHA-256."""
    made = []
    block = os.urandom(1024 * 1024)
    for index in range(FILES):
        path = directory / f"scan-{index:02d}.pdf"
        digest = hashlib.sha256()
        with path.open("wb") as out:
            head = f"%PDF-1.4\n% bench file {index}\n".encode()
            out.write(head)
            digest.update(head)
            for _ in range(MEGABYTES):
                out.write(block)
                digest.update(block)
        made.append((path, digest.hexdigest()))
    return made


def free_port() -> int:
    """A port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(settings, port: int) -> subprocess.Popen:
    """gunicorn serving the app over this run's database and buckets, as scripts/run does (one worker)."""
    env = {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
           "MALLOC_ARENA_MAX": "1"}
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                            "--workers", "1", "--threads", "4", "--timeout", "300", "service.app:create_app()"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return web
        except OSError:
            time.sleep(0.2)
    web.kill()
    raise SystemExit("gunicorn did not start")


def workers(master_pid: int) -> list[str]:
    """The pids of gunicorn's worker processes."""
    return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()


def peak_rss_mb(master_pid: int) -> float:
    """The largest VmHWM among gunicorn's worker processes, in MB."""
    peaks = []
    for pid in workers(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def reset_peak_rss(master_pid: int) -> None:
    """Restart the workers' VmHWM from their present RSS (Linux 4.0+: "5" to clear_refs)."""
    for pid in workers(master_pid):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def api_upload(port: int, token: str, file_id: str, path: Path) -> dict:
    """One multipart upload streamed from disk: doc_type first, then the file."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc_type\"\r\n\r\nother\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.putrequest("POST", f"/api/v1/files/{file_id}/documents")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(len(head) + path.stat().st_size + len(tail)))
    connection.endheaders()
    connection.send(head)
    with path.open("rb") as source:
        connection.sock.sendfile(source)
    connection.send(tail)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    if response.status != 201:
        raise SystemExit(f"upload of {path.name} answered {response.status}: {body}")
    return body


def interleaved(services, files: list[tuple[Path, str]], port: int, token: str, file_id: str):
    """Each file put directly and uploaded through the API, the two in turn (which goes first
    alternates), so that a drift of the box (MinIO, the disk, the neighbours) weighs on both."""
    direct = api = 0.0
    uploaded = []
    for index, (path, _) in enumerate(files):
        for step in (("direct", "api") if index % 2 == 0 else ("api", "direct")):
            start = time.perf_counter()
            if step == "direct":
                with path.open("rb") as source:
                    services.objects.put("originals", f"bench-direct/{path.name}", source, path.stat().st_size)
                direct += time.perf_counter() - start
            else:
                uploaded.append(api_upload(port, token, file_id, path))
                api += time.perf_counter() - start
    return direct, api, uploaded


def main() -> int:
    """Run both measurements and print the table."""
    settings = fresh_settings("uploads")
    services = build_services(settings)
    services.ensure_schema()
    keeper = services.users.create("keeper", PASSWORD, ["archivist"], "档案室")
    file_id = str(services.files.create(keeper, file_body(random.Random(7)))["_id"])
    total_mb = FILES * MEGABYTES
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as tmp:
        files = make_files(Path(tmp))
        port = free_port()
        web = start_web(settings, port)
        try:
            token = _token(port)
            lifetime_peak = peak_rss_mb(web.pid)
            reset_peak_rss(web.pid)
            direct_seconds, api_seconds, uploaded = interleaved(services, files, port, token, file_id)
            peak = peak_rss_mb(web.pid)
            lifetime_peak = max(lifetime_peak, peak)
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=30)
    wrong = [u["id"] for u, (_, sha) in zip(uploaded, files) if u["sha256"] != sha]
    direct_rate, api_rate = total_mb / direct_seconds, total_mb / api_seconds
    ratio = api_rate / direct_rate
    rows = [("direct MinIO put (baseline)", FILES, MEGABYTES, f"{direct_seconds:.1f}", f"{direct_rate:.0f}", "", "",
             ""),
            ("POST /api/v1/files/{id}/documents", FILES, MEGABYTES, f"{api_seconds:.1f}", f"{api_rate:.0f}",
             f"{ratio:.2f} (target >= 0.80)", f"{peak:.0f} (target < 150)", f"{lifetime_peak:.0f}")]
    table(rows, ("path", "files", "MB each", "seconds", "MB/s", "ratio to baseline", "web peak RSS MB, uploads",
                 "incl. login"))
    write_results("uploads", {"files": FILES, "mb_each": MEGABYTES, "direct_seconds": direct_seconds,
                              "api_seconds": api_seconds, "ratio": ratio, "web_peak_rss_mb": peak,
                              "web_peak_rss_mb_with_login": lifetime_peak, "checksum_errors": wrong})
    services.client.drop_database(settings.db_name)
    services.objects.drop_all()
    if wrong:
        print(f"checksum mismatch for {wrong}", file=sys.stderr)
        return 1
    return 0


def _token(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/api/v1/auth/token", json.dumps({"username": "keeper", "password": PASSWORD}),
                       {"Content-Type": "application/json"})
    return json.loads(connection.getresponse().read())["token"]


if __name__ == "__main__":
    sys.exit(main())
