"""Snippets: a stretch of the original text around the matches, escaped, with <mark> on each match."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

from markupsafe import Markup
from markupsafe import escape

from search._analysis import fold_with_offsets

SNIPPET_CHARS = 120
_SPACE = re.compile(r"\s+")


def needle_pattern(needles: Iterable[str]) -> re.Pattern | None:
    """One pattern for the query's needles, longer ones tried first."""
    needles = sorted(set(needles), key=len, reverse=True)
    return re.compile("|".join(needles)) if needles else None


def snippet(text: str, pattern: re.Pattern | None, size: int = SNIPPET_CHARS) -> Markup:
    """About `size` characters of `text` around its best run of matches (its start if none),
    HTML-escaped, matches in <mark>, whitespace collapsed, … where text was cut."""
    if not text:
        return Markup("")
    spans = _matches(text, pattern)
    start = _window(spans, len(text), size)
    end = min(len(text), start + size)
    out = ["…" if start else ""]
    cursor = start
    for first, last in spans:
        first, last = max(first, cursor), min(last, end)
        if first >= last:
            continue
        out += [_plain(text[cursor:first]), "<mark>", _plain(text[first:last]), "</mark>"]
        cursor = last
    out += [_plain(text[cursor:end]), "…" if end < len(text) else ""]
    return Markup("".join(out))


def _plain(piece: str) -> str:
    return str(escape(_SPACE.sub(" ", piece)))


def _matches(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    # matches are found in folded text (NFKC, lower case) and mapped back to the original characters
    if pattern is None:
        return []
    folded, origin = fold_with_offsets(text)
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(folded) if m.end() > m.start()]


def _window(spans: list[tuple[int, int]], length: int, size: int) -> int:
    # start a little before the match that has the most matches in the window after it
    if not spans or length <= size:
        return 0
    starts = [first for first, _ in spans]
    best = max(range(len(starts)), key=lambda i: (bisect_left(starts, starts[i] + size) - i, -i))
    return max(0, min(starts[best] - size // 5, length - size))
