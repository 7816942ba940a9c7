"""The follow-ups (回访) part of the JSON API: contact records, complaints, due follow-ups, the report."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service import access
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.followups import models
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Page
from service.web.openapi import Paging
from service.web.openapi import operation

bp = Blueprint("followups_api", __name__)  # registered under the API prefix (service.web.api)

CONTACT_KEYS = ("file_id", "archive_no", "date", "person", "channel", "purpose", "content", "feedback",
                "satisfaction", "next_step", "followup_id", "complaint_id", "recorded_by", "project")
COMPLAINT_KEYS = ("file_id", "archive_no", "contact_id", "category", "description", "department", "promised",
                  "raised", "month", "status", "recorded_by", "closed_on", "closed_by", "resolution", "on_time",
                  "project")
FOLLOWUP_KEYS = ("file_id", "archive_no", "file_name", "kind", "rule", "purpose", "due", "assignee", "team",
                 "status", "done_on", "done_by", "contact_id", "on_time", "project")


def contact_json(doc: dict) -> dict:
    """A contact record as the API shows it."""
    return {"id": str(doc["_id"]), **{k: doc.get(k) for k in CONTACT_KEYS}, "created_at": iso(doc.get("created_at"))}


def complaint_json(doc: dict) -> dict:
    """A complaint as the API shows it (`late`: open after the promised day, as of the query's day)."""
    return {"id": str(doc["_id"]), **{k: doc.get(k) for k in COMPLAINT_KEYS}, "late": bool(doc.get("late"))}


def followup_json(doc: dict) -> dict:
    """A due follow-up as the API shows it."""
    return {"id": doc["_id"], **{k: doc.get(k) for k in FOLLOWUP_KEYS}}


@bp.get("/files/<file_id>/contacts")
@api_auth
@operation(query=Paging, answer=Page[models.ContactRecord], errors=(400, 401, 404), tags=("followups",))
def list_contacts(file_id: str):
    """A file's contact records, newest first (404 for a file the caller may not see; audited)."""
    page, per_page = paging()
    total, docs = services().followups.contacts_of(api_user(), file_id, page, per_page)
    return jsonify({"total": total, "items": [contact_json(d) for d in docs]})


@bp.post("/files/<file_id>/contacts")
@api_auth
@operation(json=models.ContactRecordBody, answer=models.ContactRecord, status=201,
           errors=(400, 401, 403, 404, 409, 422), tags=("followups",))
def record_contact(file_id: str):
    """Record a contact (staff, archivist, approver, executive); closes `followup_id`, raises `complaint`.

    A bad value is 400 naming it, and nothing is stored; a missing required field or a value of the wrong JSON
    type where the service does not check it is 422."""
    doc = services().followups.record(api_user(), file_id, json_body())
    return jsonify(contact_json(doc)), 201


@bp.get("/complaints")
@api_auth
@operation(query=models.ComplaintFilters, answer=Page[models.Complaint], errors=(400, 401), tags=("followups",))
def list_complaints():
    """Complaints of files the caller may see.

    By department, status (open/closed/late), category, month, project or file."""
    page, per_page = paging()
    filters = {k: request.args.get(k, "") for k in ("department", "status", "as_of", "category", "month",
                                                   "project", "file_id")}
    total, docs = services().complaints.list(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [complaint_json(d) for d in docs]})


@bp.post("/complaints/<complaint_id>/close")
@api_auth
@operation(json=models.ComplaintClosing, answer=models.Complaint, errors=(400, 401, 403, 404, 409, 422),
           tags=("followups",))
def close_complaint(complaint_id: str):
    """Close with the resolution (the responsible department, the recorder or the executive).

    409 if it is closed already; 400 for a blank or too long resolution."""
    doc = services().complaints.close(api_user(), complaint_id, json_body().get("resolution"))
    return jsonify(complaint_json(doc))


@bp.get("/followups")
@api_auth
@operation(query=models.FollowupFilters, answer=Page[models.DueFollowup], errors=(400, 401, 403),
           tags=("followups",))
def list_followups():
    """Due follow-ups: the caller's own (and their department's pool) by default.

    A team's or a person's for approvers (own department), the executive and admins."""
    page, per_page = paging()
    filters = {k: request.args.get(k, "") for k in ("bucket", "as_of", "assignee", "team", "file_id")}
    total, docs = services().followups.due(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [followup_json(d) for d in docs]})


@bp.get("/followups/report")
@api_auth
@operation(query=models.ReportFilters, answer=models.FollowupReport, errors=(400, 401, 403), tags=("followups",))
def followup_report():
    """Satisfaction and complaints per project for a month (approver, executive, admin, auditor)."""
    return jsonify(services().followup_report.build(api_user(), request.args.get("month", ""),
                                                    request.args.get("project", "")))


@bp.get("/followups/rules")
@api_auth
@operation(answer=models.FollowupRules, errors=(401, 403), tags=("followups",))
def get_rules():
    """The schedule rules in force (admin)."""
    access.require(api_user(), "followup.manage")
    return jsonify(services().followups.rules())


@bp.put("/followups/rules")
@api_auth
@operation(json=models.FollowupRulesChange, answer=models.FollowupRules, errors=(400, 401, 403),
           tags=("followups",))
def put_rules():
    """Replace the schedule rules (admin); they apply to files written afterwards.

    400 naming each bad part; nothing is stored then."""
    return jsonify(services().followups.save_rules(api_user(), json_body()))
