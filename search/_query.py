"""The query language: words (all must match), OR, NOT and -word, "phrases", prefix*, (groups).

Whoosh's parser builds the tree; each word, phrase and prefix then becomes one clause that looks in
every searchable field (`_schema`):

- a word is jieba-cut like the index: all its words must be in one of name, title or body, or all
  its character bigrams in `grams` (anywhere: a Whoosh phrase over bigrams costs twice the time of
  the whole search on common words, and bigrams that belong together rarely occur apart), or it
  equals a number (ID, phone, contract, archive) or a key of the name (the name whole, its pinyin
  or initials: a word equal to the whole name scores that file above those whose name merely holds
  it). Single characters that jieba leaves over are dropped from the word test (张伟 cut as 张/伟
  would otherwise match any page with both characters) and left to the bigrams; a word of one
  character also finds names that start with it and text that holds it before another character.
- a "phrase" of Chinese characters alone must stand together in the text: consecutive bigrams in
  `grams` (which holds the name and the title too), or consecutive words in name or title (which
  ranks a file named so first). Not the body's words: jieba gives a compound and its parts one
  position, so 身份证 and 号码 stand at consecutive positions in 居民身份证 证件号码.
- any other "phrase" (letters, digits, punctuation) must appear as consecutive words (positions
  count words) in name, title or body, or as consecutive bigrams in `grams`, which catches phrases
  jieba cuts differently in the page than in the query; punctuation inside it is skipped as in
  Lucene.
- prefix* matches words, numbers and pinyin that start with it, and Chinese text that contains it.
- a number is one word however it is written (`_numbers`): 158 2093 6471, 158-2093-6471 and
  15820936471 are the same word, 1,200,000.00 and 壹佰贰拾万元整 are 1200000. Digit groups that
  single spaces separate are read as one number when the index would read them so (six digits or
  more): "158 2093 6471" is one word, not three; "89 120" stays two. A number never finds another
  that merely shares a group (2,368,000 does not find 1,368,000); a group alone (368) finds the
  numbers written with it.

Whoosh forgives everything (an unclosed quote becomes a word); this module refuses what a person
would not mean — unclosed quotes or brackets, AND/OR/NOT without a term — with `QueryError`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.qparser import QueryParser
from whoosh.qparser import plugins
from whoosh.qparser import syntax

from search._analysis import HAN
from search._analysis import Vocabulary
from search._analysis import code_key
from search._analysis import fold
from search._analysis import gram_units
from search._analysis import is_word
from search._analysis import pieces
from search._numbers import Number
from search._schema import CODE_FIELDS
from search._schema import WORD_FIELDS

_QUOTES = str.maketrans({c: '"' for c in "“”„‟「」『』＂"})
_OPERATORS = {"AND", "OR", "NOT"}
_SINGLE_HAN = re.compile(r"[\u3400-\u9fff]")
_HAN_RUN = re.compile(rf"[{HAN}]+")
_LATIN_END = re.compile(r"[^\W_]$", re.ASCII)


def N_(msgid: str) -> str:  # the gettext name that extraction looks for; the services translate the message
    """Mark a message for translation: `QueryError.message` is a msgid with `params`."""
    return msgid


class QueryError(ValueError):
    """A query that cannot be understood; `message` says why (a Chinese msgid with named `params`)."""

    def __init__(self, message: str, position: int | None = None, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.position = position


@dataclass(frozen=True)
class ParsedQuery:
    """The Whoosh query, and the patterns of what it looks for (to mark in snippets)."""

    query: wq.Query
    needles: tuple[str, ...]
    numbers: tuple[str, ...] = ()


def prepare(text: str) -> str:
    """NFKC (full-width brackets and letters become ASCII) and Chinese quotes as plain quotes."""
    return unicodedata.normalize("NFKC", (text or "").translate(_QUOTES)).strip()


def parse(text: str, vocabulary: Vocabulary) -> ParsedQuery:
    """The query for a search box's text, cut with the index's vocabulary; blank text or a lone *
    matches everything."""
    text = prepare(text)
    if text in ("", "*"):
        return ParsedQuery(wq.Every(), ())
    validate(text)
    parser = _Parser(vocabulary)
    tree = parser.process(text)
    found = parser.build(tree).normalize()
    if found is wq.NullQuery:
        return ParsedQuery(found, ())
    needles = tuple(dict.fromkeys(_needles(tree, vocabulary)))
    return ParsedQuery(found, needles, tuple(dict.fromkeys(_numbers(tree, vocabulary))))


def validate(text: str) -> None:
    """Raise `QueryError` for unclosed quotes or brackets and for operators without terms."""
    tokens = _lex(text)
    depth = 0
    for i, (kind, value, at) in enumerate(tokens):
        before = tokens[i - 1][0] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "(":
            depth += 1
            if after and after[0] == ")":
                raise QueryError(N_("括号里没有检索词"), at)
        elif kind == ")":
            depth -= 1
            if depth < 0:
                raise QueryError(N_("多余的右括号"), at)
        elif kind == "op" and value in ("AND", "OR"):
            if before not in ("term", ")") or not after or after[0] not in ("term", "(", "op") \
                    or after[1] in ("AND", "OR"):
                raise QueryError(N_("%(op)s 两边都要有检索词"), at, op=value)
        elif kind == "op":
            if not after or after[0] not in ("term", "("):
                raise QueryError(N_("NOT 后面要有检索词"), at)
    if depth > 0:
        raise QueryError(N_("括号没有闭合"), text.rfind("("))


def _lex(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(N_("引号没有闭合"), i)
            tokens.append(("term", text[i:end + 1], i))
            i = end + 1
        elif char in "()":
            tokens.append((char, char, i))
            i += 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in '()"':
                end += 1
            word = text[i:end]
            tokens.append(("op" if word in _OPERATORS else "term", word, i))
            i = end
    return tokens


def _operator(word: str) -> str:
    return rf"(?<![^\s()]){word}(?![^\s()])"


class _PhraseNode(syntax.TextNode):
    def r(self):
        return f"Phrase {self.text!r}"

    def query(self, parser):
        return parser.phrase_clause(self.text, self.boost)


class _PhrasePlugin(plugins.TaggingPlugin):
    class PhraseNode(_PhraseNode):
        pass

    expr = r'"(?P<text>[^"]*)"'
    nodetype = PhraseNode


class _NumberNode(syntax.TextNode):
    def r(self):
        return f"Number {self.text!r}"

    def query(self, parser):
        return word_clause(self.text, parser.vocabulary, self.boost)


class _NumberPlugin(plugins.TaggingPlugin):
    """Digit groups separated by single spaces that make one number (`_numbers`): one word, before
    the whitespace between them splits them into several."""

    expr = r"(?<![^\s(-])[0-9A-Za-z]+(?: [0-9A-Za-z]+)+(?=[\s)]|$)"

    def create(self, parser, match):
        found = list(pieces(fold(match.group())))
        if len(found) == 1 and isinstance(found[0], Number):
            return _NumberNode(match.group())
        return None


class _MinusPlugin(plugins.Plugin):
    """-word and -(group) at any depth: the next node is negated (Whoosh's own plugin only looks at
    the top level and turns a lone -word into nothing)."""

    class Minus(syntax.MarkerNode):
        pass

    def taggers(self, parser):
        return [(plugins.FnTagger(r"(?:^|(?<=[\s(]))-(?=[^\s)])", self.Minus, "minus"), 0)]

    def filters(self, parser):
        return [(self.negate, 510)]

    def negate(self, parser, group):
        nodes = []
        negate_next = False
        for node in group:
            if isinstance(node, self.Minus):
                negate_next = True
                continue
            if isinstance(node, syntax.GroupNode):
                node = self.negate(parser, node)
            nodes.append(syntax.NotGroup([node]) if negate_next else node)
            negate_next = False
        return group.__class__(nodes)


class _Parser(QueryParser):
    """Whoosh's parser with this archive's syntax; terms become multi-field clauses."""

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        super().__init__("_all", None, plugins=[
            plugins.WhitespacePlugin(),
            plugins.GroupPlugin(),
            _PhrasePlugin(),
            _NumberPlugin(),
            _MinusPlugin(),
            plugins.OperatorsPlugin(And=_operator("AND"), Or=_operator("OR"), Not=_operator("NOT"),
                                    AndNot=None, AndMaybe=None, Require=None),
            plugins.PrefixPlugin(expr=r'(?P<text>[^\s*()"]+)\*+(?=\s|$|\))'),
        ])

    def build(self, tree) -> wq.Query:
        """The query of a processed tree, with clauses that found nothing dropped."""
        return tree.query(self) or wq.NullQuery

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        """A word or a prefix*, over every searchable field."""
        if termclass is wq.Prefix:
            return prefix_clause(text, boost)
        return word_clause(text, self.vocabulary, boost)

    def phrase_clause(self, text, boost):
        """A "phrase", over every searchable field."""
        return phrase_clause(text, self.vocabulary, boost)


def _one_or_all(fieldname: str, words: list[str], cls=wq.And) -> wq.Query:
    if len(words) == 1:
        return wq.Term(fieldname, words[0])
    if cls is wq.Phrase:
        return wq.Phrase(fieldname, words)
    return wq.And([wq.Term(fieldname, word) for word in words])


def _exact(folded: str, cls=wq.Term) -> list[wq.Query]:
    # the numbers and the name's keys (whole, pinyin, initials), compared as letters and digits only
    key = code_key(folded)
    return [cls(fieldname, key) for fieldname in (*CODE_FIELDS, "name_py")] if key else []


def _clause(parts: list[wq.Query], boost: float) -> wq.Query | None:
    return wq.Or(parts, boost=boost) if parts else None


def word_clause(text: str, vocabulary: Vocabulary, boost: float = 1.0) -> wq.Query | None:
    """One unquoted word (see the module docstring)."""
    folded = fold(text)
    words = vocabulary.query_words(folded)
    kept = [w for w in words if not _SINGLE_HAN.fullmatch(w)] if len(words) > 1 else words
    parts = [_one_or_all(fieldname, kept) for fieldname in WORD_FIELDS] if kept else []
    units = gram_units(folded)
    if units:
        parts.append(_one_or_all("grams", units))
    if _SINGLE_HAN.fullmatch(folded):  # 王: names that start with it, text that holds it
        parts += [wq.Prefix("name", folded), wq.Prefix("grams", folded)]
    return _clause(parts + _exact(folded), boost)


def phrase_clause(text: str, vocabulary: Vocabulary, boost: float = 1.0) -> wq.Query | None:
    """One "quoted phrase" (see the module docstring)."""
    folded = fold(text)
    words = vocabulary.query_words(folded)
    # Chinese characters alone, two or more: the bigrams find them standing together; the body's
    # words would also find them apart (see the module docstring), at the cost of a second phrase
    fields = ("name", "title") if len(folded) > 1 and _HAN_RUN.fullmatch(folded) else WORD_FIELDS
    parts = [_one_or_all(fieldname, words, wq.Phrase) for fieldname in fields] if words else []
    units = gram_units(folded)
    if units:
        parts.append(_one_or_all("grams", units, wq.Phrase))
    return _clause(parts + _exact(folded), boost)


def prefix_clause(text: str, boost: float = 1.0) -> wq.Query | None:
    """One prefix* (see the module docstring)."""
    folded = fold(text)
    if not folded:
        return None
    parts: list[wq.Query] = [wq.Prefix(fieldname, folded) for fieldname in WORD_FIELDS]
    units = gram_units(folded)
    if len(units) == 1:
        parts += [wq.Prefix("grams", units[0]), wq.Term("grams", units[0])]
    elif units:
        parts.append(wq.Phrase("grams", units))
    return _clause(parts + _exact(folded, wq.Prefix), boost)


def _positive_leaves(node):
    """The tree's terms, phrases and prefixes outside NOT groups."""
    if isinstance(node, syntax.NotGroup):
        return
    if isinstance(node, syntax.GroupNode):
        for child in node.nodes:
            yield from _positive_leaves(child)
        return
    yield node


