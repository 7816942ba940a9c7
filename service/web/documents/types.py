"""The admin's page of document types: labels, retiring, and the types each template requires."""
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
from service.errors import Invalid
from service.web.auth import page_user
from service.web.auth import services

bp = Blueprint("admin_doc_types", __name__, url_prefix="/admin/doc-types")


@bp.before_request
@login_required
def only_admins():
    """Every page here is the admin's."""
    access.require(page_user(), "template.manage")


def _page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    doc_types = services().doc_types
    templates = services().templates.all()
    required = {key: doc_types.required(key) for key in templates}
    return render_template("admin/doc_types.html", types=doc_types.all(include_retired=True), templates=templates,
                           required=required, errors=errors or {}, values=values or {}), status


@bp.get("")
def index():
    """Every document type and, per template, the types its files must hold."""
    return _page()


@bp.post("")
def save():
    """Add a type, or change one's labels or retire it."""
    values = {"code": request.form.get("code", "").strip(), "label_zh": request.form.get("label_zh", ""),
              "label_en": request.form.get("label_en", ""), "active": request.form.get("active") == "1"}
    try:
        saved = services().doc_types.save(page_user(), values)
    except Invalid as exc:
        return _page({**exc.fields, "form": values["code"] if request.form.get("existing") else "new"}, values, 422)
    flash(_("已保存文件类型 %(code)s", code=saved["code"]))
    return redirect(url_for("admin_doc_types.index"))


@bp.post("/required/<template_key>")
def set_required(template_key: str):
    """Set the document types a template's files must hold (资料齐全)."""
    try:
        services().doc_types.set_required(page_user(), template_key, request.form.getlist("types"))
    except Invalid as exc:
        return _page({**exc.fields, "form": f"required:{template_key}"}, {}, 422)
    flash(_("已保存模板 %(key)s 的必备文件", key=template_key))
    return redirect(url_for("admin_doc_types.index", _anchor=f"required-{template_key}"))
