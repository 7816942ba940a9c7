"""The labelled ranking set: queries with the files a person typing them wants first.

    files = corpus_files(3000)                 # the search corpus (bench/corpus.py) and the seeded files
    for case in cases(files, 3000): case.kind, case.query, case.relevant

Derived by explicit rules from a fixed seed, so the same count gives the same set:

- Targets: TARGETS customers sampled from the corpus. For each, a seeded *witness file* (another
  customer, made like any corpus file) gets two extra pages that mention the target in running
  text, as an agent, witness and neighbour: the target's name four times a page, its ID number and
  phone twice, its archive number once, its pinyin in an e-mail address. The corpus itself also
  mentions names elsewhere by chance (agents, emergency contacts, advisers; 王伟 inside 王伟东).
- Short names: SHORT_NAMES two-character customer names sampled from those that begin another
  customer's name (余丽, when 余丽海 and 余丽平 are customers too): every one of those files has the
  name in its name field.
- Titles: TITLES document titles no corpus document has (车位买卖合同, ...). Each is the title of
  one page in TITLE_HOLDERS seeded files, and is mentioned three times in the running text of a page
  in TITLE_MENTIONS other seeded files (a checklist asking for it).

Queries and their relevant files (the first relevant file's rank counts):

| kind       | query                        | relevant files                                    |
|------------|------------------------------|---------------------------------------------------|
| name       | a target's name              | files whose customer is named exactly that        |
| short_name | a short name (above)         | files whose customer is named exactly that        |
| archive_no | a target's archive number    | that file                                         |
| id_no      | a target's ID number         | files holding that ID number as the customer's    |
| phone      | a target's phone             | files holding that phone as the customer's        |
| pinyin     | a target's name in pinyin    | files whose customer name reads so (homophones)   |
| title      | a seeded title               | files with a document of that title               |
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from datetime import timedelta

from pypinyin import lazy_pinyin

from bench.corpus import CustomerFile
from bench.corpus import customer_file
from bench.corpus import customer_files
from search import FileEntry
from search._analysis import pinyin_keys

SEED = 90210
TARGETS = 60
SHORT_NAMES = 30
TITLES = ("车位买卖合同", "装修补充协议", "更名申请书", "退房申请书", "按揭还款承诺书", "物业服务协议",
          "房屋租赁合同", "定金收据")
TITLE_HOLDERS = 3
TITLE_MENTIONS = 15
KINDS = ("name", "short_name", "archive_no", "id_no", "phone", "pinyin", "title")


@dataclass(frozen=True)
class Case:
    """One labelled query: its kind, text, and the file ids that answer it."""

    kind: str
    query: str
    relevant: frozenset[str]


def corpus_files(count: int) -> list[CustomerFile]:
    """The corpus's first `count` files and the seeded witness and title files after them."""
    items = list(customer_files(count))
    return items + list(_seeded(items))


def _seeded(items: list[CustomerFile]) -> Iterator[CustomerFile]:
    rng = random.Random(SEED)
    number = len(items)
    for target in _targets(items):
        yield _with_pages(customer_file(number), _witness_pages(target, customer_file(number), rng))
        number += 1
    for title in TITLES:
        for _ in range(TITLE_HOLDERS):
            yield _with_pages(customer_file(number), [(title, _titled_text(title, customer_file(number), rng))])
            number += 1
        for _ in range(TITLE_MENTIONS):
            holder = customer_file(number)
            yield _with_pages(holder, [("资料交接清单", _checklist_text(title, holder, rng))])
            number += 1


def _targets(items: list[CustomerFile]) -> list[CustomerFile]:
    return random.Random(SEED).sample(items, min(TARGETS, len(items)))


