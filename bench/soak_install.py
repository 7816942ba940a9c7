"""The soak's own installation: PostgreSQL, FerretDB and MinIO (through scripts/services), gunicorn with two
web worker processes and one `archive worker`, all on free ports in one temp dir; killed and restarted on
demand, their resident memory sampled every second."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "scripts" / "services"
SERVERS = ("postgres", "ferretdb", "minio")
# `archive` as this checkout's code (the console script finds the package its venv was installed from)
ARCHIVE = [sys.executable, "-m", "service.cli"]
START_TIMEOUT = 300.0  # two web processes importing the app on two busy cores
# gunicorn calls post_worker_init once a worker process has loaded the app: the soak reads these lines
# to time a killed web worker's replacement
HOOKS = """def post_worker_init(worker):
    with open(%r, "a") as log:
        log.write(f"ready {worker.pid}\\n")
"""


def free_port() -> int:
    """A port nobody listens on now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (and is not a zombie)."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


class Installation:
    """Every process of the soak's archive; `env` is what the app's processes read."""

    def __init__(self, tmp: Path, db_name: str, worker_lease_seconds: int, sweep_grace_seconds: int):
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.services_env = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp / "services"), "ARCHIVE_DB_PORT": "0",
                             "ARCHIVE_PG_PORT": "0", "ARCHIVE_S3_PORT": "0", "ARCHIVE_S3_CONSOLE_PORT": "0",
                             "ARCHIVE_PG_FSYNC": "off"}
        self.env: dict[str, str] = {}
        self.db_name = db_name
        self.lease, self.grace = worker_lease_seconds, sweep_grace_seconds
        self.web_master: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.drain_workers: list[subprocess.Popen] = []
        self.url = ""
        self.peak: dict[str, float] = {}
        self._sampling = threading.Event()
        self._lock = threading.Lock()

    # -- the servers ------------------------------------------------------------------------------
    def script(self, action: str) -> str:
        """scripts/services with this installation's data dir; its stdout."""
        done = subprocess.run([sys.executable, str(SERVICES), action], env=self.services_env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 and action != "status":
            raise RuntimeError(f"scripts/services {action} failed: {done.stderr[-2000:]}")
        return done.stdout

    def start_servers(self) -> None:
        """Start PostgreSQL, FerretDB and MinIO; fill `env` for the app's processes."""
        self.script("start")
        values = {}
        for line in self.script("env").splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = value.strip("'")
        app_dir = self.tmp / "app"
        app_dir.mkdir(exist_ok=True)
        self.env = {**os.environ, **values, "ARCHIVE_DATA_DIR": str(app_dir), "ARCHIVE_DB": self.db_name,
                    "ARCHIVE_BUCKET_PREFIX": self.db_name, "ARCHIVE_WORKER_LEASE_SECONDS": str(self.lease),
                    "ARCHIVE_SWEEP_GRACE_SECONDS": str(self.grace), "MALLOC_ARENA_MAX": "1",
                    "PROMETHEUS_MULTIPROC_DIR": str(self.tmp / "metrics")}
        (self.tmp / "metrics").mkdir(exist_ok=True)

    def server_pid(self, name: str) -> int | None:
        """The pid scripts/services wrote for a server."""
        path = self.tmp / "services" / f"{name}.pid"
        try:
            return int(path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def restart_servers(self) -> None:
        """Start whatever server is down (PostgreSQL may refuse while its killed backends still exit)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.script("start")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    # -- the app's processes ----------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "ab") as log:
            return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def start_web(self) -> None:
        """gunicorn as `make run` starts it: two worker processes of four threads."""
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        hooks = self.tmp / "gunicorn_hooks.py"
        hooks.write_text(HOOKS % str(self.tmp / "web-ready.log"))
        self.web_master = self._spawn("web", [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}",
                                              "--workers", "2", "--threads", "4", "--timeout", "120",
                                              "--config", str(hooks), "service.app:create_app()"])
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.web_workers()) < 2 or not self._answers():
            if self.web_master.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start:\n{self.tail('web')}")
            time.sleep(0.5)

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def web_workers(self) -> list[int]:
        """The pids of gunicorn's worker processes."""
        return children(self.web_master.pid) if self.web_master else []

    def web_ready(self) -> set[int]:
        """The web worker processes that have loaded the app so far."""
        path = self.tmp / "web-ready.log"
        return {int(line.split()[1]) for line in path.read_text().splitlines()} if path.exists() else set()

    def start_worker(self) -> None:
        """`archive worker`."""
        self.worker = self._spawn("worker", ARCHIVE + ["worker"])

    def start_drain_workers(self, count: int) -> None:
        """More `archive worker` processes, to work off the queue the run left (several workers share it)."""
        for n in range(count):
            self.drain_workers.append(self._spawn(f"drain-worker-{n + 1}", ARCHIVE + ["worker"]))

    def worker_started(self, since_bytes: int) -> bool:
        """Whether the worker's log says it started after the log had `since_bytes` bytes."""
        path = self.logs / "worker.log"
        with open(path, "rb") as handle:
            handle.seek(since_bytes)
            return b"started" in handle.read()

    def log_size(self, name: str) -> int:
        """The size of a process's log now."""
        path = self.logs / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def run_cli(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        """`archive <args>` against this installation."""
        return subprocess.run(ARCHIVE + list(args), cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def tail(self, name: str, lines: int = 30) -> str:
        """The end of a process's log."""
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    # -- faults -----------------------------------------------------------------------------------
    def pid_of(self, target: str) -> int | None:
        """The pid a fault on `target` kills: a server, the worker, or one of the web worker processes."""
        if target in SERVERS:
            return self.server_pid(target)
        if target == "worker":
            return self.worker.pid if self.worker else None
        workers = self.web_workers()
        return workers[0] if workers else None

    def kill(self, target: str) -> int | None:
        """SIGKILL the target's process, as a crash would; its pid."""
        pid = self.pid_of(target)
        if pid is None or not alive(pid):
            return None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if target == "worker":
            self.worker.wait(timeout=10)
        return pid

    def restart(self, target: str) -> None:
        """Bring the target back (gunicorn's master forks a new web worker on its own)."""
        if target in SERVERS:
            self.restart_servers()
        elif target == "worker":
            self.start_worker()

    # -- memory -----------------------------------------------------------------------------------
    def start_sampling(self) -> None:
        """Sample every process's resident memory once a second (PostgreSQL: the postmaster and its backends)."""
        self._sampling.set()
        threading.Thread(target=self._sample, name="rss", daemon=True).start()

    def stop_sampling(self) -> None:
        """Stop the sampler."""
        self._sampling.clear()

    def _sample(self) -> None:
        while self._sampling.is_set():
            now = {}
            for name in SERVERS:
                pid = self.server_pid(name)
                if pid:
                    pids = [pid] + (children(pid) if name == "postgres" else [])
                    now[name] = sum(rss_mb(p) for p in pids)
            if self.worker:
                now["worker"] = rss_mb(self.worker.pid)
            if self.web_master:
                now["web master"] = rss_mb(self.web_master.pid)
                for pid in self.web_workers():
                    now["web worker (each)"] = max(now.get("web worker (each)", 0.0), rss_mb(pid))
            with self._lock:
                for name, value in now.items():
                    self.peak[name] = max(self.peak.get(name, 0.0), value)
            time.sleep(1)

    # -- the end ----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the app's processes (TERM, then KILL) and the servers."""
        web_workers = self.web_workers()
        processes = (self.web_master, self.worker, *self.drain_workers)
        for process in processes:
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            if process:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        for pid in web_workers:  # a master killed before its workers leaves them behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        try:
            self.script("stop")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"stopping the servers: {exc}", file=sys.stderr)
