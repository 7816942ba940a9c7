"""The search index on its own: Chinese analysis, query syntax, permissions, facets, snippets,
the write lock between processes, and rebuild equivalence. No database, no object store."""
from __future__ import annotations

import multiprocessing
from datetime import date

import pytest

from search import IndexBusy
from search import QueryError
from search import SearchIndex
from search import Visibility
from search import entry_hash
from tests.support.index_entries import AUTHORIZATION
from tests.support.index_entries import CONTRACT
from tests.support.index_entries import DEPOSIT
from tests.support.index_entries import WANG
from tests.support.index_entries import ZHANG
from tests.support.index_entries import a_file
from tests.support.index_entries import a_page

EVERYONE = Visibility(all=True)
CLERK = Visibility()  # sees normal files only
@pytest.fixture
def index(tmp_path):
    """An index of two customers: 张伟 (contract, authorization) and 王芳 (deposit agreement)."""
    made = SearchIndex(tmp_path / "index")
    with made.writer() as batch:
        batch.add_terms(["张伟", "王芳", "锦绣澜庭", "滨江一号", "授权委托书"])
        batch.upsert_file(ZHANG)
        batch.upsert_page(a_page(ZHANG, "doc-contract", CONTRACT, day=1))
        batch.upsert_page(a_page(ZHANG, "doc-auth", AUTHORIZATION, doc_type="authorization", title="委托文件", day=2))
        batch.upsert_file(WANG)
        batch.upsert_page(a_page(WANG, "doc-deposit", DEPOSIT, doc_type="survey_form", title="认购协议", day=6))
    return made


def found(index, q, visibility=EVERYONE, **options) -> dict[str, list[str]]:
    """{file_id: [document_id:page, ...]} of a search, in result order."""
    result = index.search(q, visibility=visibility, **options)
    return {g.file_id: [f"{p.document_id}:{p.page}" for p in g.pages] for g in result.groups}


def snippets(index, q) -> list[str]:
    """Every page snippet of a search."""
    return [str(p.snippet) for g in index.search(q, visibility=EVERYONE).groups for p in g.pages]


def test_a_contract_page_is_found_by_its_words_and_phrases(index):
    assert set(found(index, "锦绣澜庭")["f-0001"]) == {"doc-contract:1", "doc-auth:1"}
    assert found(index, "违约金") == {"f-0001": ["doc-contract:1"], "f-0002": ["doc-deposit:1"]}
    assert found(index, '"逾期交房"') == {"f-0001": ["doc-contract:1"]}
    assert found(index, "“逾期交房” 违约金") == {"f-0001": ["doc-contract:1"]}
    # a phrase keeps its order; the same two words unquoted need not
    assert found(index, '"交房逾期"') == {}
    assert found(index, "交房 逾期") == {"f-0001": ["doc-contract:1"]}


def test_a_phrase_of_chinese_characters_must_stand_together_in_the_text(tmp_path):
    # jieba gives a compound and its parts one position (居民身份证 / 身份证, 证件号码 / 号码), so
    # "身份证" and "号码" stand at consecutive word positions in 居民身份证 证件号码: as words they
    # would make a phrase the page does not hold
    made = SearchIndex(tmp_path / "index")
    register = a_page(ZHANG, "doc-register", "证件类型：居民身份证  证件号码：110101199003071234", title="业主登记表")
    late = a_page(ZHANG, "doc-late", "买受人逾期，交房日期顺延。", title="补充协议")
    contract = a_page(WANG, "doc-contract", CONTRACT, title="购房合同")
    with made.writer() as batch:
        for page in (register, late, contract):
            batch.upsert_page(page)
    assert found(made, '"身份证号码"') == {"f-0002": ["doc-contract:1"]}
    assert found(made, '"逾期交房"') == {"f-0002": ["doc-contract:1"]}
    # unquoted, the words may stand anywhere on the page
    assert set(found(made, "身份证 号码")) == {"f-0001", "f-0002"}
    assert set(found(made, "逾期 交房")) == {"f-0001", "f-0002"}
    # a title that holds the phrase finds its pages, and ranks its file first
    assert list(found(made, '"业主登记"')) == ["f-0001"]


def test_the_parts_of_a_compound_word_find_it(index):
    for word in ("授权", "委托", "委托书", "授权委托书"):
        assert "doc-auth:1" in found(index, word).get("f-0001", []), word
    assert any("<mark>委托书</mark>" in s for s in snippets(index, "委托书"))


