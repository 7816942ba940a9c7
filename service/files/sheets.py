"""Reading customer registers kept as Excel or CSV sheets into header + rows."""
from __future__ import annotations

import csv
import io
from datetime import date
from datetime import datetime

from service.errors import Invalid
from service.errors import UnsupportedMedia
from service.messages import N_

MAX_ROWS = 50_000
MAX_COLUMNS = 200
XLSX_MAGIC = b"PK\x03\x04"


def _cell(value) -> str | int | float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves CSV as GBK unless told otherwise
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(N_("CSV 既不是 UTF-8 也不是 GBK 编码"), {"file": N_("无法识别的编码")})


def read(data: bytes) -> tuple[list[str], list[list]]:
    """The header row and the data rows of an .xlsx (first sheet) or a .csv, told apart by content."""
    if data.startswith(XLSX_MAGIC):
        try:
            from openpyxl import load_workbook  # imported on use: openpyxl and numpy cost each web worker ~28 MB
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise Invalid(N_("无法读取工作簿"),
                          {"file": N_("无法读取：%(error)s", error=type(exc).__name__)}) from None
        rows_iter = ([_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True))
    elif b"\x00" in data[:4096]:
        raise UnsupportedMedia(N_("只能导入 .xlsx 或 .csv 登记表"))
    else:
        rows_iter = ([_cell(v) for v in row] for row in csv.reader(io.StringIO(_decode(data))))
    rows = []
    header = None
    for row in rows_iter:
        if header is None:
            header = [str(v) if v is not None else "" for v in row][:MAX_COLUMNS]
            continue
        if any(v is not None for v in row):
            rows.append(row[:len(header)] + [None] * (len(header) - len(row)))
        if len(rows) > MAX_ROWS:
            raise Invalid(N_("行数太多"), {"file": N_("至多 %(n)s 行", n=MAX_ROWS)})
    if not header or not any(header):
        raise Invalid(N_("表格没有列名行"), {"file": N_("第一行应为列名")})
    return header, rows
