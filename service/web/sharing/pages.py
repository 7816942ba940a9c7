"""Pages of external sharing: ask from the file page, the executive's approvals, the share and its link,
and the authorization form of an authorization document."""
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
from service.errors import Conflict
from service.errors import Forbidden
from service.errors import Invalid
from service.errors import Malformed
from service.sharing import MAX_DAYS
from service.web.auth import page_user
from service.web.auth import services
from service.web.file_tabs import file_tab
from service.web.forms import paging
from service.web.i18n import localise
from service.web.labels import field_label

bp = Blueprint("sharing", __name__)
STATUSES = ("requested", "approved", "rejected", "revoked")


@bp.before_request
@login_required
def signed_in():
    """Every sharing page needs a signed-in person."""


def _link(token: str) -> str:
    return request.host_url.rstrip("/") + url_for("share_link.view", token=token)


@bp.get("/shares")
def index():
    """The shares the person may see, newest first; the executive's pending ones first on their page."""
    page, per_page = paging()
    status = request.args.get("status", "")
    filters = {"status": status if status in STATUSES else ""}
    total, rows = services().shares.list(page_user(), filters, page, per_page)
    return render_template("sharing/list.html", shares=rows, total=total, page=page, per_page=per_page,
                           args=filters, statuses=STATUSES)


def _new_form(file_doc: dict, values: dict, errors: dict, status: int = 200):
    user = page_user()
    documents = services().documents.repo.of_file(str(file_doc["_id"]))
    template = services().templates.get(file_doc["template"]) or {}
    labels = {d["key"]: d["label"] for d in template.get("fields") or []}
    return render_template("sharing/new.html", file=file_doc, values=values, errors=errors,
                           partners=services().partners.repo.all(), documents=documents, labels=labels,
                           choices=services().shares.field_choices(file_doc), max_days=MAX_DAYS,
                           may=access.can(user, "share.request")), status


@bp.route("/files/<file_id>/shares/new", methods=["GET", "POST"])
def new(file_id: str):
    """Ask to share parts of a file with a partner; a missing authorization or NDA is named."""
    file_doc = services().files.load(page_user(), file_id, "file.content")
    if request.method == "GET":
        return _new_form(file_doc, {"fields": ["name"], "documents": []}, {})
    values = {"file_id": file_id, "partner_id": request.form.get("partner_id", ""),
              "purpose": request.form.get("purpose", ""), "fields": request.form.getlist("fields"),
              "documents": request.form.getlist("documents"), "expires_on": request.form.get("expires_on", ""),
              "show_numbers": request.form.get("show_numbers") == "yes",
              "numbers_purpose": request.form.get("numbers_purpose", "")}
    try:
        doc = services().shares.request(page_user(), values)
    except Invalid as exc:
        return _new_form(file_doc, values, exc.fields, 422)
    except Conflict as exc:
        return _new_form(file_doc, values, {"refused": exc.message, **exc.fields}, 409)
    flash(_("共享申请已提交，等待总经理审批"))
    return redirect(url_for("sharing.detail", share_id=str(doc["_id"])))


@bp.get("/shares/<share_id>")
def detail(share_id: str):
    """One share: what it includes, its state and the actions open to the person."""
    return _detail(services().shares.get(page_user(), share_id))


def _detail(doc: dict, link: str | None = None, status: int = 200):
    user = page_user()
    template_key = (services().files.repo.by_id(doc["file_id"]) or {}).get("template", "")
    field_names = [_("名称") if key == "name" else field_label(key, template_key) for key in doc.get("fields") or []]
    return render_template("sharing/detail.html", share=doc, link=link, field_names=field_names,
                           may_decide=access.can(user, "share.approve") and doc["requester"] != user.username,
                           may_revoke=services().shares.may_revoke(user, doc)), status


@bp.post("/shares/<share_id>/<step>")
def act(share_id: str, step: str):
    """Approve (the link is shown this once), reject, revoke, or issue a fresh link."""
    shares, user = services().shares, page_user()
    try:
        if step == "approve":
            doc, token = shares.approve(user, share_id)
            flash(_("已批准；请把下面的链接交给合作方（只显示这一次）"))
            return _detail(doc, _link(token))
        if step == "link":
            doc, token = shares.reissue(user, share_id)
            flash(_("已生成新链接，旧链接即时失效"))
            return _detail(doc, _link(token))
        if step == "reject":
            shares.reject(user, share_id, request.form.get("reason", ""))
            flash(_("已驳回共享申请"))
        elif step == "revoke":
            if request.form.get("confirm") != "yes":
                raise Malformed(_("请勾选确认后再撤销"))
            shares.revoke(user, share_id)
            flash(_("共享已撤销，链接立即失效"))
        else:
            return redirect(url_for("sharing.detail", share_id=share_id))
    except (Invalid, Conflict, Forbidden, Malformed) as exc:
        why = localise(exc.message) + "".join(f"；{localise(v)}" for v in exc.fields.values())
        flash(_("未能完成：%(why)s", why=why), "error")
    return redirect(url_for("sharing.detail", share_id=share_id))


@bp.route("/documents/<document_id>/authorization", methods=["GET", "POST"])
def authorization(document_id: str):
    """Record which partners and purposes an authorization document covers, and its validity."""
    doc, file_doc = services().documents.load(page_user(), document_id, "file.view")
    record = services().shares.repo.authorization(document_id) or {}
    errors: dict = {}
    if request.method == "POST":
        data = {"partners": request.form.getlist("partners"),
                "purposes": [p.strip() for p in request.form.get("purposes", "").splitlines() if p.strip()],
                "valid_from": request.form.get("valid_from", ""), "valid_to": request.form.get("valid_to", "")}
        try:
            services().shares.record_authorization(page_user(), document_id, data)
            flash(_("已登记授权范围"))
            return redirect(file_tab(doc["file_id"], "sharing"))
        except Invalid as exc:
            errors, record = exc.fields, data
        except Conflict as exc:
            errors, record = {"doc_type": exc.message}, data
    return render_template("sharing/authorization.html", doc=doc, file=file_doc, record=record, errors=errors,
                           partners=services().partners.repo.all()), 422 if errors else 200