def test_a_name_in_the_dictionary_is_a_word_inside_running_text(index):
    assert "doc-auth:1" in found(index, "张伟")["f-0001"]
    assert any("委托人<mark>张伟</mark>特授权" in s for s in snippets(index, "张伟"))
    assert found(index, '"委托人张伟"') == {"f-0001": ["doc-auth:1"]}


def test_any_run_of_two_characters_is_found_across_jieba_s_cuts(index):
    # jieba cuts 张伟|特|授权 and 项目|锦绣澜庭: these runs are no words, the bigrams find them
    assert found(index, "伟特") == {"f-0001": ["doc-auth:1"]}
    assert found(index, "目锦") == {"f-0001": ["doc-contract:1"]}
    assert found(index, '"伟特授权受托"') == {"f-0001": ["doc-auth:1"]}
    assert found(index, "特授") == {"f-0001": ["doc-auth:1"]}


def test_pinyin_and_initials_find_the_customer(index):
    for q in ("zhangwei", "ZhangWei", "zw", "zhang*", "wangfang", "wf"):
        result = index.search(q, visibility=EVERYONE)
        assert [g.file_id for g in result.groups if g.file_match], q
    assert [g.file_id for g in index.search("zhangwei", visibility=EVERYONE).groups] == ["f-0001"]
    assert [g.file_id for g in index.search("wf", visibility=EVERYONE).groups] == ["f-0002"]


def test_full_width_letters_and_digits_are_folded(index):
    assert found(index, "abc123") == {"f-0001": ["doc-contract:1"]}
    assert found(index, "ＡＢＣ１２３") == {"f-0001": ["doc-contract:1"]}
    assert "型号<mark>ＡＢＣ１２３</mark>" in snippets(index, "abc123")[0]


def test_id_phone_and_contract_numbers_match_exactly(index):
    result = index.search("110101199003071234", visibility=EVERYONE)
    assert [g.file_id for g in result.groups] == ["f-0001"] and result.groups[0].file_match
    assert [g.file_id for g in index.search("110101199003071235", visibility=EVERYONE).groups] == ["f-0002"]
    assert index.search("1101011990", visibility=EVERYONE).total == 0
    for q in ("13800138000", "138-0013-8000", "ht-2024-0815", "HT20240815", "kh-2024-0002"):
        assert index.search(q, visibility=EVERYONE).groups[0].file_id in ("f-0001", "f-0002"), q
    assert [g.file_id for g in index.search("kh-2024-0002", visibility=EVERYONE).groups] == ["f-0002"]


def test_or_minus_not_and_prefix(index):
    assert set(found(index, "逾期交房 OR 定金")) == {"f-0001", "f-0002"}
    assert set(found(index, "逾期交房 定金")) == set()
    assert set(found(index, "违约金 -锦绣澜庭")) == {"f-0002"}
    assert set(found(index, "违约金 NOT 定金")) == {"f-0001"}
    assert set(found(index, "(逾期交房 OR 定金) -王芳")) == {"f-0001"}
    assert set(found(index, "锦绣*")) == {"f-0001"}
    assert set(found(index, "交房验*")) == {"f-0001"}
    assert set(found(index, "ht-2024*")) == {"f-0001"}
    # alone, -word keeps every entry without it: both files' own entries and the authorization
    assert found(index, "-违约金") == {"f-0001": ["doc-auth:1"], "f-0002": []}


@pytest.mark.parametrize("q", ['"逾期交房', "AND OR (", "(违约金 定金", "违约金)", "OR 违约金", "违约金 AND",
                               "NOT", "违约金 () 定金"])
def test_a_query_that_cannot_be_understood_raises_query_error(index, q):
    with pytest.raises(QueryError) as raised:
        index.search(q, visibility=EVERYONE)
    assert raised.value.message and raised.value.position is not None


def test_snippets_mark_the_hits_and_escape_the_page_text(index):
    [snippet] = snippets(index, "原件")
    assert "&lt;b&gt;<mark>原件</mark>&lt;/b&gt; &amp; 复印件" in snippet
    assert "<b>" not in snippet and snippet.count("<mark>") == 1
    page = index.search("原件", visibility=EVERYONE).groups[0].pages[0]
    assert page.snippet.__html__() == snippet  # safe to put in a template as it is
    [long] = snippets(index, '"首付款"')
    assert "<mark>首付款</mark>" in long and long.startswith("…") and len(long) < 200


