"""Numbers are found however they were written or read: phones, ID, contract numbers and amounts with
spaces, commas, dashes or full-width characters, amounts in capitals; never another number that only
shares a group of digits. The index on its own, no servers."""
from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from search import FileEntry
from search import PageEntry
from search import SearchIndex
from search import Visibility

EVERYONE = Visibility(all=True)
START = datetime(2024, 3, 1, 2, 0, tzinfo=timezone.utc)

PAGES = {
    "phone": "买受人张伟，联系电话：158 2093 6471，地址滨江路88号。",
    "other-phone": "联系电话15820936472，王芳。",
    "landline": "出卖人办公电话 0755-8888 8888，传真另告。",
    "id": "身份证号码 110101 19900307 123X，有效期长期。",
    "contract": "合同编号：HT－2024－0815，签订于2024年3月7日。",
    "price": "房屋总价款为人民币 ¥1,200,000.00元（大写：人民币壹佰贰拾万元整）。",
    "capital": "首付款壹佰贰拾万元，余款按揭。",
    "big": "评估价２，３６８，０００元。",
    "near": "评估价1,368,000元，第2页。",
    "cents": "物业费叁万伍仟元伍角，已付清。",
    "dated": "签署日期 2024-03-07 158 2093 6471 备注",
    "year": "2024 15820936471 回访",
    "list": "楼层 89 120 号",
    "range": "第1-3号楼",
}


def page(document_id: str, text: str, title: str = "扫描件") -> PageEntry:
    """Page 1 of `document_id`, in the file of 张伟."""
    return PageEntry(document_id=document_id, page=1, file_id="f-0001", name="张伟", title=title, text=text,
                     uploaded=START + timedelta(days=1))


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """One file whose fields hold a spaced phone, and a page for each way of writing a number."""
    made = SearchIndex(tmp_path_factory.mktemp("numbers") / "index")
    with made.writer() as batch:
        batch.add_terms(["张伟", "王芳"])
        batch.upsert_file(FileEntry(file_id="f-0001", archive_no="KH-2024-0001", name="张伟",
                                    fields_text="客户姓名 张伟\n手机 139 1234 5678\n合同金额 2,500,000",
                                    created=START, updated=START))
        for document_id, text in PAGES.items():
            batch.upsert_page(page(document_id, text))
        batch.upsert_page(page("titled", "正文没有编号", title="补充协议 BC-2024-0099-88"))
    return made


def pages(index, q: str) -> set[str]:
    """The documents whose pages a search finds."""
    return {p.document_id for g in index.search(q, visibility=EVERYONE).groups for p in g.pages}


def file_found(index, q: str) -> bool:
    """True if the file's own entry (its fields) matches."""
    return any(g.file_match for g in index.search(q, visibility=EVERYONE).groups)


def snippet(index, q: str, document_id: str) -> str:
    """The snippet of one document's page."""
    return next(str(p.snippet) for g in index.search(q, visibility=EVERYONE).groups for p in g.pages
                if p.document_id == document_id)


@pytest.mark.parametrize("q", ["15820936471", "158 2093 6471", "158-2093-6471", "１５８ ２０９３ ６４７１",
                               "158—2093—6471"])
def test_a_phone_is_found_whatever_its_separators(index, q):
    assert {"phone", "dated", "year"} <= pages(index, q)
    assert "other-phone" not in pages(index, q)


def test_a_number_never_finds_another_that_shares_its_groups(index):
    assert pages(index, "15820936472") == {"other-phone"}
    assert pages(index, "2,368,000") == {"big"}
    assert pages(index, "2368000") == {"big"}
    assert pages(index, "1,368,000") == {"near"}
    assert pages(index, "1582093647") == set()  # a phone less its last digit
    assert pages(index, "368,000") == set()  # the tail of an amount is another amount
    assert pages(index, "贰拾万元") == set()  # 200000 is not 1200000


def test_a_group_alone_finds_the_numbers_written_with_it(index):
    assert {"big", "near"} <= pages(index, "368")
    assert "phone" in pages(index, "2093")
    assert "<mark>368</mark>" in snippet(index, "368", "near")


