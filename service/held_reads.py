"""Reads held for the length of a batch: settings every row of a bulk job reads again.

An import stores thousands of files, and each file's reactions read the same few settings (the
follow-up rules, the retention policies, the owner's department) from the database. Within
`held()`, `once(key, read)` reads each key once and hands the same value to every later caller,
in this context and in threads that run in a copy of it (`contextvars.copy_context`). Outside a
`held()` block it always reads. A batch therefore applies the settings as they were when it first
read them, as a job that started before a change would.

    with held():
        rules = once("followups.rules", read_rules)
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable
from typing import Hashable
from typing import Iterator
from typing import TypeVar

T = TypeVar("T")
_HELD: contextvars.ContextVar[dict | None] = contextvars.ContextVar("held_reads", default=None)


@contextmanager
def held() -> Iterator[None]:
    """Hold what `once` reads until the block ends."""
    token = _HELD.set({})
    try:
        yield
    finally:
        _HELD.reset(token)


def once(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or inside `held()` the value it gave the first time for this key."""
    values = _HELD.get()
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]
