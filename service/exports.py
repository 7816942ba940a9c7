"""Registers as Excel workbooks (openpyxl, write-only so that large registers stream).

A register opens ready to use: the header row bold, frozen and filterable, columns as wide as their
contents (from the first rows), times in the installation's zone as Excel dates."""
from __future__ import annotations

import io
import itertools
import json
import unicodedata
from datetime import datetime
from datetime import timezone
from typing import Iterable
from typing import Sequence
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
SAMPLE_ROWS = 200  # rows read to size the columns before the sheet is written
MAX_WIDTH = 60
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence], zone: str | None = None) -> bytes:
    """An .xlsx with one sheet: a header row, then the rows (times shown in `zone`)."""
    from openpyxl import Workbook  # imported on use: openpyxl and numpy cost each web worker ~28 MB
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    where = ZoneInfo(zone or DEFAULT_ZONE)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    rows = iter(rows)
    first = [[_cell(value, where) for value in row] for row in itertools.islice(rows, SAMPLE_ROWS)]
    for index, width in enumerate(_widths(headers, first), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for values in itertools.chain(first, ([_cell(value, where) for value in row] for row in rows)):
        sheet.append([_timed(sheet, value) for value in values])
        count += 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _timed(sheet, value):
    if isinstance(value, datetime):
        from openpyxl.cell import WriteOnlyCell
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = TIME_FORMAT
        return cell
    return value


def _widths(headers: Sequence[str], rows: list[list]) -> list[float]:
    """Each column's width in characters: its widest value among the header and the first rows (a
    Chinese character counts as two), within 8 and MAX_WIDTH."""
    widths = []
    for index, header in enumerate(headers):
        values = [header] + [row[index] for row in rows if index < len(row)]
        widest = max(_display_width(_shown(value)) for value in values)
        widths.append(float(min(max(widest + 2, 8), MAX_WIDTH)))
    return widths


def _shown(value) -> str:
    if isinstance(value, datetime):
        return "2026-01-01 00:00"
    return "" if value is None else str(value)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(value, zone: ZoneInfo):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # stored times are UTC
        return value.astimezone(zone).replace(tzinfo=None)  # Excel keeps no zone: the local time
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a cell be read as a formula
    return value
