"""Snippets: a stretch of the original text around the matches, escaped, with <mark> on each match.

Numbers are marked however the page wrote them: a query for 15820936471 marks 158 2093 6471, one for
1200000 marks 壹佰贰拾万元整 (`_numbers` reads the text as the index did)."""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

from search._analysis import fold_with_offsets
from search._numbers import numbers as numbers_in

SNIPPET_CHARS = 120
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Needles:
    """What a snippet marks: a pattern over folded text, and number keys wherever a number has them."""

    pattern: re.Pattern | None
    numbers: frozenset[str]


def needle_pattern(needles: Iterable[str], numbers: Iterable[str] = ()) -> Needles | None:
    """The query's needles (one pattern, longer ones tried first) and numbers."""
    needles = sorted(set(needles), key=len, reverse=True)
    found = Needles(re.compile("|".join(needles)) if needles else None, frozenset(numbers))
    return found if found.pattern or found.numbers else None


def snippet(text: str, pattern: Needles | None, size: int = SNIPPET_CHARS) -> Markup:
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


def _matches(text: str, needles: Needles | None) -> list[tuple[int, int]]:
    # matches are found in folded text (NFKC, lower case) and mapped back to the original characters
    if needles is None:
        return []
    folded, origin = fold_with_offsets(text)
    spans = [m.span() for m in needles.pattern.finditer(folded)] if needles.pattern else []
    if needles.numbers:
        spans += [(start, end) for number in numbers_in(folded) for word, start, end in number.words()
                  if word in needles.numbers]
    merged: list[tuple[int, int]] = []
    for start, end in sorted((origin[start], origin[end - 1] + 1) for start, end in spans if end > start):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _window(spans: list[tuple[int, int]], length: int, size: int) -> int:
    # start a little before the match that has the most matches in the window after it
    if not spans or length <= size:
        return 0
    starts = [first for first, _ in spans]
    best = max(range(len(starts)), key=lambda i: (bisect_left(starts, starts[i] + size) - i, -i))
    return max(0, min(starts[best] - size // 5, length - size))
