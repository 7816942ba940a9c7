"""Registers as Excel workbooks (openpyxl, write-only so that large registers stream)."""
from __future__ import annotations

import io
from typing import Iterable
from typing import Sequence


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """An .xlsx with one sheet: a header row, then the rows."""
    from openpyxl import Workbook  # imported on use: openpyxl and numpy cost each web worker ~28 MB
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, (dict, list)):
        import json
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)
    text = value
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@"):
        return "'" + text  # never let a cell be read as a formula
    return value
