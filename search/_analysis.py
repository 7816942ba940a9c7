"""Text analysis: NFKC folding, jieba words counted by position, character bigrams, codes, pinyin.

Every analysed text is first folded: NFKC (full-width ＡＢＣ１２３ becomes ABC123), lower case, and
whitespace between two Chinese characters removed (OCR output sometimes spaces them apart).

Words come from jieba in search mode (授权委托书 also yields 授权, 委托, 委托书), but unlike jieba's own
Whoosh analyzer a token's position counts words, not characters, and the parts of a word share the
word's position: two words that follow each other are at positions n and n+1, so phrases match.
Punctuation and spaces take no position, as in Lucene (the phrase 逾期交房 matches 逾期，交房).
A number however written (`_numbers`: 158 2093 6471, 1,200,000.00, 壹佰贰拾万元整) is one word at one
position, its canonical digits, with its groups as parts at the same position; the query is cut the
same way, so phrases that hold numbers match whatever separators either side used.

Each index has its own `Vocabulary`: jieba's dictionary extended with the product's terms (names,
projects, document types); those terms get a fixed weight and jieba's total is kept as it was, so a
term changes the cut of text that contains it and of nothing else (the index relies on that).
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from math import prod

import jieba
from pypinyin import Style
from pypinyin import lazy_pinyin
from pypinyin import pinyin
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from search._numbers import Number
from search._numbers import numbers

logger = logging.getLogger(__name__)

HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_GAP = re.compile(rf"(?<=[{HAN}])\s+(?=[{HAN}])")
_UNITS = re.compile(rf"(?P<han>[{HAN}]+)|(?P<other>[^\W_{HAN}]+)")
_NOT_CODE = re.compile(r"[\W_]+")
# jieba cuts inside runs of these characters only; a dictionary word must be one such run
_JIEBA_RUN = re.compile(r"[\u4e00-\u9fd5a-z0-9+#&._%-]+")
_HAN_PAIR = re.compile(r"[\u4e00-\u9fd5]{2}")
_ALL_HAN = re.compile(rf"[{HAN}]+")
MAX_TERM = 32
MAX_READINGS = 32


def fold(text: str) -> str:
    """NFKC, lower case, no whitespace between Chinese characters."""
    return _HAN_GAP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`fold`, with the index in `text` of every folded character."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        # the usual case (full-width punctuation and letters fold one to one): no per-character work
        origin = list(range(len(text)))
    else:
        pieces = [(piece, index) for index, char in enumerate(text)
                  for piece in unicodedata.normalize("NFKC", char).lower()]
        folded = "".join(piece for piece, _ in pieces)
        origin = [index for _, index in pieces]
    gaps = [(m.start(), m.end()) for m in _HAN_GAP.finditer(folded)]
    for start, end in reversed(gaps):
        folded = folded[:start] + folded[end:]
        del origin[start:end]
    return folded, origin


def is_word(token: str) -> bool:
    """A token that carries a letter, digit or character (not punctuation, not space)."""
    return any(char.isalnum() for char in token)


def gram_units(folded: str) -> list[str]:
    """Bigrams of every run of Chinese characters (a lone character stays whole) and every run of
    letters and digits whole, in text order; nothing spans punctuation. A number (`_numbers`) is one
    unit, its key: 1,368,000 gives 1368000, not 1, 368 and 000."""
    units: list[str] = []
    for piece in pieces(folded):
        if isinstance(piece, Number):
            units.append(piece.key)
            continue
        for match in _UNITS.finditer(piece):
            run = match.group()
            if match.group("han") and len(run) > 1:
                units.extend(run[i:i + 2] for i in range(len(run) - 1))
            else:
                units.append(run)
    return units


def pieces(folded: str) -> Iterator[str | Number]:
    """Folded text as the texts between its numbers and the numbers, in order (empty texts left out)."""
    cursor = 0
    for number in numbers(folded):
        if number.start > cursor:
            yield folded[cursor:number.start]
        yield number
        cursor = number.end
    if cursor < len(folded):
        yield folded[cursor:]


def code_key(value: str) -> str:
    """An ID, phone, contract or archive number as compared: folded, letters and digits only."""
    return _NOT_CODE.sub("", fold(value))


def pinyin_keys(name: str) -> list[str]:
    """Full pinyin and initials of a name for every reading of its characters (张伟 -> zhangwei, zw;
    曾 gives both ceng and zeng); letters and digits stay as they are; a name with more than 32
    readings keeps pypinyin's choice only."""
    runs = [m.group() for m in _UNITS.finditer(fold(name))]
    choices: list[list[tuple[str, str]]] = []
    for run in runs:
        if not _ALL_HAN.fullmatch(run):
            choices.append([(run, run)])
            continue
        for char in run:
            readings = dict.fromkeys(r.lower() for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0] if r)
            choices.append([(r, r[0]) for r in readings] or [(char, char)])
    if prod(len(options) for options in choices) > MAX_READINGS:
        choices = []
        for run in runs:
            if _ALL_HAN.fullmatch(run):
                choices.extend([(s, s[0])] for s in (r.lower() for r in lazy_pinyin(run)) if s)
            else:
                choices.append([(run, run)])
    keys: dict[str, None] = {}
    for combination in itertools.product(*choices):
        keys[code_key("".join(full for full, _ in combination))] = None
        keys[code_key("".join(initial for _, initial in combination))] = None
    return [key for key in keys if key]


def dictionary_terms(words: Iterable[str]) -> list[str]:
    """The parts of `words` that jieba can hold as dictionary words (a run it cuts inside, with
    two Chinese characters in a row, at most 32 long), folded, in order, without repeats."""
    found: dict[str, None] = {}
    for word in words:
        for part in _JIEBA_RUN.findall(fold(word)):
            if len(part) <= MAX_TERM and _HAN_PAIR.search(part):
                found[part] = None
    return list(found)


