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
- Phrase: entries holding all its words (as And, the rarest word first); then every position of
  the word with the fewest positions in them gives where the phrase would start, and each other
  word is looked for at start + k by a binary search in that entry's positions of it
  (`_codec.PositionBlocks`), so a common word's positions are probed, not all decoded (Whoosh's
  span matchers cost ten times as much); scored as the sum of its words;
- anything else goes to Whoosh's own matcher for that segment.

Deleted entries are in the postings until segments merge; the caller removes them with the
segment's live mask. Blocks are read as arrays (`_codec.read_arrays`, which uses whoosh-reloaded
2.7.5's leaf matcher framing: `_lastblock`, `_next_block`, block offsets); a test compares
this module's answers with Whoosh's for many queries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as wq
from whoosh.matching.wrappers import FilterMatcher

from search._codec import ArrayLeafMatcher
from search._codec import PositionBlocks
from search._codec import read_arrays
from search._columns import SegmentColumns
from search._schema import WEIGHTS

_K1, _B, _REFERENCE = 1.2, 0.75, 300.0
DENSE = 32  # `_common` uses a table over the segment when a list holds more than 1/32 of it


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

    def scores(self, fieldname: str, docs: np.ndarray, weights: np.ndarray, boost: float,
               norm: np.ndarray | None = None) -> np.ndarray:
        """BM25 of each entry's weight; `norm` is `self.norm(fieldname, docs)` when a caller scores
        several words of the same entries."""
        if not self.leaf.schema[fieldname].scorable:
            return weights * boost
        if norm is None:
            norm = self.norm(fieldname, docs)
        return (WEIGHTS.get(fieldname, 1.0) * boost * (_K1 + 1)) * weights / (weights + norm)

    def norm(self, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """BM25's length part for the entries `docs` of the field."""
        return _K1 * ((1 - _B) + (_B / _REFERENCE) * self.columns.lengths(fieldname)[docs])

    def phrase(self, q: wq.Phrase) -> Matches:
        """Entries where the words stand at consecutive positions; scored as the sum of its words."""
        fieldname, words = q.fieldname, list(q.words)
        if fieldname not in self.leaf.schema or any((fieldname, word) not in self.leaf for word in words):
            return NONE
        read = [_postings(self.leaf.postings(fieldname, word), positions=True) for word in words]
        # the rarest word first: the candidates shrink fastest
        order = sorted(range(len(words)), key=lambda k: len(read[k][0]))
        docs = read[order[0]][0]
        where = {order[0]: np.arange(len(docs))}
        for k in order[1:]:
            mine, theirs = _common(docs, read[k][0], self.columns.size)
            docs = docs[mine]
            where = {j: w[mine] for j, w in where.items()}
            where[k] = theirs
            if not len(docs):
                return NONE
        # Where the phrase would start: every position of the word with the fewest positions in
        # the segment (its term info tells, without reading), less its place k in the phrase.
        # Each other word keeps the starts where it stands at start + k (a binary search in that
        # candidate's positions of the word, in the blocks that hold the candidates still alive).
        frequency = [self.leaf.term_info(fieldname, word).weight() for word in words]  # in the segment
        order = sorted(range(len(words)), key=frequency.__getitem__)
        # A candidate needs one start where every word stands: its first start is tried, and its
        # later ones only if that failed (a clause in most pages mostly stands where it first could).
        owner, positions = read[order[0]][2].positions(where[order[0]])
        starts = positions - order[0]
        first = np.ones(len(owner), dtype=bool)
        first[1:] = owner[1:] != owner[:-1]
        keep = np.zeros(len(docs), dtype=bool)
        keep[_standing(read, where, order, owner[first], starts[first])] = True
        later = ~first & ~keep[owner]
        if later.any():
            keep[_standing(read, where, order, owner[later], starts[later])] = True
        if not keep.any():
            return NONE
        if not keep.all():
            docs = docs[keep]
            where = {k: w[keep] for k, w in where.items()}
        total = np.zeros(len(docs))
        norm = self.norm(fieldname, docs) if self.leaf.schema[fieldname].scorable else None
        for k, (_, weights, _) in enumerate(read):
            total += self.scores(fieldname, docs, weights[where[k]], q.boost, norm)
        return Matches(docs, total)

    def prefix(self, fieldname: str, text: str, boost: float) -> Matches:
        if fieldname not in self.leaf.schema:
            return NONE
        found = [self.term(fieldname, word, boost) for word in self.leaf.expand_prefix(fieldname, text)]
        return _union(found, np.maximum, self.columns.size)

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
        return _union(found, np.add, self.columns.size)

    def whoosh(self, q: wq.Query) -> Matches:
        matcher = q.matcher(self.searcher, self.searcher.context())
        docs, scores = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Matches(np.asarray(docs, dtype=np.int64), np.asarray(scores, dtype=np.float64))


def _standing(read, where, order: list[int], owner: np.ndarray, starts: np.ndarray) -> np.ndarray:
    # the candidates (owner: ascending indices into the phrase's candidates) of the starts where
    # every word k of `order` but the first stands at start + k
    for k in order[1:]:
        if not len(owner):
            break
        found = read[k][2].holds(where[k][owner], starts + k)
        owner, starts = owner[found], starts[found]
    return owner


def _postings(matcher, positions: bool = False) -> tuple[np.ndarray, np.ndarray, PositionBlocks | None]:
    # a term's entry numbers, weights and (if asked) where its positions lie; deleted entries stay
    # (see the module docstring)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if isinstance(matcher, ArrayLeafMatcher):  # every posting list the index's codec wrote in blocks
        return read_arrays(matcher, positions)
    ids, weights, encoded = [], [], []
    while matcher.is_active():  # postings short enough to be stored inline
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if positions:
            encoded.append(matcher.value())
        matcher.next()
    where = PositionBlocks.of_values(encoded) if positions else None
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), where


