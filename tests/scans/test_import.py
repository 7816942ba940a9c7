"""Batch scan import: separator sheets, archive numbers in names, the inbox, idempotent re-runs, zips from the page."""
from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image

from service import clock
from service.cli.commands import main as archive_main
from service.errors import Conflict
from service.scans import separators
from service.worker import Worker
from tests.support import scans
from tests.support.auth import csrf_from
from tests.support.files import individual


@pytest.fixture
def keeper(services):
    return services.users.create("keeper", "Correct-Horse-42", ["archivist"], "档案室", "档案员")


@pytest.fixture
def two_files(services, keeper):
    """File A has a Chinese project in its archive number; file B an ASCII one."""
    a = services.files.create(keeper, individual(name="张伟", classification={"project": "嘉兴绿地", "stage": "意向"}))
    b = services.files.create(keeper, individual(name="李娜", classification={"project": "JXLT", "stage": "意向"}))
    return a, b


def separator_scan(file_doc: dict, doc_type: str, label: str, dpi: int = 200, tilt: float = 1.0) -> bytes:
    """A separator sheet printed and scanned back: rendered at dpi, tilted, greyscale PNG."""
    pdf = pypdfium2.PdfDocument(separators.sheet_pdf(file_doc, doc_type, label))
    image = pdf[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    pdf.close()
    return scans.png_bytes(image.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=246))


def scan_folder(folder: Path, a: dict, b: dict) -> Path:
    """(a) a PDF named by A's number, (b) a batch with two separators, (c) a photo of nothing, (d) junk."""
    folder.mkdir()
    (folder / f"{a['archive_no']}_合同.pdf").write_bytes(scans.scanned_pdf([scans.contract_page_png(seed=1)]))
    batch = [separator_scan(a, "purchase_contract", "购房合同"), scans.contract_page_png(seed=2),
             scans.contract_page_png(seed=3), separator_scan(b, "id_copy", "身份证复印件"),
             scans.contract_page_png(buyer="李娜", seed=4)]
    (folder / "scan_0002.pdf").write_bytes(scans.scanned_pdf(batch))
    (folder / "scan_0003.jpg").write_bytes(scans.jpeg_bytes(scans.contract_page_png(buyer="王芳", seed=5)))
    (folder / "readme.txt").write_text("扫描说明", encoding="utf-8")
    (folder / "setup.exe").write_bytes(scans.windows_exe())
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def pdf_pages(services, doc: dict) -> int:
    pdf = pypdfium2.PdfDocument(services.objects.read("originals", doc["key"]))
    try:
        return len(pdf)
    finally:
        pdf.close()


def stored_state(services) -> tuple[int, int, int]:
    return (services.db["documents"].count_documents({}), services.db["scan_inbox"].count_documents({}),
            len(list(services.objects.keys("originals"))) + len(list(services.objects.keys("derivatives"))))


@pytest.mark.parametrize("tilt", [1.0, -1.0])
def test_a_printed_separator_scanned_tilted_at_200_dpi_decodes_to_its_file_and_type(tilt):
    file_doc = {"_id": "65f1a2b3c4d5e6f708192a3b", "archive_no": "嘉兴绿地-2026-00001", "name": "张伟"}
    page = Image.open(io.BytesIO(separator_scan(file_doc, "purchase_contract", "购房合同", tilt=tilt)))
    assert separators.decode_separator(page) == ("65f1a2b3c4d5e6f708192a3b", "purchase_contract")
    assert separators.decode_separator(scans.contract_page(dpi=200)) is None


