"""The intake review (归档审核) and periodic verification (定期核对) parts of the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service import access
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.forms import paging

bp = Blueprint("intake_api", __name__)  # registered under the API prefix (service.web.api)

FILTERS = ("status", "submitter", "file_id", "archive_no", "since", "until")


def submission_json(doc: dict, with_detail: bool = False) -> dict:
    """A submission as the API shows it (with what it lacks and its history when asked)."""
    body = {"id": str(doc["_id"]), "file_id": doc["file_id"], "archive_no": doc.get("archive_no"),
            "file_name": doc.get("file_name"), "submitter": doc["submitter"],
            "submitter_name": doc.get("submitter_name", ""), "version": doc["version"], "status": doc["status"],
            "first_submitted_at": iso(doc.get("first_submitted_at")), "submitted_at": iso(doc.get("submitted_at")),
            "documents": doc.get("documents", []), "paper_items": doc.get("paper_items", []),
            "salesperson": doc.get("salesperson", ""), "customer_name": doc.get("customer_name", ""),
            "customer_no": doc.get("customer_no", ""), "note": doc.get("note", ""),
            "returned_items": doc.get("returned_items", []) if doc["status"] == "returned" else [],
            "reviewed_by": doc.get("reviewed_by"), "reviewed_at": iso(doc.get("reviewed_at")),
            "turnaround_hours": doc.get("turnaround_hours"), "total_hours": doc.get("total_hours"),
            "catalogue": doc.get("catalogue")}
    if with_detail:
        body["missing"] = services().intake.missing(doc)
        body["history"] = [{"version": v["version"], "at": iso(v["at"]), "by": v["by"],
                            "documents": v.get("documents", []), "paper_items": v.get("paper_items", []),
                            "review": None if not v.get("review") else {
                                "outcome": v["review"]["outcome"], "by": v["review"]["by"],
                                "at": iso(v["review"]["at"]), "items": v["review"].get("items", [])}}
                           for v in services().intake.history(doc["_id"])]
    return body


def _detail(doc: dict):
    return jsonify(submission_json(doc, with_detail=True))


@bp.post("/submissions")
@api_auth
def create_submission():
    """Submit a file's materials for archiving (staff, archivist)."""
    doc = services().intake.submit(api_user(), json_body())
    return jsonify(submission_json(doc, with_detail=True)), 201


@bp.get("/submissions")
@api_auth
def list_submissions():
    """Submissions: one's own, or (archivists, register readers) all, filtered and paged."""
    page, per_page = paging()
    filters = {key: request.args.get(key, "") for key in FILTERS}
    filters["mine"] = request.args.get("mine") == "1"
    total, docs = services().intake.list(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [submission_json(d) for d in docs]})


@bp.get("/submissions/<submission_id>")
@api_auth
def get_submission(submission_id: str):
    """One submission with what it lacks and its history."""
    return _detail(services().intake.get(api_user(), submission_id))


@bp.post("/submissions/<submission_id>/accept")
@api_auth
def accept_submission(submission_id: str):
    """Accept and catalogue the file (archivist); 409 if decided already."""
    return _detail(services().intake_review.accept(api_user(), submission_id, json_body()))


@bp.post("/submissions/<submission_id>/return")
@api_auth
def return_submission(submission_id: str):
    """Return with a reason per item (archivist); 409 if decided already."""
    return _detail(services().intake_review.return_(api_user(), submission_id, json_body()))


@bp.post("/submissions/<submission_id>/resubmit")
@api_auth
def resubmit_submission(submission_id: str):
    """A new version of a returned submission (its submitter); 409 if stale."""
    return _detail(services().intake.resubmit(api_user(), submission_id, json_body()))


def task_json(doc: dict) -> dict:
    """A verification task as the API shows it."""
    return {"id": doc["_id"], "file_id": doc["file_id"], "archive_no": doc.get("archive_no"),
            "file_name": doc.get("file_name"), "owner": doc.get("owner"), "stage": doc.get("stage"),
            "cycle": doc["cycle"], "period": doc["period"], "due_date": doc["due_date"], "status": doc["status"],
            "done_by": doc.get("done_by"), "done_at": iso(doc.get("done_at")),
            "file_version": doc.get("file_version")}


@bp.get("/verification/tasks")
@api_auth
def my_tasks():
    """The caller's verification tasks (made first if due); status=open by default, as_of=YYYY-MM-DD."""
    page, per_page = paging()
    total, docs = services().verification.mine(api_user(), request.args.get("status", "open"),
                                               request.args.get("as_of", ""), page, per_page)
    return jsonify({"total": total, "items": [task_json(d) for d in docs]})


@bp.get("/verification/overdue")
@api_auth
def overdue_tasks():
    """Open tasks past their due date (archivist, admin, auditor)."""
    page, per_page = paging()
    total, docs = services().verification.overdue(api_user(), request.args.get("as_of", ""), page, per_page)
    return jsonify({"total": total, "items": [task_json(d) for d in docs]})


@bp.post("/verification/tasks/<task_id>/confirm")
@api_auth
def confirm_task(task_id: str):
    """The contact details are still right."""
    return jsonify(task_json(services().verification.confirm(api_user(), task_id)))


@bp.post("/verification/tasks/<task_id>/changes")
@api_auth
def record_task_changes(task_id: str):
    """Record changed details: {version, changes: {fields: {...}}} edits the file (412 if stale)."""
    body = json_body()
    return jsonify(task_json(services().verification.record_changes(api_user(), task_id, body.get("version"),
                                                                     body.get("changes"))))


@bp.get("/verification/rules")
@api_auth
def list_rules():
    """The review cycles (admin)."""
    access.require(api_user(), "verification.manage")
    return jsonify({"items": [{"stage": r["stage"], "cycle": r["cycle"], "by": r["by"], "at": iso(r["at"])}
                              for r in services().verification.rules()]})


@bp.put("/verification/rules")
@api_auth
def set_rule():
    """Set the cycle of a stage, or "*" for the others (admin); 400 for a bad value."""
    rule = services().verification.set_rule(api_user(), json_body())
    return jsonify({**rule, "at": iso(rule["at"])})


@bp.delete("/verification/rules/<stage>")
@api_auth
def delete_rule(stage: str):
    """Remove the cycle of a stage (admin)."""
    services().verification.delete_rule(api_user(), stage)
    return "", 204