def _numbers(tree, vocabulary: Vocabulary):
    """The words with digits that the tree's positive terms look for: numbers, to mark in snippets
    however the page wrote them."""
    for node in _positive_leaves(tree):
        text = getattr(node, "text", None)
        if text and not isinstance(node, plugins.PrefixPlugin.PrefixNode):
            yield from (word for word in vocabulary.query_words(text) if any(char.isdigit() for char in word))


def _needles(tree, vocabulary: Vocabulary):
    """Regular expressions, over folded text, of what the tree's positive terms look for."""
    for node in _positive_leaves(tree):
        text = getattr(node, "text", None)
        if text:
            yield from _needles_of(node, text, vocabulary)


def _needles_of(node, text: str, vocabulary: Vocabulary):
    folded = fold(text)
    if not is_word(folded):
        return
    if isinstance(node, _PhraseNode):
        words = vocabulary.query_words(folded)
        if words:
            yield r"[\W_]*".join(re.escape(word) for word in words)
    elif isinstance(node, plugins.PrefixPlugin.PrefixNode):
        yield re.escape(folded) + (r"[^\W_]*" if _LATIN_END.search(folded) else "")
    else:
        yield re.escape(folded)
        yield from (re.escape(word) for word in vocabulary.query_words(folded) if len(word) > 1)
