"""Fixtures that connect to the real servers `make test` started; nothing here starts a fake."""
from __future__ import annotations

import os
import threading
import uuid
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from service import clock as product_clock
from service import settings as settings_module
from service.accounts import users as users_module
from service.app import create_app
from service.wiring import build_services
from tests.support.auth import AuthActions
from tests.support.servers import PrivateServers
from tests.support.servers import free_port

# the fixtures of stories told in several modules (each module uses them by name, never imports them)
pytest_plugins = ["tests.support.backup", "tests.support.documents", "tests.support.followups", "tests.support.intake",
                  "tests.support.loans", "tests.support.retention"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TEST_ZONE = ZoneInfo("Asia/Shanghai")  # the zone the settings' default shows dates in
DEFAULT_TODAY = "2027-03-10"  # the `clock` fixture's day unless ARCHIVE_TEST_TODAY names another


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise pytest.UsageError(f"{name} must be a date YYYY-MM-DD, not {raw!r}") from None


def days_to_run() -> list[date]:
    """The days of ARCHIVE_TEST_DAYS (`YYYY`, or `YYYY-MM-DD..YYYY-MM-DD`); empty when it is not set."""
    raw = os.environ.get("ARCHIVE_TEST_DAYS", "").strip()
    if not raw:
        return []
    first, _, last = raw.partition("..")
    if not last and len(first) == 4 and first.isdigit():
        first, last = f"{first}-01-01", f"{first}-12-31"
    start, end = _day(first, "ARCHIVE_TEST_DAYS"), _day(last or first, "ARCHIVE_TEST_DAYS")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def pytest_generate_tests(metafunc):
    """Under ARCHIVE_TEST_DAYS a test marked `calendar` runs once per day of the range (scripts/every-day)."""
    if metafunc.definition.get_closest_marker("calendar") is None:
        return
    if "clock" not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.nodeid} is marked calendar but does not use the clock fixture")
    days = days_to_run()
    if days:
        metafunc.parametrize("clock", days, indirect=True, ids=[d.isoformat() for d in days])


@pytest.fixture
def clock(request):
    """The product's clock, running from 10:00 Shanghai time of the test's day: ARCHIVE_TEST_TODAY
    (YYYY-MM-DD, default DEFAULT_TODAY), or under ARCHIVE_TEST_DAYS each day of the range in turn.

    Only the product's time moves; FerretDB's and MinIO's stay the machine's. The sweeper compares an
    object's time in the store with the product's now: on a day far from the machine's, every object
    looks old (or young) to it."""
    day = getattr(request, "param", None) or _day(os.environ.get("ARCHIVE_TEST_TODAY") or DEFAULT_TODAY,
                                                  "ARCHIVE_TEST_TODAY")
    with product_clock.running_from(datetime.combine(day, time(10), TEST_ZONE)):
        yield product_clock


@pytest.fixture(autouse=True)
def cheap_passwords_on_every_day_runs(request, monkeypatch):
    """Under ARCHIVE_TEST_DAYS a calendar test hashes passwords at Argon2's lowest cost: it checks dates, and
    its people at full cost (half a second each, with their sign-in) would make a year's run take hours."""
    if days_to_run() and request.node.get_closest_marker("calendar"):
        monkeypatch.setattr(users_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def base_settings():
    """Settings pointing at the servers `make test` started (their env was exported)."""
    if not os.environ.get("ARCHIVE_S3_ACCESS_KEY"):
        pytest.exit("the test servers are not configured: run the suite with `make test`", returncode=2)
    return settings_module.from_env()


@pytest.fixture
def settings(base_settings, tmp_path):
    """Each test gets its own database name, bucket prefix and index directory."""
    tag = uuid.uuid4().hex[:12]
    return base_settings.with_overrides(db_name=f"t_{tag}", bucket_prefix=f"t-{tag}",
                                        index_dir=tmp_path / "index", data_dir=tmp_path / "data",
                                        worker_poll_seconds=0.1)


@pytest.fixture
def services(settings):
    """Wired services over the test's own database and buckets, removed afterwards."""
    services = build_services(settings)
    services.ensure_schema()
    yield services
    services.client.drop_database(settings.db_name)
    services.objects.drop_all()
    services.close()


@pytest.fixture
def app(settings, services):
    """The Flask app over the test's services."""
    app = create_app(settings, services)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app):
    """A test client (CSRF stays on: tests post forms the way a browser does)."""
    return app.test_client()


@pytest.fixture
def private_servers(tmp_path):
    """Servers of this test's own, for killing and restarting.

    Their data lives under scripts/test's temp dir, not pytest's: PostgreSQL runs as an unprivileged
    user that must pass through every folder above its data, and pytest resets its own base folder to
    0700 whenever a worker first asks for a tmp_path."""
    import shutil
    base = Path(os.environ.get("ARCHIVE_TEST_TMP") or tmp_path)
    data_dir = base / f"servers-{uuid.uuid4().hex[:10]}"
    servers = PrivateServers(data_dir)
    yield servers
    servers.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


class _Unlogged(WSGIRequestHandler):
    """No access log: a request's thread may outlive its test, whose captured output is closed by then."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, for the browser."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=_Unlogged)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live_server, tmp_path):
    """A Playwright page in Debian's Chromium."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/install-browser)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def auth(client, services):
    """The AuthActions helper."""
    return AuthActions(client, services)
