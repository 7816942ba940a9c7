"""Retention policies, holds and the due list in the JSON API (destructions: api_retention_destructions)."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Page
from service.web.openapi import consumes
from service.web.openapi import operation
from service.web.retention import models

bp = Blueprint("retention_api", __name__)  # registered under the API prefix (service.web.api)


def policy_json(doc: dict) -> dict:
    """A retention policy as the API shows it."""
    return {"id": str(doc["_id"]), "name": doc["name"], "match": doc.get("match") or {}, "trigger": doc["trigger"],
            "years": doc.get("years"), "active": doc.get("active", False), "created_by": doc.get("created_by"),
            "created_at": iso(doc.get("created_at")), "retired_at": iso(doc.get("retired_at"))}


def hold_json(doc: dict) -> dict:
    """A hold as the API shows it."""
    return {"id": str(doc["_id"]), "file_id": doc["file_id"], "archive_no": doc.get("archive_no"),
            "reason": doc["reason"], "note": doc.get("note", ""), "status": doc["status"],
            "placed_by": doc["placed_by"], "placed_at": iso(doc.get("placed_at")),
            "lifted_by": doc.get("lifted_by"), "lifted_at": iso(doc.get("lifted_at")),
            "lift_reason": doc.get("lift_reason")}


def state_json(state: dict) -> dict:
    """A file's computed retention as the API shows it."""
    return {"kind": state.get("kind", "none"), "policy_id": state.get("policy_id"),
            "policy_name": state.get("policy_name"), "trigger": state.get("trigger"), "years": state.get("years"),
            "trigger_date": state.get("trigger_date"), "destroy_after": state.get("destroy_after"),
            "lock_until": iso(state.get("lock_until")), "legal_hold": bool(state.get("legal_hold"))}


def due_json(state: dict, shown: dict[str, dict]) -> dict:
    """One row of the due list; the name only to those who may see the file."""
    file_doc = shown.get(state["_id"])
    return {"file_id": state["_id"], "archive_no": state["archive_no"], "name": file_doc["name"] if file_doc else None,
            "template": file_doc.get("template") if file_doc else None, "policy_id": state.get("policy_id"),
            "policy_name": state.get("policy_name"), "trigger": state.get("trigger"),
            "trigger_date": state.get("trigger_date"), "destroy_after": state.get("destroy_after")}


@bp.post("/retention/policies")
@api_auth
@operation(json=models.RetentionPolicyRequest, answer=models.RetentionPolicy, status=201,
           errors=(400, 401, 403, 422), tags=("retention",))
def create_policy():
    """Define a retention policy (admin); every file's dates are computed again."""
    doc = services().retention.create_policy(api_user(), json_body())
    return jsonify(policy_json(doc)), 201


@bp.get("/retention/policies")
@api_auth
@operation(query=models.RetentionPolicyFilters, answer=Page[models.RetentionPolicy], errors=(400, 401, 403),
           tags=("retention",))
def list_policies():
    """The policies in use (all=1: retired ones too)."""
    docs = services().retention.policies(api_user(), include_retired=request.args.get("all") == "1")
    return jsonify({"total": len(docs), "items": [policy_json(d) for d in docs]})


@bp.get("/retention/policies/<policy_id>")
@api_auth
@operation(answer=models.RetentionPolicy, errors=(401, 403, 404), tags=("retention",))
def get_policy(policy_id: str):
    """One policy."""
    return jsonify(policy_json(services().retention.policy(api_user(), policy_id)))


@bp.delete("/retention/policies/<policy_id>")
@api_auth
@operation(answer=models.RetentionPolicy, errors=(401, 403, 404), tags=("retention",))
def retire_policy(policy_id: str):
    """Retire a policy (admin); it stays on record.

    The files it governed have their dates computed again."""
    return jsonify(policy_json(services().retention.retire_policy(api_user(), policy_id)))


@bp.get("/retention/due")
@api_auth
@operation(query=models.RetentionDueFilters, answer=Page[models.RetentionDueFile], errors=(400, 401, 403),
           tags=("retention",))
def due_list():
    """Files whose retention has run out by as_of (default today) and that no hold keeps."""
    retention = services().retention
    page, per_page = paging()
    total, chosen = retention.due(api_user(), retention.parse_as_of(request.args.get("as_of")), page, per_page)
    shown = retention.names(api_user(), [s["_id"] for s in chosen])
    return jsonify({"total": total, "items": [due_json(s, shown) for s in chosen]})


@bp.get("/files/<file_id>/retention")
@api_auth
@operation(answer=models.FileRetention, errors=(401, 404), tags=("retention",))
def file_retention(file_id: str):
    """A file's policy, trigger date, destroy-after date, lock and holds."""
    view = services().retention.of_file(api_user(), file_id)
    return jsonify({"file_id": str(view["file"]["_id"]), "archive_no": view["file"]["archive_no"],
                    **state_json(view["state"]), "due": view["due"],
                    "holds": [hold_json(h) for h in view["holds"]]})


@bp.post("/files/<file_id>/holds")
@api_auth
@operation(json=models.HoldRequest, answer=models.Hold, status=201, errors=(400, 401, 403, 404, 410, 422),
           tags=("retention",))
def place_hold(file_id: str):
    """Put a hold on a file (archivist, auditor, admin).

    The reason is a dispute, an audit or litigation, with a note; 410 for a destroyed file."""
    body = json_body()
    doc = services().holds.place(api_user(), file_id, body.get("reason"), body.get("note"))
    return jsonify(hold_json(doc)), 201


@bp.get("/files/<file_id>/holds")
@api_auth
@operation(answer=Page[models.Hold], errors=(401, 404), tags=("retention",))
def file_holds(file_id: str):
    """Every hold of a file, newest first."""
    docs = services().holds.of_file(api_user(), file_id)
    return jsonify({"total": len(docs), "items": [hold_json(d) for d in docs]})


@bp.delete("/files/<file_id>/holds/<hold_id>")
@api_auth
@operation(query=models.HoldLiftQuery, answer=models.Hold, errors=(401, 403, 404, 409, 422), tags=("retention",))
@consumes("application/json", models.HoldLift)  # optional, and a DELETE's body is the view's to read
def lift_hold(file_id: str, hold_id: str):
    """Lift a hold with a reason (JSON body {reason} or ?reason=).

    Without a JSON object as the body, the reason is read from the query; 409 if it was lifted already."""
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else request.args.get("reason")
    return jsonify(hold_json(services().holds.lift(api_user(), file_id, hold_id, reason)))


@bp.get("/retention/holds")
@api_auth
@operation(query=models.HoldFilters, answer=Page[models.Hold], errors=(400, 401, 403), tags=("retention",))
def list_holds():
    """Holds of every file (status=active by default, lifted, or empty for all)."""
    page, per_page = paging()
    total, docs = services().holds.page(api_user(), request.args.get("status", "active"), page, per_page)
    return jsonify({"total": total, "items": [hold_json(d) for d in docs]})

