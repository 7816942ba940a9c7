"""Separator sheets from the file page: choose a document type, print the sheet (PDF)."""
from __future__ import annotations

import io

from flask import Blueprint
from flask import render_template
from flask import request
from flask import send_file
from flask_login import login_required

from service import access
from service.files import target_of
from service.web.auth import page_user
from service.web.auth import services

bp = Blueprint("separators", __name__, url_prefix="/files")


@bp.before_request
@login_required
def signed_in():
    """Every file page needs a signed-in person."""


@bp.get("/<file_id>/separators")
def choose(file_id: str):
    """Pick the document type whose separator sheet to print."""
    file_doc = services().files.load(page_user(), file_id, "file.view")
    access.require(page_user(), "document.upload", target_of(file_doc))
    return render_template("scans/separator.html", file=file_doc, types=services().doc_types.all())


@bp.get("/<file_id>/separator")
def sheet(file_id: str):
    """The separator sheet of a file and document type, as a one-page A4 PDF."""
    data, name = services().scan_imports.separator(page_user(), file_id, request.args.get("doc_type", ""))
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=False,
                     max_age=0)
