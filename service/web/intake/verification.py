"""Pages of periodic verification: my tasks (confirm or record changes), overdue tasks, the cycle rules."""
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
from service.intake import CYCLES
from service.intake import STAGE_KEYS
from service.messages import N_
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems
from service.web.labels import code_label
from service.web.labels import headers
from service.web.labels import person
from service.web.labels import value_label

bp = Blueprint("verification", __name__, url_prefix="/verification")
CONTACT_CHECKS = ("mobile", "phone")
CONTACT_KEYS = ("phone", "address", "email", "contact_phone", "contact_name")
OVERDUE_HEADERS = (  # column headers, shown in the reader's language
    N_("档案号"), N_("名称"), N_("归档人"), N_("阶段"), N_("周期"), N_("期间"), N_("到期日"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def signed_in():
    """Every verification page needs a signed-in person."""


def contact_fields(template: dict) -> list[dict]:
    """The template's top-level contact fields (phones, addresses) offered on the change form."""
    return [d for d in template.get("fields", []) if d["type"] in ("string", "text")
            and (d.get("check") in CONTACT_CHECKS or d["key"] in CONTACT_KEYS)]


@bp.get("/mine")
def mine():
    """我的核对: the person's due tasks, made on the spot if the period started."""
    user = page_user()
    page, per_page = paging()
    status = request.args.get("status", "open")
    total, rows = services().verification.mine(user, status, request.args.get("as_of", ""), page, per_page)
    forms = {}
    for task in rows:
        if task["status"] == "open":
            doc = services().files.repo.by_id(task["file_id"]) or {}
            template = services().templates.get(doc.get("template")) or {"fields": []}
            forms[task["_id"]] = {"fields": contact_fields(template), "values": doc.get("fields") or {},
                                  "version": doc.get("version")}
    return render_template("verification/mine.html", rows=rows, forms=forms, total=total, page=page,
                           per_page=per_page, args={"status": status})


@bp.post("/tasks/<path:task_id>/confirm")
def confirm(task_id: str):
    """The contact details are still right."""
    try:
        services().verification.confirm(page_user(), task_id)
        flash(_("已确认，核对完成"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(_("未能确认：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("verification.mine"))


@bp.post("/tasks/<path:task_id>/changes")
def changes(task_id: str):
    """Record changed contact details: the file is edited (its version checked) and the task closed."""
    fields = {key.removeprefix("field_"): value.strip() or None
              for key, value in request.form.items() if key.startswith("field_")}
    raw = request.form.get("version", "")
    try:
        services().verification.record_changes(page_user(), task_id, int(raw) if raw.isdigit() else raw,
                                               {"fields": fields})
        flash(_("已记录变更，档案已更新"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(_("未能记录变更：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("verification.mine"))


def _overdue_args() -> dict:
    return {"as_of": request.args.get("as_of", "").strip()}


@bp.get("/overdue")
def overdue():
    """Verifications past their due date (archivist)."""
    page, per_page = paging()
    args = _overdue_args()
    total, rows = services().verification.overdue(page_user(), args["as_of"], page, per_page)
    return render_template("verification/overdue.html", rows=rows, total=total, page=page, per_page=per_page,
                           args=args)


@bp.get("/overdue.xlsx")
def overdue_export():
    """The overdue verifications as Excel (audited)."""
    args = _overdue_args()
    total, rows = services().verification.overdue(page_user(), args["as_of"], 1, 0)
    data = exports.workbook(_("核对超期"), headers(OVERDUE_HEADERS), (_overdue_row(d) for d in rows),
                            zone=services().settings.timezone)
    services().audit.record(page_user().username, "verification.overdue_exported", "verification",
                            {"as_of": args["as_of"], "count": total})
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": "attachment; filename=overdue.xlsx"})


def _overdue_row(d: dict) -> list:
    stage = _("其他阶段") if d.get("stage") == "*" else value_label(d.get("stage"))
    return [d.get("archive_no"), d.get("file_name"), person(d.get("owner")), stage,
            code_label("verification_cycle", d["cycle"]), d["period"], d["due_date"]]


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    """The review cycles per stage (admin)."""
    user = page_user()
    access.require(user, "verification.manage")
    if request.method == "POST":
        try:
            if request.form.get("delete"):
                services().verification.delete_rule(user, request.form.get("stage"))
                flash(_("已删除核对规则"))
            else:
                services().verification.set_rule(user, {"stage": request.form.get("stage"),
                                                        "cycle": request.form.get("cycle")})
                flash(_("已保存核对规则"))
        except DomainError as exc:
            flash(_("未能保存：%(why)s", why=problems(exc)), "error")
        return redirect(url_for("verification.rules"))
    return render_template("verification/rules.html", rules=services().verification.rules(),
                           stages=STAGE_KEYS, cycles=tuple(CYCLES))
