"""Pages of batch scanning: upload a zip, watch its import, the register of imports, and the inbox."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service.errors import Conflict
from service.errors import Invalid
from service.errors import TooLarge
from service.errors import UnsupportedMedia
from service.scans import require_archivist
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.scans.json_views import import_json

bp = Blueprint("scans", __name__, url_prefix="/scans")


@bp.before_request
@login_required
def archivists_only():
    """Batch scanning and the inbox are the archivists' desk."""
    require_archivist(page_user())


@bp.route("/import", methods=["GET", "POST"])
def upload():
    """Upload a zip of scanner output; the import runs in the background."""
    limit_mb = services().settings.max_upload_bytes // (1024 * 1024)
    if request.method == "GET":
        return render_template("scans/upload.html", errors={}, limit_mb=limit_mb)
    upload_file = request.files.get("zip")
    if upload_file is None or not upload_file.filename:
        return render_template("scans/upload.html", errors={"file": _("请选择 zip 文件")}, limit_mb=limit_mb), 422
    try:
        doc = services().scan_imports.upload(page_user(), upload_file.stream, upload_file.filename)
    except (Invalid, TooLarge, UnsupportedMedia) as exc:
        errors = exc.fields or {"file": exc.message}
        return render_template("scans/upload.html", errors=errors, limit_mb=limit_mb), exc.status
    return redirect(url_for("scans.progress", import_id=doc["_id"]))


@bp.get("/imports")
def register():
    """Past imports, newest first."""
    page, per_page = paging()
    total, runs = services().scan_imports.page(page_user(), page, per_page)
    return render_template("scans/register.html", runs=runs, total=total, page=page, per_page=per_page)


@bp.get("/imports/<import_id>")
def progress(import_id: str):
    """An import's progress; its summary once done."""
    run = services().scan_imports.get(page_user(), import_id)
    return render_template("scans/progress.html", run=run, types=services().doc_types.labels())


@bp.get("/imports/<import_id>/progress.json")
def progress_json(import_id: str):
    """What the progress page polls: the API's answer, with the failures counted at the top as every
    progress box reads them."""
    body = import_json(services().scan_imports.get(page_user(), import_id))
    return jsonify({**body, "failed": body["counts"].get("failed", 0)})


def _inbox_page(errors: dict | None = None, status: int = 200):
    page, per_page = paging()
    state = request.args.get("state", "open")
    total, items = services().scan_inbox.page(page_user(), state, page, per_page)
    return render_template("scans/inbox.html", items=items, total=total, page=page, per_page=per_page, state=state,
                           types=services().doc_types.all(), errors=errors or {}, form=request.form), status


@bp.get("/inbox")
def inbox():
    """Scanned pages that belong to no file yet."""
    return _inbox_page()


@bp.get("/inbox/<item_id>/thumb.jpg")
def thumbnail(item_id: str):
    """An inbox item's first page, small."""
    return Response(services().scan_inbox.thumbnail(page_user(), item_id), mimetype="image/jpeg",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.post("/inbox/<item_id>/assign")
def assign(item_id: str):
    """File an inbox item in a file as a document."""
    inbox_service = services().scan_inbox
    try:
        file_id = inbox_service.file_id(page_user(), None, request.form.get("archive_no"))
        inbox_service.assign(page_user(), item_id, file_id, request.form.get("doc_type"), request.form.get("title"))
    except (Invalid, Conflict) as exc:
        return _inbox_page({item_id: exc.fields or {"archive_no": exc.message}}, exc.status)
    flash(_("已归入档案 %(no)s", no=request.form.get("archive_no", "").strip()), "ok")
    return redirect(url_for("scans.inbox"))


@bp.post("/inbox/<item_id>/discard")
def discard(item_id: str):
    """Discard an inbox item with a reason."""
    try:
        services().scan_inbox.discard(page_user(), item_id, request.form.get("reason"))
    except (Invalid, Conflict) as exc:
        return _inbox_page({item_id: exc.fields or {"reason": exc.message}}, exc.status)
    flash(_("已丢弃"), "ok")
    return redirect(url_for("scans.inbox"))