def test_a_confidential_file_is_found_only_inside_its_department(tmp_path):
    index = SearchIndex(tmp_path / "index")
    secret = a_file("f-0009", "赵敏", security="confidential", department="大客户部", project="锦绣澜庭",
                    customer_type="投资")
    with index.writer() as batch:
        batch.upsert_file(secret)
        batch.upsert_page(a_page(secret, "doc-9", CONTRACT))
    outsider = index.search("违约金", visibility=Visibility(departments={"销售部"}))
    assert (outsider.total, outsider.hits_total, outsider.groups) == (0, 0, ())
    assert all(values == {} for values in outsider.facets.values())
    assert index.search("赵敏", visibility=CLERK).total == 0
    assert index.search("", visibility=CLERK).total == 0
    insider = index.search("违约金", visibility=Visibility(departments={"大客户部"}))
    assert [g.file_id for g in insider.groups] == ["f-0009"]
    assert insider.facets["project"] == {"锦绣澜庭": 1}
    assert index.search("违约金", visibility=EVERYONE).total == 1


def test_a_sealed_file_is_found_only_with_all_or_an_approved_loan(tmp_path):
    index = SearchIndex(tmp_path / "index")
    sealed = a_file("f-0007", "孙丽", security="sealed", department="销售部")
    with index.writer() as batch:
        batch.upsert_file(sealed)
        batch.upsert_page(a_page(sealed, "doc-7", AUTHORIZATION))
    assert index.search("授权", visibility=Visibility(departments={"销售部"})).total == 0
    assert index.search("孙丽", visibility=CLERK).total == 0
    assert index.search("授权", visibility=Visibility(file_ids={"f-0001"})).total == 0
    assert index.search("授权", visibility=Visibility(file_ids={"f-0007"})).total == 1
    assert index.search("授权", visibility=EVERYONE).total == 1


def test_sealing_a_file_hides_the_pages_indexed_before(index):
    assert index.search("逾期交房", visibility=CLERK).total == 1
    with index.writer() as batch:
        batch.upsert_file(a_file("f-0001", "张伟", security="sealed", project="锦绣澜庭"))
    assert index.search("逾期交房", visibility=CLERK).total == 0
    assert index.search("逾期交房", visibility=Visibility(file_ids={"f-0001"})).total == 1


def test_facets_count_visible_files(tmp_path):
    """Facets count customer files: a file with two matching pages of one type counts once, and
    choosing a facet value shows as many files as it said."""
    index = SearchIndex(tmp_path / "index")
    hidden = a_file("f-0003", "李强", security="confidential", department="大客户部", project="锦绣澜庭",
                    customer_type="投资")
    with index.writer() as batch:
        for file in (ZHANG, WANG, hidden):
            batch.upsert_file(file)
        batch.upsert_page(a_page(ZHANG, "doc-contract", CONTRACT, page=1))
        batch.upsert_page(a_page(ZHANG, "doc-contract", CONTRACT.replace("按揭", "一次性"), page=2))
        batch.upsert_page(a_page(WANG, "doc-deposit", DEPOSIT, doc_type="survey_form"))
        batch.upsert_page(a_page(hidden, "doc-hidden", CONTRACT))
    everyone = index.search("违约金", visibility=EVERYONE)
    assert (everyone.total, everyone.hits_total) == (3, 4)
    assert everyone.facets["doc_type"] == {"purchase_contract": 2, "survey_form": 1}
    assert everyone.facets["project"] == {"锦绣澜庭": 2, "滨江一号": 1}
    clerk = index.search("违约金", visibility=CLERK)
    assert (clerk.total, clerk.hits_total) == (2, 3)
    assert clerk.facets == {"doc_type": {"purchase_contract": 1, "survey_form": 1},
                            "customer_type": {"刚需": 1, "投资": 1},
                            "stage": {"成交": 1, "意向": 1}, "project": {"滨江一号": 1, "锦绣澜庭": 1}}
    for name, counts in everyone.facets.items():
        for value, count in counts.items():
            assert index.search("违约金", visibility=EVERYONE, filters={name: value}).total == count


def test_filters_paging_and_sorting(index):
    assert set(found(index, "违约金", filters={"doc_type": "survey_form"})) == {"f-0002"}
    assert set(found(index, "违约金", filters={"project": ["滨江一号", "锦绣澜庭"]})) == {"f-0001", "f-0002"}
    assert set(found(index, "", filters={"customer_type": "刚需", "stage": "成交"})) == {"f-0001"}
    # ZHANG's pages were uploaded on days 1 and 2, WANG's on day 6; days are Shanghai days
    assert found(index, "违约金", filters={"date_from": date(2024, 3, 2), "date_to": date(2024, 3, 3)}) == \
        {"f-0001": ["doc-contract:1"]}
    assert set(found(index, "违约金", filters={"date_from": date(2024, 3, 7)})) == {"f-0002"}
    newest = index.search("", visibility=EVERYONE, sort="date", per_page=1)
    assert (newest.total, newest.pages, [g.file_id for g in newest.groups]) == (2, 2, ["f-0002"])
    second = index.search("", visibility=EVERYONE, sort="date", per_page=1, page=2)
    assert [g.file_id for g in second.groups] == ["f-0001"]
    assert index.search("", visibility=EVERYONE, page=3, per_page=1).groups == ()
    with pytest.raises(ValueError):
        index.search("违约金", visibility=EVERYONE, filters={"owner": "x"})
    with pytest.raises(ValueError):
        index.search("违约金", visibility=EVERYONE, sort="name")


