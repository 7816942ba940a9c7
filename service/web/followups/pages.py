"""Pages of follow-ups for staff: my follow-ups, recording a contact, the file section, department complaints."""
from __future__ import annotations

from datetime import timedelta

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
from service.followups import CATEGORIES
from service.followups import CHANNELS
from service.followups import COMPLAINT_STATES as STATES
from service.web.auth import page_user
from service.web.auth import services
from service.web.file_tabs import file_tab
from service.web.forms import paging
from service.web.forms import problems

bp = Blueprint("followups", __name__, url_prefix="/followups")
UPCOMING_DAYS = 30
MY_BUCKETS = ("today", "overdue", "upcoming", "done")
BUCKET_ROWS = 20  # rows of each bucket on the first view; the rest a click away, paged


@bp.before_request
@login_required
def signed_in():
    """Every follow-up page needs a signed-in person."""


@bp.app_context_processor
def followup_helpers():
    """`followup_section(file)` for the file page; the channel and category lists for the forms."""
    return {"followup_section": lambda file_doc: services().followups.file_section(page_user(), file_doc),
            "contact_channels": CHANNELS, "complaint_categories": CATEGORIES}



@bp.get("/")
def mine():
    """My follow-ups: due today, overdue, upcoming and recently done, the first BUCKET_ROWS of each with its
    total and a link to the whole bucket; `bucket` shows one bucket page by page. Birthday and
    anniversary reminders above."""
    user, followups = page_user(), services().followups
    as_of = followups.parse_as_of(request.args.get("as_of", ""))
    horizon = (as_of + timedelta(days=UPCOMING_DAYS)).isoformat()
    only = request.args.get("bucket", "")
    if only and only not in MY_BUCKETS:
        only = ""
    page, per_page = paging(50) if only else (1, BUCKET_ROWS)
    lists, totals = {}, {}
    for bucket in (only,) if only else MY_BUCKETS:
        totals[bucket], lists[bucket] = followups.due(
            user, {"bucket": bucket, "as_of": as_of.isoformat(), "until": horizon}, page, per_page)
    return render_template("followups/mine.html", lists=lists, totals=totals, only=only, page=page,
                           per_page=per_page, as_of=as_of.isoformat(), horizon=horizon,
                           reminders=[] if only else services().followup_team.reminders(user, as_of))


def _satisfaction(raw: str):
    raw = raw.strip()
    return int(raw) if raw.isdigit() else (raw or None)


def contact_body(form) -> dict:
    """A contact record (and its complaint, if a category was chosen) from the form."""
    body = {key: form.get(key, "") for key in ("date", "person", "channel", "purpose", "content", "feedback",
                                               "next_step", "followup_id")}
    body["satisfaction"] = _satisfaction(form.get("satisfaction", ""))
    if form.get("complaint_category"):
        body["complaint"] = {"category": form.get("complaint_category"),
                             "description": form.get("complaint_description", ""),
                             "department": form.get("complaint_department", ""),
                             "promised_date": form.get("complaint_promised", "")}
    return body


@bp.route("/record/<file_id>", methods=["GET", "POST"])
def record(file_id: str):
    """The contact form of a file (closing the follow-up it was opened from)."""
    user = page_user()
    file_doc = services().files.load(user, file_id, "file.view")
    access.require(user, "contact.record")
    followup = services().followups.repo.followup(request.values.get("followup_id", ""))
    if followup is not None and followup["file_id"] != str(file_doc["_id"]):
        followup = None
    errors, values = {}, {"date": services().followups.today().isoformat(), "channel": "phone",
                          "purpose": followup["purpose"] if followup else ""}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            services().followups.record(user, file_id, contact_body(request.form))
        except DomainError as exc:
            errors = exc.fields or {"form": exc.message}
            flash(_("未能保存：%(why)s", why=problems(exc)), "error")
            return render_template("followups/record.html", file=file_doc, followup=followup, values=values,
                                   errors=errors), exc.status
        flash(_("回访记录已保存"))
        return redirect(url_for("followups.mine") if followup else
                        file_tab(file_id, "followups"))
    return render_template("followups/record.html", file=file_doc, followup=followup, values=values, errors=errors)


@bp.get("/complaints")
def complaints():
    """Complaints routed to a department (mine by default), open, late or closed."""
    user = page_user()
    page, per_page = paging()
    args = {"department": request.args.get("department", user.department), "status": request.args.get("status", "open"),
            "as_of": request.args.get("as_of", ""), "category": request.args.get("category", ""),
            "project": request.args.get("project", "")}
    total, rows = services().complaints.list(user, args, page, per_page)
    return render_template("followups/complaints.html", complaints=rows, total=total, page=page,
                           per_page=per_page, args=args, states=STATES, may_close=access.can(user, "complaint.close"))


@bp.post("/complaints/<complaint_id>/close")
def close_complaint(complaint_id: str):
    """Close a complaint from the department's list, with its resolution."""
    try:
        services().complaints.close(page_user(), complaint_id, request.form.get("resolution", ""))
        flash(_("投诉已关闭"))
    except DomainError as exc:
        flash(_("未能关闭：%(why)s", why=problems(exc)), "error")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("followups.complaints"))
