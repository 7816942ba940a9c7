"""Follow-up pages: my follow-ups, the contact form, the file section, complaints, team, report, rules, campaigns."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qsl

import pytest

from tests.support.auth import csrf_from
from tests.support.followups import in_days
from tests.support.followups import today


def _form(team, path: str, data: dict):
    token = csrf_from(team.client.get(path).get_data(as_text=True))
    return team.client.post(path, data={**data, "csrf_token": token})


@pytest.mark.calendar
def test_my_follow_ups_lists_due_today_and_one_click_records_it(team, auth):
    f = team.file("clerk")
    auth.login("clerk")
    html = team.client.get("/followups/", query_string={"as_of": in_days(3)}).get_data(as_text=True)
    today_table = html.split('id="due-today"')[1].split("</table>")[0]
    assert f["archive_no"] in today_table and "记录回访" in today_table
    link = re.search(r'href="(/followups/record/[^"]+)"', today_table).group(1).replace("&amp;", "&")
    page = team.client.get(link).get_data(as_text=True)
    assert 'id="closing-followup"' in page
    response = team.client.post(link, data={"csrf_token": csrf_from(page), "followup_id": f"{f['id']}:owner:3",
                                            "date": today().isoformat(), "person": "张伟", "channel": "phone",
                                            "purpose": "首次回访", "content": "指导入住准备", "satisfaction": "8"})
    assert response.status_code == 302
    assert team.services.db["followups"].find_one({"_id": f"{f['id']}:owner:3"})["status"] == "done"
    html = team.client.get("/followups/", query_string={"as_of": in_days(3)}).get_data(as_text=True)
    assert f["archive_no"] not in html.split('id="due-today"')[1].split("</table>")[0]


def test_a_bad_form_shows_the_error_and_stores_nothing(team, auth, services):
    f = team.file("clerk")
    auth.login("clerk")
    path = f"/followups/record/{f['id']}"
    response = _form(team, path, {"date": today().isoformat(), "person": "张伟", "channel": "phone",
                                  "purpose": "回访", "content": "x", "satisfaction": "abc"})
    assert response.status_code == 400
    assert 'data-field="satisfaction"' in response.get_data(as_text=True)
    response = _form(team, path, {"date": today().isoformat(), "person": "张伟", "channel": "phone",
                                  "purpose": "回访", "content": "x", "satisfaction": "11"})
    assert response.status_code == 400
    assert services.db["contacts"].count_documents({}) == 0


def test_the_file_page_shows_contacts_and_open_complaints(team, auth):
    f = team.file("clerk")
    team.record("clerk", f["id"], content="询问交房时间", complaint={
        "category": "repair", "description": "门锁损坏", "department": "工程部", "promised_date": in_days(2)})
    auth.login("clerk2")
    html = team.client.get(f"/files/{f['id']}").get_data(as_text=True)
    section = html.split('id="followups"')[1].split("</section>")[0]
    assert "询问交房时间" in section and "门锁损坏" in section and "工程部" in section
    assert "file-followups" in section


def test_a_sealed_files_contacts_stay_sealed_on_pages(team, auth):
    sealed = team.file("keeper", security="sealed")
    team.record("keeper", sealed["id"], content="封存档案的回访")
    auth.login("clerk")
    assert team.client.get(f"/followups/record/{sealed['id']}").status_code == 404
    assert "封存档案的回访" not in team.client.get("/followups/complaints").get_data(as_text=True)
    auth.logout()
    auth.login("auditor")
    assert team.client.get(f"/followups/record/{sealed['id']}").status_code == 404


@pytest.mark.calendar
def test_the_engineering_list_shows_the_complaint_late_the_day_after(team, auth):
    f = team.file("clerk")
    promised = in_days(1)
    team.record("clerk", f["id"], complaint={"category": "repair", "description": "卫生间漏水", "department": "工程部",
                                             "promised_date": promised})
    auth.login("eng")
    on_day = team.client.get("/followups/complaints", query_string={"as_of": promised}).get_data(as_text=True)
    assert "卫生间漏水" in on_day and "已逾期" not in on_day.split('id="complaint-list"')[1]
    after = team.client.get("/followups/complaints", query_string={"as_of": in_days(2), "status": "late"})
    assert "卫生间漏水" in after.get_data(as_text=True) and "已逾期" in after.get_data(as_text=True)
    complaint_id = team.services.db["complaints"].find_one({})["_id"]
    token = csrf_from(team.client.get("/followups/complaints").get_data(as_text=True))
    team.client.post(f"/followups/complaints/{complaint_id}/close", data={"csrf_token": token, "resolution": "已修复"})
    assert team.services.db["complaints"].find_one({})["status"] == "closed"


@pytest.mark.calendar
def test_the_report_page_draws_charts_and_exports_excel(team, auth):
    from openpyxl import load_workbook
    f = team.file("clerk", project="JXLT")
    team.record("clerk", f["id"], satisfaction=7, complaint={"category": "quality", "description": "墙面开裂",
                                                             "department": "工程部", "promised_date": in_days(3)})
    auth.login("clerk")
    assert team.client.get("/followups/report").status_code == 403
    auth.logout()
    auth.login("boss")
    html = team.client.get("/followups/report").get_data(as_text=True)
    charts = html.split("report-charts")[1].split("</main>")[0]
    assert "<svg" in charts and "JXLT" in html and "<script" not in charts  # drawn by the server, no script
    row = html.split('data-project="JXLT"')[1].split("</tr>")[0]
    assert '<td class="avg">7.0</td>' in row or '<td class="avg">7</td>' in row
    response = team.client.get("/followups/report.xlsx", query_string={"month": today().isoformat()[:7]})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "项目" and rows[1][1] == "JXLT" and rows[1][2] == 1 and rows[1][4] == 7
    assert rows[-1][1] == "合计"


@pytest.mark.calendar
def test_the_team_view_shows_completion_rates(team, auth):
    f = team.file("clerk")
    team.record("clerk", f["id"], followup_id=f"{f['id']}:owner:3")
    auth.login("boss")
    html = team.client.get("/followups/team", query_string={"from": today().isoformat(), "to": in_days(60)})
    text = html.get_data(as_text=True)
    row = text.split("<td>王芳</td>")[1].split("</tr>")[0]  # by name
    assert "<td>3</td><td>1</td><td>1</td>" in row and "33.3%" in row
    assert team.client.get("/followups/team", query_string={"department": "工程部"}).status_code == 403
    auth.logout()
    auth.login("clerk")
    assert team.client.get("/followups/team").status_code == 403


def test_admin_configures_the_rules_and_others_may_not(team, auth):
    f = team.file("clerk")
    auth.login("clerk")
    assert team.client.get("/followups/rules").status_code == 403
    auth.logout()
    auth.login("admin")
    html = team.client.get("/followups/rules").get_data(as_text=True)
    assert 'value="3, 30, 60"' in html and 'value="contract_date"' in html
    form = {"owner_bought": "3, 30, 90", "cs_bought": "15", "owner_not_bought": "3, 15", "cs_not_bought": "",
            "cs_department": "客服部", "key_0_key": "contract", "key_0_field": "contract_date", "key_0_months": "0",
            "key_0_days": "7", "key_0_purpose": "签约后一周回访", "birthday_fields": "birth_date",
            "anniversary_fields": "", "remind_days": "7"}
    assert _form(team, "/followups/rules", {**form, "owner_bought": "3, x"}).status_code == 400
    assert _form(team, "/followups/rules", form).status_code == 302
    assert team.services.followups.rules()["owner_bought"] == [3, 30, 90]
    assert len(team.services.followups.rules()["key_dates"]) == 1
    assert _form(team, "/followups/rules/reschedule", {}).status_code == 302  # not confirmed: nothing happens
    assert team.services.db["followups"].find_one({"_id": f"{f['id']}:owner:90"}) is None
    _form(team, "/followups/rules/reschedule", {"confirm": "yes"})
    assert team.services.db["followups"].find_one({"_id": f"{f['id']}:owner:90"})["status"] == "open"
    assert team.services.db["followups"].find_one({"_id": f"{f['id']}:owner:60"})["status"] == "cancelled"


@pytest.mark.calendar
def test_a_campaign_gives_each_chosen_files_owner_a_follow_up(team, auth, services):
    a, b = team.file("clerk", project="YHY"), team.file("clerk2", project="YHY")
    team.file("clerk", project="JXLT")
    auth.login("boss")
    response = _form(team, "/followups/campaigns", {"project": "YHY", "purpose": "新政策告知", "deadline": in_days(10)})
    assert response.status_code == 302
    campaign = services.db["followups"].find({"kind": "campaign"})
    assert sorted((d["file_id"], d["assignee"], d["due"]) for d in campaign) == sorted(
        [(a["id"], "clerk", in_days(10)), (b["id"], "clerk2", in_days(10))])
    assert _form(team, "/followups/campaigns", {"purpose": "x", "deadline": in_days(1)}).status_code == 200
    assert services.db["followup_campaigns"].count_documents({}) == 1


@pytest.mark.calendar
def test_birthdays_of_my_customers_are_reminded(team, auth):
    birthday = today().replace(year=1980)  # a leap year: 29 February too
    f = team.file("clerk", fields={**contact_free_fields(), "birth_date": birthday.isoformat()})
    auth.login("clerk")
    html = team.client.get("/followups/").get_data(as_text=True)
    assert 'id="reminders"' in html and f["archive_no"] in html.split('id="reminders"')[1].split("</section>")[0]


def contact_free_fields() -> dict:
    """An individual's fields without a birth date."""
    from tests.support.files import individual
    return individual()["fields"]


