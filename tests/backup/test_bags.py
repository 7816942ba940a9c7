"""A customer file exported as a BagIt bag (CLI and file page), validated by bagit itself, and imported
into a second installation with identical checksums; tampered bags and hidden files refused."""
from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest

from service.backup import BagService
from service.cli import bags as bags_cli
from service.errors import Conflict
from service.errors import Invalid
from tests.support.backup import api_of
from tests.support.backup import search_total
from tests.support.backup import upload_pdf
from tests.support.jobs import drain

BAGIT_CLI = Path(sys.executable).with_name("bagit.py")


def a_file_with_history(office, services) -> tuple[dict, dict]:
    """A file with a scan read, an edit (two versions) and a loan request."""
    f = office.file(ended=None, name="李娜")
    doc = upload_pdf(office, f["id"], "李娜", "翠湖天地")
    drain(services)
    patched = office.client.patch(f"/api/v1/files/{f['id']}", headers={**office.h["keeper"], "If-Match": "1"},
                                  json={"location": {"room": "B202", "cabinet": "1", "shelf": "1", "box": "2"}})
    assert patched.status_code == 200, patched.get_json()
    asked = office.client.post("/api/v1/loans", headers=office.h["clerk"],
                               json={"file_id": f["id"], "kind": "physical", "purpose": "签约核对", "days": 7})
    assert asked.status_code == 201, asked.get_json()
    return services.files.repo.by_id(f["id"]), doc


