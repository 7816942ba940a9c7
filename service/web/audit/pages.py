"""The auditor's pages: the audit trail with filters, paging, export and chain verification."""
from __future__ import annotations

from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service import exports
from service.errors import Malformed
from service.messages import N_
from service.web.audit.actions import action_choices
from service.web.audit.actions import action_label
from service.web.audit.actions import target_label
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.labels import headers

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.add_app_template_global(action_label)
bp.add_app_template_global(action_choices)
bp.add_app_template_global(target_label)


@bp.before_request
@login_required
def only_auditors():
    """Auditors and admins only."""
    access.require(page_user(), "audit.read")


def filters() -> dict:
    """The filters of the audit list, from the query string."""
    values = {name: request.args.get(name, "").strip() for name in ("target", "actor", "action")}
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for name, key, shift in (("since", "from", 0), ("until", "to", 1)):
        raw = request.args.get(key, "").strip()
        if raw:
            try:
                day = datetime.strptime(raw, "%Y-%m-%d").date() + timedelta(days=shift)
            except ValueError:
                raise Malformed(N_("日期应为 YYYY-MM-DD"), {key: "YYYY-MM-DD"}) from None
            values[name] = datetime.combine(day, time(0), zone).astimezone(timezone.utc)
    return values


@bp.get("")
def trail():
    """The audit trail, newest first."""
    page, per_page = paging(50)
    chosen = filters()
    total, entries = services().audit.search(page=page, per_page=per_page, **chosen)
    services().audit.record(page_user().username, "audit.viewed", "audit", {"filters": chosen, "page": page})
    args = {k: request.args.get(k, "") for k in ("target", "actor", "action", "from", "to")}
    return render_template("audit/trail.html", entries=entries, total=total, page=page,
                           per_page=per_page, args=args)


@bp.get("/export.xlsx")
def export():
    """The filtered trail as an Excel register."""
    chosen = filters()
    rows = ((e["seq"], e["at"], e["actor"], e["action"], action_label(e["action"]), e["target"], e.get("details"),
             e["hash"])
            for e in services().audit.iter_matching(**chosen))
    zone = services().settings.timezone
    data = exports.workbook(_("审计日志"), export_headers(zone), rows, zone=zone)
    services().audit.record(page_user().username, "audit.exported", "audit", {"filters": chosen})
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=audit.xlsx"})


def export_headers(zone: str) -> list[str]:
    """The export's columns: times are local to `zone`, and the header names it; actions and targets keep
    their codes (the export is the record an auditor filters and checks), the action in words beside its code."""
    return headers((N_("序号"), N_("时间 (%(zone)s)", zone=zone), N_("操作人"), N_("操作代码"), N_("操作"),
                    N_("对象代码"), N_("详情"), N_("哈希")))


@bp.get("/verify")
def verify():
    """Check the chain of hashes."""
    result = services().audit.verify()
    return render_template("audit/verify.html", result=result)