def _common(a: np.ndarray, b: np.ndarray, size: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Where two sorted arrays of unique entry numbers hold the same number: its index in each. When
    the longer holds more than one entry in DENSE of the segment's `size`, through a table over the
    segment (the longer's index of every entry); else by binary search of the shorter one's numbers
    in the longer. No sort, as np.intersect1d makes."""
    if len(a) > len(b):
        theirs, mine = _common(b, a, size)
        return mine, theirs
    if not len(a):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if size and len(b) * DENSE > size:
        table = np.full(size, -1, dtype=np.int32)
        table[b] = np.arange(len(b), dtype=np.int32)
        at = table[a]
        hit = at >= 0
        return np.flatnonzero(hit), at[hit].astype(np.int64)
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    hit = b[at] == a
    return np.nonzero(hit)[0], at[hit]


def _intersect(a: Matches, b: Matches) -> Matches:
    left, right = _common(a.docs, b.docs, _size(a, b))
    return Matches(a.docs[left], a.scores[left] + b.scores[right])


def _size(a: Matches, b: Matches) -> int:
    # the segment's entries, at least: the largest entry number in either, plus one
    return int(max(a.docs[-1] if len(a) else -1, b.docs[-1] if len(b) else -1)) + 1


def _minus(a: Matches, b: Matches) -> Matches:
    if not len(b) or not len(a):
        return a
    keep = ~np.isin(a.docs, b.docs, assume_unique=True)
    return Matches(a.docs[keep], a.scores[keep])


def _union(found: list[Matches], combine, size: int) -> Matches:
    # a large union is counted over the segment's entries (no sort); a small one sorted
    found = [m for m in found if len(m)]
    if not found:
        return NONE
    if len(found) == 1:
        return found[0]
    docs = np.concatenate([m.docs for m in found])
    scores = np.concatenate([m.scores for m in found])
    if combine is np.add and len(docs) * 16 > size:
        unique = np.flatnonzero(np.bincount(docs, minlength=size))
        return Matches(unique, np.bincount(docs, weights=scores, minlength=size)[unique])
    unique, inverse = np.unique(docs, return_inverse=True)
    if combine is np.add:
        return Matches(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))
    best = np.full(len(unique), -np.inf)
    np.maximum.at(best, inverse, scores)
    return Matches(unique, best)
