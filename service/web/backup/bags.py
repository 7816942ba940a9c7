"""The file page's 导出 BagIt button: the file as a zipped BagIt bag (who can see the file and read its content)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from flask import Blueprint
from flask import send_file
from flask_login import login_required

from service.backup import BagService
from service.backup import safe_name
from service.web.auth import page_user
from service.web.auth import services

bp = Blueprint("bags", __name__)


@bp.get("/files/<file_id>/bag.zip")
@login_required
def download(file_id: str):
    """Build the bag in a temporary folder and send it as a zip (404 for a file one may not see)."""
    actor = page_user()
    file_doc = services().files.load(actor, file_id, "file.content")
    work = Path(tempfile.mkdtemp(prefix="bag-", dir=_work_dir()))
    try:
        zipped = BagService(services()).export_zip(file_doc, work, actor.username)
        handle = open(zipped, "rb")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the open handle keeps the zip's bytes readable
    return send_file(handle, mimetype="application/zip", as_attachment=True,
                     download_name=f"{safe_name(file_doc['archive_no'])}-bag.zip")


def _work_dir() -> Path:
    path = services().settings.data_dir / "bags"
    path.mkdir(parents=True, exist_ok=True)
    return path
