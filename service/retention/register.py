"""The destruction register: one entry per executed batch, kept for ever and chained by hashes like the audit trail."""
from __future__ import annotations

import hashlib
import json

from service.audit import GENESIS
from service.audit import jsonable
from service.audit import verify_chain
from service.audit import verify_run
from storage.retention_register import RegisterRepository

MAX_TRIES = 1000


def entry_hash(entry: dict) -> str:
    """SHA-256 over a canonical serialisation of everything in the entry but its _id and hash."""
    body = jsonable({k: v for k, v in entry.items() if k not in ("_id", "hash")})
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DestructionRegister:
    """Append and verify; nothing deletes or changes an entry."""

    def __init__(self, repo: RegisterRepository):
        self.repo = repo

    def append(self, record: dict) -> dict:
        """Append a batch's record after the current last entry; the stored entry (with seq and hash)."""
        tip = self.repo.newest()
        for _ in range(MAX_TRIES):
            seq = (tip["seq"] if tip else 0) + 1
            entry = {**jsonable(record), "seq": seq, "prev_hash": tip["hash"] if tip else GENESIS}
            entry["hash"] = entry_hash(entry)
            if self.repo.insert(entry):
                return entry
            tip = self.repo.at(seq) or tip  # someone appended first: chain after theirs
        raise RuntimeError("destruction register: could not append")

    def of_batch(self, batch_id: str) -> dict | None:
        """The entry of a batch, or None."""
        return self.repo.of_batch(str(batch_id))

    def page(self, page: int = 1, per_page: int = 50) -> tuple[int, list[dict]]:
        """Entries, newest first (per_page 0: every entry)."""
        return self.repo.page((page - 1) * per_page, per_page)

    def verify(self) -> dict:
        """Walk the whole chain: {"ok", "entries", "first_bad"}."""
        return verify_chain(self.repo, entry_hash)

    def verify_shown(self, entries: list[dict]) -> dict:
        """Check the entries a page shows and their link to the entry before them (not the whole chain)."""
        return verify_run(self.repo, entries, entry_hash)