def test_deleting_a_file_removes_its_pages(index):
    with index.writer() as batch:
        batch.delete_file("f-0001")
    assert found(index, "违约金") == {"f-0002": ["doc-deposit:1"]}
    assert index.search("张伟", visibility=EVERYONE).total == 0
    with index.writer() as batch:
        batch.delete_document("doc-deposit")
    assert index.search("违约金", visibility=EVERYONE).total == 0
    stats = index.stats()
    assert (stats["files"], stats["pages"], stats["documents"]) == (1, 0, 0)


def test_a_failed_batch_writes_nothing_and_releases_the_lock(index):
    with pytest.raises(RuntimeError):
        with index.writer() as batch:
            batch.delete_file("f-0001")
            raise RuntimeError("the OCR text could not be read")
    assert index.search("张伟", visibility=EVERYONE).total == 1
    with index.writer(timeout=0.5) as batch:
        batch.delete_file("f-0001")
    assert index.search("张伟", visibility=EVERYONE).total == 0


def test_a_writer_gives_up_after_its_timeout(index):
    held = index.whoosh.writer()  # a plain Whoosh writer, as a long commit elsewhere would
    try:
        with pytest.raises(IndexBusy, match="locked by another writer for 0.5 s"):
            with index.writer(timeout=0.5) as batch:
                batch.delete_file("f-0001")
        assert index.search("张伟", visibility=EVERYONE).total == 1  # readers never wait for writers
    finally:
        held.cancel()
    assert index.search("张伟", visibility=EVERYONE).total == 1


def _write_batch(directory, name: str, start: int, count: int, barrier) -> float:
    index = SearchIndex(directory)
    owner = a_file(f"f-{name}", name)
    with index.writer(timeout=120) as batch:
        batch.upsert_file(owner)
        for n in range(count):
            batch.upsert_page(a_page(owner, f"doc-{name}", f"{CONTRACT}\n第{start + n}页", page=n + 1))
        barrier.wait(timeout=60)  # both processes reach the lock together
    return batch.waited


def test_a_second_writer_process_waits_for_the_lock_and_both_batches_land(tmp_path):
    directory = tmp_path / "index"
    SearchIndex(directory).add_terms(["张伟"])
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        barrier = manager.Barrier(2)
        jobs = [pool.apply_async(_write_batch, (directory, name, i * 1000, 150, barrier))
                for i, name in enumerate(("甲方", "乙方"))]
        waited = [job.get(timeout=240) for job in jobs]
    index = SearchIndex(directory)
    assert index.stats()["pages"] == 300 and index.stats()["files"] == 2
    assert set(found(index, "张伟")) == {"f-甲方", "f-乙方"}
    assert max(waited) > 0  # one of them found the lock taken and waited for it


def _incremental(directory) -> SearchIndex:
    """An index kept up to date through the life of three files."""
    index = SearchIndex(directory)
    zhou = a_file("f-0011", "周子轩", customer_type="改善", project="锦绣澜庭", department="销售部")
    ouyang = a_file("f-0012", "欧阳明远", day=3, customer_type="刚需", project="滨江一号", department="销售部")
    with index.writer() as batch:
        batch.upsert_file(zhou)
        batch.upsert_page(a_page(zhou, "doc-a", "委托人周子轩特授权受托人办理交房。违约金另计。", day=1))
        batch.upsert_page(a_page(zhou, "doc-b", "旧的扫描，识别有误：逾其交房", day=1))
    with index.writer() as batch:
        batch.upsert_file(ouyang)
        batch.upsert_page(a_page(ouyang, "doc-c", "委托人欧阳明远特此授权。逾期交房的，支付违约金。", day=4))
        batch.upsert_page(a_page(ouyang, "doc-c", "第二页：定金条款", page=2, day=4))
        batch.upsert_page(a_page(zhou, "doc-b", "重新识别：买受人逾期交房的，应支付违约金。", day=2))
    with index.writer() as batch:  # the names reach the dictionary after their pages were indexed
        batch.add_terms(["周子轩", "欧阳明远"])
        batch.upsert_file(a_file("f-0011", "周子轩", customer_type="改善", project="锦绣澜庭",
                                 security="confidential", department="销售部"))
        batch.upsert_file(a_file("f-0013", "钱多多", day=9))
    with index.writer() as batch:
        batch.delete_file("f-0013")
        batch.delete_document("doc-c")
        batch.upsert_page(a_page(ouyang, "doc-c", "委托人欧阳明远特此授权。逾期交房的，支付违约金。", day=4))
    return index


