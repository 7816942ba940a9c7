"""Numbers as one word however they were written or read: digit groups and amounts in capitals.

OCR and people write one number many ways: 158 2093 6471, 158-2093-6471, 1,200,000.00, ¥1,200,000元,
壹佰贰拾万元整. In folded text (`_analysis.fold`: full-width digits, commas, hyphens and spaces are
already ASCII) this module finds such numbers and gives each a canonical key of its digits, so that
the page and the query meet whatever the separators:

- groups of letters and digits joined by one hyphen (any dash) or, between digits only (the last
  may end in the X of an ID number), one space
  are one number when they hold at least six digits: 158 2093 6471 -> 15820936471,
  HT-2024-0815 -> ht20240815, 2024-03-07 -> 20240307. Shorter ones stay apart: "89 120" is a list
  and 1-3 a range. A comma never joins such groups (nor do two spaces or 、).
- thousands written with commas (1 to 3 digits, then groups of exactly 3) are one number:
  2,368,000 -> 2368000; 12,34 is not.
- a decimal part is kept without its trailing zeros: 1,200,000.00 -> 1200000, 89.50 -> 89.5.
- amounts in capitals (大写) are read by cn2an: 壹佰贰拾万元整 -> 1200000, 叁万伍仟元伍角 -> 35000.5.
  Lower-case numerals (一百二十万) are ordinary text: they are everywhere in prose (一些, 第一条).

Besides its key, a number has parts, each also a word at the number's position: its groups (so that
368 still finds 1,368,000, and 2024 the date 2024-03-07), for groups joined by spaces or hyphens the
joined runs of consecutive groups with six digits or more (a phone after a year, 2024 158 2093 6471,
is found as 15820936471; a landline without its area code), and the whole yuan of an amount with
jiao and fen. A comma-grouped amount has no joined runs: 368,000 is not 1,368,000.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

MIN_DIGITS = 6
MAX_GROUPS = 8  # longer chains (a table row of figures) are cut: joined runs grow with its square
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_RUN = re.compile(rf"(?<![0-9a-z])(?<![0-9]\.)[0-9a-z]+(?:[ ,{_DASHES}][0-9a-z]+)*(?:\.[0-9]+(?![.0-9]))?")
_UNIT = re.compile(rf"(?P<thousands>[0-9]{{1,3}}(?:,[0-9]{{3}})+(?![0-9a-z]|,[0-9a-z]))|(?P<group>[0-9a-z]+)"
                   rf"|(?P<sep>[ ,{_DASHES}])|(?P<fraction>\.[0-9]+)")
_SPACED = re.compile(r"[0-9]+x?")  # what a space joins: digits (an ID number ends in X)
_NUMERAL = "壹贰叁肆伍陆柒捌玖"
_CAPITAL = re.compile(rf"(?P<whole>[{_NUMERAL}拾][零{_NUMERAL}拾佰仟万萬亿億]*)(?P<yuan>[元圆]"
                      rf"(?:零?(?P<jiao>[{_NUMERAL}])角)?(?:零?(?P<fen>[{_NUMERAL}])分)?[整正]?)?")


@dataclass(frozen=True)
class Number:
    """A number in folded text: its span, its key, and its parts as (word, start, end)."""

    start: int
    end: int
    key: str
    parts: tuple[tuple[str, int, int], ...] = ()

    def words(self) -> tuple[tuple[str, int, int], ...]:
        """The key over the whole span, then the parts."""
        return ((self.key, self.start, self.end), *self.parts)


def numbers(folded: str) -> list[Number]:
    """The numbers of folded text, in order, none overlapping."""
    found = [number for match in _RUN.finditer(folded) for number in _grouped(match.group(), match.start())]
    found += filter(None, (_capital(match) for match in _CAPITAL.finditer(folded)))
    return sorted(found, key=lambda number: number.start)


def _grouped(run: str, offset: int) -> list[Number]:
    units = [(m.lastgroup, m.group(), offset + m.start(), offset + m.end()) for m in _UNIT.finditer(run)]
    fraction = units.pop() if units[-1][0] == "fraction" else None
    chains, chain = [], [units[0]]
    for (_, sep, _, _), unit in zip(units[1::2], units[2::2]):
        joined = sep != "," and chain[-1][0] == unit[0] == "group" and len(chain) < MAX_GROUPS \
            and (sep != " " or bool(_SPACED.fullmatch(chain[-1][1]) and _SPACED.fullmatch(unit[1])))
        if joined:
            chain.append(unit)
        else:
            chains.append(chain)
            chain = [unit]
    chains.append(chain)
    found = [_chain(chain, fraction if chain is chains[-1] else None) for chain in chains]
    return [number for number in found if number]


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _chain(chain: list[tuple], fraction: tuple | None) -> Number | None:
    # one number of groups joined by spaces or dashes, or one comma-grouped amount
    texts = [text.replace(",", "") for _, text, _, _ in chain]
    key = "".join(texts)
    start, end = chain[0][2], chain[-1][3]
    if fraction and not key.isdigit():
        fraction = None
    if fraction is None and len(chain) == 1 and chain[0][0] == "group":
        return None  # a plain word or figure: jieba's
    if len(chain) > 1 and _digits(key) < MIN_DIGITS:
        return None
    parts: list[tuple[str, int, int]] = []
    if chain[0][0] == "thousands":
        at = start
        for group in chain[0][1].split(","):
            parts.append((group, at, at + len(group)))
            at += len(group) + 1
    elif len(chain) > 1:
        parts += [(text, first, last) for _, text, first, last in chain]
        parts += [("".join(texts[i:j]), chain[i][2], chain[j - 1][3]) for i in range(len(chain))
                  for j in range(i + 2, len(chain) + 1) if (i, j) != (0, len(chain))
                  and _digits("".join(texts[i:j])) >= MIN_DIGITS]
    if fraction:
        decimals = fraction[1][1:].rstrip("0")
        end = fraction[3]
        if decimals:
            parts = [(key, start, fraction[2]), *parts, (fraction[1][1:], fraction[2] + 1, end)]
            key = f"{key}.{decimals}"
    return Number(start, end, key, tuple(dict.fromkeys(p for p in parts if p[0] != key)))


def _capital(match: re.Match) -> Number | None:
    # cn2an reads the yuan (the hard part: 拾, 佰, 万 and 零); jiao and fen are one numeral each
    if len(match.group("whole")) < 2 and not match.group("yuan"):
        return None  # a lone 拾 or 伍 is a word (拾取, 伍先生)
    try:
        whole = str(cn2an.cn2an(match.group("whole"), "normal"))
    except ValueError:
        return None
    decimals = "".join(str(_NUMERAL.index(d) + 1) if d else "0"
                       for d in (match.group("jiao"), match.group("fen"))).rstrip("0")
    if not decimals:
        return Number(match.start(), match.end(), whole)
    return Number(match.start(), match.end(), f"{whole}.{decimals}", ((whole, match.start(), match.end()),))
