"""The register of submissions (归档登记簿): outcomes and turnaround times, filtered, paged, as Excel."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service import exports
from service.errors import Forbidden
from service.messages import N_
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.labels import code_label
from service.web.labels import english
from service.web.labels import headers

bp = Blueprint("intake_register", __name__, url_prefix="/intake")
FILTERS = ("status", "submitter", "archive_no", "since", "until")
HEADERS = (  # column headers, shown in the reader's language
    N_("档案号"), N_("名称"), N_("提交人"), N_("版本"), N_("状态"), N_("首次提交"), N_("本版提交"), N_("审核人"),
    N_("审核时间"), N_("本版用时（小时）"), N_("总用时（小时）"), N_("退回原因"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def signed_in():
    """The register needs a signed-in person."""


def _reader() -> None:
    user = page_user()
    if not (access.can(user, "intake.review") or access.can(user, "register.read")):
        raise Forbidden(N_("没有权限"))


def _args() -> dict:
    return {key: request.args.get(key, "").strip() for key in FILTERS}


@bp.get("/register")
def register():
    """Every submission with its outcome and turnaround, filtered and paged (archivist, register readers)."""
    _reader()
    page, per_page = paging()
    args = _args()
    total, rows = services().intake.list(page_user(), args, page, per_page)
    return render_template("intake/register.html", rows=rows, total=total, page=page, per_page=per_page, args=args)


@bp.get("/register.xlsx")
def register_export():
    """The filtered register as Excel (audited)."""
    _reader()
    args = _args()
    total, rows = services().intake.list(page_user(), args, 1, 0)
    data = exports.workbook(_("归档登记簿"), headers(HEADERS), (_row(d) for d in rows),
                            zone=services().settings.timezone)
    services().audit.record(page_user().username, "intake.register_exported", "intake",
                            {"filters": args, "count": total})
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": "attachment; filename=intake.xlsx"})


def _row(d: dict) -> list:
    reasons = ("; " if english() else "；").join(f"{i['item']}: {i['reason']}" for i in d.get("returned_items", []))
    return [d.get("archive_no") or "", d.get("file_name", ""), d["submitter"], d["version"],
            code_label("intake_status", d["status"]), d.get("first_submitted_at"), d.get("submitted_at"),
            d.get("reviewed_by") or "", d.get("reviewed_at"),
            d.get("turnaround_hours"), d.get("total_hours"), reasons]
