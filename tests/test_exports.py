"""Every Excel register speaks the reader's language: its sheet name, its column headers and the labels in
its cells; the audit register says in which zone its times are."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.support.files import individual

CJK = re.compile(r"[\u4e00-\u9fff\uff08\uff09]")
EXPORTS = ("/files/export.xlsx", "/loans/register.xlsx", "/loans/incidents.xlsx", "/loans/reminders.xlsx",
           "/retention/due.xlsx", "/destructions/register.xlsx", "/intake/register.xlsx",
           "/verification/overdue.xlsx", "/audit/export.xlsx", "/followups/report.xlsx")


def _sheet(client, path: str, language: str):
    client.get(f"/lang/{language}")
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def reader(client, auth, services):
    """Someone who may download every register, with one file to list."""
    keeper = auth.user("keeper", ["archivist", "admin", "auditor", "executive"], department="档案室")
    services.files.create(keeper, individual(department="档案室"))
    auth.login("keeper")
    return keeper


def test_every_export_has_english_headers_on_english_pages(client, reader):
    for path in EXPORTS:
        sheet = _sheet(client, path, "en")
        header = [cell.value for cell in sheet[1]]
        assert header and not [h for h in header if CJK.search(str(h))], (path, header)
        assert not CJK.search(sheet.title), (path, sheet.title)


def test_every_export_has_chinese_headers_on_chinese_pages(client, reader):
    for path in EXPORTS:
        sheet = _sheet(client, path, "zh")
        header = [cell.value for cell in sheet[1]]
        assert [h for h in header if not CJK.search(str(h))] in ([], ["SHA-256"]), (path, header)


def test_the_audit_export_names_the_zone_of_its_local_times(client, reader):
    assert _sheet(client, "/audit/export.xlsx", "zh")["B1"].value == "时间 (Asia/Shanghai)"
    sheet = _sheet(client, "/audit/export.xlsx", "en")
    assert sheet["B1"].value == "Time (Asia/Shanghai)"
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")


def test_the_audit_export_gives_each_action_in_words_beside_its_code(client, reader):
    for language, signed_in in (("en", "Sign in"), ("zh", "登录")):
        sheet = _sheet(client, "/audit/export.xlsx", language)
        header = [cell.value for cell in sheet[1]]
        code, words = header.index("Action code" if language == "en" else "操作代码"), header.index(
            "Action" if language == "en" else "操作")
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert words == code + 1
        assert any(row[code] == "auth.login" and row[words] == signed_in for row in rows), rows[:3]


def test_the_file_export_shows_stages_and_customer_types_in_the_readers_language(client, reader, services):
    services.files.create(reader, individual(department="档案室",
                                             classification={"customer_type": "刚需", "stage": "成交",
                                                             "project": "JXLT"}))
    rows = [[cell.value for cell in row] for row in _sheet(client, "/files/export.xlsx", "en").iter_rows(min_row=2)]
    assert any("First home" in row and "Deal closed" in row for row in rows)
