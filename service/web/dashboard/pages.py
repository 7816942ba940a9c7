"""The lists behind dashboard numbers that had no page of their own: documents by month or OCR state, jobs."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import render_template
from flask import request
from flask_login import login_required

from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.before_request
@login_required
def signed_in():
    """Every page here needs a signed-in person (the service checks the role)."""


def overview_for_page() -> dict:
    """The signed-in person's dashboard (the start page calls this); with the search index's state for
    those who see the background jobs."""
    overview = services().dashboard.overview(page_user())
    if "jobs" in overview:
        overview["search_index"] = services().search.index_state()
    return overview


@bp.get("/documents")
def documents():
    """Documents scanned in a month and/or in an OCR state (backlog, failed, done)."""
    page, per_page = paging()
    args = {"month": request.args.get("month", "").strip(), "ocr": request.args.get("ocr", "").strip()}
    total, rows = services().dashboard.document_list(page_user(), args["month"], args["ocr"], page, per_page)
    return render_template("dashboard/documents.html", rows=rows, total=total, page=page, per_page=per_page,
                           args=args)


@bp.get("/jobs")
def jobs():
    """Background jobs in a state (queued, running, failed), oldest first."""
    page, per_page = paging()
    state = request.args.get("state", "").strip()
    total, rows = services().dashboard.job_list(page_user(), state, page, per_page)
    return render_template("dashboard/jobs.html", rows=rows, total=total, page=page, per_page=per_page,
                           args={"state": state})


@bp.get("/search-index.json")
def search_index():
    """What the start page polls for the people who run the archive: the search index being rebuilt
    (files written of all), stopped or ready, and the files and documents waiting for it."""
    services().dashboard.require_operator(page_user())
    return jsonify(services().search.index_state())
