"""Browser test: from a file's page an archivist downloads the file as a BagIt zip; it validates."""
from __future__ import annotations

import hashlib
import io
import zipfile

import bagit
import pytest

from tests.support import scans
from tests.support.auth import PASSWORD
from tests.support.files import individual
from tests.support.jobs import drain

pytestmark = pytest.mark.browser


def test_download_the_bag_of_a_file_from_its_page(page, live_server, auth, services, tmp_path):
    keeper = auth.user("keeper", ["archivist"], department="档案室", display_name="档案员")
    f = services.files.create(keeper, individual(department="销售部"))
    body = scans.text_layer_pdf("商品房买卖合同\n买受人：张伟\n本合同项目锦绣澜庭位于滨江路88号。")
    doc = services.documents.upload(keeper, str(f["_id"]), io.BytesIO(body), "合同.pdf", "purchase_contract")
    drain(services)

    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "keeper")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.goto(f"{live_server}/files/{f['_id']}#tab-history")
    with page.expect_download() as waiting:
        page.click("#export-bag")
    download = waiting.value
    assert download.suggested_filename == f"{f['archive_no']}-bag.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        archive.extractall(tmp_path / "bag")
    bag = bagit.Bag(str(tmp_path / "bag" / f["archive_no"]))
    assert bag.validate()
    original = tmp_path / "bag" / f["archive_no"] / "data" / "originals" / f"{doc['_id']}.pdf"
    assert hashlib.sha256(original.read_bytes()).hexdigest() == doc["sha256"]
    assert services.audit.search(action="file.bag_exported", actor="keeper")[0] == 1
