"""Codes shown by their labels in the reader's language: retention policies, background jobs, the duplicate
box, reasons kept with parameters, and one label map for pages and Excel exports."""
from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from service.messages import N_
from service.web.i18n import stored
from tests.support.files import individual

ROOT = Path(__file__).resolve().parent.parent


def _admin_and_keeper(auth):
    auth.user("admin", ["admin"], department="信息部", display_name="管理员")
    return auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")


def _read(client, path: str, language: str) -> str:
    client.get(f"/lang/{language}")
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_retention_policy_names_its_template_and_document_types_not_their_codes(client, auth, services):
    _admin_and_keeper(auth)
    admin = services.users.by_username("admin")
    services.retention.create_policy(admin, {"name": "个人客户十年", "trigger": "created", "years": 10,
                                             "match": {"template": "individual", "doc_types": ["id_copy"],
                                                       "stage": "成交"}})
    auth.login("admin")
    zh = _read(client, "/retention/policies", "zh")
    assert "模板：个人客户；文件类型：身份证复印件；阶段：成交" in zh
    en = _read(client, "/retention/policies", "en")
    assert "Template: Individual buyer; Document types: ID copy; Stage: Deal closed" in en
    for page in (zh, en):
        assert "template=" not in page and "id_copy<" not in page and "doc_types" not in page.split("<form")[0]


def test_the_jobs_page_names_each_kind_of_job_in_the_reader_s_language(client, auth, services):
    _admin_and_keeper(auth)
    for kind in ("index", "ocr", "scan_import"):
        services.jobs.enqueue(kind, {})
    auth.login("admin")
    zh = _read(client, "/dashboard/jobs?state=queued", "zh")
    assert all(f"<td>{label}</td>" in zh for label in ("更新检索索引", "文字识别", "扫描件批量导入"))
    en = _read(client, "/dashboard/jobs?state=queued", "en")
    assert all(f"<td>{label}</td>" in en for label in ("Search indexing", "Text recognition (OCR)", "Scan import"))
    assert not re.search(r"<td>(index|ocr|scan_import)</td>", zh + en)


def test_the_duplicate_box_lists_its_reasons_the_way_each_language_does(client, auth, services):
    keeper = _admin_and_keeper(auth)
    first = services.files.create(keeper, individual(name="张伟"))
    services.files.create(keeper, individual(name="张维"))
    auth.login("keeper")
    zh = _read(client, f"/files/{first['_id']}", "zh")
    assert "证件号码相同、姓名读音相同、手机号码相同" in zh
    en = _read(client, f"/files/{first['_id']}", "en")
    assert "Same ID number, Name sounds the same, Same mobile number" in en and "Same ID number、" not in en


def test_a_reason_kept_with_parameters_reads_in_english_on_english_pages(app):
    kept = str(N_("分隔页上的文件类型不存在或已停用：%(code)s", code="contract_v2"))  # as a record keeps it
    held = str(N_("以下档案现在不能销毁：%(reasons)s",
                  reasons=f"JXLT-2027-00001：{N_('已冻结：%(reason)s', reason=N_('纠纷'))}"))
    typed = "客户说下周再来"
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert stored(kept) == "The separator sheet names an unknown or retired document type: contract_v2"
        assert stored(held) == "These files cannot be destroyed now: JXLT-2027-00001: On hold: Dispute"
        assert stored(typed) == typed
    with app.test_request_context():
        assert stored(kept) == kept and stored(held) == held


def test_a_scheduled_follow_up_s_purpose_reads_in_english_on_the_english_file_page(client, auth, services, clock):
    keeper = _admin_and_keeper(auth)
    doc = services.files.create(keeper, individual(classification={"customer_type": "刚需", "stage": "成交",
                                                                   "project": "JXLT"}))
    auth.login("keeper")
    en = _read(client, f"/files/{doc['_id']}", "en")
    assert "建档后" not in en
    assert "within 3 days of registration" in en


LABEL_MAPS = [  # label dicts of codes that pages and exports once each kept their own copy of
    r"""['"]active['"]: _\(['"]在档""", r"""['"]normal['"]: _\(['"]普通""", r"""['"]physical['"]: _\(['"]纸质档案""",
    r"""['"]requested['"]: _\(['"]待审批['"]\), ['"]approved['"]: _\(['"]已批准待出库""",
    r"""['"]ok['"]: _\(['"]完好""", r"""['"]created['"]: _\(['"]建档日""",
    r"""['"]id_number['"]: _\(['"]证件号码相同""",
]


def test_pages_and_exports_take_the_labels_of_codes_from_one_map():
    copies = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "service").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        copies += [f"{path.relative_to(ROOT)}: {p}" for p in LABEL_MAPS if re.search(p, text)]
    assert copies == []


def test_the_file_export_and_the_file_page_show_the_same_labels(client, auth, services):
    keeper = _admin_and_keeper(auth)
    doc = services.files.create(keeper, individual(security="confidential", department="档案室"))
    auth.login("keeper")
    for language, security, status in (("zh", "机密", "在档"), ("en", "Confidential", "Active")):
        page = _read(client, f"/files/{doc['_id']}", language)
        assert security in page and status in page
        client.get(f"/lang/{language}")
        sheet = load_workbook(io.BytesIO(client.get("/files/export.xlsx").data)).active
        row = [cell.value for cell in sheet[2]]
        assert security in row and status in row and "individual" not in row


def test_every_built_in_choice_stage_and_customer_type_has_a_label():
    from service.files import CUSTOMER_TYPES
    from service.files import STAGES
    from service.files.templates import BUILTIN_TEMPLATES
    from service.web.labels import VALUES

    def choices(fields):
        return {c for f in fields for c in (f.get("choices") or [])} | {
            c for f in fields for c in choices(f.get("fields") or [])}
    built_in = set(STAGES) | set(CUSTOMER_TYPES) | set().union(*(choices(t["fields"])
                                                                  for t in BUILTIN_TEMPLATES.values()))
    assert sorted(built_in - VALUES) == []


def test_stored_choices_read_in_english_and_are_sent_back_as_stored(client, auth, services):
    keeper = _admin_and_keeper(auth)
    doc = services.files.create(keeper, individual(classification={"customer_type": "刚需", "stage": "成交",
                                                                   "project": "JXLT"}))
    auth.login("keeper")
    en = _read(client, f"/files/{doc['_id']}", "en")
    assert all(word in en for word in ("First home", "Deal closed", "Male", "Resident ID card"))
    edit = _read(client, f"/files/{doc['_id']}/edit", "en")
    assert '<option value="成交" selected>Deal closed</option>' in edit
    assert '<option value="身份证" selected>Resident ID card</option>' in edit