def test_the_file_detail_needs_nothing_else_for_an_unrelated_reader(team, auth):
    f = team.file("clerk")
    auth.login("auditor")
    html = team.client.get(f"/files/{f['id']}").get_data(as_text=True)
    assert 'id="followups"' in html and 'id="record-contact"' not in html


@pytest.mark.calendar
def test_my_follow_ups_show_twenty_of_each_bucket_with_its_total_and_page_through_the_rest(team, auth):
    later = in_days(400)  # every open follow-up of the files below is overdue by then
    while len(team.followups("clerk", bucket="overdue", as_of=later)) <= 20:
        team.file("clerk")
    overdue = team.followups("clerk", bucket="overdue", as_of=later)
    auth.login("clerk")
    html = team.client.get("/followups/", query_string={"as_of": later}).get_data(as_text=True)
    first = html.split('id="due-overdue"')[1].split("</table>")[0]
    assert first.count("data-followup=") == 20
    assert f"（{len(overdue)} 条）" in html and f"查看全部 {len(overdue)} 条" in html
    more = re.search(r'href="([^"]+)" id="more-overdue"', html).group(1).replace("&amp;", "&")
    path, _, query = more.partition("?")
    args = dict(parse_qsl(query))
    assert path == "/followups/" and args["bucket"] == "overdue" and args["as_of"] == later
    shown = []
    assert 20 < len(overdue) <= 30
    for number in (1, 2, 3):
        page = team.client.get(path, query_string={**args, "page": number, "per_page": 10}).get_data(as_text=True)
        assert 'id="due-today"' not in page and 'id="reminders"' not in page
        assert f"第 {number} / {-(-len(overdue) // 10)} 页，共 {len(overdue)} 条" in page
        shown += re.findall(r'data-followup="([^"]+)"', page.split('id="due-overdue"')[1].split("</table>")[0])
    due = {f["id"]: f["due"] for f in overdue}
    assert len(shown) == len(set(shown)) == len(due) and set(shown) == set(due)  # each once, over 3 pages
    assert [due[i] for i in shown] == sorted(due[i] for i in shown)  # oldest first across the pages
    unknown = team.client.get("/followups/", query_string={"as_of": later, "bucket": "nonsense"})
    assert unknown.status_code == 200 and 'id="due-today"' in unknown.get_data(as_text=True)
