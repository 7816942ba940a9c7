"""The index's posting codec (`search._codec`): what numpy reads from its blocks is what Whoosh reads
through its own matchers, across many blocks per term, after merges and with positions."""
from __future__ import annotations

import numpy as np
import pytest

from bench.corpus import customer_files
from search import SearchIndex
from search import _codec
from search._codec import ArrayLeafMatcher
from search._codec import read_arrays
from search._columns import SegmentColumns
from search._evaluate import evaluate
from search._query import parse
from search._schema import EntryScoring

TERMS = [("body", "违约金"), ("body", "买受人"), ("grams", "违约"), ("kind", "page"), ("title", "合同")]
QUERIES = ['"买受人 逾期"', '"逾期交房"', '"合同编号"', '"身份证号码"', '"应当 交付"', "违约金 钥匙", "违约金 -钥匙",
           "钥匙 OR 水表", "违约*"]


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """60 corpus files in three commits with 16 postings a block, then merged into one segment."""
    patch = pytest.MonkeyPatch()
    patch.setattr(_codec, "BLOCK_POSTINGS", 16)
    index = SearchIndex(tmp_path_factory.mktemp("codec") / "index")
    items = list(customer_files(60))
    index.add_terms(sorted({term for item in items for term in item.terms}))
    for start in range(0, 60, 20):
        with index.writer() as batch:
            for item in items[start:start + 20]:
                batch.upsert_file(item.file)
                for page in item.pages:
                    batch.upsert_page(page)
    before = _answers(index)
    writer = index.whoosh.writer(codec=_codec.ArrayCodec())
    writer.commit(optimize=True)
    patch.undo()
    return index, before


def _answers(index) -> dict:
    answers = {}
    with index.whoosh.searcher(weighting=EntryScoring()) as searcher:
        keys = searcher.reader().column_reader("key")
        for q in QUERIES:
            parsed = parse(q, index.vocabulary).query
            answers[q] = {keys[hit.docnum] for hit in searcher.search(parsed, limit=None)}
    return answers


def test_terms_span_many_blocks_and_numpy_reads_what_whoosh_reads(merged):
    index, _ = merged
    with index.whoosh.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == 1
        for fieldname, text in TERMS:
            matcher = reader.postings(fieldname, text)
            assert isinstance(matcher, ArrayLeafMatcher)
            has_positions = reader.schema[fieldname].format.supports("positions")
            ids, weights, where = read_arrays(matcher, positions=has_positions)
            expected = reader.postings(fieldname, text)
            whoosh_ids, whoosh_weights, whoosh_values = [], [], []
            while expected.is_active():
                whoosh_ids.append(expected.id())
                whoosh_weights.append(expected.weight())
                whoosh_values.append(expected.value())
                expected.next()
            assert len(whoosh_ids) > 2 * 16, (fieldname, text)  # three blocks or more
            assert ids.tolist() == whoosh_ids
            assert weights.tolist() == pytest.approx(whoosh_weights)
            if has_positions:
                owner, positions = where.positions(np.arange(len(ids)))
                decoded = [[] for _ in ids]
                for i, position in zip(owner.tolist(), positions.tolist()):
                    decoded[i].append(position)
                assert decoded == [matcher.format.decode_positions(value) for value in whoosh_values]
                every_third = np.arange(0, len(ids), 3)
                owner, positions = where.positions(every_third)
                assert sorted(set(owner.tolist())) == list(range(len(every_third)))
                assert positions.tolist() == [p for i in every_third.tolist() for p in decoded[i]]


def test_a_merged_index_answers_as_before_and_as_whoosh(merged):
    index, before = merged
    assert _answers(index) == before
    with index.whoosh.searcher(weighting=EntryScoring()) as searcher:
        keys = searcher.reader().column_reader("key")
        for q in QUERIES:
            parsed = parse(q, index.vocabulary).query
            (leaf, _offset), = searcher.leaf_searchers()
            found = evaluate(parsed, leaf, leaf.reader(), SegmentColumns(leaf.reader()))
            assert {keys[int(n)] for n in found.docs} == before[q], q
    assert sum(bool(keys) for keys in before.values()) >= 4  # the queries find something