_BASE_LOCK = threading.Lock()
_BASE: list[jieba.Tokenizer] = []


def _base_dictionary() -> jieba.Tokenizer:
    # jieba's dictionary, loaded once per process (0.5 s, 60 MB) and never changed
    with _BASE_LOCK:
        if not _BASE:
            logging.getLogger("jieba").setLevel(logging.INFO)  # its DEBUG chatter on load
            loaded = jieba.Tokenizer()
            loaded.initialize()
            _BASE.append(loaded)
        return _BASE[0]


class Vocabulary:
    """One index's dictionary: jieba's plus that index's terms, in a jieba tokenizer of its own
    (a copy of the word table, about 15 MB), so an index is cut with its own terms.txt and nothing
    else: not jieba's global tokenizer, which other code may change, nor another index's terms."""

    USER_FREQ = 5000  # about a common word's frequency: a name wins over the characters around it

    def __init__(self):
        self._lock = threading.Lock()
        self._jieba: jieba.Tokenizer | None = None
        self._total = 0
        self._terms: set[str] = set()

    def _tokenizer(self) -> jieba.Tokenizer:
        with self._lock:
            if self._jieba is None:
                base = _base_dictionary()
                own = jieba.Tokenizer()
                own.FREQ, own.total, own.initialized = dict(base.FREQ), base.total, True
                self._jieba, self._total = own, base.total
            return self._jieba

    def add_terms(self, words: Iterable[str]) -> list[str]:
        """Teach jieba the terms not yet known; idempotent and thread-safe. Returns the new ones."""
        terms = dictionary_terms(words)
        tokenizer = self._tokenizer()
        added = []
        with self._lock:
            for term in terms:
                if term in self._terms:
                    continue
                tokenizer.add_word(term, freq=max(tokenizer.FREQ.get(term) or 0, self.USER_FREQ))
                # add_word raises jieba's total, which weighs every path of every sentence; putting
                # it back keeps the cut of text without this term exactly as it was
                tokenizer.total = self._total
                self._terms.add(term)
                added.append(term)
        return added

    def terms(self) -> frozenset[str]:
        """The terms added so far."""
        return frozenset(self._terms)

    def words(self, folded: str, search: bool) -> Iterator[tuple[int, int, int, str, tuple[str, ...]]]:
        """(position, start, end, word, parts) for each word of folded text; parts only in search mode.
        A number (`_numbers`) is one word, its key, however many groups it was written in; its parts
        share its position, so a phrase over a number matches however the number was written."""
        tokenizer = self._tokenizer()
        position = offset = 0
        for piece in pieces(folded):
            if isinstance(piece, Number):
                parts = tuple(dict.fromkeys(word for word, _, _ in piece.parts)) if search else ()
                yield position, piece.start, piece.end, piece.key, parts
                position, offset = position + 1, piece.end
                continue
            for word in tokenizer.cut(piece, HMM=True):
                start, offset = offset, offset + len(word)
                if not is_word(word):
                    continue
                yield position, start, offset, word, (self._parts(tokenizer, word) if search else ())
                position += 1

    def query_words(self, text: str) -> list[str]:
        """The words of a query string as the index holds them (jieba's accurate cut, no parts)."""
        return [word for _, _, _, word, _ in self.words(fold(text), search=False)]

    @staticmethod
    def _parts(tokenizer: jieba.Tokenizer, word: str) -> tuple[str, ...]:
        # jieba's search mode: the dictionary words of two and three characters inside a longer word
        if len(word) < 3 or not _ALL_HAN.fullmatch(word):
            return ()
        freq = tokenizer.FREQ
        parts = dict.fromkeys(g for n in (2, 3) if len(word) > n
                              for g in (word[i:i + n] for i in range(len(word) - n + 1)) if freq.get(g))
        parts.pop(word, None)
        return tuple(parts)


def _fill(token: Token, text: str, pos: int, start: int, end: int, positions: bool, chars: bool) -> Token:
    token.text = text
    token.boost = 1.0
    token.stopped = False
    if positions:
        token.pos = pos
    if chars:
        token.startchar, token.endchar = start, end
    return token


class WordTokenizer(Tokenizer):
    """jieba words of folded text, cut with `vocabulary`; search-mode parts share their word's
    position."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    def __getstate__(self):
        # Whoosh pickles the schema into the index; the dictionary stays out (SearchIndex always
        # opens the index with a schema of its own)
        return {"vocabulary": None}

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded = fold(value)
        if not tokenize:
            yield _fill(token, folded, start_pos, start_char, start_char + len(value), positions, chars)
            return
        if self.vocabulary is None:
            raise RuntimeError("this schema came from the index's own record: open it with SearchIndex")
        for pos, start, end, word, parts in self.vocabulary.words(folded, search=mode != "query"):
            for text in (*parts, word):
                yield _fill(token, text, start_pos + pos, start_char + start, start_char + end, positions, chars)


class GramTokenizer(Tokenizer):
    """`gram_units` of folded text, one position each."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, unit in enumerate(gram_units(fold(value))):
            yield _fill(token, unit, start_pos + pos, start_char, start_char, positions, chars)


class LineTokenizer(Tokenizer):
    """One token per line, as `code_key` makes it: for ID, phone and contract numbers and pinyin."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        keys = [code_key(line) for line in value.splitlines()] if tokenize else [code_key(value)]
        for pos, key in enumerate(k for k in keys if k):
            yield _fill(token, key, start_pos + pos, start_char, start_char, positions, chars)
