"""Pages of customer files: list, register, detail, edit with conflicts, history, labels, export."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from service import access
from service import exports
from service.errors import Invalid
from service.errors import StaleVersion
from service.files import CUSTOMER_TYPES
from service.files import EDITABLE
from service.files import LOCATION_KEYS
from service.files import STAGES
from service.files import labels as labels_module
from service.files import target_of
from service.messages import N_
from service.privacy import pii
from service.web.auth import page_user
from service.web.auth import services
from service.web.documents import pages as ui_documents
from service.web.files import forms as file_forms
from service.web.forms import paging
from service.web.labels import code_label
from service.web.labels import headers
from service.web.labels import template_label
from service.web.labels import value_label

bp = Blueprint("files", __name__, url_prefix="/files")
FILTERS = ("name", "archive_no", "customer_type", "stage", "project", "owner", "status")
EXPORT_HEADERS = (  # column headers, shown in the reader's language
    N_("档案号"), N_("名称"), N_("模板"), N_("客户类型"), N_("阶段"), N_("项目"), N_("密级"), N_("部门"),
    N_("归档人"), N_("状态"), N_("存放位置"), N_("版本"), N_("创建时间"), N_("证件号码"), N_("手机号码"))


@bp.before_request
@login_required
def signed_in():
    """Every file page needs a signed-in person."""


def _template(key: str) -> dict:
    template = services().templates.get(key)
    if template is None:
        abort(404)
    return template


def _filters() -> dict:
    return {key: request.args.get(key, "").strip() for key in FILTERS}


@bp.get("")
def index():
    """Files the person may see, with filters, sorting and paging."""
    page, per_page = paging()
    sort, order = request.args.get("sort", "archive_no"), request.args.get("order", "asc")
    chosen = _filters()
    total, rows = services().files.list(page_user(), chosen, page, per_page, sort, order == "desc")
    args = {**chosen, "sort": sort, "order": order}
    return render_template("files/list.html", files=rows, total=total, page=page, per_page=per_page, args=args,
                           stages=STAGES, customer_types=CUSTOMER_TYPES,
                           templates=services().templates.all())


@bp.get("/export.xlsx")
def export():
    """The filtered list as an Excel register (only what the person may see)."""
    chosen, rows, page = _filters(), [], 1
    while True:
        total, batch = services().files.list(page_user(), chosen, page, 200)
        rows.extend(batch)
        if page * 200 >= total:
            break
        page += 1
    data = exports.workbook(_("客户档案"), headers(EXPORT_HEADERS), (_export_row(doc, page_user()) for doc in rows),
                            zone=services().settings.timezone)
    services().audit.record(page_user().username, "file.exported", "files", {"filters": chosen, "count": len(rows)})
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=files.xlsx"})


def _export_row(doc: dict, viewer) -> list:
    c, loc = doc.get("classification") or {}, doc.get("location") or {}
    place = "-".join(loc.get(k, "") for k in LOCATION_KEYS if loc.get(k))
    fields = pii.fields_for(viewer, doc.get("fields") or {})
    return [doc["archive_no"], doc["name"], template_label(doc["template"]), value_label(c.get("customer_type", "")),
            value_label(c.get("stage", "")), c.get("project", ""), code_label("security", doc["security"]),
            doc.get("department", ""), doc.get("owner", ""), code_label("file_status", doc["status"]),
            place, doc["version"], doc.get("created_at"), fields.get("id_number") or "", fields.get("phone") or ""]


def _form(template: dict, state: dict, errors: dict, **extra):
    return render_template("files/form.html", template=template, state=state, errors=errors,
                           stages=STAGES, customer_types=CUSTOMER_TYPES,
                           levels=access.SECURITY_LEVELS, dig=file_forms.dig, rows_for=file_forms.rows_for, **extra)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Register a file from its template's form."""
    access.require(page_user(), "file.create")
    template = _template(request.values.get("template", "individual"))
    if request.method == "GET":
        return _form(template, {"department": page_user().department, "security": "normal", "fields": {}}, {})
    state = file_forms.read_state(template, request.form)
    state["department"] = state["department"] or page_user().department
    try:
        doc = services().files.create(page_user(), {**state, "template": template["key"]})
    except Invalid as exc:
        return _form(template, state, exc.fields), 422
    flash(_("已登记档案 %(no)s", no=doc["archive_no"]))
    found = services().duplicates.for_state(page_user(), doc, exclude_id=str(doc["_id"]))
    if found["items"] or found["hidden"]:
        names = "、".join(f"{d['archive_no']} {d['name']}" for d in found["items"])
        flash(_("可能与已有档案重复：%(names)s（另有 %(n)s 份您无权查看）", names=names or "—", n=found["hidden"]),
              "error")
    return redirect(url_for("files.detail", file_id=str(doc["_id"])))