def _rebuilt(directory) -> SearchIndex:
    """The same final entries written at once into a fresh directory."""
    index = SearchIndex(directory)
    zhou = a_file("f-0011", "周子轩", customer_type="改善", project="锦绣澜庭", security="confidential",
                  department="销售部")
    ouyang = a_file("f-0012", "欧阳明远", day=3, customer_type="刚需", project="滨江一号", department="销售部")
    with index.writer() as batch:
        batch.add_terms(["欧阳明远", "周子轩"])
        batch.upsert_page(a_page(ouyang, "doc-c", "委托人欧阳明远特此授权。逾期交房的，支付违约金。", day=4))
        batch.upsert_page(a_page(zhou, "doc-b", "重新识别：买受人逾期交房的，应支付违约金。", day=2))
        batch.upsert_page(a_page(zhou, "doc-a", "委托人周子轩特授权受托人办理交房。违约金另计。", day=1))
        batch.upsert_file(ouyang)
        batch.upsert_file(zhou)
    return index


def test_a_rebuilt_index_answers_exactly_like_the_incremental_one(tmp_path):
    kept, rebuilt = _incremental(tmp_path / "kept"), _rebuilt(tmp_path / "rebuilt")
    assert kept.entries_signature() == rebuilt.entries_signature()
    assert len(kept.entries_signature()) == 5
    queries = ["违约金", "周子轩", "欧阳明远", '"逾期交房"', "逾期交房 OR 定金", "交房 -授权", "zzx", "oymy",
               "子轩特", "委托*", "逾其", "", "锦绣澜庭"]
    viewers = [EVERYONE, CLERK, Visibility(departments={"销售部"})]
    for q in queries:
        for viewer in viewers:
            for sort in ("relevance", "date"):
                answers = [index.search(q, visibility=viewer, sort=sort) for index in (kept, rebuilt)]
                assert answers[0] == answers[1], q
    assert kept.search("周子轩", visibility=CLERK).total == 0
    assert kept.search("逾其", visibility=EVERYONE).total == 0


def test_terms_are_kept_with_the_index(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.add_terms(["锦绣澜庭", "张伟", "买买提·艾力", "A"])
    assert SearchIndex(tmp_path / "index").known_terms() == {"锦绣澜庭", "张伟", "买买提", "艾力"}


def test_entry_hash_matches_what_the_index_holds(index):
    signature = index.entries_signature()
    assert signature[("file", "f-0001")] == entry_hash(ZHANG)
    assert signature[("page", "doc-deposit:1")] == entry_hash(a_page(WANG, "doc-deposit", DEPOSIT,
                                                                       doc_type="survey_form", title="认购协议",
                                                                       day=6))


def test_a_search_before_anything_was_written_finds_nothing(tmp_path):
    """A web process may search a new installation's index before any worker wrote to it."""
    result = SearchIndex(tmp_path / "index").search("锦绣澜庭", visibility=EVERYONE)
    assert (result.total, result.groups, result.facets["doc_type"]) == (0, (), {})


def test_a_writer_that_locks_first_holds_the_lock_for_its_whole_block_and_always_lets_go(tmp_path):
    index = SearchIndex(tmp_path / "index")
    with index.writer(lock_first=True):  # writes nothing: lets go all the same
        with pytest.raises(IndexBusy), index.writer(timeout=0.2) as other:
            other.upsert_file(a_file("f-0001", "张伟"))
    with pytest.raises(ZeroDivisionError), index.writer(lock_first=True) as failed:
        failed.upsert_file(a_file("f-0001", "张伟"))
        raise ZeroDivisionError
    assert index.search("张伟", visibility=EVERYONE).total == 0
    with index.writer(timeout=0.2, lock_first=True) as batch:
        batch.upsert_file(a_file("f-0001", "张伟"))
    assert index.search("张伟", visibility=EVERYONE).total == 1
