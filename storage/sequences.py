"""Gap-free numbers per scope (archive numbers), drawn by unique inserts.

FerretDB v1 applies `$inc` as a read then a write, so two callers can get the same value;
an insert into a unique _id has exactly one winner. The highest number taken is found with
point lookups by _id only (exponential probe, then binary search): no collection scan.
"""
from __future__ import annotations

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from service import clock

MAX_TRIES = 10_000


class Sequences:
    """Draw the next number of a scope; every number is handed out once."""

    def __init__(self, db: Database):
        self._taken = db["sequence_numbers"]
        self._last: dict[str, int] = {}  # the last number this process took per scope: a hint only

    def _key(self, scope: str, number: int) -> str:
        return f"{scope}#{number:012d}"

    def _exists(self, scope: str, number: int) -> bool:
        return self._taken.find_one({"_id": self._key(scope, number)}) is not None

    def highest(self, scope: str) -> int:
        """The highest number taken in the scope (0 if none)."""
        if not self._exists(scope, 1):
            return 0
        low, high = 1, 2
        while self._exists(scope, high):
            low, high = high, high * 2
        while high - low > 1:  # low is taken, high is not
            middle = (low + high) // 2
            low, high = (middle, high) if self._exists(scope, middle) else (low, middle)
        return low

    def next(self, scope: str, owner: str = "") -> int:
        """Take the next number of the scope."""
        hint = self._last.get(scope)
        # From the last number this process took, try the next one straight away (a collision
        # costs one failed insert; a lookup that misses costs FerretDB more); else search.
        number = hint + 1 if hint is not None else self.highest(scope) + 1
        for _ in range(MAX_TRIES):
            try:
                self._taken.insert_one({"_id": self._key(scope, number), "scope": scope, "n": number,
                                        "owner": owner, "at": clock.now()})
                self._last[scope] = number
                return number
            except DuplicateKeyError:
                number += 1
        raise RuntimeError(f"could not draw a number in {scope!r}")
