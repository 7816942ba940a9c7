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
from service.web.intake import models
from service.web.openapi import Page
from service.web.openapi import operation

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
@operation(json=models.SubmissionRequest, answer=models.Submission, status=201,
           errors=(400, 401, 403, 404, 409, 422), tags=("intake",))
def create_submission():
    """Submit a file's materials for archiving (staff, archivist).

    The answer is the submission with what it lacks; 409 naming the open submission if the file has one."""
    doc = services().intake.submit(api_user(), json_body())
    return jsonify(submission_json(doc, with_detail=True)), 201


@bp.get("/submissions")
@api_auth
@operation(query=models.SubmissionFilters, answer=Page[models.Submission], errors=(400, 401, 403), tags=("intake",))
def list_submissions():
    """Submissions: one's own (staff); all (archivists, register readers).

    Filtered and paged; without missing and history."""
    page, per_page = paging()
    filters = {key: request.args.get(key, "") for key in FILTERS}
    filters["mine"] = request.args.get("mine") == "1"
    total, docs = services().intake.list(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [submission_json(d) for d in docs]})


@bp.get("/submissions/<submission_id>")
@api_auth
@operation(answer=models.Submission, errors=(401, 403, 404), tags=("intake",))
def get_submission(submission_id: str):
    """One submission with what it lacks and its history."""
    return _detail(services().intake.get(api_user(), submission_id))


@bp.post("/submissions/<submission_id>/accept")
@api_auth
@operation(json=models.SubmissionAcceptance, answer=models.Submission, errors=(400, 401, 403, 404, 409, 422),
           tags=("intake",))
def accept_submission(submission_id: str):
    """Accept and catalogue the file (archivist); 409 if decided already.

    The file gets its archive number if it has none, its folder place and a contents list (目录)."""
    return _detail(services().intake_review.accept(api_user(), submission_id, json_body()))


@bp.post("/submissions/<submission_id>/return")
@api_auth
@operation(json=models.SubmissionReturn, answer=models.Submission, errors=(400, 401, 403, 404, 409, 422),
           tags=("intake",))
def return_submission(submission_id: str):
    """Return with a reason per item (archivist); 409 if decided already."""
    return _detail(services().intake_review.return_(api_user(), submission_id, json_body()))


@bp.post("/submissions/<submission_id>/resubmit")
@api_auth
@operation(json=models.Resubmission, answer=models.Submission, errors=(400, 401, 403, 404, 409, 422), tags=("intake",))
def resubmit_submission(submission_id: str):
    """A new version of a returned submission (its submitter); 409 if stale or not returned."""
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
@operation(query=models.VerificationTaskFilters, answer=Page[models.VerificationTask], errors=(400, 401, 403),
           tags=("verification",))
def my_tasks():
    """The caller's verification tasks, made first if a period began.

    status=open by default; as_of=YYYY-MM-DD counts from another day than today."""
    page, per_page = paging()
    total, docs = services().verification.mine(api_user(), request.args.get("status", "open"),
                                               request.args.get("as_of", ""), page, per_page)
    return jsonify({"total": total, "items": [task_json(d) for d in docs]})


@bp.get("/verification/overdue")
@api_auth
@operation(query=models.VerificationOverdueFilters, answer=Page[models.VerificationTask], errors=(400, 401, 403),
           tags=("verification",))
def overdue_tasks():
    """Open tasks past their due date (archivist, admin, auditor)."""
    page, per_page = paging()
    total, docs = services().verification.overdue(api_user(), request.args.get("as_of", ""), page, per_page)
    return jsonify({"total": total, "items": [task_json(d) for d in docs]})


@bp.post("/verification/tasks/<task_id>/confirm")
@api_auth
@operation(answer=models.VerificationTask, errors=(401, 403, 404, 409), tags=("verification",))
def confirm_task(task_id: str):
    """The contact details are still right; 409 if closed already."""
    return jsonify(task_json(services().verification.confirm(api_user(), task_id)))


@bp.post("/verification/tasks/<task_id>/changes")
@api_auth
@operation(json=models.VerificationTaskChanges, answer=models.VerificationTask,
           errors=(400, 401, 403, 404, 409, 410, 412, 422), tags=("verification",))
def record_task_changes(task_id: str):
    """Record changed details: edits the file (412 if the version is stale) and closes the task.

    The body is {version, changes: {fields: {...}}}."""
    body = json_body()
    return jsonify(task_json(services().verification.record_changes(api_user(), task_id, body.get("version"),
                                                                     body.get("changes"))))


@bp.get("/verification/rules")
@api_auth
@operation(answer=models.VerificationRules, errors=(401, 403), tags=("verification",))
def list_rules():
    """The review cycles (admin)."""
    access.require(api_user(), "verification.manage")
    return jsonify({"items": [{"stage": r["stage"], "cycle": r["cycle"], "by": r["by"], "at": iso(r["at"])}
                              for r in services().verification.rules()]})


@bp.put("/verification/rules")
@api_auth
@operation(json=models.VerificationRuleBody, answer=models.VerificationRule, errors=(400, 401, 403),
           tags=("verification",))
def set_rule():
    """Set the cycle of a stage (admin); 400 for a bad stage or cycle.

    "*" sets the cycle of every stage without its own rule."""
    rule = services().verification.set_rule(api_user(), json_body())
    return jsonify({**rule, "at": iso(rule["at"])})


@bp.delete("/verification/rules/<stage>")
@api_auth
@operation(status=204, errors=(401, 403, 404), tags=("verification",))
def delete_rule(stage: str):
    """Remove the cycle of a stage (admin)."""
    services().verification.delete_rule(api_user(), stage)
    return "", 204
