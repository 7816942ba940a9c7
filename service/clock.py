"""The one source of the current time: the product reads it here, tests set it here.

The setting is process-wide (every thread, the live test server's included) and guarded by a lock.
This module imports nothing of the product, so storage may read the time from it too.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

_lock = threading.Lock()
_fixed: datetime | None = None  # the clock stands still here when set
_offset = timedelta(0)  # else: the machine's time plus this


def now() -> datetime:
    """The current time, timezone-aware UTC, to the millisecond (what the database keeps)."""
    with _lock:
        fixed, offset = _fixed, _offset
    moment = fixed if fixed is not None else datetime.now(timezone.utc) + offset
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def today(zone: ZoneInfo | str) -> date:
    """Today's date in a zone (a ZoneInfo or its name)."""
    return now().astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Inside the block the clock stands still at `at` (an aware datetime)."""
    with _setting(_utc(at), timedelta(0)):
        yield


@contextmanager
def running_from(at: datetime) -> Iterator[None]:
    """Inside the block the clock reads `at` on entry and then runs on at the machine's pace."""
    with _setting(None, _utc(at) - datetime.now(timezone.utc)):
        yield


def advance(delta: timedelta) -> None:
    """Move the clock by `delta`, frozen or running (for a test's "later")."""
    global _fixed, _offset
    with _lock:
        if _fixed is not None:
            _fixed += delta
        else:
            _offset += delta


@contextmanager
def _setting(fixed: datetime | None, offset: timedelta) -> Iterator[None]:
    global _fixed, _offset
    with _lock:
        before = _fixed, _offset
        _fixed, _offset = fixed, offset
    try:
        yield
    finally:
        with _lock:
            _fixed, _offset = before


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock takes an aware datetime, not a naive one")
    return at.astimezone(timezone.utc)
