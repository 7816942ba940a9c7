"""The admin's pages for people: list, create, change roles, deactivate, reset passwords."""
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
from service.accounts import ROLES
from service.errors import Conflict
from service.errors import Invalid
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.i18n import localise

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_admins():
    """Every page here is the admin's."""
    access.require(page_user(), "user.manage")


@bp.get("/users")
def users():
    """All accounts, paged, with a name filter."""
    page, per_page = paging()
    query = request.args.get("q", "").strip()
    total, rows = services().users.list(page, per_page, query)
    return render_template("admin/users.html", users=rows, total=total, page=page, per_page=per_page,
                           q=query, is_locked=services().users.is_locked)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account."""
    if request.method == "GET":
        return render_template("admin/user_form.html", roles=ROLES, values={}, errors={})
    values = request.form
    try:
        user = services().users.create(values.get("username", "").strip(), values.get("password", ""),
                                       values.getlist("roles"), values.get("department", ""),
                                       values.get("display_name", ""))
    except Invalid as exc:
        return render_template("admin/user_form.html", roles=ROLES, values=values, errors=exc.fields), 422
    services().audit.record(page_user().username, "user.created", f"user:{user.id}",
                            {"username": user.username, "roles": list(user.roles), "department": user.department})
    flash(_("已创建用户 %(name)s", name=user.username))
    return redirect(url_for("admin.users"))


@bp.get("/users/<user_id>")
def user(user_id: str):
    """One account, with its controls."""
    return render_template("admin/user.html", user=services().users.get(user_id), roles=ROLES, errors={})


@bp.post("/users/<user_id>")
def update_user(user_id: str):
    """Change roles, department and display name."""
    before = services().users.get(user_id)
    try:
        after = services().users.update_profile(user_id, roles=request.form.getlist("roles"),
                                                department=request.form.get("department", ""),
                                                display_name=request.form.get("display_name", ""))
    except Invalid as exc:
        return render_template("admin/user.html", user=before, roles=ROLES, errors=exc.fields), 422
    services().audit.record(page_user().username, "user.updated", f"user:{user_id}", {
        "roles": [list(before.roles), list(after.roles)], "department": [before.department, after.department]})
    flash(_("已保存"))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<user_id>/active")
def set_active(user_id: str):
    """Deactivate or reactivate; deactivation ends sessions and tokens at once."""
    active = request.form.get("active") == "1"
    if not active and user_id == page_user().id:
        flash(_("不能停用自己的账户"), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    try:
        target = services().users.set_active(user_id, active)
    except Conflict as exc:  # e.g. still holding a folder: the handover page lists what to return
        flash(localise(exc.message), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    services().audit.record(page_user().username, "user.reactivated" if active else "user.deactivated",
                            f"user:{user_id}", {"username": target.username})
    flash(_("已启用") if active else _("已停用"))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<user_id>/password")
def reset_password(user_id: str):
    """Set a new password for someone who forgot theirs."""
    try:
        services().users.set_password(user_id, request.form.get("password", ""))
    except Invalid as exc:
        return render_template("admin/user.html", user=services().users.get(user_id), roles=ROLES,
                               errors=exc.fields), 422
    services().audit.record(page_user().username, "user.password_reset", f"user:{user_id}")
    flash(_("密码已重置"))
    return redirect(url_for("admin.user", user_id=user_id))


TEMPLATE_FIELD_TYPES = ("string", "text", "date", "integer", "number", "choice", "multi_choice", "boolean")
TEMPLATE_ROWS = 12


@bp.get("/templates")
def templates_page():
    """Every template; admin-defined ones can get new versions."""
    return render_template("admin/templates.html", templates=services().templates.all())


def _definition_from_form(form) -> dict:
    fields = []
    for i in range(TEMPLATE_ROWS):
        key = form.get(f"fields.{i}.key", "").strip()
        if not key:
            continue
        field = {"key": key, "type": form.get(f"fields.{i}.type", "string"),
                 "required": form.get(f"fields.{i}.required") == "on",
                 "label": {"zh": form.get(f"fields.{i}.zh", "").strip(), "en": form.get(f"fields.{i}.en", "").strip()}}
        choices = [c.strip() for c in form.get(f"fields.{i}.choices", "").replace("、", ",").split(",") if c.strip()]
        if choices:
            field["choices"] = choices
        for attribute in ("pattern", "check"):
            if form.get(f"fields.{i}.{attribute}", "").strip():
                field[attribute] = form.get(f"fields.{i}.{attribute}").strip()
        fields.append(field)
    return {"key": form.get("key", "").strip(), "allow_extra": False, "fields": fields,
            "label": {"zh": form.get("label_zh", "").strip(), "en": form.get("label_en", "").strip()}}


@bp.route("/templates/new", methods=["GET", "POST"])
def new_template():
    """Define a template without code: fields with type, labels, required, choices, pattern."""
    base = services().templates.get(request.args.get("from", "")) if request.method == "GET" else None
    if request.method == "GET":
        return render_template("admin/template_form.html", definition=base or {"fields": []}, errors={},
                               types=TEMPLATE_FIELD_TYPES, rows=TEMPLATE_ROWS)
    definition = _definition_from_form(request.form)
    try:
        stored = services().templates.define(page_user(), definition)
    except Invalid as exc:
        return render_template("admin/template_form.html", definition=definition, errors=exc.fields,
                               types=TEMPLATE_FIELD_TYPES, rows=TEMPLATE_ROWS), 422
    flash(_("模板 %(key)s 已保存为第 %(v)s 版", key=stored["key"], v=stored["version"]))
    return redirect(url_for("admin.templates_page"))
