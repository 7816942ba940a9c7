"""The production docker-compose.yml and Dockerfile, checked offline (no Docker, no servers)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_TARGET = "service.app:create_app()"
# Variables the `archive` CLI reads itself rather than through service/settings.py.
READ_BY_CLI = {"ARCHIVE_ADMIN_PASSWORD"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _depends_on_names(service: dict) -> list[str]:
    depends = service.get("depends_on") or []
    return list(depends) if isinstance(depends, (list, dict)) else []


def _command_text(command) -> str:
    return " ".join(command) if isinstance(command, list) else str(command or "")


def test_compose_file_is_valid_against_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120,
    )
    print(result.stdout)
    print(result.stderr, file=sys.stderr)
    assert result.returncode == 0, f"check-jsonschema failed:\n{result.stdout}\n{result.stderr}"


def test_every_service_waited_for_is_defined(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency in _depends_on_names(service):
            assert dependency in services, f"{name} depends on undefined service {dependency!r}"


def test_the_app_waits_for_healthy_servers_and_a_finished_init(compose):
    services = compose["services"]
    for name in ("init", "web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["mongo"]["condition"] == "service_healthy", name
        assert depends["minio"]["condition"] == "service_healthy", name
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["init"]["condition"] == "service_completed_successfully"


def test_only_the_web_application_publishes_a_port(compose):
    publishing = {name for name, service in compose["services"].items() if service.get("ports")}
    assert publishing == {"web"}
    assert compose["services"]["web"]["ports"] == ["8000:8000"]


def test_the_database_and_the_object_store_report_their_health(compose):
    for name in ("mongo", "minio"):
        healthcheck = compose["services"][name].get("healthcheck") or {}
        assert healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} has its healthcheck disabled"


def test_the_image_and_the_web_service_both_serve_the_app_factory(compose):
    cmd_lines = [line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
                 if line.startswith("CMD ")]
    assert cmd_lines, "the Dockerfile has no CMD"
    assert APP_TARGET in cmd_lines[-1]
    assert APP_TARGET in _command_text(compose["services"]["web"]["command"])


def test_every_archive_variable_in_compose_is_one_the_application_reads():
    settings_source = (ROOT / "service" / "settings.py").read_text(encoding="utf-8")
    cli_source = (ROOT / "service" / "cli" / "commands.py").read_text(encoding="utf-8")
    used = set(re.findall(r"\bARCHIVE_[A-Z0-9_]+\b", COMPOSE.read_text(encoding="utf-8")))
    assert used, "docker-compose.yml sets no ARCHIVE_* variable"
    unknown = []
    for name in sorted(used):
        source = cli_source if name in READ_BY_CLI else settings_source
        if f'"{name}"' not in source:
            unknown.append(name)
    assert not unknown, f"set in docker-compose.yml but read by nothing: {unknown}"