def test_an_exported_bag_validates_and_imports_into_a_second_installation_with_identical_checksums(
        office, services, installations, tmp_path):
    file_doc, doc = a_file_with_history(office, services)
    assert bags_cli.export(services, [str(file_doc["_id"])], None, tmp_path / "out") == 0
    path = tmp_path / "out" / file_doc["archive_no"]
    bag = bagit.Bag(str(path))
    assert bag.validate() and "sha256" in bag.algorithms
    assert bag.info["External-Identifier"] == file_doc["archive_no"]
    checked = subprocess.run([sys.executable, str(BAGIT_CLI), "--validate", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    data = path / "data"
    assert json.loads((data / "metadata" / "file.json").read_text())["name"] == "李娜"
    assert [v["version"] for v in json.loads((data / "metadata" / "history.json").read_text())] == [1, 2]
    assert len(json.loads((data / "metadata" / "loans.json").read_text())) == 1
    actions = {e["action"] for e in json.loads((data / "metadata" / "audit.json").read_text())}
    assert {"file.created", "document.uploaded"} <= actions
    original = data / "originals" / f"{doc['id']}.pdf"
    assert hashlib.sha256(original.read_bytes()).hexdigest() == doc["sha256"]
    assert "翠湖天地" in (data / "text" / doc["id"] / "page-0001.txt").read_text()
    assert services.audit.search(action="file.bag_exported")[0] == 1

    second = installations("imported")
    client, auth = api_of(second)
    auth.user("keeper", ["archivist"], department="档案室")
    admin = auth.user("admin", ["admin"])
    second.retention.create_policy(admin, {"name": "建档后保管", "match": {}, "trigger": "created", "years": 30})
    assert bags_cli.import_(second, path) == 0
    imported = second.files.repo.find({"archive_no": file_doc["archive_no"]})[0]
    assert imported["_id"] == file_doc["_id"] and imported["name"] == "李娜" and imported["version"] == 2
    docs = second.documents.repo.of_file(str(imported["_id"]))
    assert [d["sha256"] for d in docs] == [doc["sha256"]]
    assert hashlib.sha256(second.objects.read("originals", docs[0]["key"])).hexdigest() == doc["sha256"]
    assert second.files.repo.version(str(imported["_id"]), 1)["state"]["location"]["room"] == "A101"
    restored_id = str(imported["_id"])
    assert second.retention.repo.state(restored_id)["kind"] == "dated"  # its retention computed at once
    assert second.db["followups"].count_documents({"file_id": restored_id}) == 0  # visited where it lived before
    drain(second)  # OCR and indexing queued again by the import
    keeper = auth.token("keeper")
    assert search_total(client, keeper, "翠湖天地") == 1
    assert second.audit.search(action="file.bag_imported")[0] == 1 and second.audit.verify()["ok"]

    from tests.support.files import individual
    created = client.post("/api/v1/files", headers=keeper, json=individual(department="销售部"))
    assert created.status_code == 201, created.get_json()  # the rule does not draw the imported number again
    assert created.get_json()["archive_no"] != file_doc["archive_no"]

    with pytest.raises(Conflict) as taken:
        bags_cli.import_(second, path)
    assert file_doc["archive_no"] in taken.value.message
    assert len(second.files.repo.find({})) == 2


def test_a_tampered_bag_is_refused_and_nothing_is_stored(office, services, installations, tmp_path):
    file_doc, doc = a_file_with_history(office, services)
    path = BagService(services).export(file_doc, tmp_path / "bag", "cli")
    original = path / "data" / "originals" / f"{doc['id']}.pdf"
    original.write_bytes(original.read_bytes() + b"%tampered")
    second = installations("tampered")
    with pytest.raises(Invalid) as refused:
        bags_cli.import_(second, path)
    assert "袋校验失败" in refused.value.message
    (path / "data" / "extra.txt").write_text("not in the manifest")
    with pytest.raises(Invalid):
        BagService(second).import_bag(path, "cli")
    with pytest.raises(Invalid):
        BagService(second).import_bag(tmp_path / "bag" / "bagit.txt", "cli")  # not a bag or a zip
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.txt", "x")
    with pytest.raises(Invalid):
        BagService(second).import_bag(evil, "cli")
    assert not (tmp_path / "escape.txt").exists()
    assert not second.files.repo.find({}) and not list(second.objects.keys("originals"))


def test_the_file_page_offers_the_bag_as_a_zip_to_those_who_may_read_the_file(office, services, client, auth,
                                                                              tmp_path):
    file_doc, doc = a_file_with_history(office, services)
    secret = office.file(ended=None, name="机密客户", security="confidential")  # 销售部 only
    auth.user("reader", ["staff"], department="工程部")
    auth.login("keeper")
    page = client.get(f"/files/{file_doc['_id']}").get_data(as_text=True)
    assert f"/files/{file_doc['_id']}/bag.zip" in page
    response = client.get(f"/files/{file_doc['_id']}/bag.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        archive.extractall(tmp_path / "unzipped")
    assert bagit.Bag(str(tmp_path / "unzipped" / file_doc["archive_no"])).validate()
    assert services.audit.search(action="file.bag_exported", actor="keeper")[0] == 1
    auth.logout()

    auth.login("reader")
    assert client.get(f"/files/{secret['id']}/bag.zip").status_code == 404
    assert client.get("/files/000000000000000000000000/bag.zip").status_code == 404
    assert client.get(f"/files/{file_doc['_id']}/bag.zip").status_code == 200
    auth.logout()
    auth.login("admin")  # sees files, but has no right to their content
    assert f"/files/{file_doc['_id']}/bag.zip" not in client.get(f"/files/{file_doc['_id']}").get_data(as_text=True)
    assert client.get(f"/files/{file_doc['_id']}/bag.zip").status_code == 404
    auth.logout()
    assert client.get(f"/files/{file_doc['_id']}/bag.zip").status_code in (302, 401)


def test_a_whole_project_is_exported_from_the_cli_and_bad_choices_are_clear(office, services, tmp_path):
    a_file_with_history(office, services)
    office.file(ended=None, name="王强")
    assert bags_cli.export(services, None, "JXLT", tmp_path / "project") == 0
    bags = sorted(p for p in (tmp_path / "project").iterdir())
    assert len(bags) == 2 and all(bagit.Bag(str(p)).is_valid() for p in bags)
    from service.errors import NotFound
    with pytest.raises(NotFound):
        bags_cli.export(services, None, "没有的项目", tmp_path / "none")
    with pytest.raises(NotFound):
        bags_cli.export(services, ["nonsense"], None, tmp_path / "none")
    with pytest.raises(Conflict):  # a bag is never written over another
        BagService(services).export(services.files.repo.find({})[0], bags[0], "cli")
