"""Helpers shared by the benchmarks: fresh settings, percentiles, a table printer, results."""
from __future__ import annotations

import json
import math
import os
import platform
import time
import unicodedata
import uuid
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Sequence

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