@bp.get("/<file_id>")
def detail(file_id: str):
    """One file, in tabs: its contents, scans, loans, follow-ups, retention, history, privacy and sharing."""
    doc, redirected_from = services().merging.follow(page_user(), file_id)
    if redirected_from:
        flash(_("该档案已合并到 %(no)s", no=doc["archive_no"]))
        return redirect(url_for("files.detail", file_id=str(doc["_id"])))
    user = page_user()
    template = _template(doc["template"])
    shown = {**doc, "fields": pii.fields_for(user, doc.get("fields") or {}, template["fields"])}
    return render_template("files/detail.html", file=shown, template=template,
                           pii_paths=pii.paths(doc.get("fields") or {}, template["fields"]),
                           dig=file_forms.dig, qr=Markup(labels_module.qr_svg(doc["archive_no"])),
                           duplicates=services().duplicates.for_state(user, doc, exclude_id=file_id),
                           corrections=services().corrections.for_file(user, file_id),
                           target=target_of(doc), **ui_documents.document_section(user, doc))


@bp.route("/<file_id>/edit", methods=["GET", "POST"])
def edit(file_id: str):
    """Change a file; a save against an older version shows both versions and loses nothing."""
    current = services().files.get(page_user(), file_id)
    access.require(page_user(), "file.edit", target_of(current))
    template = _template(current["template"])
    if request.method == "GET":
        return _form(template, _masked(current, template), {}, file=current, version=current["version"])
    wanted = file_forms.read_state(template, request.form)
    pii.keep_unchanged(wanted.get("fields"), current.get("fields") or {}, template["fields"])
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    patch = file_forms.replacement_patch({k: current.get(k) for k in EDITABLE}, wanted)
    try:
        services().files.patch(page_user(), file_id, version, patch)
    except StaleVersion:
        return _form(template, _masked(wanted, template), {}, file=current, version=current["version"],
                     conflict=_masked(current, template)), 409
    except Invalid as exc:
        return _form(template, _masked(wanted, template), exc.fields, file=current, version=version), 422
    flash(_("已保存"))
    return redirect(url_for("files.detail", file_id=file_id))


def _masked(state: dict, template: dict) -> dict:
    """A form state with ID and phone numbers masked for the person (saving them unchanged keeps the stored ones)."""
    return {**state, "fields": pii.fields_for(page_user(), state.get("fields") or {}, template["fields"])}


@bp.get("/<file_id>/history")
def history(file_id: str):
    """Who changed what, field by field, newest first."""
    versions = services().files.history(page_user(), file_id)
    for v in versions:
        v["state"] = {**v["state"], "fields": pii.fields_for(page_user(), (v["state"] or {}).get("fields") or {})}
    current = versions[0]["state"] if versions else {}
    steps = []
    for newer, older in zip(versions, versions[1:] + [None]):
        changes = [(path, file_forms.dig(older["state"], path) if older else None, file_forms.dig(newer["state"], path))
                   for path in newer.get("changes", [])] if older else []
        steps.append({"version": newer["version"], "at": newer["at"], "actor": newer["actor"], "changes": changes})
    return render_template("files/history.html", steps=steps, file_id=file_id, current=current)


@bp.get("/<file_id>/label")
def label(file_id: str):
    """A single folder label to print."""
    doc = services().files.get(page_user(), file_id)
    return render_template("files/labels.html", labels=[_label(doc)], sheet=False)


@bp.get("/labels")
def labels():
    """An A4 sheet of folder labels for the files ticked in the list."""
    docs = [services().files.get(page_user(), file_id) for file_id in request.args.getlist("id")[:24]]
    return render_template("files/labels.html", labels=[_label(d) for d in docs], sheet=True)


def _label(doc: dict) -> dict:
    loc = doc.get("location") or {}
    return {"archive_no": doc["archive_no"], "name": doc["name"], "qr": Markup(labels_module.qr_svg(doc["archive_no"])),
            "place": " / ".join(loc.get(k, "") for k in LOCATION_KEYS if loc.get(k)),
            "project": (doc.get("classification") or {}).get("project", "")}
