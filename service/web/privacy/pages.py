"""Pages of personal information: "show in full" (a number, or a scanned page uncovered) with a purpose, erasure
requests, the subject access package; and the template helpers that mask ID and phone numbers wherever a page
shows them."""
from __future__ import annotations

import base64

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
from service.errors import Conflict
from service.errors import Invalid
from service.errors import Malformed
from service.loans import stamp_jpeg
from service.privacy import pii
from service.web.auth import page_user
from service.web.auth import services
from service.web.file_tabs import file_tab
from service.web.i18n import localise

bp = Blueprint("privacy", __name__)


@bp.before_request
@login_required
def signed_in():
    """Every privacy page needs a signed-in person."""


@bp.app_template_global()
def list_phone(file_doc: dict) -> str:
    """The phone a file list shows: the customer's, or the first contact's, masked for the viewer."""
    fields = pii.fields_for(page_user(), file_doc.get("fields") or {})
    contacts = fields.get("contacts") if isinstance(fields.get("contacts"), list) else []
    first = next((c.get("phone") for c in contacts if isinstance(c, dict) and c.get("phone")), "")
    return fields.get("phone") or first or ""


@bp.app_template_global()
def masked_fields(fields):
    """Fields (a correction's changes, say) with ID and phone numbers masked for the viewer."""
    return pii.fields_for(page_user(), fields)


@bp.app_template_filter("masked")
def masked(text):
    """Free text (a search snippet) with ID and mobile numbers masked for the viewer."""
    return pii.text_for(page_user(), text)


@bp.app_template_global()
def file_privacy(file_doc: dict) -> dict:
    """What the file page's privacy and sharing section shows."""
    file_id = str(file_doc["_id"])
    user = page_user()
    authorizations = {a["document_id"]: a for a in services().shares.repo.authorizations_of(file_id)}
    return {"erasure": services().privacy.erasure(file_id), "shares": services().shares.of_file(user, file_id),
            "authorizations": authorizations,
            "authorization_docs": [d for d in services().documents.repo.of_file(file_id)
                                   if d.get("doc_type") == "authorization"],
            "partners": {str(p["_id"]): p["name"] for p in services().partners.repo.all()},
            "may_manage": access.can(user, "privacy.manage"), "may_share": access.can(user, "share.request")}


@bp.post("/files/<file_id>/reveal")
def reveal(file_id: str):
    """Show one personal number in full, for the purpose given (audited); only on this answer."""
    try:
        shown = services().privacy.reveal(page_user(), file_id, request.form.get("field"),
                                          request.form.get("purpose"))
    except (Malformed, Invalid):
        flash(_("请填写查看目的"), "error")
        return redirect(file_tab(file_id, "privacy"), code=303)
    file_doc = services().files.repo.by_id(file_id)
    response = render_template("privacy/revealed.html", file=file_doc, shown=shown,
                               purpose=request.form.get("purpose", ""))
    return response, 200, {"Cache-Control": "private, no-store"}


@bp.post("/documents/<document_id>/reveal")
def reveal_page(document_id: str):
    """Show one scanned page with its numbers uncovered, for the purpose given (audited); only on this answer."""
    number = request.form.get("page", "")
    number = int(number) if number.isdigit() else 0
    try:
        shown = services().privacy.reveal_page(page_user(), document_id, number, request.form.get("purpose"))
    except (Malformed, Invalid):
        flash(_("请填写查看目的"), "error")
        return redirect(url_for("documents.viewer", document_id=document_id, page=number or None), code=303)
    watermark = services().digital_views.watermark(page_user(), shown["file"]["_id"])  # a digital loan's reader
    image = stamp_jpeg(shown["image"], watermark) if watermark else shown["image"]
    response = render_template("privacy/revealed_page.html", shown=shown, number=number, watermark=watermark,
                               image=base64.b64encode(image).decode("ascii"), purpose=request.form.get("purpose"))
    return response, 200, {"Cache-Control": "private, no-store"}


@bp.post("/files/<file_id>/erasure")
def erasure(file_id: str):
    """Record a customer's erasure request on the file (archivist)."""
    try:
        services().privacy.request_erasure(page_user(), file_id, request.form.get("requester"),
                                           request.form.get("reason"))
        flash(_("已登记删除请求；档案在执行前暂停借阅和外部共享"))
    except (Malformed, Invalid, Conflict) as exc:
        flash(_("未登记：%(why)s", why=localise(exc.message)), "error")
    return redirect(file_tab(file_id, "privacy"))


@bp.get("/files/<file_id>/subject-access.zip")
def subject_access(file_id: str):
    """The customer's own data as a zip (archivist; audited)."""
    name, data = services().privacy.subject_access(page_user(), file_id)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})
