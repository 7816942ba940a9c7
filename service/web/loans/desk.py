"""Pages of the archive desk and the registers: hand-out, take-back, loan register, incidents, overdue."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service import exports
from service.errors import DomainError
from service.errors import Forbidden
from service.errors import NotFound
from service.files import LOCATION_KEYS
from service.loans import INCIDENT_HEADERS
from service.loans import parse_day
from service.messages import N_
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems
from service.web.labels import code_label
from service.web.labels import headers
from service.web.labels import person

bp = Blueprint("loan_desk", __name__, url_prefix="/loans")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_FILTERS = ("status", "kind", "borrower", "archive_no", "department", "as_of")
REGISTER_HEADERS = (  # column headers, shown in the reader's language
    N_("借阅编号"), N_("档案号"), N_("名称"), N_("方式"), N_("借阅人"), N_("部门"), N_("目的"), N_("天数"),
    N_("状态"), N_("申请时间"), N_("审批人"), N_("出库时间"), N_("应还时间"), N_("续借次数"), N_("归还时间"),
    N_("归还情况"), N_("说明"))
WAITING_ROWS = 20  # approved folders waiting to go out (newest request first) on the desk page
REMINDER_HEADERS = (  # column headers, shown in the reader's language
    N_("部门"), N_("借阅人"), N_("档案号"), N_("名称"), N_("出库时间"), N_("应还时间"), N_("超期天数"))


@bp.before_request
@login_required
def signed_in():
    """Every desk and register page needs a signed-in person."""


def _xlsx(data: bytes, name: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


def _place(file_doc: dict) -> str:
    loc = file_doc.get("location") or {}
    return " / ".join(f"{loc[k]}" for k in LOCATION_KEYS if loc.get(k))


@bp.get("/desk")
def desk():
    """The desk: type or scan an archive number; the folder's place, its approved loan, or its current one."""
    access.require(page_user(), "loan.desk")
    ref = request.args.get("ref", "").strip()
    found, missing = None, False
    if ref:
        try:
            found = services().loan_desk.lookup(page_user(), ref)
        except NotFound:
            missing = True
    _, overdue = services().loans.list(page_user(), {"status": "overdue"}, 1, 50)
    waiting_total, waiting = services().loans.list(page_user(), {"status": "approved", "kind": "physical"}, 1,
                                                   WAITING_ROWS)
    return render_template("loans/desk.html", ref=ref, found=found, missing=missing, overdue=overdue,
                           waiting=waiting, waiting_total=waiting_total,
                           place=_place(found["file"]) if found else "", now=services().loans.day_start(None))


def _to_desk(archive_no: str):
    return redirect(url_for("loan_desk.desk", ref=archive_no))


@bp.post("/desk/<loan_id>/checkout")
def checkout(loan_id: str):
    """Hand the folder out, after the archivist confirmed the borrower signed the slip."""
    ref = request.form.get("ref", "")
    if request.form.get("confirm") != "1":
        flash(_("请先勾选确认"), "error")
        return _to_desk(ref)
    try:
        services().loan_desk.checkout(page_user(), loan_id)
        flash(_("已出库"))
    except DomainError as exc:
        flash(_("未能出库：%(why)s", why=problems(exc)), "error")
    return _to_desk(ref)


@bp.post("/desk/<loan_id>/return")
def take_back(loan_id: str):
    """Take the folder back with its condition; damaged or lost opens an incident."""
    ref, form = request.form.get("ref", ""), request.form
    if form.get("confirm") != "1":
        flash(_("请先勾选确认"), "error")
        return _to_desk(ref)
    amount = form.get("compensation", "").strip()
    try:
        amount = float(amount) if amount else None
    except ValueError:
        pass  # the service names the field
    try:
        services().loan_desk.take_back(page_user(), loan_id, form.get("condition"), form.get("note", ""),
                                       form.get("responsible", "").strip() or None, amount)
        flash(_("已归还入库"))
    except DomainError as exc:
        flash(_("未能归还：%(why)s", why=problems(exc)), "error")
    return _to_desk(ref)


def _register_reader() -> None:
    if not page_user().has("archivist", "auditor", "admin", "executive"):
        raise Forbidden(N_("没有权限"))


