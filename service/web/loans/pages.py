"""Pages of loans for borrowers and approvers: my loans, approvals, the request form, the loan slip."""
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
from service.files import LOCATION_KEYS
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems

bp = Blueprint("loans", __name__, url_prefix="/loans")
OVERDUE_ROWS = 10  # overdue loans in the box above my loans; the rest under the overdue filter


@bp.before_request
@login_required
def signed_in():
    """Every loan page needs a signed-in person."""



def _number(name: str):
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() else raw


def _back(default: str):
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else default)


@bp.app_context_processor
def loan_helpers():
    """`loan_section(file)` for the file page, and the count of waiting approvals for the header."""
    return {"loan_section": file_section}


def file_section(file_doc: dict) -> dict:
    """What the loans section of a file page shows to the person looking."""
    user, loans = page_user(), services().loans
    file_id = str(file_doc["_id"])
    every = loans.of_file(file_id)
    sees_all = loans.sees_all(user) or access.can(user, "loan.approve", loans.target(user, file_doc))
    return {"holder": loans.repo.folder(file_id), "max_days": loans.max_days(user),
            "loans": every if sees_all else [loan for loan in every if loan["borrower"] == user.username],
            "incidents": services().incidents.of_file(file_id),
            "queue": services().reservations.queue(file_id),
            "can_request": access.can(user, "loan.request"), "digital": loans.digital_loan(file_id, user)}


@bp.get("/mine")
def mine():
    """The person's own loans and their states, overdue ones marked, notices and reservations."""
    page, per_page = paging()
    status = request.args.get("status", "")
    user = page_user()
    total, rows = services().loans.list(user, {"borrower": user.username, "status": status}, page, per_page)
    overdue_total, overdue = services().loans.list(user, {"borrower": user.username, "status": "overdue"}, 1,
                                                   OVERDUE_ROWS)
    return render_template("loans/mine.html", loans=rows, total=total, page=page, per_page=per_page,
                           args={"status": status}, overdue=overdue, overdue_total=overdue_total,
                           notices=services().reservations.notices_for(user.username),
                           reservations=services().reservations.of_user(user.username),
                           shown=services().loans.shown_files(user, rows))


@bp.post("/request")
def ask():
    """Ask for a file from its page (or by archive number)."""
    file_ref = request.form.get("file_id", "").strip()
    try:
        services().loans.request(page_user(), {"file_id": file_ref, "kind": request.form.get("kind"),
                                               "purpose": request.form.get("purpose", ""),
                                               "days": _number("days")})
    except DomainError as exc:
        flash(_("申请未提交：%(why)s", why=problems(exc)), "error")
        return _back(url_for("loans.mine"))
    flash(_("借阅申请已提交，等待审批"))
    return redirect(url_for("loans.mine"))


@bp.get("/approvals")
def approvals():
    """Requests waiting for this approver's decision."""
    page, per_page = paging()
    total, rows = services().loans.pending_for(page_user(), page, per_page)
    return render_template("loans/approvals.html", loans=rows, total=total, page=page, per_page=per_page,
                           may_decide=access.can(page_user(), "loan.approve"))


@bp.post("/<loan_id>/<any(approve, reject, cancel, renew):step>")
def act(loan_id: str, step: str):
    """Approve, reject, withdraw or renew from a list."""
    loans, desk = services().loans, services().loan_desk
    try:
        if step == "approve":
            loans.approve(page_user(), loan_id)
            flash(_("已批准"))
        elif step == "reject":
            loans.reject(page_user(), loan_id, request.form.get("reason", ""))
            flash(_("已驳回"))
        elif step == "cancel":
            loans.cancel(page_user(), loan_id)
            flash(_("已撤回申请"))
        else:
            desk.renew(page_user(), loan_id, _number("days"))
            flash(_("已续借"))
    except DomainError as exc:
        flash(_("未能办理：%(why)s", why=problems(exc)), "error")
    return _back(url_for("loans.approvals" if step in ("approve", "reject") else "loans.mine"))


@bp.post("/reserve")
def reserve():
    """Join the queue for a folder that is out."""
    file_id = request.form.get("file_id", "")
    try:
        services().reservations.reserve(page_user(), file_id)
        flash(_("已预约，档案归还后会通知您"))
    except DomainError as exc:
        flash(_("未能预约：%(why)s", why=problems(exc)), "error")
    return _back(url_for("loans.mine"))


@bp.post("/reservations/<reservation_id>/cancel")
def cancel_reservation(reservation_id: str):
    """Leave a queue."""
    try:
        services().reservations.cancel(page_user(), reservation_id)
        flash(_("已取消预约"))
    except DomainError as exc:
        flash(_("未能取消：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("loans.mine"))


@bp.post("/notices/<notice_id>/read")
def dismiss(notice_id: str):
    """Mark a notice as read."""
    services().reservations.dismiss(page_user(), notice_id)
    return redirect(url_for("loans.mine"))


@bp.get("/<loan_id>/slip")
def slip(loan_id: str):
    """A printable loan slip (借阅单) with the borrower's signature line."""
    doc = services().loans.get(page_user(), loan_id)
    file_doc = services().files.repo.by_id(doc["file_id"]) or {}
    shown = services().loans.shows_file(page_user(), doc)
    loc = file_doc.get("location") or {}
    place = " / ".join(loc[k] for k in LOCATION_KEYS if loc.get(k)) if shown else ""
    services().audit.record(page_user().username, "loan.slip_printed", f"loan:{loan_id}")
    return render_template("loans/slip.html", loan=doc, place=place, shown=shown)
