"""The pages and API calls of the benchmark, and timing them in-process through Flask's test client.

Each row is one kind of request by one role, with the URL drawn afresh for every request (a random
file the person may see, a name to search, a department's colleague, ...). `time_row` warms the
row up with one request, then times up to `samples` requests; a row whose requests are slow stops
early (see `Timing`), because on FerretDB some lists read every record of a collection and one
request can take longer than a minute at 100,000 files.
"""
from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Callable
from urllib.parse import quote
from urllib.parse import urlencode

from flask import Flask
from pypinyin import lazy_pinyin

from bench.bench_files import PROJECTS
from bench.pages_seed import Known
from bench.pages_world import PASSWORD
from bench.pages_world import People
from service.files import CUSTOMER_TYPES
from service.files import STAGES

TARGET_SECONDS = 0.150
WORDS = ("违约金", "首付款", "公积金贷款", "建筑面积", "授权委托书", "交房", "产权登记", "商品房", "付款方式",
         "验收合格")
SORTS = (("archive_no", "desc"), ("name", "asc"), ("name", "desc"), ("created", "asc"), ("created", "desc"),
         ("updated", "asc"), ("updated", "desc"))


@dataclass
class Timing:
    """How many requests a row gets: `samples`, but a row stops once it has used `budget` seconds
    (with at least one timed request); a warm-up slower than `slow` counts as the first sample, since
    nothing a warm-up caches matters next to a read of a whole collection."""

    samples: int = 20
    budget: float = 20.0
    slow: float = 10 * TARGET_SECONDS


@dataclass
class Row:
    """One kind of request: its label, who makes it, and the next URL to ask for."""

    name: str
    role: str
    url: Callable[[random.Random], str]
    api: bool = False


@dataclass
class Measured:
    """The requests of one row: seconds each, and the failures (status and seconds)."""

    row: str
    role: str
    example: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    capped: bool = False


class Clients:
    """One signed-in test client (and API token) per role, signed in the way people do."""

    def __init__(self, app: Flask, people: People, staff_department: str):
        self.app = app
        self.users = {"staff": people.staff[staff_department][0], "approver": people.approvers[staff_department],
                      "archivist": people.archivists[0], "executive": people.executive, "auditor": people.auditor}
        self.clients, self.headers, self.sign_in_seconds = {}, {}, {}
        for role, user in self.users.items():
            started = time.perf_counter()
            self.clients[role] = self._signed_in(user.username)
            self.sign_in_seconds[role] = time.perf_counter() - started
            token = self.clients[role].post("/api/v1/auth/token", json={"username": user.username,
                                                                         "password": PASSWORD})
            if token.status_code != 200:
                raise RuntimeError(f"no API token for {user.username}: {token.status_code}")
            self.headers[role] = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def _signed_in(self, username: str):
        client = self.app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        if answer.status_code != 302:
            raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
        return client

    def get(self, row: Row, url: str):
        """The row's request, as its role."""
        client = self.clients[row.role]
        return client.get(url, headers=self.headers[row.role]) if row.api else client.get(url)


def time_row(clients: Clients, row: Row, rng: random.Random, timing: Timing) -> Measured:
    """Warm up, then time requests of the row until it has its samples or its budget is spent."""
    measured = Measured(row.name, row.role, row.url(random.Random(0)))
    warm = Measured(row.name, row.role, "")
    began = time.perf_counter()
    if _one(clients, row, row.url(rng), warm) >= timing.slow:
        # the warm-up is a sample: it read what every later request would read
        measured.seconds, measured.failures = warm.seconds, warm.failures
    else:
        began = time.perf_counter()
    while len(measured.seconds) < timing.samples:
        if measured.seconds and time.perf_counter() - began >= timing.budget:
            measured.capped = True
            break
        _one(clients, row, row.url(rng), measured)
    return measured


def _one(clients: Clients, row: Row, url: str, measured: Measured) -> float:
    started = time.perf_counter()
    response = clients.get(row, url)
    seconds = time.perf_counter() - started
    response.close()
    measured.seconds.append(seconds)
    if response.status_code != 200:
        measured.failures.append(f"{response.status_code} {url} after {seconds:.1f} s")
    return seconds


def rows(known: Known, people: People, staff_department: str) -> list[Row]:
    """Every timed row, in the order they run."""
    visible = [f for f in known.files if f[4] == "normal" or (f[4] == "confidential" and f[3] == staff_department)]
    pick = lambda rng: rng.choice(visible)  # noqa: E731 - a one-line chooser reads best here
    listed = list_variants()
    found = [Row("file page", "staff", lambda rng: f"/files/{pick(rng)[0]}"),
             Row("file", "staff", lambda rng: f"/api/v1/files/{pick(rng)[0]}", api=True)]
    for label, query in listed:
        found.append(Row(f"file list: {label}", "staff", lambda rng, q=query: "/files" + _query(q(rng))))
        found.append(Row(f"file list: {label}", "staff", lambda rng, q=query: "/api/v1/files" + _query(q(rng)),
                         api=True))
    colleagues = [u.username for u in people.staff[staff_department]]
    found += [
        Row("search", "staff", lambda rng: "/api/v1/search?q=" + quote(_search_term(rng, visible)), api=True),
        Row("loan desk: archive number", "archivist",
            lambda rng: "/loans/desk?ref=" + quote(rng.choice(known.files)[1])),
        Row("loans: mine", "staff", lambda rng: "/loans/mine"),
        Row("loans: register", "archivist", lambda rng: "/loans/register"),
        Row("loans: overdue", "archivist", lambda rng: "/loans/register?status=overdue"),
        *[Row(f"dashboard: {role}", role, lambda rng: "/") for role in
          ("archivist", "staff", "approver", "executive", "auditor")],
        Row("audit: all", "auditor", lambda rng: "/audit"),
        Row("audit: by actor", "auditor", lambda rng: "/audit?actor=" + quote(rng.choice(colleagues))),
        Row("audit: by target", "auditor", lambda rng: "/audit?target=" + quote(f"file:{rng.choice(known.files)[0]}")),
        Row("follow-ups: mine (我的回访)", "staff", lambda rng: "/followups/"),
        Row("follow-ups: team", "approver", lambda rng: "/followups/team"),
        Row("retention: due list", "archivist", lambda rng: "/retention/due"),
    ]
    return found


def list_variants() -> list[tuple[str, Callable[[random.Random], dict]]]:
    """The file list's variants: default, three filters, every sort both ways, a deep page."""
    variants = [("default", lambda rng: {}),
                ("project", lambda rng: {"project": rng.choice(PROJECTS)}),
                ("stage", lambda rng: {"stage": rng.choice(STAGES)}),
                ("customer type", lambda rng: {"customer_type": rng.choice(CUSTOMER_TYPES[:3])})]
    variants += [(f"sort {key} {order}", lambda rng, k=key, o=order: {"sort": k, "order": o}) for key, order in SORTS]
    variants.append(("page 200", lambda rng: {"page": 200}))
    return variants


def _query(values: dict) -> str:
    return "?" + urlencode(values) if values else ""


def _search_term(rng: random.Random, visible: list[tuple]) -> str:
    """A customer's name, its pinyin, a phone number, a contract word, or a word with a name."""
    file = rng.choice(visible)
    choice = rng.randrange(5)
    if choice == 0:
        return file[2]
    if choice == 1:
        return "".join(lazy_pinyin(file[2]))
    if choice == 2 and file[6]:
        return file[6]
    if choice == 3:
        return rng.choice(WORDS)
    return f"{rng.choice(WORDS)} {file[2]}"
