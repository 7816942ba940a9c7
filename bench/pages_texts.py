"""Short page texts for seeded documents: a few sentences of bench/corpus.py's pages, with the file's name.

A seeded file holds three documents (bought individuals: the purchase contract, an ID copy and the
owner registration form; other individuals: a survey form, an ID copy and an authorization;
companies: an authorization, the contract or a survey form, and a business-licence copy). Each
page keeps the first sentences of a corpus page of its type, the corpus buyer's name replaced by
the file's own, so that searching a customer's name finds their pages.
"""
from __future__ import annotations

import random
import re

from bench.corpus import customer_files

POOL = 300  # corpus files whose pages are cut into the pool
SENTENCES = 3
TITLES = {"purchase_contract": "商品房买卖合同", "authorization": "授权委托书", "id_copy": "身份证复印件",
          "registration_form": "业主登记表", "survey_form": "客户调查表", "other": "营业执照复印件"}
_CUT = re.compile(r"(?<=[。\n])")


def _short(text: str) -> str:
    parts = [p for p in _CUT.split(text) if p.strip()]
    return "".join(parts[:SENTENCES]).strip()


class PageTexts:
    """Page texts by document type, drawn from the corpus."""

    CONTACT_NOTES = ("客户对户型和价格满意，询问交房时间", "客户反馈物业服务及时，无其他诉求",
                     "已告知贷款审批进度，客户表示理解", "客户关心学区划分，已提供相关资料",
                     "客户暂无购房计划，约定三个月后再联系", "客户提出车位需求，已转交销售跟进")
    LOAN_PURPOSES = ("核对合同条款", "办理产权登记", "客户投诉处理查阅", "贷款资料复核", "交房资料核对", "审计抽查")

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pool: dict[str, list[list[str]]] = {}
        for item in customer_files(POOL):
            by_document: dict[str, list[str]] = {}
            for page in item.pages:
                by_document.setdefault(page.doc_type, []).append(_short(page.text.replace(item.file.name, "{name}")))
            for doc_type, pages in by_document.items():
                self.pool.setdefault(doc_type, []).append(pages)

    def pages(self, doc_type: str, file_doc: dict) -> list[str]:
        """The page texts of one document of the file."""
        name = file_doc["name"]
        fields = file_doc.get("fields") or {}
        if doc_type == "id_copy":
            return [f"居民身份证\n姓名 {name}  性别 {fields.get('gender', '男')}  民族 汉\n"
                    f"出生 {fields.get('birth_date', '')}\n公民身份号码 {fields.get('id_number', '')}"]
        if doc_type == "other":
            return [f"营业执照\n名称 {name}\n统一社会信用代码 {fields.get('credit_code', '')}\n"
                    f"类型 有限责任公司  法定代表人 {(fields.get('legal_rep') or {}).get('name', '')}"]
        return [text.replace("{name}", name) for text in self.rng.choice(self.pool[doc_type])]

    def documents(self, file_doc: dict) -> list[tuple[str, str, list[str]]]:
        """(doc_type, title, page texts) of the file's three documents."""
        stage = (file_doc.get("classification") or {}).get("stage")
        if file_doc["template"] == "enterprise":
            kinds = ("authorization", "purchase_contract" if stage == "成交" else "survey_form", "other")
        elif stage == "成交":
            kinds = ("purchase_contract", "id_copy", "registration_form")
        else:
            kinds = ("survey_form", "id_copy", "authorization")
        return [(kind, TITLES[kind], self.pages(kind, file_doc)) for kind in kinds]
