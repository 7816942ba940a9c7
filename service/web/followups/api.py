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
from service.web.forms import json_body
from service.web.forms import paging

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
def list_contacts(file_id: str):
    """A file's contact records, newest first (404 for a file the caller may not see)."""
    page, per_page = paging()
    total, docs = services().followups.contacts_of(api_user(), file_id, page, per_page)
    return jsonify({"total": total, "items": [contact_json(d) for d in docs]})


@bp.post("/files/<file_id>/contacts")
@api_auth
def record_contact(file_id: str):
    """Record a contact (closing `followup_id` if given, raising `complaint` if given)."""
    doc = services().followups.record(api_user(), file_id, json_body())
    return jsonify(contact_json(doc)), 201


@bp.get("/complaints")
@api_auth
def list_complaints():
    """Complaints of visible files by department, status (open/closed/late), category, month, project."""
    page, per_page = paging()
    filters = {k: request.args.get(k, "") for k in ("department", "status", "as_of", "category", "month",
                                                   "project", "file_id")}
    total, docs = services().complaints.list(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [complaint_json(d) for d in docs]})


@bp.post("/complaints/<complaint_id>/close")
@api_auth
def close_complaint(complaint_id: str):
    """Close a complaint with its resolution (the responsible department); 409 if closed already."""
    doc = services().complaints.close(api_user(), complaint_id, json_body().get("resolution"))
    return jsonify(complaint_json(doc))


@bp.get("/followups")
@api_auth
def list_followups():
    """Due follow-ups: the caller's own by default, a team's or a person's for managers."""
    page, per_page = paging()
    filters = {k: request.args.get(k, "") for k in ("bucket", "as_of", "assignee", "team", "file_id")}
    total, docs = services().followups.due(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [followup_json(d) for d in docs]})


@bp.get("/followups/report")
@api_auth
def followup_report():
    """Satisfaction and complaints per project for a month."""
    return jsonify(services().followup_report.build(api_user(), request.args.get("month", ""),
                                                    request.args.get("project", "")))


@bp.get("/followups/rules")
@api_auth
def get_rules():
    """The schedule rules in force (admin)."""
    access.require(api_user(), "followup.manage")
    return jsonify(services().followups.rules())


@bp.put("/followups/rules")
@api_auth
def put_rules():
    """Replace the schedule rules (admin); 400 naming each bad part."""
    return jsonify(services().followups.save_rules(api_user(), json_body()))
