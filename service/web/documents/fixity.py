"""The archivist's fixity page: recent runs, documents whose check failed, run now."""
from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging

bp = Blueprint("fixity", __name__, url_prefix="/fixity")


@bp.before_request
@login_required
def only_registers():
    """Archivists, auditors and admins."""
    access.require(page_user(), "register.read")


@bp.get("")
def report():
    """Runs and failures, newest first."""
    page, per_page = paging()
    overview = services().fixity.overview(page_user(), page, per_page)
    return render_template("fixity/report.html", page=page, per_page=per_page, **overview)


@bp.post("/run")
def run_now():
    """Queue a full check for the worker."""
    access.require(page_user(), "destruction.execute")  # archivists and admins start upkeep
    services().jobs.enqueue("fixity", {"sample": 0})
    services().audit.record(page_user().username, "fixity.requested", "fixity:all")
    flash(_("完整性检查已排队，稍后刷新查看结果。"))
    return redirect(url_for("fixity.report"))
