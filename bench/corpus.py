"""Generated customer files and scanned pages for the search benchmark, with the checks' ground truth.

    for item in customer_files(5000):          # deterministic: the same count and seed, the same corpus
        item.file, item.pages, item.terms

Each file is a buyer (a person with a name, 18-digit ID number with a valid check digit, phone,
address) of a flat in one of the projects (锦绣澜庭, 翡翠湾, ...), with about three pages: a
two-page 商品房买卖合同 (clauses, price in digits and in capitals, 违约金), a 授权委托书 naming an
agent, and the 业主登记表, 客户调查表 and 交房验收单 forms. Files are mostly normal; some are
confidential or sealed, each with a department. Every file draws from a random generator seeded
with (seed, number), so a child process can stream the same corpus without holding it.

`ground_truth(items, ...)` samples what the benchmark checks: phrases of two to four consecutive
jieba words (no punctuation between them) cut from a page's text, with the page they came from,
and customer names with every page whose text contains the name.
"""
from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import jieba

from search import FileEntry
from search import PageEntry
from service.files import id_check_char

SEED = 20240815
START = datetime(2021, 1, 1, 1, 0, tzinfo=timezone.utc)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然子涵梓轩思雨欣怡"
         "佳琪晨阳博一诺雅婷志海燕春梅秋菊晓东俊家豪嘉怡雪德胜永康丽娟健紫萱天佑若曦")
PROJECTS = ("锦绣澜庭", "翡翠湾", "滨江一号", "云栖府", "金地格林小镇", "万科城市花园", "龙湖春江郦城",
            "保利天悦", "融创壹号院", "中海寰宇天下")
DEVELOPERS = ("锦绣置业有限公司", "翡翠湾房地产开发有限公司", "滨江置业集团有限公司", "云栖房地产开发有限公司",
              "金地集团北京房地产开发有限公司", "万科企业股份有限公司", "龙湖地产有限公司", "保利发展控股集团",
              "融创中国控股有限公司", "中海地产集团有限公司")
CITIES = (("北京市", ("朝阳区", "海淀区", "丰台区", "通州区", "大兴区")),
          ("上海市", ("浦东新区", "徐汇区", "闵行区", "静安区")),
          ("杭州市", ("西湖区", "滨江区", "余杭区", "拱墅区")),
          ("成都市", ("锦江区", "武侯区", "高新区", "双流区")))
STREETS = ("建国路", "长安街", "中关村大街", "望京西路", "通惠河北路", "科丰路", "广渠路", "学院路", "丽泽路",
           "滨江大道", "文一西路", "天府大道", "世纪大道", "人民南路", "解放路")
ID_AREAS = ("110105", "110108", "110102", "120101", "130102", "310104", "320102", "330106", "440305", "510107")
DEPARTMENTS = ("销售一部", "销售二部", "销售三部", "大客户部", "渠道部")
SECURITY = (("normal", 88), ("confidential", 10), ("sealed", 2))
STAGES = (("意向", 30), ("潜在", 20), ("准客户", 15), ("成交", 35))
CUSTOMER_TYPES = ("刚需", "改善", "投资")
OCCUPATIONS = ("教师", "医生", "工程师", "公务员", "会计", "律师", "销售经理", "程序员", "个体经营", "护士", "设计师")
PAYMENTS = ("一次性付款", "商业贷款", "公积金贷款", "组合贷款")
CHANNELS = ("朋友介绍", "网络广告", "路过到访", "老业主推荐", "电话邀约", "房产中介")
RELATIONS = ("配偶", "父亲", "母亲", "子女", "兄弟", "朋友")
# (doc_type, title, probability that a file has it)
DOCUMENTS = (("purchase_contract", "商品房买卖合同", 0.6), ("authorization", "授权委托书", 0.4),
             ("registration_form", "业主登记表", 0.7), ("survey_form", "客户调查表", 0.5),
             ("handover_form", "交房验收单", 0.3))
