"""One installation served by several processes, as on several machines: two web processes (gunicorn,
as `make run` serves the app) and two `archive worker` processes over one database, one object store
and one index directory. A scan uploaded through one web process is found through the other; two
workers writing at once take turns on the index's write lock and lose nothing, also when both write
the same file."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from search import SearchIndex
from search import Visibility
from service.errors import Unavailable
from service.fulltext import SearchService
from storage.jobs import FAILED
from storage.jobs import QUEUED
from storage.jobs import RUNNING
from tests.support import scans
from tests.support import writer_probe
from tests.support.auth import PASSWORD
from tests.support.files import individual
from tests.support.jobs import drain
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0   # a process imports the app (jieba, numpy, the OCR engine's wrapper) on 2 shared cores
INDEX_TIMEOUT = 180.0  # uploads read, OCR'd and indexed by the workers


def wait_for(predicate, timeout: float, what: str, step: float = 0.2):
    """Poll until predicate() is truthy; its value, or AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout:g} s")
        time.sleep(step)


class Installation:
    """The processes of one installation, started with the environment each needs; all stopped at the end."""

    def __init__(self, settings, logs: Path):
        self.logs = logs
        self.writer_log = logs / "index-writers.log"
        self.env = {**os.environ, "ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix,
                    "ARCHIVE_MONGO_URL": settings.mongo_url, "ARCHIVE_DATA_DIR": str(settings.data_dir),
                    "ARCHIVE_INDEX_DIR": str(settings.index_dir), "ARCHIVE_SECRET_KEY": settings.secret_key,
                    "MALLOC_ARENA_MAX": "1", writer_probe.LOG_VARIABLE: str(self.writer_log)}
        self.processes: dict[str, subprocess.Popen] = {}
        self.worker_pids: set[int] = set()
        self.a = self.b = ""  # the web processes' base URLs
        self.token: dict = {}  # an archivist's bearer header

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-c", *argv], cwd=ROOT, env=self.env,
                                       stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def worker(self, name: str) -> subprocess.Popen:
        """`archive worker`."""
        return self._spawn(name, [writer_probe.WORKER_BOOT, "worker"])

    def web(self, name: str) -> str:
        """The app under gunicorn (one process, four threads); its base URL once it answers."""
        port = free_port()
        process = self._spawn(name, [writer_probe.WEB_BOOT, "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                     "--threads", "4", "--timeout", "120", "service.app:create_app()"])
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.tail(name)}")
            try:
                return requests.get(f"{url}/healthz", timeout=10).status_code == 200
            except (requests.ConnectionError, requests.Timeout):  # bound, but the app is still loading
                return False
        wait_for(answers, START_TIMEOUT, f"{name} answering")
        return url

    def tail(self, name: str, lines: int = 40) -> str:
        """The end of a process's output."""
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to each process, then SIGKILL to any still running after 30 s."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def processes(settings, services, tmp_path):
    """An installation over the test's database, buckets and index directory, with no process yet."""
    logs = tmp_path / "logs"
    logs.mkdir()
    found = Installation(settings, logs)
    try:
        yield found
    finally:
        found.stop()
    for name in found.processes:
        print(f"--- {name}\n{found.tail(name)}")  # shown by pytest when the test failed


@pytest.fixture
def installation(processes, services):
    """Two web processes (`a`, `b`) and two workers, and an archivist's bearer token."""
    processes.worker_pids = {processes.worker("worker-1").pid, processes.worker("worker-2").pid}
    processes.a, processes.b = processes.web("web-a"), processes.web("web-b")
    services.users.create("keeper", PASSWORD, ["archivist"], "档案室", "档案管理员")
    answer = requests.post(f"{processes.a}/api/v1/auth/token", json={"username": "keeper", "password": PASSWORD},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    processes.token = {"Authorization": f"Bearer {answer.json()['token']}"}
    return processes


def file_with_contract(web: str, token: dict, name: str, words: str) -> dict:
    """A customer file registered through `web`, with a contract whose text layer holds `words`."""
    created = requests.post(f"{web}/api/v1/files", headers=token, json=individual(name=name), timeout=60)
    assert created.status_code == 201, created.text
    file_id = created.json()["id"]
    text = f"商品房买卖合同\n买受人：{name}\n{words}\n出卖人逾期交房的，应向买受人支付违约金。"
    contract = scans.text_layer_pdf(text)
    uploaded = requests.post(f"{web}/api/v1/files/{file_id}/documents", headers=token, timeout=60,
                             files={"file": ("合同.pdf", contract, "application/pdf")},
                             data={"doc_type": "purchase_contract", "title": "购房合同"})
    assert uploaded.status_code == 201, uploaded.text
    return {"file_id": file_id, "document_id": uploaded.json()["id"], "name": name}


def pages_found(web: str, token: dict, q: str) -> set[str]:
    """The documents whose pages a search through `web` finds."""
    answer = requests.get(f"{web}/api/v1/search", headers=token, params={"q": q}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {item["document_id"] for item in answer.json()["items"] if item["document_id"]}


def queue_settled(services) -> dict | None:
    """The job counts once nothing is waiting or running, else None."""
    counts = services.jobs.counts()
    return None if counts.get(QUEUED) or counts.get(RUNNING) else counts


def test_a_scan_uploaded_through_one_web_process_is_found_through_the_other(installation):
    a, b, token = installation.a, installation.b, installation.token
    assert pages_found(b, token, "滨江壹号") == set()  # b's searcher is open before the scan exists
    scan = file_with_contract(a, token, "赵敏", "本合同项目滨江壹号位于滨江路88号。")
    wait_for(lambda: scan["document_id"] in pages_found(b, token, "滨江壹号"), INDEX_TIMEOUT,
             "the scan found through web process b")
    assert pages_found(a, token, "滨江壹号") == {scan["document_id"]}
    names = requests.get(f"{b}/api/v1/search", headers=token, params={"q": "赵敏"}, timeout=30).json()["items"]
    assert scan["file_id"] in {item["file_id"] for item in names}


def test_two_workers_write_the_index_one_at_a_time_and_lose_nothing(installation, services, settings):
    web, token = (installation.a, installation.b), installation.token
    held = SearchIndex(settings.index_dir).whoosh.writer()  # another writer: both workers must wait for it
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            scans_made = list(pool.map(
                lambda n: file_with_contract(web[n % 2], token, f"客户{n}号", f"合同编号暗码词{n}号甲。"), range(8)))
        wait_for(lambda: installation.worker_pids <= writer_probe.read(installation.writer_log).busy,
                 INDEX_TIMEOUT, "both workers waiting for the index's write lock")
    finally:
        held.cancel()  # releases the lock
    for n, scan in enumerate(scans_made):
        for url in web:
            wait_for(lambda: scan["document_id"] in pages_found(url, token, f"暗码词{n}号甲"), INDEX_TIMEOUT,
                     f"scan {n} found through {url}")
    counts = wait_for(lambda: queue_settled(services), INDEX_TIMEOUT, "every job finished")
    assert not counts.get(FAILED), counts
    sessions = writer_probe.read(installation.writer_log)
    assert sessions.overlaps == []
    assert set(sessions.writers) == installation.worker_pids  # both workers wrote; the web processes never did
    drift = services.search.check()
    assert drift.ok, drift.counts()


class PausedReads:
    """A worker's reads of files, each held after it answered until `go` is set (`read` says one answered)."""

    def __init__(self, files):
        self._files = files
        self.read, self.go = threading.Event(), threading.Event()

    def by_id(self, file_id):
        found = self._files.by_id(file_id)
        self.read.set()
        assert self.go.wait(60), "the test never let the paused read go on"
        return found

    def __getattr__(self, name):
        return getattr(self._files, name)


def test_a_worker_that_read_a_file_before_it_changed_never_commits_the_old_entry_last(
        services, settings, client, archivist, file_id):
    """Two workers, two index jobs of one file: the first read it before a rename, the second after.
    Whichever commits last, the index ends with the new name."""
    drain(services)
    paused = PausedReads(services.search.sources.files)
    first = SearchService(replace(services.search.sources, files=paused), settings.index_dir)
    slow = threading.Thread(target=first.index_file, args=(file_id,))
    slow.start()
    assert paused.read.wait(30)  # the first worker holds the file as it was
    renamed = client.patch(f"/api/v1/files/{file_id}", headers={**archivist, "If-Match": "1"}, json={"name": "李娜"})
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    second = threading.Thread(target=services.search.index_file, args=(file_id,))
    second.start()
    second.join(timeout=5)  # done by now unless it waits for the first one's write
    paused.go.set()
    slow.join(timeout=60)
    second.join(timeout=60)
    assert not slow.is_alive() and not second.is_alive()
    everyone = Visibility(all=True)
    assert [g.file_id for g in services.search.index.search("李娜", visibility=everyone).groups] == [file_id]
    assert services.search.index.search("张伟", visibility=everyone).total == 0
    drift = services.search.check()
    assert drift.ok, drift


def test_a_worker_starting_while_another_process_rebuilds_the_index_waits_for_it_then_works(
        processes, services, settings, file_id):
    SearchIndex(settings.index_dir)
    (settings.index_dir / "schema_version.txt").write_text("0\n")  # written by an older version
    with open(settings.index_dir.with_name(f"{settings.index_dir.name}.rebuild.lock"), "a") as rebuilding:
        fcntl.flock(rebuilding, fcntl.LOCK_EX)  # as another worker's or `archive reindex`'s rebuild holds it
        worker = processes.worker("worker")
        wait_for(lambda: worker.poll() is not None or "waiting for it" in processes.tail("worker"), START_TIMEOUT,
                 "the worker waiting")
        assert worker.poll() is None, processes.tail("worker")

    def indexed() -> bool:  # the worker rebuilt the index itself once the other rebuild let go, then took its jobs
        try:
            return queue_settled(services) is not None and services.search.check().ok
        except Unavailable:  # still the old version's index
            return False
    wait_for(indexed, INDEX_TIMEOUT, "the index rebuilt and kept")
    assert worker.poll() is None
