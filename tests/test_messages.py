"""Messages go through Babel: the API's `message` and `fields`, and the error pages, are in the reader's
language only; no literal carries both languages."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from service.messages import N_
from service.messages import Joined
from service.messages import render

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import check_bilingual  # noqa: E402  (a script, not a package)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NO_SUCH_ID = "0" * 24


def in_language(client, language: str):
    """Choose the interface language the way a person does: the header's switch."""
    assert client.get(f"/lang/{language}?next=/login").status_code == 302


def test_no_bilingual_literal_is_left_in_the_code_or_the_templates():
    assert check_bilingual.find() == []


def test_the_check_finds_a_literal_in_both_languages_and_leaves_placeholders_and_docstrings(tmp_path):
    (tmp_path / "service").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "service" / "bad.py").write_text(
        '"""Docstrings may gloss: 借阅 (loans)."""\n'
        'def f(n):\n'
        '    ok = N_("至多 %(n)s 个字符", n=n)\n'
        '    raise NotFound("没有这个档案 (no such file)")\n'
        '    return f"至多 {n} 行 (at most {n} rows)"\n', encoding="utf-8")
    (tmp_path / "templates" / "error.html").write_text(
        "<h1>403 · 没有权限 (not allowed)</h1>\n<p>{{ _('第 %(page)s 页', page=1) }}</p>\n", encoding="utf-8")
    found = check_bilingual.find(tmp_path)
    where = [hit.split(": ", 1)[0] for hit in found]
    assert where == ["service/bad.py:4", "service/bad.py:5", "templates/error.html:1"]


def test_a_message_keeps_its_msgid_and_named_parameters_and_is_the_chinese_text():
    message = N_("续借次数已达上限 %(limit)s 次", limit=3)
    assert message == "续借次数已达上限 3 次" and message.msgid == "续借次数已达上限 %(limit)s 次"
    english = {"续借次数已达上限 %(limit)s 次": "The renewal limit of %(limit)s is reached",
               "%(no)s：%(why)s": "%(no)s: %(why)s", "档案已遗失": "The folder is lost"}
    assert render({"renewals": [message]}, english.get) == {"renewals": ["The renewal limit of 3 is reached"]}
    nested = N_("%(no)s：%(why)s", no="A-1", why=Joined("；", [N_("档案已遗失"), "other"]))
    assert nested == "A-1：档案已遗失；other" and render(nested, english.get) == "A-1: The folder is lost；other"


def test_an_api_error_is_in_chinese_by_default_and_in_english_when_chosen(client, auth):
    auth.user("clerk", ["staff"])
    headers = auth.token("clerk")
    chinese = client.get(f"/api/v1/files/{NO_SUCH_ID}", headers=headers)
    assert chinese.status_code == 404
    assert chinese.get_json()["error"] == {"code": "not_found", "message": "没有这个档案", "fields": {}}
    in_language(client, "en")
    english = client.get(f"/api/v1/files/{NO_SUCH_ID}", headers=headers)
    assert english.status_code == 404
    assert english.get_json()["error"] == {"code": "not_found", "message": "No such file", "fields": {}}


def test_a_field_error_with_a_parameter_is_rendered_in_each_language(client, auth):
    auth.user("clerk", ["staff"])
    headers = auth.token("clerk")
    chinese = client.get("/api/v1/search?q=合同&sort=newest", headers=headers)
    assert chinese.status_code in (400, 422)
    assert chinese.get_json()["error"]["fields"] == {"sort": "应为 relevance/date 之一"}
    in_language(client, "en")
    english = client.get("/api/v1/search?q=合同&sort=newest", headers=headers)
    assert english.status_code == chinese.status_code
    assert english.get_json()["error"]["fields"] == {"sort": "Should be one of relevance/date"}
    assert english.get_json()["error"]["code"] == chinese.get_json()["error"]["code"]


@pytest.mark.parametrize("language, shown, other", [("zh", "没有这个档案", "No such file"),
                                                     ("en", "No such file", "没有这个档案")])
def test_an_error_page_speaks_the_reader_s_language_only(client, auth, language, shown, other):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    in_language(client, language)
    page = client.get(f"/files/{NO_SUCH_ID}")
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and f"404 · {shown}" in html and other not in html


@pytest.mark.parametrize("language, shown", [("zh", "没有权限"), ("en", "Not allowed")])
def test_a_refused_page_says_so_in_one_language(client, auth, language, shown):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    in_language(client, language)
    page = client.get("/intake/register")
    html = page.get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert page.status_code == 403 and heading == f"403 · {shown}"
    assert (CHINESE.search(heading) is None) == (language == "en")


@pytest.mark.parametrize("language, shown", [("zh", "没有这个页面"), ("en", "No such page")])
def test_an_unknown_address_answers_in_the_reader_s_language(client, language, shown):
    in_language(client, language)
    page = client.get("/no/such/page")
    api = client.get("/api/v1/no/such/resource")
    assert page.status_code == 404 and f"404 · {shown}" in page.get_data(as_text=True)
    assert api.status_code == 404 and api.get_json()["error"] == {"code": "not_found", "message": shown, "fields": {}}


@pytest.mark.parametrize("language, shown", [("zh", "密码至少 10 个字符"), ("en", "At least 10 characters")])
def test_a_form_s_field_error_with_a_parameter_is_shown_next_to_the_field_in_the_reader_s_language(
        client, auth, language, shown):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    in_language(client, language)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").get_data(as_text=True)).group(1)
    page = client.post("/account/password", data={"current": "Correct-Horse-42", "new": "short-1", "repeat": "short-1",
                                                  "csrf_token": token})
    errors = re.findall(r'<div class="field-error">(.*?)</div>', page.get_data(as_text=True))
    assert page.status_code == 422 and errors == [shown]
