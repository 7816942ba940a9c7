"""Private PostgreSQL, FerretDB and MinIO instances for tests that stop and start servers."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"


class PrivateServers:
    """A pair of servers of this test's own, started through the project's scripts/services."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.env = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir), "ARCHIVE_DB_PORT": "0", "ARCHIVE_PG_PORT": "0",
                    "ARCHIVE_S3_PORT": "0", "ARCHIVE_S3_CONSOLE_PORT": "0"}

    def script(self, action: str) -> str:
        """Run scripts/services with this instance's settings; its stdout."""
        done = subprocess.run([sys.executable, str(SERVICES), action], env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0 and action != "status":
            raise RuntimeError(f"scripts/services {action} failed: {done.stderr}")
        return done.stdout

    def start(self) -> dict[str, str]:
        """Start both servers; the ARCHIVE_* variables that point at them."""
        self.script("start")
        values = {}
        for line in self.script("env").splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = value.strip("'")
        return values

    def kill(self, name: str) -> None:
        """SIGKILL one server, as a crash would."""
        pid = int((self.data_dir / f"{name}.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def ports(self) -> dict:
        """The ports chosen for this instance."""
        return json.loads((self.data_dir / "services.json").read_text())

    def stop(self) -> None:
        """Stop both servers."""
        self.script("stop")


def settings_for(base_settings, env: dict[str, str], name: str):
    """Settings pointing at a private pair of servers, with its own database and buckets."""
    return base_settings.with_overrides(
        mongo_url=env["ARCHIVE_MONGO_URL"], postgres_url=env["ARCHIVE_POSTGRES_URL"],
        s3_endpoint=env["ARCHIVE_S3_ENDPOINT"],
        s3_access_key=env["ARCHIVE_S3_ACCESS_KEY"], s3_secret_key=env["ARCHIVE_S3_SECRET_KEY"],
        db_name=name, bucket_prefix=name, worker_poll_seconds=0.1)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
