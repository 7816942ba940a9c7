"""Helpers shared by the benchmarks: fresh settings, percentiles, a table printer, results."""
from __future__ import annotations

import cProfile
import io
import json
import math
import os
import platform
import pstats
import threading
import time
import unicodedata
import uuid
from contextlib import contextmanager
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Sequence

from pymongo import monitoring

from service import settings as settings_module
from service.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def fresh_settings(label: str = "bench") -> Settings:
    """Settings from the environment (`scripts/bench` exports it) with a database name and a
    bucket prefix of their own, so a benchmark never touches anybody else's data."""
    tag = uuid.uuid4().hex[:10]
    return settings_module.from_env().with_overrides(db_name=f"bench_{label}_{tag}",
                                                     bucket_prefix=f"bench-{tag}")


def percentile(seconds: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of a list of durations; NaN for an empty list."""
    if not seconds:
        return math.nan
    ordered = sorted(seconds)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def p50(seconds: Sequence[float]) -> float:
    """Median."""
    return percentile(seconds, 50)


def p95(seconds: Sequence[float]) -> float:
    """95th percentile."""
    return percentile(seconds, 95)


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return "-" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f}"


def rate(count: int, seconds: float) -> float:
    """Operations per second."""
    return count / seconds if seconds > 0 else math.inf


class Stopwatch:
    """`with Stopwatch() as sw: ...` then sw.seconds."""

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """Print (and return) rows as an aligned text table; numbers are right-aligned."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    numeric = [all(_is_number(row[i]) for row in cells[1:]) if len(cells) > 1 else False
               for i in range(len(headers))]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - _width(value))
            parts.append(pad + value if numeric[i] else value + pad)
        return "  ".join(parts).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]
    text = "\n".join(out)
    print(text, flush=True)
    return text


def _is_number(value: str) -> bool:
    if value in ("-", ""):
        return True
    try:
        float(value.rstrip("x%"))
        return True
    except ValueError:
        return False


def write_results(name: str, data: dict) -> Path:
    """Write bench/results/<name>.json (with when and where it ran); its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {"benchmark": name, "finished_at": datetime.now(timezone.utc).isoformat(),
                "host": {"python": platform.python_version(), "machine": platform.machine(),
                         "cpus": _cpus()},
                **data}
    path.write_text(json.dumps(_clean(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return path


def _cpus() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def _clean(value):
    """JSON has no NaN or infinity: write null for them; paths as strings."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


@contextmanager
def profiled(folder: str, label: str, top: int = 15):
    """Run the block under cProfile when `folder` is set: statistics to `<folder>/<label>.prof`, the
    `top` functions by their own time and by cumulative time printed. Without a folder, nothing."""
    if not folder:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
        profiler.dump_stats(str(Path(folder) / f"{safe}.prof"))
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        print(f"  profile of {label}:\n{out.getvalue()}", flush=True)


class RoundTrips(monitoring.CommandListener):
    """Counts the database commands of every client made after `register()`, by command and
    collection, with their time, while `counting` is on (a step of a benchmark)."""

    def __init__(self):
        self.counting = False
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str], list] = {}
        self.collections: dict[int, str] = {}  # request id -> the collection its command named

    def register(self) -> "RoundTrips":
        monitoring.register(self)
        return self

    @contextmanager
    def counted(self):
        """Count the block's commands (the counts before are dropped)."""
        with self.lock:
            self.counts = {}
        self.counting = True
        try:
            yield self
        finally:
            self.counting = False

    def started(self, event) -> None:
        if self.counting:
            named = event.command.get(event.command_name)
            self.collections[event.request_id] = named if isinstance(named, str) else ""

    def succeeded(self, event) -> None:
        self._add(event)

    def failed(self, event) -> None:
        self._add(event)

    def _add(self, event) -> None:
        if not self.counting:
            return
        key = (event.command_name, self.collections.pop(event.request_id, ""))
        with self.lock:
            entry = self.counts.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += event.duration_micros / 1e6

    def summary(self, per: int = 1, top: int = 12) -> list[dict]:
        """The most frequent commands: count (and count per `per` units), seconds in all."""
        ranked = sorted(self.counts.items(), key=lambda item: -item[1][0])[:top]
        return [{"command": c, "collection": coll, "count": n, "per_unit": round(n / max(per, 1), 2),
                 "seconds": round(s, 2)} for (c, coll), (n, s) in ranked]
