"""The array side of search (`search._columns`, `search._evaluate`) against Whoosh's own reading and
matching, on an index of several segments with deleted entries: the numpy paths read Whoosh's
private structures, so these tests are what catches an upgrade that changes them."""
from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from whoosh import query as wq

from bench.corpus import customer_files
from bench.corpus import ground_truth
from search import SearchIndex
from search import Visibility
from search._columns import SegmentColumns
from search._columns import file_key
from search._evaluate import evaluate
from search._filters import allowed_mask
from search._filters import filter_query
from search._filters import narrowing
from search._index import SHANGHAI
from search._query import parse
from search._schema import EntryScoring

QUERIES = ['"违约金 按日"', '"买受人 逾期"', '"出卖人 应当"', "违约金", "锦绣澜庭", "钥匙 水表", "违约金 -钥匙",
           "钥匙 OR 水表", "(钥匙 OR 水表) 违约金", "-违约金",
           '"逾期交房"', '"身份证号码"', "违约*", "锦*", "zw", "zhang*", "110101*", "不存在的词",
           "首付款 OR 不存在的词",
           "NOT 钥匙 违约金", "置业顾问", "授权委托书"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """120 corpus files in four commits (four segments), then a few files and documents deleted."""
    index = SearchIndex(tmp_path_factory.mktemp("arrays") / "index")
    items = list(customer_files(120))
    index.add_terms(sorted({term for item in items for term in item.terms}))
    for start in range(0, 120, 30):
        with index.writer() as batch:
            for item in items[start:start + 30]:
                batch.upsert_file(item.file)
                for page in item.pages:
                    batch.upsert_page(page)
    with index.writer() as batch:
        batch.delete_file(items[3].file.file_id)
        batch.delete_file(items[40].file.file_id)
        batch.delete_document(items[70].pages[0].document_id)
    return index, items


def test_the_index_has_several_segments_and_deletions(built):
    index, _ = built
    stats = index.stats()
    assert stats["segments"] > 1
    assert stats["deleted"] > 0


def test_columns_equal_whooshs_own_reading_of_every_entry(built):
    index, _ = built
    with index.whoosh.searcher() as searcher:
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            columns = SegmentColumns(reader)
            assert columns.size == reader.doc_count_all()
            dates = reader.column_reader("date")
            for n in range(columns.size):
                stored = reader.stored_fields(n)["entry"]
                for name in ("kind", "security", "department", "doc_type", "customer_type", "stage", "project"):
                    assert columns.values[name][columns.codes[name][n]] == (stored.get(name) or ""), name
                assert columns.numbers["file_key"][n] == file_key(stored["file_id"])
                assert columns.text("file_id", n) == stored["file_id"]
                if stored["kind"] == "page":
                    assert columns.numbers["page"][n] == stored["page"]
                    assert columns.text("document_id", n) == stored["document_id"]
                moment = reader.schema["date"].from_column_value(int(columns.numbers["date"][n]))
                assert moment == dates[n]
                for field in ("name", "title", "body", "grams"):
                    assert columns.lengths(field)[n] == (reader.doc_field_length(n, field) or 0), field


def _sampled_phrases() -> list[str]:
    # phrases of two to four words cut from the corpus's pages, quoted, and the same words
    # quoted in the wrong order (found by neither, unless the page has them so too)
    items = list(customer_files(120))
    truth = ground_truth(items, phrases=24, names=0, seed=5)
    cut = [phrase for phrase, _ in truth.phrases]
    return [f'"{p}"' for p in cut] + [f'"{p[len(p) // 2:]}{p[:len(p) // 2]}"' for p in cut[:8]]


@pytest.mark.parametrize("q", QUERIES + _sampled_phrases())
def test_array_matching_finds_what_whoosh_finds(built, q):
    index, _ = built
    parsed = parse(q, index.vocabulary).query
    with index.whoosh.searcher(weighting=EntryScoring()) as searcher:
        expected = {}
        if parsed is not wq.NullQuery:
            expected = {hit.docnum: hit.score for hit in searcher.search(parsed, limit=None)}
        found = {}
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            columns = SegmentColumns(reader)
            live = np.ones(columns.size, dtype=bool)
            live[list(reader.deleted_docs_set)] = False
            matches = evaluate(parsed, leaf, reader, columns)
            for doc, score in zip(matches.docs.tolist(), matches.scores.tolist()):
                if live[doc]:
                    found[offset + doc] = score
    assert set(found) == set(expected), q
    # a prefix scores each entry by its best word (Whoosh: a constant); a negation adds nothing
    # (Whoosh: 1 to every match, which changes no order); a phrase scores as the sum of its words
    if "*" not in q and "-" not in q and "NOT" not in q and '"' not in q:
        for docnum, score in expected.items():
            assert math.isclose(found[docnum], score, rel_tol=1e-5), (q, docnum)


@pytest.mark.parametrize("visibility, filters", [
    (Visibility(), {}),
    (Visibility(departments={"销售一部"}), {}),
    (Visibility(departments={"销售一部", "销售二部"}, file_ids={"file-000007"}), {"project": ["锦绣澜庭", "滨江一号"]}),
    (Visibility(all=True), {"doc_type": "purchase_contract", "stage": "成交"}),
    (Visibility(all=True), {"date_from": "day0", "date_to": "day0"}),
])
def test_masks_allow_exactly_what_the_filter_query_allows(built, visibility, filters):
    index, items = built
    if filters.get("date_from") == "day0":
        day = items[10].file.created.astimezone(SHANGHAI).date()
        filters = {"date_from": day - timedelta(days=3), "date_to": day}
    restriction = filter_query(filters, visibility, SHANGHAI)
    narrow = narrowing(filters, SHANGHAI)
    to_column = index.whoosh.schema["date"].to_column_value
    with index.whoosh.searcher() as searcher:
        expected = set(searcher.docs_for_query(restriction)) if restriction is not None else \
            set(searcher.reader().all_doc_ids())
        found = set()
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            mask = allowed_mask(SegmentColumns(reader), visibility, narrow, to_column)
            found |= {offset + n for n in np.flatnonzero(mask).tolist() if not reader.is_deleted(n)}
    assert found == expected
    assert 0 < len(found)


def test_a_search_sees_a_commit_made_after_its_searcher_was_opened(tmp_path):
    index = SearchIndex(tmp_path / "index")
    items = list(customer_files(4))
    with index.writer() as batch:
        batch.upsert_file(items[0].file)
    assert index.search("", visibility=Visibility(all=True)).total == 1
    with index.writer() as batch:
        batch.upsert_file(items[1].file)
        batch.delete_file(items[0].file.file_id)
    result = index.search("", visibility=Visibility(all=True))
    assert [g.file_id for g in result.groups] == [items[1].file.file_id]


def test_facet_counts_are_the_same_by_table_and_by_sorting(monkeypatch):
    from search import _results
    rng = np.random.default_rng(7)
    codes = rng.integers(-1, 6, size=5000)
    group = rng.integers(0, 700, size=5000)
    values = [f"v{i}" for i in range(6)]
    by_table = _results._facet(codes, values, group, 700)
    monkeypatch.setattr(_results, "TABLE_CELLS", 0)
    assert _results._facet(codes, values, group, 700) == by_table
    expected = {f"v{c}": len({g for cc, g in zip(codes, group) if cc == c}) for c in range(6)}
    assert by_table == dict(sorted(expected.items(), key=lambda item: (-item[1], item[0])))
