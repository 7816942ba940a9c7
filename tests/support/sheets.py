"""Registers to import: a workbook of customers, some with a wrong check digit in their ID number."""
from __future__ import annotations

import io

from openpyxl import Workbook

GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"
HEADERS = ["客户编号", "客户姓名", "手机号码", "证件类型", "证件号码", "购房预算（万元）", "阶段", "项目"]


def sheet(rows: int, bad_every: int = 0) -> bytes:
    """A workbook of `rows` customers; every `bad_every`-th has an ID number with a wrong check digit."""
    book = Workbook()
    page = book.active
    page.append(HEADERS)
    for n in range(rows):
        bad = bad_every and n % bad_every == 0
        page.append([f"C{n:05d}", f"客户{n}", 13800000000 + n, "身份证", BAD_ID if bad else GOOD_ID, 300 + n % 50,
                     "意向", "JXLT"])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
