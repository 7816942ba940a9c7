"""The real servers, the probes and the settings."""
from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

import pytest

from service import settings as settings_module
from service.app import create_app
from service.wiring import build_services
from tests.support.auth import csrf_from
from tests.support.files import individual
from tests.support.servers import settings_for

ROOT = Path(__file__).resolve().parent.parent


def test_a_document_and_an_object_written_are_read_back_through_new_clients(settings, services):
    services.db["smoke"].insert_one({"_id": "k1", "name": "张伟", "amount": 1_250_000})
    services.objects.put("originals", "smoke/k1", io.BytesIO("购房合同".encode()), length=-1)

    fresh = build_services(settings)
    try:
        assert fresh.db["smoke"].find_one({"_id": "k1"})["name"] == "张伟"
        assert fresh.objects.read("originals", "smoke/k1").decode() == "购房合同"
        info = fresh.client.server_info()
        # FerretDB speaks as MongoDB 7; production (docker-compose.yml) runs MongoDB 8
        assert int(info["version"].split(".")[0]) in (7, 8)
    finally:
        fresh.close()


def test_objects_are_hashed_on_the_way_in(services):
    stored = services.objects.put("originals", "h/1", io.BytesIO(b"abc" * 1000), length=-1)
    import hashlib
    assert stored.size == 3000
    assert stored.sha256 == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_reading_a_missing_object_says_so(services):
    with pytest.raises(FileNotFoundError):
        services.objects.read("originals", "does/not/exist")


def test_ensure_schema_can_run_twice(services):
    services.ensure_schema()
    services.ensure_schema()
    names = {index["name"] for index in services.db["users"].list_indexes()}
    assert "username_1" in names


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_both_services_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "storage": "ok"}


@pytest.mark.parametrize("victim, named", [("minio", "storage"), ("ferretdb", "database")])
def test_readyz_names_the_dead_server_and_recovers(private_servers, base_settings, victim, named):
    env = private_servers.start()
    settings = settings_for(base_settings, env, "readyz")
    services = build_services(settings)
    services.ensure_schema()
    client = create_app(settings, services).test_client()
    assert client.get("/readyz").status_code == 200

    private_servers.kill(victim)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body[named].startswith("down")
    assert all(value == "ok" for key, value in body.items() if key != named)

    private_servers.start()
    deadline = time.monotonic() + 20
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.get("/readyz").get_json() == {"database": "ok", "storage": "ok"}
    services.close()


def signed_in_clerk(private_servers, base_settings, label: str):
    """Services on private servers, and a test client signed in as a clerk while the database is up."""
    settings = settings_for(base_settings, private_servers.start(), label)
    services = build_services(settings)
    services.ensure_schema()
    services.users.create("clerk", "Desk-Pass-20261", ["staff"])
    client = create_app(settings, services).test_client()
    signed_in = client.post("/login", data={"username": "clerk", "password": "Desk-Pass-20261",
                                            "csrf_token": csrf_from(client.get("/login").get_data(as_text=True))})
    assert signed_in.status_code == 302
    return services, client


def test_a_dead_database_gives_503_naming_it_in_the_api_and_on_pages(private_servers, base_settings):
    services, client = signed_in_clerk(private_servers, base_settings, "down")
    private_servers.kill("ferretdb")
    response = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "Desk-Pass-20261"})
    assert response.status_code == 503
    assert response.get_json()["error"]["fields"] == {"service": "database"}
    page = client.get("/files")  # a page that reads the database, for a signed-in person
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "database" in page.get_data(as_text=True)
    services.close()


def test_a_dead_postgresql_behind_a_live_ferretdb_gives_503_naming_the_database(private_servers, base_settings):
    services, client = signed_in_clerk(private_servers, base_settings, "pgdown")
    token = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "Desk-Pass-20261"})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    private_servers.kill("postgres")  # FerretDB still answers, and says it cannot reach PostgreSQL
    for answer in (client.get("/api/v1/files", headers=bearer),
                   client.post("/api/v1/files", headers=bearer, json=individual())):
        assert answer.status_code == 503
        assert answer.get_json()["error"]["fields"] == {"service": "database"}
    page = client.get("/files")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "database" in page.get_data(as_text=True)
    services.close()


def test_services_script_is_idempotent(private_servers):
    first = private_servers.start()
    second = private_servers.start()
    assert first == second
    status = private_servers.script("status")
    assert "ferretdb: running" in status and "minio: running" in status
    creds = private_servers.data_dir / "minio.credentials"
    assert oct(creds.stat().st_mode & 0o777) == "0o600"


def test_settings_fail_fast_on_bad_values():
    base = {"ARCHIVE_S3_ACCESS_KEY": "a", "ARCHIVE_S3_SECRET_KEY": "b", "ARCHIVE_SECRET_KEY": "c"}
    assert settings_module.from_env(base).max_upload_bytes == 200 * 1024 * 1024
    for bad in ({"ARCHIVE_MAX_UPLOAD_MB": "lots"}, {"ARCHIVE_S3_SECURE": "maybe"},
                {"ARCHIVE_LOCALE": "fr"}, {"ARCHIVE_DB": "数据库"}, {"ARCHIVE_BUCKET_PREFIX": "Up"},
                {"ARCHIVE_SESSION_MINUTES": "0"}, {"ARCHIVE_TIMEZONE": "Mars/Olympus"}):
        with pytest.raises(settings_module.SettingsError):
            settings_module.from_env({**base, **bad})


def test_a_secret_has_no_default():
    with pytest.raises(settings_module.SettingsError, match="ARCHIVE_SECRET_KEY"):
        settings_module.from_env({"ARCHIVE_S3_ACCESS_KEY": "a", "ARCHIVE_S3_SECRET_KEY": "b"})


def test_no_in_process_stand_in_for_mongodb_or_s3_exists():
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*.py", "*.toml"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    fakes = ("mongomock", "montydb", "mongita", "moto")
    for name in listed:
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for fake in fakes:
            assert f"import {fake}" not in text and f"from {fake}" not in text, name
            assert f'"{fake}' not in text or name == "tests/test_foundation.py", name


def test_pages_and_api_carry_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_api_errors_have_the_json_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_the_interface_is_chinese_by_default_and_english_on_request(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    assert "系统状态" in client.get("/").get_data(as_text=True)
    switched = client.get("/lang/en?next=/")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/")
    assert "System status" in client.get("/").get_data(as_text=True)


def test_the_language_switch_does_not_redirect_off_site(client):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/readyz" in doc["paths"]


def test_openapi_describes_every_api_route_and_method(app):
    described = {(path, method.upper()) for path, item in app.test_client().get("/api/v1/openapi.json")
                 .get_json()["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") or rule.rule in ("/healthz", "/readyz"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = __import__("re").sub(r"\{[^:}]+:([^}]+)\}", r"{\1}", path)
            served |= {(path, m) for m in rule.methods if m not in ("HEAD", "OPTIONS")}
    assert served == described


def test_every_page_names_its_icon_and_the_browser_s_own_request_finds_it(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    assert 'rel="icon"' in client.get("/files").get_data(as_text=True)
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