@bp.get("/register")
def register():
    """The loan register: every loan with filters and paging."""
    _register_reader()
    page, per_page = paging()
    args = {key: request.args.get(key, "").strip() for key in REGISTER_FILTERS}
    total, rows = services().loans.list(page_user(), args, page, per_page)
    return render_template("loans/register.html", loans=rows, total=total, page=page, per_page=per_page, args=args)


@bp.get("/register.xlsx")
def register_export():
    """The filtered loan register as Excel."""
    _register_reader()
    args = {key: request.args.get(key, "").strip() for key in REGISTER_FILTERS}
    total, rows = services().loans.list(page_user(), args, 1, 1)
    total, rows = services().loans.list(page_user(), args, 1, max(total, 1))
    data = exports.workbook(_("借阅登记簿"), headers(REGISTER_HEADERS), (_register_row(d) for d in rows),
                            zone=services().settings.timezone)
    services().audit.record(page_user().username, "loan.register_exported", "loans", {"filters": args, "count": total})
    return _xlsx(data, "loans.xlsx")


def _register_row(d: dict) -> list:
    return [d.get("number") or str(d["_id"]), d["archive_no"], d.get("file_name", ""),
            code_label("loan_kind", d["kind"]), d.get("borrower_name") or person(d["borrower"]),
            d.get("borrower_department", ""), d["purpose"],
            d["days"], code_label("loan_status", d["status"]), d.get("requested_at"), person(d.get("decided_by")),
            d.get("handed_out_at"), d.get("due_at"), d.get("renewals", 0), d.get("returned_at"),
            code_label("condition", d.get("condition")), d.get("note") or d.get("reason") or ""]


@bp.get("/incidents")
def incidents():
    """The loss/damage register."""
    page, per_page = paging()
    kind = request.args.get("kind", "")
    total, rows = services().incidents.page(page_user(), page, per_page, kind)
    return render_template("loans/incidents.html", incidents=rows, total=total, page=page, per_page=per_page,
                           args={"kind": kind})


@bp.get("/incidents.xlsx")
def incidents_export():
    """The loss/damage register as Excel."""
    rows = ([*row[:3], code_label("condition", row[3]), *row[4:]] for row in services().incidents.rows(page_user()))
    data = exports.workbook(_("损坏遗失登记"), headers(INCIDENT_HEADERS), rows, zone=services().settings.timezone)
    services().audit.record(page_user().username, "loan.incidents_exported", "loan_incidents")
    return _xlsx(data, "loan-incidents.xlsx")


def _reminders(as_of_raw: str) -> tuple[dict, object]:
    """Overdue loans grouped by the borrower's department (an approver sees their own department)."""
    user = page_user()
    if not user.has("approver", "executive", "archivist", "admin", "auditor"):
        raise Forbidden(N_("没有权限"))
    day = parse_day(as_of_raw) or services().loans.local_day(services().loans.day_start(None))
    filters = {"status": "overdue", "as_of": day.isoformat()}
    if not services().loans.sees_all(user):
        filters["department"] = user.department
    total, rows = services().loans.list(user, filters, 1, 1)
    _, rows = services().loans.list(user, filters, 1, max(total, 1))
    groups: dict = {}
    for d in rows:
        late = (day - services().loans.local_day(d["due_at"])).days
        groups.setdefault(d.get("borrower_department") or "—", []).append({**d, "days_late": late})
    return dict(sorted(groups.items())), day


@bp.get("/reminders")
def reminders():
    """The daily reminder list of overdue loans, per department head."""
    groups, day = _reminders(request.args.get("as_of", ""))
    return render_template("loans/reminders.html", groups=groups, day=day)


@bp.get("/reminders.xlsx")
def reminders_export():
    """The reminder list as Excel."""
    groups, day = _reminders(request.args.get("as_of", ""))
    rows = [[dept, d["borrower_name"], d["archive_no"], d.get("file_name", ""), d.get("handed_out_at"),
             d.get("due_at"), d["days_late"]] for dept, items in groups.items() for d in items]
    services().audit.record(page_user().username, "loan.reminders_exported", "loans", {"as_of": day.isoformat()})
    return _xlsx(exports.workbook(_("超期催还"), headers(REMINDER_HEADERS), rows,
                                  zone=services().settings.timezone), f"overdue-{day.isoformat()}.xlsx")
