"""The soak's clients: threads that keep the archive busy through its HTTP API the way a sales office does,
and the ledger of every write the server acknowledged.

Each client is one member of staff of a department (with a bearer token), and shares the department's
approver and an archivist with the other clients. A client registers files (its own, which only it edits,
so a 412 means a write it could not see), edits them with If-Match, uploads small scans (mostly text-layer
PDFs, one in ten a PNG that the worker OCRs), searches, asks for folders of its department's files and
drives the loans on (approve, hand out, take back) and records contacts (回访). Every request is timed and
its outcome kept; a write answered 2xx goes into the ledger, a write whose answer never came (connection
dropped, timeout, 5xx) is remembered as uncertain."""
from __future__ import annotations

import hashlib
import io
import os
import random
import threading
import time
from dataclasses import dataclass
from dataclasses import field

import requests

from bench.bench_files import file_body

TIMEOUT = 30.0  # what a client waits for an answer; longer counts as a hang
WEIGHTS = (("create", 10), ("edit", 15), ("upload", 12), ("search", 25), ("read", 10), ("loan", 18),
           ("contact", 10))
PURPOSES = ("核对合同条款", "办理产权登记", "贷款资料复核", "交房资料核对")
# scans uploaded per minute by all clients together (a token bucket): about what one worker reads while
# the clients keep two cores busy; at the clients' own pace (about 6 a second) the queue outgrows any
# drain (3,500 scans and 7,800 index changes queued in 10 minutes, 167 jobs done)
SCANS_PER_MINUTE = float(os.environ.get("SOAK_SCANS_PER_MINUTE") or 30)
SEARCH_WORDS = ("合同", "买受人", "商品房", "付款", "交付", "授权委托书", "身份证", "违约金", "建筑面积", "王", "李")


@dataclass
class Call:
    """One request: what, when (monotonic seconds), and what came back."""

    kind: str
    started: float
    ended: float
    outcome: str  # "ok", "4xx:<code>", "503:<service>", "500", "5xx:<code>", "timeout", "connection"


@dataclass
class Ledger:
    """What the server acknowledged, and which writes were left uncertain."""

    files: dict[str, dict] = field(default_factory=dict)  # id -> {"versions": set, "tag": str}
    documents: dict[str, dict] = field(default_factory=dict)  # id -> {"file_id", "sha256", "size"}
    loans: dict[str, dict] = field(default_factory=dict)  # id -> {"file_id", "status", "steps": list}
    contacts: dict[str, dict] = field(default_factory=dict)  # id -> {"file_id", "content"}
    uncertain: list[tuple[str, str]] = field(default_factory=list)  # (kind, what)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, table: str, key: str, **values) -> None:
        """Remember an acknowledged write."""
        with self.lock:
            getattr(self, table).setdefault(key, {}).update(values)

    def unsure(self, kind: str, what: str) -> None:
        """Remember a write whose answer never came."""
        with self.lock:
            self.uncertain.append((kind, what))


@dataclass
class Team:
    """The accounts of one department: its staff (one per client), its approver; the archivists."""

    department: str
    staff: list[str]
    approver: str
    archivist: str
    loanable: list[str] = field(default_factory=list)  # seeded files of the department, normal security


