"""Pages of the intake review: submit a file's materials, my submissions, the review page, resubmission."""
from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from service import access
from service.errors import DomainError
from service.files import LOCATION_KEYS
from service.files import labels as labels_module
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems
from service.web.labels import doc_type_label
from service.web.labels import field_label

# the submission form's lines a review can name as missing (gettext'd where shown)
SUBMISSION_LABELS = {"salesperson": "业务员姓名", "customer_name": "客户名称", "customer_no": "客户编号"}
bp = Blueprint("intake", __name__, url_prefix="/intake")
NAME_FIELDS = ("salesperson", "customer_name", "customer_no", "note")


@bp.before_request
@login_required
def signed_in():
    """Every intake page needs a signed-in person."""


@bp.app_context_processor
def intake_helpers():
    """`intake_section(file)` for the file page; `item_label(item, template)` for a returned or missing item."""
    return {"intake_section": file_section, "item_label": item_label}


def item_label(item, template_key: str = "") -> str:
    """What a returned or missing item is called in the reader's language: a document type's label, a
    template field's label, a line of the submission form; an item someone typed stays as it was."""
    kind, _sep, code = str(item or "").partition(":")
    if kind == "document":
        return doc_type_label(code)
    elif kind == "field" and template_key:
        return field_label(code, template_key)
    elif kind == "submission" and code in SUBMISSION_LABELS:
        return _(SUBMISSION_LABELS[code])
    return str(item or "")


def file_section(file_doc: dict) -> dict:
    """The submissions of a file the viewer may see, and whether they may submit."""
    user = page_user()
    return {"items": services().intake.of_file(user, str(file_doc["_id"])),
            "can_submit": access.can(user, "intake.submit") and file_doc.get("status") == "active"
            and services().intake.repo.open_submission(str(file_doc["_id"])) is None}



def read_materials() -> dict:
    """The submission form: ticked scans, paper items (name + count rows), the names on it."""
    paper = []
    for name, count in zip(request.form.getlist("paper_name"), request.form.getlist("paper_count")):
        if name.strip() or count.strip():
            paper.append({"name": name, "count": int(count) if count.strip().isdigit() else count})
    body = {"documents": request.form.getlist("documents"), "paper_items": paper}
    body.update({key: request.form.get(key, "") for key in NAME_FIELDS})
    return body


def _form_context(file_doc: dict, values: dict) -> dict:
    labels = services().doc_types.labels()
    documents = services().documents.repo.of_file(str(file_doc["_id"]))
    return {"file": file_doc, "documents": documents, "labels": labels, "values": values,
            "required": [doc_type_label(c) for c in services().doc_types.required(file_doc["template"])]}


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Submit a file's materials for archiving."""
    user = page_user()
    access.require(user, "intake.submit")
    file_id = request.values.get("file_id", "")
    file_doc = services().files.load(user, file_id, "file.view")
    if request.method == "GET":
        values = {"salesperson": user.display_name, "customer_name": file_doc.get("name", ""),
                  "customer_no": file_doc.get("archive_no", "") or "", "paper_items": [], "documents": []}
        return render_template("intake/form.html", **_form_context(file_doc, values))
    body = read_materials()
    try:
        doc = services().intake.submit(user, {**body, "file_id": file_id})
    except DomainError as exc:
        flash(_("未能提交：%(why)s", why=problems(exc)), "error")
        return render_template("intake/form.html", **_form_context(file_doc, body)), exc.status
    flash(_("已提交归档，等待档案中心审核"))
    return redirect(url_for("intake.detail", submission_id=str(doc["_id"])))


@bp.get("/mine")
def mine():
    """我的提交: one's own submissions, newest first."""
    access.require(page_user(), "intake.submit")
    page, per_page = paging()
    status = request.args.get("status", "")
    total, rows = services().intake.list(page_user(), {"status": status, "mine": True}, page, per_page)
    return render_template("intake/mine.html", rows=rows, total=total, page=page, per_page=per_page,
                           args={"status": status})


@bp.get("/<submission_id>")
def detail(submission_id: str):
    """One submission: what it lists, what it lacks, its history; review or resubmit forms."""
    user = page_user()
    doc = services().intake.get(user, submission_id)
    file_doc = services().files.load(user, doc["file_id"], "file.view")
    context = _form_context(file_doc, doc)
    return render_template("intake/detail.html", sub=doc, missing=services().intake.missing(doc),
                           history=services().intake.history(doc["_id"]),
                           contents=services().intake_review.contents(doc), location_keys=LOCATION_KEYS,
                           can_review=access.can(user, "intake.review"), **context)


@bp.post("/<submission_id>/resubmit")
def resubmit(submission_id: str):
    """A new version of a returned submission."""
    body = read_materials()
    raw = request.form.get("version", "")
    body["version"] = int(raw) if raw.isdigit() else raw
    try:
        services().intake.resubmit(page_user(), submission_id, body)
        flash(_("已重新提交"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(_("未能重新提交：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("intake.detail", submission_id=submission_id))


@bp.post("/<submission_id>/accept")
def accept(submission_id: str):
    """Accept and catalogue (archivist), after confirmation."""
    if not request.form.get("confirm"):
        flash(_("请勾选确认后再接收"), "error")
        return redirect(url_for("intake.detail", submission_id=submission_id))
    raw = request.form.get("version", "")
    body = {"version": int(raw) if raw.isdigit() else None,
            "location": {k: request.form.get(k, "") for k in LOCATION_KEYS}}
    try:
        services().intake_review.accept(page_user(), submission_id, body)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(_("未能接收：%(why)s", why=problems(exc)), "error")
        return redirect(url_for("intake.detail", submission_id=submission_id))
    flash(_("已接收归档"))
    return redirect(url_for("intake.contents", submission_id=submission_id))


@bp.post("/<submission_id>/return")
def return_(submission_id: str):
    """Return with a reason per item (archivist); rows without a reason are left out."""
    items = [{"item": item, "reason": reason}
             for item, reason in zip(request.form.getlist("item"), request.form.getlist("reason")) if reason.strip()]
    raw = request.form.get("version", "")
    try:
        services().intake_review.return_(page_user(), submission_id,
                                         {"items": items, "version": int(raw) if raw.isdigit() else None})
        flash(_("已退回"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(_("未能退回：%(why)s", why=problems(exc)), "error")
    return redirect(url_for("intake.detail", submission_id=submission_id))


@bp.get("/<submission_id>/contents")
def contents(submission_id: str):
    """The printable contents list (目录) and folder label of an accepted submission."""
    user = page_user()
    doc = services().intake.get(user, submission_id)
    file_doc = services().files.load(user, doc["file_id"], "file.view")
    if doc["status"] != "accepted":
        flash(_("该提交尚未接收，没有目录"), "error")
        return redirect(url_for("intake.detail", submission_id=submission_id))
    place = doc["catalogue"]["location"]
    return render_template("intake/contents.html", sub=doc, file=file_doc, catalogue=doc["catalogue"],
                           place=" / ".join(place[k] for k in LOCATION_KEYS if place.get(k)),
                           qr=Markup(labels_module.qr_svg(doc["catalogue"]["archive_no"])))
