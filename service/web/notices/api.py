"""The notices part of the JSON API: the caller's own notices, and marking one read."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import paging
from service.web.notices import models
from service.web.openapi import Paging
from service.web.openapi import operation

bp = Blueprint("notices_api", __name__)  # registered under the API prefix (service.web.api)


def notice_json(doc: dict) -> dict:
    """A notice as the API shows it."""
    return {"id": str(doc["_id"]), "kind": doc["kind"], "at": iso(doc.get("at")), "read": bool(doc.get("read")),
            "read_at": iso(doc.get("read_at")), "loan_id": doc.get("loan_id"), "loan_number": doc.get("loan_number"),
            "loan_kind": doc.get("loan_kind"), "decided_by": doc.get("decided_by"),
            "reason": doc.get("reason") or None, "due_at": iso(doc.get("due_at"))}


@bp.get("/notices")
@api_auth
@operation(query=Paging, answer=models.NoticePage, errors=(400, 401), tags=("notices",))
def list_notices():
    """The caller's notices (a loan request approved or refused), newest first.

    Paged, with how many are unread."""
    page, per_page = paging()
    total, rows = services().notices.list(api_user(), page, per_page)
    return jsonify({"total": total, "unread": services().notices.unread_count(api_user()),
                    "items": [notice_json(doc) for doc in rows]})


@bp.post("/notices/<notice_id>/read")
@api_auth
@operation(answer=models.Notice, errors=(401, 404), tags=("notices",))
def read_notice(notice_id: str):
    """Mark one of the caller's notices read (404 for anyone else's)."""
    return jsonify(notice_json(services().notices.read(api_user(), notice_id)))
