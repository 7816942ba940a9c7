"""Pages of destruction batches: the list, one batch with its steps, the register with Excel, the certificate."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required

from service import access
from service import exports
from service.errors import DomainError
from service.messages import N_
from service.retention import require_reader
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.forms import problems
from service.web.i18n import localise
from service.web.labels import headers
from service.web.labels import joined
from service.web.labels import template_label
from service.web.retention.destruction_api import certificate_response
from service.web.retention.destruction_api import execution_json

bp = Blueprint("destructions", __name__, url_prefix="/destructions")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_HEADERS = (  # column headers, shown in the reader's language
    N_("登记号"), N_("批次"), N_("档案号"), N_("模板"), N_("保管至"), N_("文件数"), N_("字节数"), N_("SHA-256"),
    N_("销毁原因"), N_("提出人"), N_("提出时间"), N_("批准人"), N_("批准时间"), N_("销毁方式"), N_("销毁地点"),
    N_("监销人"), N_("执行人"), N_("执行时间"), N_("记录哈希"))


@bp.before_request
@login_required
def signed_in():
    """Every destruction page needs a signed-in person."""


@bp.get("")
def index():
    """Destruction batches, newest first."""
    page, per_page = paging()
    status = request.args.get("status", "")
    total, rows = services().destructions.page(page_user(), status, page, per_page)
    return render_template("retention/batches.html", batches=rows, total=total, page=page, per_page=per_page,
                           args={"status": status})


@bp.post("")
def propose():
    """Propose a batch of the files ticked on the due list."""
    try:
        doc = services().destructions.propose(page_user(), {"file_ids": request.form.getlist("file_id"),
                                                             "reason": request.form.get("reason", "")})
    except DomainError as exc:
        why = localise(exc.message) if exc.status == 409 else problems(exc)
        flash(_("未能提交销毁申请：%(why)s", why=why), "error")
        return redirect(url_for("retention.due", as_of=request.form.get("as_of", "")))
    flash(_("已提交销毁批次 %(no)s，等待审批", no=doc["number"]))
    return redirect(url_for("destructions.detail", batch_id=str(doc["_id"])))


@bp.get("/<batch_id>")
def detail(batch_id: str):
    """One batch: its files, its approvals, the paper record and what execution destroyed."""
    user = page_user()
    doc = services().destructions.get(user, batch_id)
    destroyed = {r["file_id"]: r for r in services().destructions.destroyed_items(doc)}
    return render_template("retention/batch.html", batch=doc, destroyed=destroyed,
                           may_decide=access.can(user, "destruction.approve") and doc["proposed_by"] != user.username,
                           may_execute=access.can(user, "destruction.execute"))


@bp.post("/<batch_id>/<any(approve, reject, paper, execute):step>")
def act(batch_id: str, step: str):
    """Approve, reject, record the paper destruction, or execute."""
    user, batches = page_user(), services().destructions
    form = request.form
    try:
        if step == "approve":
            batches.approve(user, batch_id)
            flash(_("已批准销毁"))
        elif step == "reject":
            batches.reject(user, batch_id, form.get("reason", ""))
            flash(_("已驳回销毁申请"))
        elif step == "paper":
            batches.record_paper(user, batch_id, {"method": form.get("method", ""), "place": form.get("place", ""),
                                                  "witnesses": [form.get("witness1", ""), form.get("witness2", "")],
                                                  "date": form.get("date", "")})
            flash(_("已登记纸质档案销毁"))
        else:
            services().destruction_executor.queue(user, batch_id)
    except DomainError as exc:
        flash(_("未能办理：%(why)s", why=localise(exc.message) if exc.status == 409 else problems(exc)), "error")
    return redirect(url_for("destructions.detail", batch_id=batch_id))


@bp.get("/<batch_id>/progress.json")
def progress(batch_id: str):
    """What the batch page polls while the batch is executed: files destroyed of all, and why it stopped."""
    return jsonify(execution_json(services().destructions.get(page_user(), batch_id)))


@bp.get("/<batch_id>/certificate.pdf")
def certificate(batch_id: str):
    """The certificate (销毁证明) of an executed batch."""
    return certificate_response(batch_id, page_user())


def _register_entries() -> list[dict]:
    require_reader(page_user())
    return services().destruction_register.page(1, 0)[1]


@bp.get("/register")
def register():
    """The destruction register (销毁登记簿): every executed batch, never deleted, chained by hashes."""
    require_reader(page_user())
    page, per_page = paging(50)
    total, entries = services().destruction_register.page(page, per_page)
    verified = services().destruction_register.verify_shown(entries)  # the whole chain: register_verify
    for entry in entries:
        entry["executed"] = datetime.fromisoformat(entry["executed_at"])
    return render_template("retention/register.html", entries=entries, total=total, page=page, per_page=per_page,
                           verified=verified)


@bp.get("/register/verify")
def register_verify():
    """Check the register's whole chain of hashes (every entry, read in order)."""
    require_reader(page_user())
    return render_template("retention/register_verify.html", result=services().destruction_register.verify())


@bp.get("/register.xlsx")
def register_export():
    """The register as an Excel sheet, one row per destroyed file."""
    entries = _register_entries()
    rows = []
    for e in entries:
        paper = e["paper"]
        for f in e["files"]:
            rows.append([e["seq"], e["number"], f["archive_no"], template_label(f.get("template")),
                         f.get("destroy_after"), len(f["documents"]), sum(d["size"] or 0 for d in f["documents"]),
                         " ".join(d["sha256"] or "" for d in f["documents"]), e["reason"], e["proposed_by"],
                         e["proposed_at"], e["approved_by"], e["approved_at"], paper["method"], paper["place"],
                         joined(paper["witnesses"]), e["executed_by"], e["executed_at"], e["hash"]])
    data = exports.workbook(_("销毁登记簿"), headers(REGISTER_HEADERS), rows, zone=services().settings.timezone)
    services().audit.record(page_user().username, "destruction.register_exported", "destruction_register",
                            {"entries": len(entries)})
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=destruction-register.xlsx"})