def test_a_folder_is_filed_by_name_and_separators_with_the_rest_in_the_inbox(services, keeper, two_files, tmp_path):
    a, b = two_files
    assert a["archive_no"].startswith("嘉兴绿地-")
    folder = scan_folder(tmp_path / "scanner", a, b)
    started = time.monotonic()
    run = services.scan_imports.run_folder(keeper, folder)
    print(f"filed the test folder in {time.monotonic() - started:.2f} s")
    assert run["state"] == "done" and run["counts"] == {"inputs": 6, "documents": 3, "inbox": 1, "already": 0,
                                                        "skipped": 3, "failed": 0}
    in_a = {d["doc_type"]: d for d in services.documents.of_file(keeper, str(a["_id"]))}
    in_b = services.documents.of_file(keeper, str(b["_id"]))
    assert set(in_a) == {"other", "purchase_contract"}
    assert in_a["other"]["title"] == f"{a['archive_no']}_合同.pdf" and pdf_pages(services, in_a["other"]) == 1
    assert pdf_pages(services, in_a["purchase_contract"]) == 2
    assert [d["doc_type"] for d in in_b] == ["id_copy"] and pdf_pages(services, in_b[0]) == 1
    assert in_a["purchase_contract"]["source"]["pages"] == [2, 3] and in_b[0]["source"]["pages"] == [5, 5]

    by_name = {e["name"]: e for e in run["summary"]}
    assert [e["name"] for e in run["summary"]] == sorted(by_name)
    assert "不是 PDF、JPEG、PNG 或 TIFF" in by_name["readme.txt"]["reason"]
    assert by_name["setup.exe"]["outcome"] == "skipped" and by_name[".DS_Store"]["reason"].startswith("隐藏文件")
    inbox_entry = by_name["scan_0003.jpg"]["items"][0]
    assert inbox_entry["kind"] == "inbox" and "文件名中没有档案号" in inbox_entry["reason"]
    total, items = services.scan_inbox.page(keeper)
    assert total == 1 and items[0]["source_name"] == "scan_0003.jpg" and items[0]["thumb"]
    assert services.scan_inbox.thumbnail(keeper, items[0]["_id"]).startswith(b"\xff\xd8")

    before = stored_state(services)
    again = services.scan_imports.run_folder(keeper, folder)
    assert again["counts"] == {"inputs": 6, "documents": 0, "inbox": 0, "already": 4, "skipped": 3, "failed": 0}
    assert stored_state(services) == before


def test_assigning_an_inbox_item_makes_a_document_and_empties_the_inbox(services, keeper, two_files, tmp_path):
    _, b = two_files
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "loose.png").write_bytes(scans.contract_page_png(buyer="李娜"))
    services.scan_imports.run_folder(keeper, folder)
    _, (item,) = services.scan_inbox.page(keeper)
    file_id = services.scan_inbox.file_id(keeper, archive_no=b["archive_no"])
    assigned, document = services.scan_inbox.assign(keeper, item["_id"], file_id, "registration_form", "业主登记表")
    assert assigned["state"] == "assigned" and document["file_id"] == str(b["_id"])
    assert document["doc_type"] == "registration_form" and document["sha256"] == item["sha256"]
    assert services.scan_inbox.page(keeper) == (0, [])
    assert list(services.objects.keys("originals", "inbox/")) == []
    with pytest.raises(Conflict):
        services.scan_inbox.discard(keeper, item["_id"], "重复")
    audited = {"action": "scan_inbox.assigned", "target": f"scan_inbox:{item['_id']}"}
    assert services.db["audit"].count_documents(audited) == 1


def test_a_separator_naming_a_destroyed_or_unknown_file_sends_its_pages_to_the_inbox(services, keeper, two_files,
                                                                                    tmp_path):
    a, _ = two_files
    ghost = {"_id": "65f1a2b3c4d5e6f708192a3b", "archive_no": "KH-2020-99999", "name": "无此人"}
    services.db["files"].update_one({"_id": a["_id"]}, {"$set": {"status": "destroyed"}})
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "batch.pdf").write_bytes(scans.scanned_pdf([
        separator_scan(a, "purchase_contract", "购房合同"), scans.contract_page_png(seed=1),
        separator_scan(ghost, "id_copy", "身份证复印件"), scans.contract_page_png(seed=2)]))
    run = services.scan_imports.run_folder(keeper, folder)
    reasons = [item["reason"] for item in run["summary"][0]["items"]]
    assert run["counts"]["inbox"] == 2 and "已销毁" in reasons[0] and "不存在" in reasons[1]
    assert services.db["documents"].count_documents({}) == 0


