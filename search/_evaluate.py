"""Running a query over one segment with numpy: every matching entry and its score at once.

Whoosh's matchers walk the matches one entry at a time in Python, which costs 20-50 us an entry: a
common word in 50,000 pages takes seconds. Here a term's postings are read a block at a time into
arrays, and the query tree is evaluated with set operations on sorted entry numbers:

- Term: the postings of the word; score as `_schema.EntryScoring` (field weight x BM25's
  term-frequency saturation against a fixed length, from the field lengths Whoosh stores);
- And: entries in every positive part, score the sum; its Not parts are taken away;
- Or: entries in any part, score the sum of the parts that match (as Whoosh's union);
- Not alone: every entry but those; Every: every entry (score 1); Prefix: the words of the field
  that start with it, each entry scored by its best word;
- Phrase: entries holding all its words (as And), then each one's positions decoded and checked
  for the words at consecutive positions (Whoosh's span matchers cost ten times as much); scored
  as the sum of its words;
- anything else goes to Whoosh's own matcher for that segment.

Deleted entries are in the postings until segments merge; the caller removes them with the
segment's live mask. Blocks are read as arrays (`_codec.read_arrays`, which uses whoosh-reloaded
2.7.5's leaf matcher framing: `_lastblock`, `_next_block`, block offsets); a test compares
this module's answers with Whoosh's for many queries.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from pickle import loads

import numpy as np
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher

from search._codec import ArrayLeafMatcher
from search._codec import read_arrays
from search._columns import SegmentColumns
from search._schema import WEIGHTS

_K1, _B, _REFERENCE = 1.2, 0.75, 300.0
_POSITION_BITS = 32


@dataclass(frozen=True)
class Matches:
    """Entry numbers within a segment (sorted, unique) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)


NONE = Matches(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def evaluate(query: wq.Query, searcher, leaf, columns: SegmentColumns) -> Matches:
    """The entries of segment `leaf` that `query` matches, with scores; `searcher` is the segment's
    own Whoosh searcher (for the parts Whoosh evaluates)."""
    return _Segment(searcher, leaf, columns).run(query)


class _Segment:
    def __init__(self, searcher, leaf, columns: SegmentColumns):
        self.searcher = searcher
        self.leaf = leaf
        self.columns = columns

    def run(self, q: wq.Query) -> Matches:
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.And):
            return self.all_of(q.subqueries)
        if isinstance(q, wq.Or):
            return self.any_of([self.run(part) for part in q.subqueries])
        if isinstance(q, wq.Not):
            return _minus(self.every(0.0), self.run(q.query))
        if isinstance(q, wq.Every):
            return self.every(q.boost)
        if isinstance(q, wq.Prefix):
            return self.prefix(q.fieldname, q.text, q.boost)
        if isinstance(q, wq.Phrase) and q.slop == 1 and len(q.words) > 1 and self.leaf.schema[q.fieldname].format \
                .supports("positions"):
            return self.phrase(q)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return NONE
        return self.whoosh(q)

    def every(self, score: float) -> Matches:
        docs = np.arange(self.columns.size, dtype=np.int64)
        return Matches(docs, np.full(len(docs), float(score)))

    def term(self, fieldname: str, text, boost: float = 1.0) -> Matches:
        if fieldname not in self.leaf.schema or (fieldname, text) not in self.leaf:
            return NONE
        docs, weights, _ = _postings(self.leaf.postings(fieldname, text))
        return Matches(docs, self.scores(fieldname, docs, weights, boost))

    def scores(self, fieldname: str, docs: np.ndarray, weights: np.ndarray, boost: float) -> np.ndarray:
        if not self.leaf.schema[fieldname].scorable:
            return weights * boost
        length = self.columns.lengths(fieldname)[docs]
        factor = WEIGHTS.get(fieldname, 1.0) * boost
        return factor * weights * (_K1 + 1) / (weights + _K1 * ((1 - _B) + _B * length / _REFERENCE))

    def phrase(self, q: wq.Phrase) -> Matches:
        """Entries where the words stand at consecutive positions; scored as the sum of its words."""
        fieldname, words = q.fieldname, list(q.words)
        if fieldname not in self.leaf.schema or any((fieldname, word) not in self.leaf for word in words):
            return NONE
        read = [_postings(self.leaf.postings(fieldname, word), values=True) for word in words]
        docs = read[0][0]
        where = [np.arange(len(docs))]
        for other, _weights, _values in read[1:]:
            docs, mine, theirs = np.intersect1d(docs, other, assume_unique=True, return_indices=True)
            where = [w[mine] for w in where] + [theirs]
        # (candidate, position - k) of word k, as one int64 key: the phrase stands where every
        # word's keys meet. Whoosh codes positions as a pickled list of deltas per entry.
        meet = None
        for k, (_, _, values) in enumerate(read):
            keys = _position_keys([values[i] for i in where[k].tolist()]) - k
            meet = keys if meet is None else np.intersect1d(meet, keys, assume_unique=True)
        keep = np.zeros(len(docs), dtype=bool)
        keep[np.unique(meet >> _POSITION_BITS)] = True
        docs = docs[keep]
        total = np.zeros(len(docs))
        for (_, weights, _), w in zip(read, where):
            total += self.scores(fieldname, docs, weights[w[keep]], q.boost)
        return Matches(docs, total)

    def prefix(self, fieldname: str, text: str, boost: float) -> Matches:
        if fieldname not in self.leaf.schema:
            return NONE
        found = [self.term(fieldname, word, boost) for word in self.leaf.expand_prefix(fieldname, text)]
        return _union(found, np.maximum)

    def all_of(self, parts: list[wq.Query]) -> Matches:
        positive = [p for p in parts if not isinstance(p, wq.Not)]
        negative = [p.query for p in parts if isinstance(p, wq.Not)]
        result = None
        for part in positive:
            found = self.run(part)
            result = found if result is None else _intersect(result, found)
            if not len(result):
                return NONE
        if result is None:
            result = self.every(0.0)
        for part in negative:
            result = _minus(result, self.run(part))
        return result

    def any_of(self, found: list[Matches]) -> Matches:
        return _union(found, np.add)

    def whoosh(self, q: wq.Query) -> Matches:
        matcher = q.matcher(self.searcher, self.searcher.context())
        docs, scores = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Matches(np.asarray(docs, dtype=np.int64), np.asarray(scores, dtype=np.float64))


