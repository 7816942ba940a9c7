"""The handover page of a leaving employee: open loans, reservations, owned files; bulk reassignment."""
from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service.errors import DomainError
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import problems

bp = Blueprint("handover", __name__, url_prefix="/loans/handover")


@bp.before_request
@login_required
def signed_in():
    """The handover page needs a signed-in person."""


@bp.get("/<username>")
def show(username: str):
    """What the person still holds and owns."""
    summary = services().handover.summary(page_user(), username)
    return render_template("loans/handover.html", **summary,
                           may_reassign=access.can(page_user(), "file.reassign"))


@bp.post("/<username>/files")
def reassign(username: str):
    """Hand all the person's files to another employee (confirmed, audited)."""
    if request.form.get("confirm") != "1":
        flash(_("请先勾选确认"), "error")
        return redirect(url_for("handover.show", username=username))
    try:
        moved = services().handover.reassign_all(page_user(), username, request.form.get("owner", "").strip(),
                                                 request.form.get("reason", ""))
        flash(_("已移交 %(n)s 份档案", n=len(moved)))
    except DomainError as exc:
        flash(_("未能移交：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("handover.show", username=username))
