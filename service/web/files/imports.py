"""Pages for importing customer registers: upload, map columns, check, import with progress."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_required

from service import access
from service.errors import Invalid
from service.errors import Malformed
from service.files import imports
from service.messages import N_
from service.web.auth import page_user
from service.web.auth import services

bp = Blueprint("imports", __name__, url_prefix="/files/import")


@bp.before_request
@login_required
def may_register():
    """Importing registers files, so it needs the right to register them."""
    access.require(page_user(), "file.create")


@bp.route("", methods=["GET", "POST"])
def upload():
    """Choose a template and a sheet (.xlsx or .csv)."""
    registry = services().templates
    if request.method == "GET":
        return render_template("files/import_upload.html", templates=registry.all(), errors={})
    sheet = request.files.get("sheet")
    if sheet is None or not sheet.filename:
        return render_template("files/import_upload.html", templates=registry.all(),
                               errors={"file": N_("请选择文件")}), 422
    try:
        doc = services().imports.upload(page_user(), request.form.get("template", ""),
                                        sheet.read(imports.MAX_SHEET_BYTES + 1), sheet.filename)
    except Invalid as exc:
        return render_template("files/import_upload.html", templates=registry.all(), errors=exc.fields), 422
    return redirect(url_for("imports.mapping", import_id=doc["_id"]))


def _mapping_page(doc: dict, errors: dict | None = None, report: dict | None = None, status: int = 200):
    template = services().templates.require(doc["template"])
    return render_template("files/import_map.html", run=doc, targets=imports.targets(template),
                           mapping={p["header"]: p["target"] for p in doc["mapping"]},
                           errors=errors or {}, report=report or doc.get("dry_run")), status


@bp.get("/<import_id>")
def mapping(import_id: str):
    """The column mapping, the check's report and the progress of the import."""
    doc = services().imports.get(page_user(), import_id)
    if doc["state"] in ("queued", "running", "done"):
        return render_template("files/import_progress.html", run=doc)
    return _mapping_page(doc)


@bp.get("/<import_id>/progress.json")
def progress(import_id: str):
    """What the progress page polls: rows done of all, files created, rows skipped and failed."""
    doc = services().imports.get(page_user(), import_id)
    return jsonify({"status": doc["state"], "done": doc.get("done", 0), "total": doc.get("rows"),
                    **{key: doc.get(key, 0) for key in ("created", "skipped", "failed")}})


@bp.post("/<import_id>/check")
def check(import_id: str):
    """Save the mapping and run the check (nothing is stored)."""
    doc = services().imports.get(page_user(), import_id)
    chosen = {header: request.form.get(f"map.{index}", "") for index, header in enumerate(doc["headers"])}
    try:
        doc = services().imports.set_mapping(page_user(), import_id, chosen)
    except Invalid as exc:
        doc["mapping"] = [{"header": h, "target": t} for h, t in chosen.items()]
        return _mapping_page(doc, errors=exc.fields, status=422)
    report = services().imports.dry_run(page_user(), import_id)
    return _mapping_page(services().imports.get(page_user(), import_id), report=report)


@bp.post("/<import_id>/start")
def start(import_id: str):
    """Start the import in the worker."""
    doc = services().imports.get(page_user(), import_id)
    if doc["state"] != "checked":
        raise Malformed(N_("请先检查"))
    services().imports.start(page_user(), import_id)
    return redirect(url_for("imports.mapping", import_id=import_id))
