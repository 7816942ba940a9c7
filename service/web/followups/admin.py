"""Managers' and admins' follow-up pages: the team view, the report (with charts and Excel), rules, campaigns."""
from __future__ import annotations

from datetime import timedelta

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
from service.errors import DomainError
from service.errors import Malformed
from service.followups import CAMPAIGN_FILTERS
from service.followups import CATEGORIES
from service.followups import bar_chart
from service.messages import N_
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems

bp = Blueprint("followups_admin", __name__, url_prefix="/followups")
DAY_LISTS = ("owner_bought", "cs_bought", "owner_not_bought", "cs_not_bought")


@bp.before_request
@login_required
def signed_in():
    """Every page here needs a signed-in person."""


def category_labels() -> dict:
    """Complaint classes in the interface language."""
    return {"quality": _("产品质量"), "attitude": _("服务态度"), "policy": _("政策咨询"), "repair": _("维修"),
            "other": _("其他")}


@bp.get("/team")
def team():
    """Per person of a department: follow-ups due in a window, done, on time, overdue, completion rate."""
    followups = services().followups
    end = followups.parse_as_of(request.args.get("to", ""))
    start = followups.parse_as_of(request.args.get("from", "") or (end - timedelta(days=29)).isoformat())
    view = services().followup_team.team_view(page_user(), request.args.get("department", ""), start, end)
    return render_template("followups/team.html", view=view,
                           may_choose=page_user().has("executive", "admin"))


@bp.get("/report")
def report():
    """Satisfaction and complaints per project for a month, with charts drawn on the server."""
    data = services().followup_report.build(page_user(), request.args.get("month", ""),
                                            request.args.get("project", "").strip())
    labels = category_labels()
    charts = [bar_chart(_("平均满意度（1-10）"), [(r["project"] or "—", r["avg_satisfaction"]) for r in data["rows"]],
                        top=10),
              bar_chart(_("投诉分类"), [(labels[c], data["total"]["by_category"][c]) for c in CATEGORIES])]
    return render_template("followups/report.html", report=data, charts=charts, labels=labels)


@bp.get("/report.xlsx")
def report_workbook():
    """The month's report as an Excel workbook."""
    labels = {"month": _("月份"), "project": _("项目"), "contacts": _("回访次数"), "rated": _("评分次数"),
              "avg": _("平均满意度"), "complaints": _("投诉数"), "closed": _("已关闭"), "on_time": _("按时关闭"),
              "share": _("按时关闭率"), "total": _("合计"), **category_labels()}
    month = services().followup_report.month_of(request.args.get("month", ""))
    data = services().followup_report.workbook(page_user(), month, request.args.get("project", "").strip(), labels)
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="followup-report-{month}.xlsx"'})


def _days(raw: str, name: str) -> list:
    parts = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise Malformed(N_("天数应为整数"), {name: N_("应为用逗号分隔的天数")})
    return [int(p) for p in parts]


def rules_from_form(form, current: dict) -> dict:
    """The rules as the admin's form gives them (three key-date rows; an empty field drops a row)."""
    rules = {name: _days(form.get(name, ""), name) for name in DAY_LISTS}
    rules["cs_department"] = form.get("cs_department", "")
    rules["bought_stages"] = current["bought_stages"]
    key_dates = []
    for i in range(len(current["key_dates"]) + 1):
        if not form.get(f"key_{i}_field", "").strip():
            continue
        months, days = form.get(f"key_{i}_months", "0").strip(), form.get(f"key_{i}_days", "0").strip()
        key_dates.append({"key": form.get(f"key_{i}_key", "").strip(), "field": form.get(f"key_{i}_field").strip(),
                          "months": int(months) if months.lstrip("-").isdigit() else months,
                          "days": int(days) if days.lstrip("-").isdigit() else days,
                          "purpose": form.get(f"key_{i}_purpose", "")})
    rules["key_dates"] = key_dates
    for name in ("birthday_fields", "anniversary_fields"):
        rules[name] = [p.strip() for p in form.get(name, "").replace("，", ",").split(",") if p.strip()]
    remind = form.get("remind_days", "").strip()
    rules["remind_days"] = int(remind) if remind.isdigit() else remind
    return rules


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    """The schedule rules an admin configures (the seeds' rules are the defaults)."""
    access.require(page_user(), "followup.manage")
    followups, errors = services().followups, {}
    current = followups.rules()
    if request.method == "POST":
        try:
            followups.save_rules(page_user(), rules_from_form(request.form, current))
            flash(_("回访规则已保存；新建或修改的档案按新规则排期"))
            return redirect(url_for("followups_admin.rules"))
        except DomainError as exc:
            errors = exc.fields
            flash(_("未能保存：%(why)s", why=problems(exc)), "error")
    return render_template("followups/rules.html", rules=current, errors=errors, day_lists=DAY_LISTS), \
        400 if errors else 200


@bp.post("/rules/reschedule")
def reschedule():
    """Apply the current rules to every active file now (after the admin confirmed)."""
    if request.form.get("confirm") != "yes":
        flash(_("请先勾选确认"), "error")
        return redirect(url_for("followups_admin.rules"))
    added = services().followups.reschedule_all(page_user())
    flash(_("已按当前规则重新排期，新增 %(n)s 条回访", n=added))
    return redirect(url_for("followups_admin.rules"))


@bp.route("/campaigns", methods=["GET", "POST"])
def campaigns():
    """One-off campaigns (专项回访): files chosen by a filter, a purpose and a deadline."""
    user = page_user()
    access.require(user, "followup.campaign")
    values = request.values.to_dict()
    if request.method == "POST":
        try:
            doc = services().followup_team.create_campaign(
                user, {k: request.form.get(k, "") for k in CAMPAIGN_FILTERS},
                request.form.get("purpose", ""), request.form.get("deadline", ""))
            flash(_("专项回访已创建，共 %(n)s 份档案", n=doc["files"]))
            return redirect(url_for("followups_admin.campaigns"))
        except DomainError as exc:
            flash(_("未能创建：%(why)s", why=problems(exc)), "error")
    page, per_page = paging()
    total, rows = services().followup_team.campaigns(user, page, per_page)
    return render_template("followups/campaigns.html", campaigns=rows, total=total, page=page, per_page=per_page,
                           values=values, filters=CAMPAIGN_FILTERS)
