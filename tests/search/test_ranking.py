"""Ranking: the file a query names (by its customer's name, a number, the title of one of its
documents, the name's pinyin) comes before files that only mention the term in running text, however
often. No database, no object store."""
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
ID_NO = "330106195903054943"
PHONE = "14653043814"


def a_file(number: int, name: str, **values) -> FileEntry:
    """Customer file number `number`, registered `number` days after START (later files are newer)."""
    values.setdefault("fields_text", f"客户姓名 {name}")
    return FileEntry(file_id=f"f-{number:04d}", archive_no=f"KH-2024-{number:06d}", name=name,
                     created=START + timedelta(days=number), updated=START + timedelta(days=number), **values)


def a_page(file: FileEntry, document: str, text: str, page: int = 1, title: str = "情况说明") -> PageEntry:
    """A page of `file`'s document `document`."""
    return PageEntry(document_id=f"{file.file_id}-{document}", page=page, file_id=file.file_id,
                     archive_no=file.archive_no, name=file.name, doc_type="other", title=title, text=text,
                     security=file.security, department=file.department, customer_type=file.customer_type,
                     stage=file.stage, project=file.project, uploaded=file.created + timedelta(hours=1))


# her fields are longer than the others': by text length alone, her file would score a little lower
YU_LI = a_file(1, "余丽", id_numbers=[ID_NO], phones=[PHONE],
               fields_text=f"客户姓名 余丽\n证件号码 {ID_NO}\n联系电话 {PHONE}\n通讯地址 北京市朝阳区建国路88号\n"
                           "意向房号 锦绣澜庭3号楼2单元1201室\n职业 教师\n了解渠道 朋友介绍")
YU_LI_HAI = a_file(2, "余丽海")
YU_LI_PING = a_file(3, "余丽平")
WITNESS = a_file(4, "严刚健")
CHECKLIST = a_file(5, "熊玉")
PARKING = a_file(6, "陆一鹏")


def mentions() -> str:
    """Running text that names 余丽 as agent and witness, with her numbers, archive number and e-mail."""
    return (f"本人严刚健委托余丽（身份证号码：{ID_NO}，联系电话：{PHONE}）代为办理交房手续。余丽系本人邻居，"
            f"档案号为{YU_LI.archive_no}。余丽签署的文件本人均予以承认，如有疑问请联系余丽，电话{PHONE}，"
            f"身份证号码{ID_NO}，邮箱yuli@163.com。见证人：余丽。")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """余丽 (one plain page), two customers whose names begin with 余丽, a witness file whose five
    pages mention her everywhere, a file titled 车位买卖合同 and a checklist that asks for one."""
    made = SearchIndex(tmp_path_factory.mktemp("ranking") / "index")
    with made.writer() as batch:
        batch.add_terms(["余丽", "余丽海", "余丽平", "严刚健", "熊玉", "陆一鹏", "车位买卖合同"])
        for file in (YU_LI, YU_LI_HAI, YU_LI_PING, WITNESS, CHECKLIST, PARKING):
            batch.upsert_file(file)
        batch.upsert_page(a_page(YU_LI, "form", "业主登记表\n业主姓名：余丽  职业：教师", title="业主登记表"))
        for file in (YU_LI_HAI, YU_LI_PING):
            batch.upsert_page(a_page(file, "form", f"业主登记表\n业主姓名：{file.name}", title="业主登记表"))
        for page in range(1, 6):
            batch.upsert_page(a_page(WITNESS, "statement", mentions(), page=page))
        batch.upsert_page(a_page(PARKING, "parking", "甲方：陆一鹏\n乙方：物业管理处\n车位编号B-102。",
                                 title="车位买卖合同"))
        asked = "请提交车位买卖合同原件，车位买卖合同未提交前不予办理。如已签署车位买卖合同，请附复印件。"
        checklist = "资料交接清单\n" + asked * 3
        for page in range(1, 4):
            batch.upsert_page(a_page(CHECKLIST, "checklist", checklist, page=page, title="资料交接清单"))
    return made


def ranked(index: SearchIndex, q: str) -> list[str]:
    """File ids of a search, best first."""
    return [group.file_id for group in index.search(q, visibility=EVERYONE).groups]


def test_the_customer_named_exactly_so_comes_before_names_that_begin_with_it(index):
    order = ranked(index, "余丽")
    assert order[0] == YU_LI.file_id
    assert set(order) == {YU_LI.file_id, YU_LI_HAI.file_id, YU_LI_PING.file_id, WITNESS.file_id}
    assert ranked(index, "余丽海")[0] == YU_LI_HAI.file_id


def test_a_name_ranks_its_customer_before_a_file_that_mentions_it_on_every_page(index):
    order = ranked(index, "余丽")
    assert order.index(WITNESS.file_id) > order.index(YU_LI_PING.file_id)
    assert ranked(index, "yuli") == [YU_LI.file_id, WITNESS.file_id]


@pytest.mark.parametrize("q", [ID_NO, PHONE, "146-5304-3814", YU_LI.archive_no, YU_LI.archive_no.lower()])
def test_a_number_ranks_its_owner_before_a_file_that_mentions_it_on_every_page(index, q):
    assert ranked(index, q) == [YU_LI.file_id, WITNESS.file_id]


def test_a_document_title_ranks_its_file_before_a_checklist_that_asks_for_it(index):
    assert ranked(index, "车位买卖合同") == [PARKING.file_id, CHECKLIST.file_id]


def test_the_scores_say_so(index):
    groups = index.search("余丽", visibility=EVERYONE).groups
    assert groups[0].file_match and groups[0].score > groups[1].score