class Recorder:
    """Every call of every client."""

    def __init__(self):
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    def add(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


def outcome_of(response: requests.Response) -> str:
    """A response's class as the tables count it."""
    status = response.status_code
    if status < 300:
        return "ok"
    if status == 503:
        try:
            return f"503:{response.json()['error']['fields'].get('service', '?')}"
        except (ValueError, KeyError, TypeError, AttributeError):
            return "503:?"
    if status == 500:
        return "500"
    if status >= 500:
        return f"5xx:{status}"
    return f"4xx:{status}"


def png_scan(rng: random.Random, words: str) -> bytes:
    """A small scan-like PNG with a line of Chinese text (the worker OCRs it)."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont
    image = Image.new("L", (900, 160), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 40, index=2)
    draw.text((30, 50), words, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def pdf_scan(words: str) -> bytes:
    """A born-digital PDF whose text layer holds `words` (indexed without OCR)."""
    from tests.support.scans import text_layer_pdf  # reportlab, a development dependency
    return text_layer_pdf(words)


class Pace:
    """At most `per_minute` of something across all clients, in bursts of up to a tenth of a minute's."""

    def __init__(self, per_minute: float):
        self.rate, self.burst = per_minute / 60, max(1.0, per_minute / 10)
        self.tokens, self.last = self.burst, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more may go now."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class Client(threading.Thread):
    """One member of staff working until `stop` is set."""

    def __init__(self, number: int, url: str, tokens: dict[str, dict], team: Team, ledger: Ledger,
                 recorder: Recorder, stop: threading.Event, seed: int, scans: Pace):
        super().__init__(name=f"client-{number}", daemon=True)
        self.scans = scans
        self.url, self.tokens, self.team, self.ledger, self.recorder = url, tokens, team, ledger, recorder
        self.me = team.staff[number % len(team.staff)]
        self.stop_event = stop
        self.rng = random.Random(seed)
        self.session = requests.Session()
        self.own: dict[str, int] = {}  # my files: id -> the version I last saw acknowledged
        self.own_tags: dict[str, str] = {}  # my files' tags (location.box), kept through edits
        self.own_templates: dict[str, str] = {}
        self.open_loans: list[dict] = []  # my loans on their way: {"id", "file_id", "status"}
        self.serial = 0

    # -- plumbing -----------------------------------------------------------------------------------
    def call(self, kind: str, method: str, path: str, who: str | None = None, **kwargs):
        """One request as `who`; the response, or None if none came (timed out, connection lost)."""
        headers = {**self.tokens[who or self.me], **kwargs.pop("headers", {})}
        started = time.monotonic()
        try:
            response = self.session.request(method, self.url + path, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.Timeout:
            self.recorder.add(Call(kind, started, time.monotonic(), "timeout"))
            return None
        except requests.RequestException:  # refused, reset, or cut off in the middle of the answer
            self.recorder.add(Call(kind, started, time.monotonic(), "connection"))
            self.session = requests.Session()
            return None
        self.recorder.add(Call(kind, started, time.monotonic(), outcome_of(response)))
        return response

    def acknowledged(self, response, kind: str, what: str) -> dict | None:
        """The body of a 2xx answer to a write; an uncertain write is noted."""
        if response is not None and response.status_code < 300:
            return response.json()
        if response is None or response.status_code >= 500:
            self.ledger.unsure(kind, what)
        return None

    def run(self) -> None:
        kinds, weights = zip(*WEIGHTS)
        while not self.stop_event.is_set():
            kind = self.rng.choices(kinds, weights)[0]
            if kind in ("edit", "upload", "contact") and not self.own:
                kind = "create"
            if kind == "upload" and not self.scans.take():
                kind = "search"  # the scans of this minute are in
            response = getattr(self, f"do_{kind}")()
            if response is None or response.status_code >= 500:
                time.sleep(0.5)  # as a person would wait before trying again

    # -- the work -----------------------------------------------------------------------------------
    def do_create(self):
        self.serial += 1
        body = file_body(self.rng)
        body.update(department=self.team.department, security="normal")
        tag = f"{self.name}-{self.serial}"
        body["location"]["box"] = tag  # finds the file of an unanswered request afterwards
        response = self.call("create file", "POST", "/api/v1/files", json=body)
        doc = self.acknowledged(response, "file", tag)
        if doc:
            self.own[doc["id"]] = doc["version"]
            self.own_tags[doc["id"]], self.own_templates[doc["id"]] = tag, body["template"]
            self.ledger.note("files", doc["id"], tag=tag, versions={doc["version"]})
        return response

    def do_edit(self):
        file_id = self.rng.choice(list(self.own))
        patch = {"location": {"shelf": str(self.rng.randint(1, 6)), "box": self.own_tags[file_id]}}
        if self.own_templates[file_id] == "individual":  # an enterprise's fields have no budget
            patch["fields"] = {"budget": self.rng.randint(80, 1500)}
        response = self.call("edit file", "PATCH", f"/api/v1/files/{file_id}", json=patch,
                             headers={"If-Match": str(self.own[file_id])})
        doc = self.acknowledged(response, "version", file_id)
        if doc:
            self.own[file_id] = doc["version"]
            with self.ledger.lock:
                self.ledger.files[file_id]["versions"].add(doc["version"])
        elif response is None or response.status_code in (412, 503) or response.status_code >= 500:
            self._refresh(file_id)
        return response

    def _refresh(self, file_id: str) -> None:
        """Learn the version after an edit whose outcome I could not see."""
        response = self.call("read file", "GET", f"/api/v1/files/{file_id}")
        if response is not None and response.status_code == 200:
            self.own[file_id] = response.json()["version"]

    def do_upload(self):
        file_id = self.rng.choice(list(self.own))
        self.serial += 1
        words = f"购房合同 买受人 第{self.serial}号 {self.name} 付款方式 交付期限"
        if self.rng.random() < 0.1:
            data, name, media = png_scan(self.rng, f"合同{self.serial}号 交付"), "scan.png", "image/png"
        else:
            data, name, media = pdf_scan(words), "contract.pdf", "application/pdf"
        response = self.call("upload scan", "POST", f"/api/v1/files/{file_id}/documents",
                             files={"file": (name, data, media)},
                             data={"doc_type": "purchase_contract", "title": f"购房合同{self.serial}"})
        sha = hashlib.sha256(data).hexdigest()
        doc = self.acknowledged(response, "document", f"{file_id}:{sha}")
        if doc:
            self.ledger.note("documents", doc["id"], file_id=file_id, sha256=sha, size=len(data))
        return response

    def do_search(self):
        q = self.rng.choice(SEARCH_WORDS)
        return self.call("search", "GET", "/api/v1/search", params={"q": q, "per_page": 20})

    def do_read(self):
        pool = list(self.own) or self.team.loanable
        return self.call("read file", "GET", f"/api/v1/files/{self.rng.choice(pool)}")

    def do_contact(self):
        file_id = self.rng.choice(list(self.own))
        content = f"回访 {self.name} 第{self.serial}次 客户询问交房时间"
        self.serial += 1
        body = {"person": "客户本人", "channel": "phone", "purpose": "例行回访", "content": content,
                "feedback": "满意", "satisfaction": 9, "next_step": "一个月后再访"}
        response = self.call("record contact", "POST", f"/api/v1/files/{file_id}/contacts", json=body)
        doc = self.acknowledged(response, "contact", content)
        if doc:
            self.ledger.note("contacts", doc["id"], file_id=file_id, content=content)
        return response

    def do_loan(self):
        """Move one of my loans a step on, or ask for a new one."""
        if self.open_loans and self.rng.random() < 0.8:
            loan = self.rng.choice(self.open_loans)
            step = {"requested": ("approve", self.team.approver, {}),
                    "approved": ("checkout", self.team.archivist, {}),
                    "out": ("return", self.team.archivist, {"condition": "ok", "note": "完好"})}[loan["status"]]
            action, who, body = step
            response = self.call(f"loan {action}", "POST", f"/api/v1/loans/{loan['id']}/{action}", who=who, json=body)
            doc = self.acknowledged(response, f"loan {action}", loan["id"])
            if doc:
                loan["status"] = doc["status"]
                with self.ledger.lock:
                    entry = self.ledger.loans[loan["id"]]
                    entry["status"] = doc["status"]
                    entry["steps"].append(action)
            elif response is not None and response.status_code == 409 and action == "checkout":
                pass  # the folder is out to somebody else: try again later
            elif response is None or response.status_code >= 500:
                with self.ledger.lock:
                    self.ledger.loans[loan["id"]]["unsure"] = True
                if action != "return":  # a return is asked again, as the desk would after an error
                    self._reload_loan(loan)
            else:
                self._reload_loan(loan)
            if loan["status"] not in ("requested", "approved", "out"):
                self.open_loans.remove(loan)
            return response
        file_id = self.rng.choice(self.team.loanable)
        body = {"file_id": file_id, "kind": "physical", "purpose": self.rng.choice(PURPOSES), "days": 7}
        response = self.call("loan request", "POST", "/api/v1/loans", json=body)
        doc = self.acknowledged(response, "loan request", file_id)
        if doc:
            self.open_loans.append({"id": doc["id"], "file_id": file_id, "status": doc["status"]})
            self.ledger.note("loans", doc["id"], file_id=file_id, status=doc["status"], steps=["request"],
                             borrower=self.me)
        return response

    def _reload_loan(self, loan: dict) -> None:
        """After an unanswered or refused step, learn the loan's state as the server has it."""
        response = self.call("read loan", "GET", f"/api/v1/loans/{loan['id']}")
        if response is not None and response.status_code == 200:
            status = response.json()["status"]
            if status != loan["status"]:
                loan["status"] = status
                with self.ledger.lock:
                    self.ledger.loans[loan["id"]]["status_seen"] = status