def _postings(matcher, values: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    # a term's entry numbers, weights and (if asked) encoded values (positions); deleted entries
    # stay (see the module docstring)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if isinstance(matcher, ArrayLeafMatcher):  # every posting list the index's codec wrote in blocks
        return read_arrays(matcher, values)
    ids, weights, encoded = [], [], []
    while matcher.is_active():  # postings short enough to be stored inline
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            encoded.append(matcher.value())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), encoded


def _position_keys(encoded: list[bytes]) -> np.ndarray:
    # candidate number << 32 | position, for every position of every candidate in order
    deltas = [loads(value[4:] if value.endswith(b".") else value[4:] + b".") for value in encoded]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
    starts = np.cumsum(counts) - counts
    running = np.cumsum(flat)
    positions = running - np.repeat(running[starts] - flat[starts], counts)  # cumsum within each candidate
    return (np.repeat(np.arange(len(encoded), dtype=np.int64), counts) << _POSITION_BITS) + positions


def _intersect(a: Matches, b: Matches) -> Matches:
    docs, left, right = np.intersect1d(a.docs, b.docs, assume_unique=True, return_indices=True)
    return Matches(docs, a.scores[left] + b.scores[right])


def _minus(a: Matches, b: Matches) -> Matches:
    if not len(b) or not len(a):
        return a
    keep = ~np.isin(a.docs, b.docs, assume_unique=True)
    return Matches(a.docs[keep], a.scores[keep])


def _union(found: list[Matches], combine) -> Matches:
    found = [m for m in found if len(m)]
    if not found:
        return NONE
    if len(found) == 1:
        return found[0]
    docs = np.concatenate([m.docs for m in found])
    scores = np.concatenate([m.scores for m in found])
    unique, inverse = np.unique(docs, return_inverse=True)
    if combine is np.add:
        return Matches(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))
    best = np.full(len(unique), -np.inf)
    np.maximum.at(best, inverse, scores)
    return Matches(unique, best)