def test_a_zip_uploaded_on_the_page_is_filed_by_the_worker_with_progress(client, auth, services, two_files, tmp_path):
    a, b = two_files
    auth.user("keeper2", ["archivist"])
    auth.login("keeper2")
    folder = scan_folder(tmp_path / "scanner", a, b)
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"扫描/{path.name}")
    form = csrf_from(client.get("/scans/import").get_data(as_text=True))
    response = client.post("/scans/import", data={"csrf_token": form, "zip": (io.BytesIO(data.getvalue()), "扫描.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    progress_url = response.headers["Location"] + "/progress.json"
    queued = client.get(progress_url).get_json()
    assert queued["status"] == "queued" and queued["done"] == 0 and queued["failed"] == 0
    assert f'data-progress-url="{progress_url}"' in client.get(response.headers["Location"]).get_data(as_text=True)

    worker = Worker(services)
    try:
        worker.run(max_jobs=1)
    finally:
        worker.close()
    body = client.get(progress_url).get_json()
    assert body["status"] == "done" and body["done"] == body["total"] == 6
    assert body["counts"]["documents"] == 3 and body["counts"]["inbox"] == 1 and body["failed"] == 0
    assert {e["name"] for e in body["summary"] if e["outcome"] == "filed"} == {
        f"扫描/{a['archive_no']}_合同.pdf", "扫描/scan_0002.pdf", "扫描/scan_0003.jpg"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="scan-summary"' in page and a["archive_no"] in page
    assert "data-progress-url" not in page  # nothing left to follow
    register = client.get("/scans/imports").get_data(as_text=True)
    assert "扫描.zip" in register
    inbox = client.get("/scans/inbox").get_data(as_text=True)
    assert "scan_0003.jpg" in inbox


def test_staff_cannot_reach_the_scan_desk(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    assert client.get("/scans/import").status_code == 403
    assert client.get("/scans/inbox").status_code == 403
    assert client.get("/scans/imports").status_code == 403
    assert 'id="nav-scans"' not in client.get("/").get_data(as_text=True)
    headers = auth.token("clerk")
    assert client.get("/api/v1/scan-inbox", headers=headers).status_code == 403
    response = client.post("/api/v1/scan-imports", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(b"PK\x05\x06" + b"\x00" * 18), "x.zip")})
    assert response.status_code == 403


def forged_zip(limit: int) -> bytes:
    """A traversal name, and a member whose header claims far more bytes than the limit."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("../../evil.pdf", scans.scanned_pdf([scans.contract_page_png()]))
        archive.writestr("bomb.pdf", b"%PDF-1.4\n" + b"\x00" * 1000)
        archive.writestr("/etc/passwd.pdf", b"%PDF-1.4\n")
    raw = bytearray(data.getvalue())
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"bomb.pdf"))
    raw[central + 24:central + 28] = (limit * 20).to_bytes(4, "little")  # uncompressed size
    return bytes(raw)


def test_a_zip_with_traversal_names_and_a_bomb_header_is_skipped_with_reasons(services, keeper, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setattr(services.scan_imports, "max_bytes", 10_000_000)
    target = tmp_path / "in.zip"
    target.write_bytes(forged_zip(10_000_000))
    monkeypatch.chdir(tmp_path)
    run = services.scan_imports.run_folder(keeper, target)
    reasons = {e["name"]: (e["outcome"], e.get("reason") or "") for e in run["summary"]}
    assert reasons["../../evil.pdf"][0] == "skipped" and "路径穿越" in reasons["../../evil.pdf"][1]
    assert reasons["/etc/passwd.pdf"][0] == "skipped" and "路径穿越" in reasons["/etc/passwd.pdf"][1]
    assert reasons["bomb.pdf"][0] == "skipped" and "文件过大" in reasons["bomb.pdf"][1]
    assert not any(p.name == "evil.pdf" for p in tmp_path.parent.rglob("evil.pdf"))
    assert services.db["documents"].count_documents({}) == 0 and services.db["scan_inbox"].count_documents({}) == 0


def test_the_api_starts_an_import_and_assigns_from_the_inbox(client, auth, services, two_files):
    _, b = two_files
    auth.user("keeper3", ["archivist"])
    headers = auth.token("keeper3")
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("loose.png", scans.contract_page_png())
    response = client.post("/api/v1/scan-imports", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data.getvalue()), "batch.zip")})
    assert response.status_code == 202 and response.get_json()["status"] == "queued"
    import_id = response.get_json()["id"]
    services.scan_imports.run(import_id)
    body = client.get(f"/api/v1/scan-imports/{import_id}", headers=headers).get_json()
    assert body["status"] == "done" and body["summary"][0]["items"][0]["kind"] == "inbox"
    listed = client.get("/api/v1/scan-inbox", headers=headers).get_json()
    assert listed["total"] == 1
    item_id = listed["items"][0]["id"]
    bad = client.post(f"/api/v1/scan-inbox/{item_id}/assign", headers=headers,
                      json={"archive_no": "NOPE-2026-00001", "doc_type": "other"})
    assert bad.status_code == 422
    done = client.post(f"/api/v1/scan-inbox/{item_id}/assign", headers=headers,
                       json={"archive_no": b["archive_no"], "doc_type": "survey_form", "title": "调查表"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["document"]["file_id"] == str(b["_id"]) and done.get_json()["item"]["state"] == "assigned"
    assert client.post(f"/api/v1/scan-inbox/{item_id}/discard", headers=headers,
                       json={"reason": "x"}).status_code == 409
    not_zip = client.post("/api/v1/scan-imports", headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(scans.windows_exe()), "x.zip")})
    assert not_zip.status_code == 415


def test_the_separator_sheet_is_printed_from_the_file_page(client, auth, services, two_files):
    a, _ = two_files
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    detail = client.get(f"/files/{a['_id']}").get_data(as_text=True)
    assert 'id="print-separator"' in detail
    assert 'id="separator-form"' in client.get(f"/files/{a['_id']}/separators").get_data(as_text=True)
    response = client.get(f"/files/{a['_id']}/separator?doc_type=authorization")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.data)
    image = pdf[0].render(scale=150 / 72).to_pil()
    text = pdf[0].get_textpage().get_text_range()
    assert "授权委托书" in text and a["archive_no"] in text
    assert separators.decode_separator(image) == (str(a["_id"]), "authorization")
    assert client.get(f"/files/{a['_id']}/separator?doc_type=nonsense").status_code == 422
    auth.user("auditor1", ["auditor"])
    auth.logout()
    auth.login("auditor1")
    assert client.get(f"/files/{a['_id']}/separator?doc_type=other").status_code == 403


def test_the_inbox_page_names_a_wrong_number_then_discards_with_a_reason(client, auth, services, tmp_path):
    keeper = auth.user("keeper4", ["archivist"])
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "loose.png").write_bytes(scans.contract_page_png())
    services.scan_imports.run_folder(keeper, folder)
    auth.login("keeper4")
    page = client.get("/scans/inbox").get_data(as_text=True)
    item_id = services.scan_inbox.page(keeper)[1][0]["_id"]
    wrong = client.post(f"/scans/inbox/{item_id}/assign", data={"csrf_token": csrf_from(page),
                                                                  "archive_no": "KH-1999-00001", "doc_type": "other"})
    assert wrong.status_code == 422 and "没有这个档案号" in wrong.get_data(as_text=True)
    no_reason = client.post(f"/scans/inbox/{item_id}/discard", data={"csrf_token": csrf_from(page), "reason": " "})
    assert no_reason.status_code == 422
    gone = client.post(f"/scans/inbox/{item_id}/discard", data={"csrf_token": csrf_from(page), "reason": "空白页"})
    assert gone.status_code == 302
    assert 'id="inbox-empty"' in client.get("/scans/inbox").get_data(as_text=True)
    assert "空白页" in client.get("/scans/inbox?state=discarded").get_data(as_text=True)
    assert list(services.objects.keys("originals", "inbox/")) == []
    assert services.db["audit"].count_documents({"action": "scan_inbox.discarded"}) == 1


def test_a_unit_left_started_by_a_crashed_import_is_taken_over_without_storing_twice(services, keeper, two_files,
                                                                                      tmp_path):
    a, _ = two_files
    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / f"{a['archive_no']}.pdf").write_bytes(scans.scanned_pdf([scans.contract_page_png()]))
    services.scan_imports.run_folder(keeper, folder)
    # as if the importer died after the upload, before marking its unit done
    services.db["scan_units"].update_many({}, {"$set": {"state": "started", "import_id": "dead",
                                                        "at": clock.now() - timedelta(minutes=5)}})
    busy = services.scan_imports.run_folder(keeper, folder)
    assert busy["counts"]["failed"] == 1 and "另一次导入" in busy["summary"][0]["items"][0]["reason"]
    services.db["scan_units"].update_many({}, {"$set": {"at": clock.now() - timedelta(minutes=11)}})
    taken = services.scan_imports.run_folder(keeper, folder)
    assert taken["counts"]["already"] == 1 and taken["counts"]["failed"] == 0
    assert services.db["documents"].count_documents({}) == 1
    assert services.db["scan_units"].find_one({})["state"] == "done"


def gbk_zip(name: str, data: bytes) -> bytes:
    """A zip as Chinese Windows makes it: the name in GBK, without the UTF-8 flag."""
    raw_name = name.encode("gb18030")
    placeholder = "n" * len(raw_name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(placeholder, data)
    return out.getvalue().replace(placeholder.encode(), raw_name)


def test_zip_names_in_gbk_tiff_batches_and_unreadable_files_are_handled(services, keeper, two_files, tmp_path):
    a, b = two_files
    (tmp_path / "gbk.zip").write_bytes(gbk_zip(f"{a['archive_no']}_购房合同.pdf",
                                               scans.scanned_pdf([scans.contract_page_png()])))
    run = services.scan_imports.run_folder(keeper, tmp_path / "gbk.zip")
    assert run["summary"][0]["name"] == f"{a['archive_no']}_购房合同.pdf" and run["counts"]["documents"] == 1

    folder = tmp_path / "scanner"
    folder.mkdir()
    (folder / "batch.tif").write_bytes(scans.multipage_tiff([
        separator_scan(b, "survey_form", "调查表"), scans.contract_page_png(seed=8), scans.contract_page_png(seed=9)]))
    (folder / "broken.pdf").write_bytes(scans.broken_pdf())
    run = services.scan_imports.run_folder(keeper, folder)
    (tiff_doc,) = services.documents.of_file(keeper, str(b["_id"]))
    assert tiff_doc["doc_type"] == "survey_form" and tiff_doc["media_type"] == "image/tiff"
    assert Image.open(io.BytesIO(services.objects.read("originals", tiff_doc["key"]))).n_frames == 2
    broken = next(e for e in run["summary"] if e["name"] == "broken.pdf")
    assert broken["items"][0]["kind"] == "inbox" and "无法读取页面" in broken["items"][0]["reason"]


def test_the_command_prints_each_input_and_exits_1_only_when_something_failed(services, keeper, two_files, settings,
                                                                            tmp_path, capsys, monkeypatch):
    a, b = two_files
    folder = scan_folder(tmp_path / "scanner", a, b)
    for name, value in {"ARCHIVE_DB": settings.db_name, "ARCHIVE_BUCKET_PREFIX": settings.bucket_prefix}.items():
        monkeypatch.setenv(name, value)
    assert archive_main(["import-scans", str(folder), "--user", "keeper"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[1/6] .DS_Store: skipped (隐藏文件)"
    assert any(line.startswith("  p2-3 -> ") and "purchase_contract" in line for line in out)
    assert json.loads(out[-1])["documents"] == 3
    services.users.create("clerk", "Correct-Horse-42", ["staff"], "销售部")
    assert archive_main(["import-scans", str(folder), "--user", "clerk"]) == 1
    assert "只有档案管理员可以处理扫描导入" in capsys.readouterr().err
