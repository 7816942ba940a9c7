"""Customer files through the pages: forms from templates, conflicts, history, labels, export."""
from __future__ import annotations

import io
import re
from datetime import timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.support.auth import csrf_from
from tests.support.files import VALID_ID
from tests.support.files import form_for
from tests.support.files import register


def test_a_clerk_registers_an_individual_file_from_its_template_form(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    page = client.get("/files/new?template=individual").get_data(as_text=True)
    assert "证件号码" in page and "购房预算（万元）" in page
    file_id = register(client, **{"f.budget": "320"})
    detail = client.get(f"/files/{file_id}").get_data(as_text=True)
    assert "张伟" in detail and "<svg" in detail and "A101" in detail
    stored = services.db["files"].find_one({})
    assert stored["fields"]["budget"] == 320 and stored["fields"]["phone"] == "138 1234 5678"
    assert stored["department"] == "销售部" and stored["owner"] == "clerk"


def test_bad_values_are_shown_beside_their_fields_and_nothing_is_stored(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    data = {**form_for(client), "name": "张伟", "security": "normal", "f.id_type": "身份证",
            "f.id_number": "110105194912310021", "f.phone": "12345", "f.budget": "lots"}
    response = client.post("/files/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for path in ("fields.id_number", "fields.phone", "fields.budget"):
        assert f'data-field="{path}"' in page
    assert 'value="110105194912310021"' in page  # what was typed is kept
    assert services.db["files"].count_documents({}) == 0


def test_an_enterprise_form_reads_nested_objects_and_list_rows(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    data = {**form_for(client, "enterprise"), "name": "华夏置业有限公司", "security": "normal",
            "f.ownership_type": "私营", "f.credit_code": "91350100M000100Y43", "f.legal_rep.name": "李娜",
            "f.contacts.rows": "3", "f.contacts.0.name": "王强", "f.contacts.0.phone": "010-88886666",
            "f.contacts.2.name": "赵敏", "f.sales_by_year.rows": "2", "f.sales_by_year.0.year": "2025",
            "f.sales_by_year.0.amount": "1200.5"}
    assert client.post("/files/new", data=data).status_code == 302
    fields = services.db["files"].find_one({})["fields"]
    assert fields["legal_rep"] == {"name": "李娜"}
    assert [c["name"] for c in fields["contacts"]] == ["王强", "赵敏"]
    assert fields["sales_by_year"] == [{"year": 2025, "amount": 1200.5}]


def test_a_stale_save_shows_both_versions_and_the_first_change_survives(app, auth, services):
    first, second = app.test_client(), app.test_client()
    auth.user("clerk", ["staff"])
    auth.user("colleague", ["staff"])
    auth.client = first
    auth.login("clerk")
    file_id = register(first)
    auth.client = second
    auth.login("colleague")
    mine = second.get(f"/files/{file_id}/edit").get_data(as_text=True)
    theirs = first.get(f"/files/{file_id}/edit").get_data(as_text=True)
    base = {"name": "张伟", "security": "normal", "f.id_type": "身份证", "f.id_number": VALID_ID,
            "f.phone": "13812345678", "c.project": "JXLT", "c.stage": "意向", "status": "active", "version": "1"}
    assert first.post(f"/files/{file_id}/edit", data={**base, "csrf_token": csrf_from(theirs),
                                                       "f.occupation": "教师"}).status_code == 302
    response = second.post(f"/files/{file_id}/edit", data={**base, "csrf_token": csrf_from(mine),
                                                           "f.occupation": "医生"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="conflict"' in page and "教师" in page and 'value="医生"' in page
    assert re.search(r'name="version" value="2"', page)
    doc = services.db["files"].find_one({})
    assert doc["fields"]["occupation"] == "教师" and doc["version"] == 2


def test_blanking_a_field_on_the_form_removes_it_and_history_shows_each_change(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    file_id = register(client, **{"f.occupation": "教师"})
    page = client.get(f"/files/{file_id}/edit").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "张伟", "security": "normal", "f.id_type": "身份证",
            "f.id_number": VALID_ID, "f.phone": "13812345678", "c.project": "JXLT", "c.stage": "成交",
            "status": "active", "version": "1", "l.room": "A101"}
    assert client.post(f"/files/{file_id}/edit", data=data).status_code == 302
    doc = services.db["files"].find_one({})
    assert "occupation" not in doc["fields"] and doc["location"] == {"room": "A101"}
    history = client.get(f"/files/{file_id}/history").get_data(as_text=True)
    assert ("fields.occupation" in history and "classification.stage" in history
            and "意向 → <strong>成交</strong>" in history)


def test_labels_print_the_archive_number_as_a_qr_code(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    ids = [register(client, name=f"客户{n}") for n in range(3)]
    single = client.get(f"/files/{ids[0]}/label").get_data(as_text=True)
    assert single.count("<svg") == 1 and "JXLT-" in single
    sheet = client.get("/files/labels?" + "&".join(f"id={i}" for i in ids)).get_data(as_text=True)
    assert sheet.count('class="label"') == 3


def test_lists_filter_and_exports_hide_what_the_user_may_not_see(client, auth, services):
    auth.user("clerk", ["staff"], department="销售部", display_name="王芳")
    auth.user("engineer", ["staff"], department="工程部")
    auth.login("clerk")
    register(client, name="公开客户")
    register(client, name="机密客户", security="confidential")
    listing = client.get("/files").get_data(as_text=True)
    assert "机密客户" in listing and "<td>王芳</td>" in listing and "<td>clerk</td>" not in listing  # owners by name
    assert "公开客户" not in client.get("/files?name=jimi").get_data(as_text=True)
    auth.logout()
    auth.login("engineer")
    listing = client.get("/files").get_data(as_text=True)
    assert "公开客户" in listing and "机密客户" not in listing
    sheet = load_workbook(io.BytesIO(client.get("/files/export.xlsx").data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["公开客户"]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    assert row[2] == "个人客户" and row[6] == "普通" and row[9] == "在档"  # words, never codes
    stored = services.db["files"].find_one({"name": "公开客户"})["created_at"]
    shanghai = stored.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((row[12] - shanghai).total_seconds()) < 0.01  # the time as the pages show it, not UTC
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:O2"
    assert sheet.cell(1, 1).font.bold and sheet.column_dimensions["B"].width >= 10
    confidential = services.db["files"].find_one({"name": "机密客户"})
    assert client.get(f"/files/{confidential['_id']}").status_code == 404
    assert client.get(f"/files/{confidential['_id']}/label").status_code == 404


def test_auditors_see_files_but_cannot_register_or_edit(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    file_id = register(client)
    auth.logout()
    auth.user("shenji", ["auditor"])
    auth.login("shenji")
    assert client.get(f"/files/{file_id}").status_code == 200
    assert client.get("/files/new").status_code == 403
    assert client.get(f"/files/{file_id}/edit").status_code == 403