def test_landline_id_and_contract_numbers_in_page_text(index):
    for q in ("075588888888", "0755-88888888", "0755 8888 8888", "88888888"):
        assert pages(index, q) == {"landline"}, q
    for q in ("11010119900307123X", "11010119900307123x", "110101-19900307-123X"):
        assert pages(index, q) == {"id"}, q
    assert pages(index, "11010119900307123") == set()
    for q in ("HT20240815", "ht-2024-0815", "HT—2024—0815"):
        assert pages(index, q) == {"contract"}, q


def test_numbers_in_titles_and_fields(index):
    assert pages(index, "BC2024009988") == {"titled"}
    assert pages(index, "bc 2024 0099 88") == {"titled"}
    for q in ("13912345678", "139-1234-5678", "2500000", "贰佰伍拾万元整"):
        assert file_found(index, q), q
    assert not file_found(index, "13912345679")


@pytest.mark.parametrize("q", ["壹佰贰拾万元整", "壹佰贰拾万元", "1200000", "1,200,000", "1200000.00",
                               "¥1,200,000元", "１，２００，０００", "壹佰贰拾万圆整"])
def test_an_amount_in_capitals_and_in_digits_is_one_amount(index, q):
    assert pages(index, q) == {"price", "capital"}


def test_an_amount_with_words_around_it_needs_the_words_too(index):
    assert pages(index, "人民币壹佰贰拾万元整") == {"price"}
    assert pages(index, "首付款1,200,000元") == {"capital"}


def test_jiao_and_fen_are_kept(index):
    for q in ("35000.5", "35,000.50", "叁万伍仟元伍角"):
        assert pages(index, q) == {"cents"}, q
    assert pages(index, "35000.6") == set()
    assert pages(index, "35000") == {"cents"}  # the whole yuan of an amount with jiao


def test_dates_years_and_lists_stay_what_they_are(index):
    # a date is one number, its groups still words; next to a phone it leaves the phone whole
    for q in ("2024-03-07", "20240307", "2024"):
        assert "dated" in pages(index, q), q
    assert pages(index, "2024-03-08") == set()
    assert "year" in pages(index, "15820936471") and "year" in pages(index, "2024")
    # fewer than six digits apart: two numbers, as in a list; a range is no number
    assert pages(index, "89 120") == {"list"} and pages(index, "89120") == set()
    assert pages(index, "120") == {"list"}
    assert pages(index, "13") == set() and pages(index, "1-3") == {"range"}


def test_phrases_with_numbers_match_whatever_the_separators(index):
    assert pages(index, '"联系电话 15820936471"') == {"phone"}
    assert pages(index, '"15820936471 地址"') == {"phone"}
    assert pages(index, '"联系电话：158-2093-6471，地址"') == {"phone"}
    assert pages(index, '"联系电话：158 2093 6472"') == {"other-phone"}
    assert pages(index, '"联系电话 15820936479"') == set()
    assert pages(index, '"人民币 1200000"') == {"price"}
    assert pages(index, '"大写 人民币 1,200,000 元整"') == set()  # 元整 belongs to the amount
    assert pages(index, '"大写 人民币 1,200,000"') == {"price"}
    assert pages(index, '"2024-03-07 15820936471 备注"') == {"dated"}
    assert pages(index, '"1,200,000 首付款"') == set()


def test_snippets_mark_the_number_as_the_page_wrote_it(index):
    assert "联系电话：<mark>158 2093 6471</mark>，地址" in snippet(index, "15820936471", "phone")
    price = snippet(index, "1200000", "price")
    assert "¥<mark>1,200,000.00</mark>元" in price and "人民币<mark>壹佰贰拾万元整</mark>" in price
    assert "<mark>壹佰贰拾万元</mark>，余款" in snippet(index, "1,200,000", "capital")
    assert "<mark>２，３６８，０００</mark>元" in snippet(index, "2368000", "big")
    assert "<mark>HT－2024－0815</mark>" in snippet(index, "ht20240815", "contract")
