"""Pages of the partner register (合作方登记): list, add, change, upload an NDA, read it back."""
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
from service.errors import Invalid
from service.sharing import KINDS
from service.sharing import current_nda
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.before_request
@login_required
def signed_in():
    """Every register page needs a signed-in person."""


def _fields() -> dict:
    return {k: request.form.get(k, "") for k in ("name", "kind", "contact")}


@bp.route("", methods=["GET", "POST"])
def index():
    """The register with each partner's NDA state; the archivist or admin adds partners here."""
    errors, values = {}, {"kind": "bank"}
    if request.method == "POST":
        values = _fields()
        try:
            doc = services().partners.create(page_user(), values)
            flash(_("已登记合作方 %(name)s", name=doc["name"]))
            return redirect(url_for("partners.detail", partner_id=str(doc["_id"])))
        except Invalid as exc:
            errors = exc.fields
    page, per_page = paging()
    kind = request.args.get("kind", "")
    total, rows = services().partners.list(page_user(), page, per_page, kind)
    today = services().shares.today()
    return render_template("sharing/partners.html", partners=rows, total=total, page=page, per_page=per_page,
                           kinds=KINDS, kind=kind, values=values, errors=errors,
                           ndas={str(p["_id"]): current_nda(p, today) for p in rows},
                           may_manage=access.can(page_user(), "partner.manage")), 422 if errors else 200


@bp.route("/<partner_id>", methods=["GET", "POST"])
def detail(partner_id: str):
    """One partner: details, NDAs on file, a form for a new NDA."""
    partner = services().partners.get(page_user(), partner_id)
    errors: dict = {}
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if request.form.get("form") == "nda":
                services().partners.upload_nda(page_user(), partner_id, upload.read() if upload else b"",
                                               upload.filename if upload else "", request.form.get("valid_from"),
                                               request.form.get("valid_to"))
                flash(_("已上传保密协议"))
            else:
                services().partners.update(page_user(), partner_id, _fields())
                flash(_("已保存"))
            return redirect(url_for("partners.detail", partner_id=partner_id))
        except Invalid as exc:
            errors = exc.fields
    return render_template("sharing/partner.html", partner=partner, kinds=KINDS, errors=errors,
                           current=current_nda(partner, services().shares.today()),
                           may_manage=access.can(page_user(), "partner.manage")), 422 if errors else 200


@bp.get("/<partner_id>/ndas/<int:number>")
def nda(partner_id: str, number: int):
    """A stored NDA (audited)."""
    doc, data = services().partners.nda_content(page_user(), partner_id, number)
    return Response(data, mimetype=doc["media_type"],
                    headers={"Content-Disposition": f"attachment; filename=nda-{number}", "Cache-Control": "no-store"})
