"""The person's notices (通知): newest first, page by page; opening one marks it read."""
from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import login_required

from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.before_request
@login_required
def signed_in():
    """Notices are the signed-in person's own."""


@bp.get("")
def index():
    """The person's notices, newest first."""
    page, per_page = paging()
    total, rows = services().notices.list(page_user(), page, per_page)
    return render_template("notices/index.html", notices=rows, total=total, page=page, per_page=per_page)


@bp.post("/<notice_id>/read")
def open_notice(notice_id: str):
    """Open a notice: it is marked read and the person goes to what it is about."""
    services().notices.read(page_user(), notice_id)
    return redirect(url_for("loans.mine"))