DOC_TYPES = tuple(d[0] for d in DOCUMENTS)
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


@dataclass(frozen=True)
class CustomerFile:
    """One generated file, its pages, and the dictionary terms the worker would add with them."""

    file: FileEntry
    pages: tuple[PageEntry, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class GroundTruth:
    """Phrases with the page key they were cut from; names with the keys of every page holding them."""

    phrases: list[tuple[str, str]]
    names: dict[str, frozenset[str]]


def person_name(rng: random.Random) -> str:
    """A Chinese name: a surname (rarely a compound one) and one or two given characters."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))


def resident_id(rng: random.Random, birth: date) -> str:
    """An 18-digit resident ID number with a valid check character."""
    first17 = f"{rng.choice(ID_AREAS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def mobile(rng: random.Random) -> str:
    """An 11-digit mobile number."""
    return f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"


def capitals(amount: int) -> str:
    """Whole yuan below 10^12 in financial capitals: 1203400 -> 壹佰贰拾万零叁仟肆佰元整."""
    if amount == 0:
        return "零元整"
    out, gap = "", False
    for group, unit in ((amount // 10 ** 8, "亿"), (amount // 10 ** 4 % 10 ** 4, "万"), (amount % 10 ** 4, "")):
        if not group:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        out += _group(group) + unit
        gap = False
    return out + "元整"


def _group(group: int) -> str:
    # one to four digits: 1020 -> 壹仟零贰拾
    part, zero = "", False
    for digit, place in zip(str(group), ("仟", "佰", "拾", "")[-len(str(group)):]):
        if digit == "0":
            zero = bool(part)
            continue
        part += ("零" if zero else "") + _DIGITS[int(digit)] + place
        zero = False
    return part


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _address(rng: random.Random) -> str:
    city, districts = rng.choice(CITIES)
    return f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randint(1, 399)}号"


def _day(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


@dataclass
class _Buyer:
    number: int
    name: str
    agent: str
    id_number: str
    phone: str
    address: str
    project: str
    developer: str
    unit: str
    area: float
    price: int
    contract_no: str
    signed: datetime


def _buyer(rng: random.Random, number: int) -> _Buyer:
    birth = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 45))
    project_no = rng.randrange(len(PROJECTS))
    area = round(rng.uniform(45, 220), 2)
    signed = START + timedelta(days=rng.randrange(365 * 4), minutes=rng.randrange(600))
    return _Buyer(number=number, name=person_name(rng), agent=person_name(rng), id_number=resident_id(rng, birth),
                  phone=mobile(rng), address=_address(rng), project=PROJECTS[project_no],
                  developer=DEVELOPERS[project_no],
                  unit=f"{rng.randint(1, 28)}号楼{rng.randint(1, 4)}单元{rng.randint(2, 33)}{rng.randint(1, 4):02d}室",
                  area=area, price=int(area * rng.randint(18000, 95000) / 100) * 100,
                  contract_no=f"HT-{signed.year}-{number:06d}", signed=signed)


def _contract(b: _Buyer, rng: random.Random) -> list[str]:
    down = b.price // 10 * rng.choice((3, 4, 5))
    first = (f"商品房买卖合同\n合同编号：{b.contract_no}\n出卖人：{b.developer}\n"
             f"买受人：{b.name}，身份证号码：{b.id_number}，联系电话：{b.phone}，通讯地址：{b.address}。\n"
             f"第一条 项目建设依据。出卖人以出让方式取得位于{b.address[:3]}的地块的建设用地使用权，"
             f"该地块上建设的商品房项目核准名称为{b.project}。\n"
             f"第二条 买受人购买的商品房为{b.project}{b.unit}，建筑面积共{b.area}平方米。\n"
             f"第三条 该商品房按建筑面积计算总价款，总价款为人民币{b.price}元（大写：{capitals(b.price)}）。\n"
             f"第四条 付款方式为{rng.choice(PAYMENTS)}，首付款人民币{down}元（大写：{capitals(down)}），"
             f"买受人应当于{_day(b.signed + timedelta(days=7))}前支付。")
    due = b.signed + timedelta(days=rng.randint(300, 900))
    second = (f"第五条 出卖人应当在{_day(due)}前向买受人交付该商品房。\n"
              f"第六条 逾期交房责任。出卖人逾期交房的，按日计算向买受人支付已交付房价款万分之五的违约金。"
              f"逾期超过90日后，买受人有权解除合同。\n"
              f"第七条 买受人逾期付款的，应当按日支付逾期应付款万分之五的违约金。\n"
              f"第八条 本合同自双方签字或盖章之日起生效。本合同一式四份，具有同等法律效力。\n"
              f"出卖人（签章）：{b.developer}    买受人（签字）：{b.name}\n签订日期：{_day(b.signed)}")
    return [first, second]


def _authorization(b: _Buyer, rng: random.Random) -> list[str]:
    until = b.signed + timedelta(days=rng.randint(90, 400))
    return [f"授权委托书\n委托人：{b.name}，身份证号码：{b.id_number}\n"
            f"受托人：{b.agent}，与委托人关系：{rng.choice(RELATIONS)}，联系电话：{mobile(rng)}\n"
            f"委托人{b.name}特授权受托人{b.agent}代为办理{b.project}{b.unit}的签约、缴款、交房验收及产权登记手续。"
            f"受托人在授权范围内签署的文件，委托人均予以承认。\n"
            f"本授权委托书有效期自{_day(b.signed)}至{_day(until)}。\n委托人（签字）：{b.name}"]


def _registration(b: _Buyer, rng: random.Random) -> list[str]:
    return [f"业主登记表\n业主姓名：{b.name}  性别：{rng.choice('男女')}  职业：{rng.choice(OCCUPATIONS)}\n"
            f"证件类型：居民身份证  证件号码：{b.id_number}\n联系电话：{b.phone}  现住址：{b.address}\n"
            f"所购房号：{b.project}{b.unit}  建筑面积：{b.area}平方米  合同编号：{b.contract_no}\n"
            f"紧急联系人：{b.agent}  关系：{rng.choice(RELATIONS)}  电话：{mobile(rng)}\n"
            f"登记日期：{_day(b.signed)}  经办人：{person_name(rng)}"]


def _survey(b: _Buyer, rng: random.Random) -> list[str]:
    return [f"客户调查表\n客户姓名：{b.name}  意向项目：{b.project}\n了解渠道：{rng.choice(CHANNELS)}\n"
            f"购房目的：{rng.choice(('自住', '改善居住', '投资', '子女教育'))}  意向面积：{int(b.area)}平方米左右\n"
            f"预算总价：{b.price // 10000}万元  付款方式：{rng.choice(PAYMENTS)}\n"
            f"关注因素：{'、'.join(rng.sample(('地段', '价格', '户型', '学区', '交通', '物业', '绿化'), 3))}\n"
            f"置业顾问：{person_name(rng)}  填表日期：{_day(b.signed - timedelta(days=rng.randint(5, 60)))}"]


def _handover(b: _Buyer, rng: random.Random) -> list[str]:
    day = b.signed + timedelta(days=rng.randint(300, 900))
    return [f"交房验收单\n业主：{b.name}  房号：{b.project}{b.unit}\n"
            f"验收项目：门窗、墙面、地面、水电、燃气、入户门钥匙{rng.randint(2, 5)}把\n"
            f"水表读数：{rng.randint(0, 30)}吨  电表读数：{rng.randint(0, 200)}度\n"
            "验收意见："
            f"{rng.choice(('验收合格，同意收房', '卫生间墙面轻微渗水，限期整改', '次卧窗户密封条脱落，已登记维修'))}\n"
            f"业主（签字）：{b.name}  交房日期：{_day(day)}"]


_MAKERS = {"purchase_contract": _contract, "authorization": _authorization, "registration_form": _registration,
           "survey_form": _survey, "handover_form": _handover}


def customer_file(number: int, seed: int = SEED) -> CustomerFile:
    """File `number` of the corpus (the same for the same number and seed)."""
    rng = random.Random(f"{seed}:{number}")
    b = _buyer(rng, number)
    security = _weighted(rng, SECURITY)
    department = rng.choice(DEPARTMENTS)
    stage, customer_type = _weighted(rng, STAGES), rng.choice(CUSTOMER_TYPES)
    file_id = f"f{number:07d}"
    file = FileEntry(file_id=file_id, archive_no=f"KH-{b.signed.year}-{number:06d}", name=b.name,
                     fields_text=f"客户姓名 {b.name}\n证件号码 {b.id_number}\n联系电话 {b.phone}\n"
                                 f"通讯地址 {b.address}\n意向房号 {b.project}{b.unit}",
                     id_numbers=(b.id_number,), phones=(b.phone,), contract_nos=(b.contract_no,),
                     template="individual", customer_type=customer_type, stage=stage, project=b.project,
                     security=security, department=department, created=b.signed - timedelta(days=30),
                     updated=b.signed)
    chosen = [d for d in DOCUMENTS if rng.random() < d[2]] or [DOCUMENTS[2]]
    pages = []
    for doc_no, (doc_type, title, _) in enumerate(chosen):
        uploaded = b.signed + timedelta(days=doc_no, hours=rng.randint(1, 9))
        for page_no, text in enumerate(_MAKERS[doc_type](b, rng), start=1):
            pages.append(PageEntry(document_id=f"d{number:07d}-{doc_no}", page=page_no, file_id=file_id,
                                   archive_no=file.archive_no, name=b.name, doc_type=doc_type, title=title,
                                   text=text, security=security, department=department,
                                   customer_type=customer_type, stage=stage, project=b.project,
                                   uploaded=uploaded))
    return CustomerFile(file=file, pages=tuple(pages), terms=(b.name, b.agent, b.project))


def customer_files(count: int, seed: int = SEED) -> Iterator[CustomerFile]:
    """The corpus's first `count` files, one at a time."""
    return (customer_file(number, seed) for number in range(count))


def phrases_of(text: str, rng: random.Random, count: int) -> list[str]:
    """Up to `count` phrases of two to four consecutive jieba words of one line, no punctuation inside."""
    runs: list[list[str]] = []
    for line in text.splitlines():
        run: list[str] = []
        for token in jieba.lcut(line, HMM=True):
            if _WORD.fullmatch(token):
                run.append(token)
            else:
                if len(run) >= 2:
                    runs.append(run)
                run = []
        if len(run) >= 2:
            runs.append(run)
    found = []
    for _ in range(count):
        if not runs:
            break
        run = rng.choice(runs)
        size = rng.randint(2, min(4, len(run)))
        start = rng.randrange(len(run) - size + 1)
        found.append("".join(run[start:start + size]))
    return found


def ground_truth(items: Sequence[CustomerFile], phrases: int, names: int, seed: int = SEED) -> GroundTruth:
    """`phrases` sampled phrases with their page, `names` customer names with every page holding them."""
    jieba.setLogLevel(logging.INFO)  # its DEBUG chatter when the dictionary loads
    rng = random.Random(seed)
    pages = [page for item in items for page in item.pages]
    chosen = []
    for page in rng.sample(pages, min(phrases, len(pages))):
        chosen += [(phrase, page.key) for phrase in phrases_of(page.text, rng, 1)]
    sampled = rng.sample([item.file.name for item in items], min(names, len(items)))
    holders = {name: frozenset(p.key for p in pages if name in p.text) for name in dict.fromkeys(sampled)}
    return GroundTruth(phrases=chosen, names=holders)
