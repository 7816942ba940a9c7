"""Pages of retention: policies (admin), holds, the due list with its Excel export, and the file page's section."""
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
from service.files import CUSTOMER_TYPES
from service.files import STAGES
from service.messages import N_
from service.retention import READERS
from service.retention import rules
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems
from service.web.labels import code_label
from service.web.labels import headers
from service.web.labels import template_label

bp = Blueprint("retention", __name__, url_prefix="/retention")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DUE_HEADERS = (  # column headers, shown in the reader's language
    N_("档案号"), N_("名称"), N_("模板"), N_("保管策略"), N_("起算依据"), N_("起算日"), N_("保管至"))


@bp.before_request
@login_required
def signed_in():
    """Every retention page needs a signed-in person."""


@bp.app_context_processor
def retention_helpers():
    """`retention_section(file)` for the file page."""
    return {"retention_section": file_section, "retention_reader": _reader}


def _reader(user) -> bool:
    return bool(user and user.active and user.has(*READERS))


def file_section(file_doc: dict) -> dict:
    """What the retention section of a file page shows."""
    view = services().retention.of_file(page_user(), str(file_doc["_id"]))
    return {**view, "may_hold": access.can(page_user(), "hold.manage")}


def _back(default: str):
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else default)


@bp.get("/policies")
def policies():
    """The retention policies; the admin defines and retires them here."""
    rows = services().retention.policies(page_user(), include_retired=True)
    return render_template("retention/policies.html", policies=rows, triggers=rules.TRIGGERS, stages=STAGES,
                           customer_types=CUSTOMER_TYPES, templates=services().templates.all(),
                           doc_types=services().doc_types.all(), may_manage=access.can(page_user(), "retention.manage"))


@bp.post("/policies")
def create_policy():
    """Define a policy from the form."""
    form = request.form
    years = form.get("years", "").strip()
    data = {"name": form.get("name", ""), "trigger": form.get("trigger"),
            "years": None if form.get("permanent") else (int(years) if years.isdigit() else years),
            "match": {k: form.get(k, "").strip() for k in ("template", "customer_type", "stage", "project")
                      if form.get(k, "").strip()}}
    if form.getlist("doc_types"):
        data["match"]["doc_types"] = form.getlist("doc_types")
    try:
        doc = services().retention.create_policy(page_user(), data)
        flash(_("已添加保管策略 %(name)s，所有档案的保管期限已重新计算", name=doc["name"]))
    except DomainError as exc:
        flash(_("未能添加：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("retention.policies"))


@bp.post("/policies/<policy_id>/retire")
def retire_policy(policy_id: str):
    """Retire a policy."""
    try:
        services().retention.retire_policy(page_user(), policy_id)
        flash(_("已停用该保管策略"))
    except DomainError as exc:
        flash(_("未能停用：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("retention.policies"))


@bp.get("/holds")
def holds():
    """Holds of every file: active ones first, lifted ones on request."""
    page, per_page = paging()
    status = request.args.get("status", "active")
    total, rows = services().holds.page(page_user(), status, page, per_page)
    return render_template("retention/holds.html", holds=rows, total=total, page=page, per_page=per_page,
                           args={"status": status}, may_hold=access.can(page_user(), "hold.manage"))


@bp.post("/holds")
def place_hold():
    """Put a hold on a file (from its page or the holds page, by id or archive number)."""
    ref = request.form.get("file_id", "").strip()
    try:
        file_id = _file_id(ref)
        services().holds.place(page_user(), file_id, request.form.get("reason"), request.form.get("note", ""))
        flash(_("已冻结档案，冻结期间不能销毁"))
    except DomainError as exc:
        flash(_("未能冻结：%(why)s", why=problems(exc)), "error")
    return _back(url_for("retention.holds"))


def _file_id(ref: str) -> str:
    found = services().files.repo.find({"archive_no": ref}, limit=1)
    return str(found[0]["_id"]) if found else ref


@bp.post("/holds/<hold_id>/lift")
def lift_hold(hold_id: str):
    """Lift a hold with the reason."""
    try:
        services().holds.lift(page_user(), request.form.get("file_id", ""), hold_id, request.form.get("reason"))
        flash(_("已解除冻结"))
    except DomainError as exc:
        flash(_("未能解除：%(why)s", why=problems(exc)), "error")
    return _back(url_for("retention.holds"))


def _due_rows() -> tuple[str, list[dict], dict]:
    retention = services().retention
    as_of = retention.parse_as_of(request.args.get("as_of", ""))
    _total, rows = retention.due(page_user(), as_of)
    return as_of.isoformat(), rows, retention.names(page_user(), [r["_id"] for r in rows])


@bp.get("/due")
def due():
    """Files whose retention has run out by a day, without holds; tick them to propose a batch."""
    as_of, rows, shown = _due_rows()
    return render_template("retention/due.html", rows=rows, shown=shown, as_of=as_of,
                           may_propose=access.can(page_user(), "destruction.propose"))


@bp.get("/due.xlsx")
def due_export():
    """The due list as an Excel sheet."""
    as_of, rows, shown = _due_rows()
    data = exports.workbook(_("到期档案 %(day)s", day=as_of), headers(DUE_HEADERS), (
        [r["archive_no"], (shown.get(r["_id"]) or {}).get("name", ""),
         template_label((shown.get(r["_id"]) or {}).get("template", "")), r.get("policy_name"),
         code_label("trigger", r.get("trigger")), r.get("trigger_date"), r.get("destroy_after")]
        for r in rows),
                            zone=services().settings.timezone)
    services().audit.record(page_user().username, "retention.due_exported", "retention", {"as_of": as_of,
                                                                                          "count": len(rows)})
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename=due-{as_of}.xlsx"})