def _with_pages(item: CustomerFile, pages: list[tuple[str, str]]) -> CustomerFile:
    # extra pages, as one more document of the file, uploaded a day after its last page
    last = item.pages[-1]
    document_id = f"{item.file.file_id.replace('f', 'd', 1)}-x"
    added = tuple(replace(last, document_id=document_id, page=n, doc_type="other", title=title, text=text,
                          uploaded=last.uploaded + timedelta(days=1))
                  for n, (title, text) in enumerate(pages, start=1))
    return CustomerFile(file=item.file, pages=item.pages + added, terms=item.terms)


def _witness_pages(target: CustomerFile, holder: CustomerFile, rng: random.Random) -> list[tuple[str, str]]:
    a, b = target.file, holder.file
    mail = "".join(lazy_pinyin(a.name))
    statement = (f"情况说明\n本人{b.name}因工作原因无法到场，委托{a.name}（身份证号码：{a.id_numbers[0]}，"
                 f"联系电话：{a.phones[0]}）代为办理{b.project}的交房及产权登记手续。{a.name}系本人邻居，"
                 f"其本人档案号为{a.archive_no}。{a.name}签署的文件本人均予以承认。\n"
                 f"联系邮箱：{mail}@163.com\n受托人（签字）：{a.name}")
    witness = (f"见证书\n见证人{a.name}，身份证号码：{a.id_numbers[0]}，联系电话：{a.phones[0]}。"
               f"{a.name}见证{b.name}于{rng.randint(1, 28)}日签署{b.project}相关文件，"
               f"{a.name}确认上述签字属实。\n见证人（签字）：{a.name}")
    return [("情况说明", statement), ("见证书", witness)]


def _titled_text(title: str, holder: CustomerFile, rng: random.Random) -> str:
    f = holder.file
    return (f"{title}\n甲方：{f.name}，身份证号码：{f.id_numbers[0]}\n"
            f"乙方：{f.project}物业管理处\n双方就{f.project}相关事宜达成如下约定，"
            f"甲方应于签订之日起{rng.randint(5, 30)}日内办理完毕。本文件一式两份，双方各执一份。")


def _checklist_text(title: str, holder: CustomerFile, rng: random.Random) -> str:
    f = holder.file
    return (f"资料交接清单\n客户：{f.name}  项目：{f.project}\n"
            f"一、请客户于{rng.randint(3, 20)}个工作日内提交{title}原件，{title}未提交前不予办理后续手续。\n"
            f"二、如已签署{title}，请附复印件一份。\n三、身份证复印件、购房合同复印件各一份。\n"
            f"经办人：{f.name}")


def cases(items: list[CustomerFile], count: int) -> list[Case]:
    """The labelled queries over `items` (`corpus_files(count)`), kind by kind."""
    holders: dict[tuple[str, str], set[str]] = {}
    for item in items:
        f = item.file
        keys = [("name", f.name), ("archive_no", f.archive_no), *(("id_no", n) for n in f.id_numbers),
                *(("phone", n) for n in f.phones), *(("pinyin", k) for k in pinyin_keys(f.name)),
                *(("title", p.title) for p in item.pages)]
        for key in keys:
            holders.setdefault(key, set()).add(f.file_id)
    found = []
    for kind in ("name", "archive_no", "id_no", "phone", "pinyin"):
        for target in _targets(items[:count]):
            query = _query(kind, target.file)
            found.append(Case(kind, query, frozenset(holders[kind, query])))
    found += [Case("short_name", name, frozenset(holders["name", name])) for name in _short_names(items[:count])]
    found += [Case("title", title, frozenset(holders["title", title])) for title in TITLES]
    return found


def _short_names(items: list[CustomerFile]) -> list[str]:
    names = sorted({item.file.name for item in items})
    longer = {name[:2] for name in names if len(name) > 2}
    short = [name for name in names if len(name) == 2 and name in longer]
    return random.Random(SEED).sample(short, min(SHORT_NAMES, len(short)))


def _query(kind: str, file: FileEntry) -> str:
    if kind == "pinyin":
        return "".join(lazy_pinyin(file.name))
    if kind in ("id_no", "phone"):
        return (file.id_numbers if kind == "id_no" else file.phones)[0]
    return getattr(file, kind)
