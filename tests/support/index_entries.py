"""Index entries of the search package's tests: two customers, their contract, authorization and deposit pages."""
from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from datetime import timezone

from search import FileEntry
from search import PageEntry

START = datetime(2024, 3, 1, 2, 0, tzinfo=timezone.utc)

CONTRACT = """商品房买卖合同
合同编号：HT-2024-0815
出卖人：锦绣置业有限公司
买受人：张伟，身份证号码：110101199003071234，联系电话：13800138000。
第一条 本合同项目锦绣澜庭位于滨江路88号，房屋为3号楼2单元1201室，型号ＡＢＣ１２３。
第二条 出卖人应当在2024年12月31日前交付房屋。买受人逾期交房的，应支付违约金，违约金按日万分之五计算。
第三条 付款方式为按揭贷款，首付款人民币叁拾万元整。"""

AUTHORIZATION = """授权委托书
委托人张伟特授权受托人李娜代为办理锦绣澜庭3号楼2单元1201室的交房验收手续。
受托人在授权范围内签署的文件，委托人均予以承认。
本授权委托书有效期自2024年6月1日至2024年12月31日。
备注：<b>原件</b> & 复印件一致。"""

DEPOSIT = """认购协议书
认购人王芳认购滨江一号5号楼801室，已交定金人民币贰万元。
认购人未按期签订商品房买卖合同的，定金不予退还，出卖人另收违约金。"""


def a_file(file_id: str, name: str, day: int = 0, **values) -> FileEntry:
    """A customer file registered `day` days after START."""
    values.setdefault("fields_text", f"客户姓名 {name}")
    values.setdefault("archive_no", f"KH-2024-{file_id[-4:]:0>4}")
    return FileEntry(file_id=file_id, name=name, created=START + timedelta(days=day),
                     updated=START + timedelta(days=day), **values)


def a_page(file: FileEntry, document_id: str, text: str, page: int = 1, doc_type: str = "purchase_contract",
           title: str = "购房合同", day: int = 0) -> PageEntry:
    """A scanned page of `file`, uploaded `day` days after START, with the file's values copied."""
    return PageEntry(document_id=document_id, page=page, file_id=file.file_id, archive_no=file.archive_no,
                     name=file.name, doc_type=doc_type, title=title, text=text, security=file.security,
                     department=file.department, customer_type=file.customer_type, stage=file.stage,
                     project=file.project, uploaded=START + timedelta(days=day))


ZHANG = a_file("f-0001", "张伟", id_numbers=["110101199003071234"], phones=["138-0013-8000"],
               contract_nos=["HT-2024-0815"], customer_type="刚需", stage="成交", project="锦绣澜庭",
               department="销售部")
WANG = a_file("f-0002", "王芳", day=5, id_numbers=["110101199003071235"], customer_type="投资", stage="意向",
              project="滨江一号", department="销售部")
