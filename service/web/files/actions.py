"""Actions on one customer file from its page: merge, corrections, owner reassignment."""
from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service.errors import Conflict
from service.errors import Invalid
from service.errors import StaleVersion
from service.web.auth import page_user
from service.web.auth import services
from service.web.file_tabs import file_tab
from service.web.forms import problems

bp = Blueprint("file_actions", __name__)


@bp.before_request
@login_required
def signed_in():
    """Every action here needs a signed-in person."""


def _back(file_id: str, tab: str):
    return redirect(file_tab(file_id, tab))


def _version(name: str = "version") -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() else None


@bp.post("/files/<file_id>/merge")
def merge(file_id: str):
    """Merge this file into the chosen one (archivist); this one stays as a redirect."""
    into = request.form.get("into", "")
    try:
        services().merging.merge(page_user(), file_id, into, request.form.get("reason", ""),
                                 version=_version(), into_version=None)
    except (Invalid, Conflict, StaleVersion) as exc:
        flash(_("未能合并：%(why)s", why=problems(exc)), "error")
        return _back(file_id, "basic")
    flash(_("已合并，本档案现指向保留的档案"))
    return redirect(url_for("files.detail", file_id=into))


@bp.post("/files/<file_id>/corrections")
def request_correction(file_id: str):
    """Record a customer's correction of one item, with the evidence."""
    field, value = request.form.get("field", ""), request.form.get("value", "").strip()
    changes = {"name": value} if field == "name" else {"fields": {field.removeprefix("fields."): value or None}}
    try:
        services().corrections.request(page_user(), file_id, {"changes": changes,
                                                              "evidence": request.form.get("evidence", "")})
    except (Invalid, Conflict) as exc:
        flash(_("更正申请未登记：%(why)s", why=problems(exc)), "error")
        return _back(file_id, "privacy")
    flash(_("更正申请已登记，等待档案管理员处理"))
    return _back(file_id, "privacy")


@bp.post("/corrections/<correction_id>/<decision>")
def decide(correction_id: str, decision: str):
    """Apply or reject a correction request (archivist)."""
    file_id = request.form.get("file_id", "")
    try:
        if decision == "apply":
            services().corrections.apply(page_user(), correction_id)
            flash(_("已按申请更正"))
        elif decision == "reject":
            services().corrections.reject(page_user(), correction_id, request.form.get("reason", ""))
            flash(_("已驳回更正申请"))
        else:
            return _back(file_id, "privacy")
    except (Invalid, Conflict, StaleVersion) as exc:
        flash(_("未能处理：%(why)s", why=problems(exc)), "error")
    return _back(file_id, "privacy")


@bp.post("/files/<file_id>/owner")
def reassign(file_id: str):
    """Hand the file to another employee, with the reason."""
    try:
        services().files.reassign(page_user(), file_id, _version(), request.form.get("owner", "").strip(),
                                  request.form.get("reason", ""), services().users)
    except (Invalid, StaleVersion) as exc:
        flash(_("未能移交：%(why)s", why=problems(exc)), "error")
        return _back(file_id, "basic")
    flash(_("已移交"))
    return _back(file_id, "basic")
