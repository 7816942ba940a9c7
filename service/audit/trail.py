"""The tamper-evident audit trail: each entry carries the hash of the one before it."""
from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timezone
from typing import Any
from typing import Iterator

from search import RecordKind
from search import Selection
from service import clock
from service.listings import Listed
from service.listings import Listings
from service.listings import epoch_ms
from storage.audit import AuditRepository

log = logging.getLogger(__name__)

GENESIS = "0" * 64
MAX_TRIES = 1000
HASHED_FIELDS = ("seq", "at", "actor", "action", "target", "details", "prev_hash")
AUDIT_LISTING = RecordKind("audit", coded=("actor", "action", "target"), numbers=("seq", "at"))


def audit_values(entry: dict) -> dict:
    """An entry's values in the audit trail's listing index."""
    return {"actor": entry.get("actor"), "action": entry.get("action"), "target": entry.get("target"),
            "seq": entry.get("seq"), "at": epoch_ms(entry.get("at"))}


def listed_audit(repo: AuditRepository) -> Listed:
    """How the listing indexes read the trail: append-only and numbered densely, followed by its number."""
    return Listed(AUDIT_LISTING, repo.by_key, repo.every, audit_values, after=repo.after, sequence="seq")


def jsonable(value: Any) -> Any:
    """A value with every key a string and every collection a list or dict, as the chain hashes it."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return str(value)


def entry_hash(entry: dict) -> str:
    """SHA-256 over a canonical serialisation of the entry's hashed fields."""
    at = entry["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    body = {name: entry.get(name) for name in HASHED_FIELDS}
    body["at"] = at.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_chain(repo, hashing) -> dict:
    """Walk a hash chain (`storage.audit.ChainedEntries`) in order: {"ok", "entries" (those that
    hold), "first_bad"}; `hashing` is the chain's entry hash."""
    expected_prev, expected_seq = GENESIS, 1
    for entry in repo.in_order():
        intact = (entry["_id"] == repo.key(expected_seq) and entry.get("seq") == expected_seq
                  and entry.get("prev_hash") == expected_prev and entry.get("hash") == hashing(entry))
        if not intact:
            return {"ok": False, "entries": expected_seq - 1, "first_bad": expected_seq}
        expected_prev, expected_seq = entry["hash"], expected_seq + 1
    return {"ok": True, "entries": expected_seq - 1, "first_bad": None}


def verify_run(repo, entries: list[dict], hashing) -> dict:
    """Check a run of consecutive entries (as a page shows them, in any order) without walking the
    whole chain: each entry's number, hash and link to the entry before it (the one before the run
    read by number). {"ok", "entries" (how many were checked), "first_bad"}."""
    run = sorted(entries, key=lambda e: e.get("seq") or 0)
    if not run:
        return {"ok": True, "entries": 0, "first_bad": None}
    first = run[0]["seq"]
    before = repo.at(first - 1) if first > 1 else None
    if first > 1 and before is None:
        return {"ok": False, "entries": len(run), "first_bad": first - 1}
    expected_prev = before["hash"] if before else GENESIS
    for seq, entry in enumerate(run, start=first):
        intact = (entry.get("seq") == seq and entry["_id"] == repo.key(seq) and entry.get("prev_hash") == expected_prev
                  and entry.get("hash") == hashing(entry))
        if not intact:
            return {"ok": False, "entries": len(run), "first_bad": seq}
        expected_prev = entry["hash"]
    return {"ok": True, "entries": len(run), "first_bad": None}


@dataclass
class _Waiting:
    """An entry one caller recorded, until it is stored (its number) or failed (the error)."""

    actor: str
    action: str
    target: str
    details: Any
    seq: int = 0
    error: BaseException | None = None
    settled: bool = False


class AuditTrail:
    """Append and verify; nothing here (or anywhere) deletes an entry."""

    def __init__(self, repo: AuditRepository, listings: Listings):
        self.repo = repo
        self.listings = listings
        self._tip: dict | None = None  # the last entry this process saw: a hint, never trusted alone
        self._lock = threading.Lock()  # held by the thread appending
        self._queue_lock = threading.Lock()
        self._queue: list[_Waiting] = []  # entries recorded but not yet taken by an appending thread

    def record(self, actor: str, action: str, target: str = "", details: dict | None = None) -> int:
        """Append one entry after the current last one; its sequence number, once it is stored.

        The entry's _id is its sequence number, so of two writers that read the same last entry
        only one can insert the next; the other walks forward and tries again. Threads of one process
        that record at once are written together (group commit): the thread that holds the lock
        appends every entry waiting, in the order they came, in one round trip, and each caller
        returns only after its own entry is stored (or raises what stopped it)."""
        waiting = _Waiting(actor or "-", action, target or "", jsonable(details or {}))
        with self._queue_lock:
            self._queue.append(waiting)
        with self._lock:
            if not waiting.settled:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._append(batch)
        if waiting.error is not None:
            raise waiting.error
        return waiting.seq

    def _append(self, batch: list["_Waiting"]) -> None:
        """Chain and store the batch after the newest entry (with the lock held)."""
        try:
            tip = self._tip if self._tip is not None else self.repo.newest(self.known_number())
            for attempt in range(MAX_TRIES):
                if attempt:
                    # Someone appended after our tip: follow existing entries (lookups that hit).
                    # Not done before the first try: a lookup that misses costs FerretDB far more
                    # than an insert that collides.
                    tip = self._walk_forward(tip)
                entries = []
                for waiting in batch:
                    before = entries[-1] if entries else tip
                    entry = {"seq": (before["seq"] if before else 0) + 1, "at": clock.now(), "actor": waiting.actor,
                             "action": waiting.action, "target": waiting.target, "details": waiting.details,
                             "prev_hash": before["hash"] if before else GENESIS}
                    entry["hash"] = entry_hash(entry)
                    entries.append(entry)
                stored = self.repo.insert_run(entries)
                for waiting, entry in zip(batch[:stored], entries[:stored]):
                    waiting.seq, waiting.settled = entry["seq"], True
                if stored:
                    tip = self._tip = entries[stored - 1]
                batch = batch[stored:]
                if not batch:
                    return
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))  # spread colliding writers
            raise RuntimeError("audit trail: could not append after many concurrent attempts")
        except Exception as exc:  # every caller still waiting learns why its entry was not stored
            for waiting in batch:
                waiting.error, waiting.settled = exc, True
            raise

    def _walk_forward(self, tip: dict | None) -> dict | None:
        """From a known entry, follow sequence numbers to the newest one."""
        while True:
            following = self.repo.at((tip["seq"] if tip else 0) + 1)
            if following is None:
                return tip
            tip = following

    def verify(self) -> dict:
        """Walk the chain: {"ok", "entries", "first_bad"} (the first entry that does not hold)."""
        found = verify_chain(self.repo, entry_hash)
        return found if found["ok"] else {**found, "entries": self.repo.count()}

    def search(self, target: str = "", actor: str = "", action: str = "", page: int = 1,
               per_page: int = 50, since: datetime | None = None,
               until: datetime | None = None) -> tuple[int, list[dict]]:
        """Entries matching the filters (action: its beginning, e.g. "auth."), newest first."""
        offset = (page - 1) * per_page
        if not (target or actor or action or since or until):
            return self.newest_first(offset, per_page)
        selection = self.selection(target, actor, action, since, until)
        found = self.listings.select(AUDIT_LISTING.name, replace(selection, offset=offset, limit=per_page))
        return found.total, self.repo.by_keys(found.ids)

    @staticmethod
    def selection(target: str, actor: str, action: str, since: datetime | None, until: datetime | None) -> Selection:
        """The filters as the listing index's selection (until: exclusive), newest first."""
        where = {name: {value} for name, value in (("target", target), ("actor", actor)) if value}
        ranges = {"at": (epoch_ms(since), epoch_ms(until) - 1 if until else None)} if since or until else {}
        return Selection(where=where, prefixes={"action": action} if action else {}, ranges=ranges,
                         sort="seq", descending=True)

    def newest_first(self, offset: int, limit: int) -> tuple[int, list[dict]]:
        """The whole trail's total (the newest sequence number) and a page of it, by point lookups."""
        newest = self.repo.newest(self.known_number())
        total = newest["seq"] if newest else 0
        top = total - offset
        return total, self.repo.downwards(top, min(limit, top)) if top > 0 and limit > 0 else []

    def known_number(self) -> int:
        """A sequence number known to exist: the highest of this process's last entry and the listing index's."""
        tip = self._tip
        held = self.listings.index(AUDIT_LISTING.name).highest("seq") or 0
        return max(held, tip["seq"] if tip else 0)

    def iter_matching(self, **filters) -> Iterator[dict]:
        """Every matching entry, newest first, page by page (for exports)."""
        page = 1
        while True:
            _, rows = self.search(page=page, per_page=500, **filters)
            if not rows:
                return
            yield from rows
            page += 1
