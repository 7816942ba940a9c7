"""The public JSON API under /api/v1."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service import access
from service.accounts import User
from service.web import openapi
from service.web.accounts import models as accounts
from service.web.audit import models as audit
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.auth import sign_in
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Model
from service.web.openapi import Page
from service.web.openapi import operation

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def user_json(user: User) -> dict:
    """The public view of an account."""
    return {"id": user.id, "username": user.username, "roles": list(user.roles),
            "department": user.department, "display_name": user.display_name, "active": user.active}


def iso(value) -> str | None:
    """A datetime as ISO 8601 with its offset."""
    return value.isoformat() if value is not None else None


class OpenAPIDocument(Model):
    """An OpenAPI 3.1 document."""

    openapi: str
    info: dict
    paths: dict
    components: dict


@bp.get("/openapi.json")
@operation(answer=OpenAPIDocument, tags=("openapi",), secured=False)
def openapi_document():
    """This description.

    The OpenAPI description of what this server does, generated from the models that check each call."""
    return jsonify(openapi.document())


@bp.post("/auth/token")
@operation(json=accounts.TokenRequest, answer=accounts.TokenIssued, errors=(400, 401, 422), tags=("auth",),
           secured=False)
def issue_token():
    """Exchange username and password for a bearer token.

    Wrong credentials answer 401, the same whether the user exists or not."""
    body = json_body()
    user = sign_in(body.get("username"), body.get("password"), via="api")
    token, record = services().tokens.issue(user, str(body.get("label") or "api"))
    services().audit.record(user.username, "token.issued", f"user:{user.id}", {"via": "api"})
    return jsonify({"token": token, "expires_at": iso(record["expires_at"]),
                    "user": {"username": user.username, "roles": list(user.roles)}})


@bp.delete("/auth/token")
@api_auth
@operation(status=204, errors=(401,), tags=("auth",))
def revoke_current_token():
    """Revoke the token of this request."""
    raw = request.headers["Authorization"].partition(" ")[2].strip()
    services().tokens.revoke_raw(raw)
    services().audit.record(api_user().username, "token.revoked", f"user:{api_user().id}")
    return "", 204


@bp.get("/me")
@api_auth
@operation(answer=accounts.Account, errors=(401,), tags=("users",))
def me():
    """The token's user."""
    return jsonify(user_json(api_user()))


@bp.post("/users")
@api_auth
@operation(json=accounts.AccountCreation, answer=accounts.Account, status=201, errors=(400, 401, 403, 422),
           tags=("users",))
def create_user():
    """Create an account (admin)."""
    access.require(api_user(), "user.manage")
    body = json_body()
    user = services().users.create(body.get("username"), body.get("password"), body.get("roles"),
                                   body.get("department") or "", body.get("display_name") or "")
    services().audit.record(api_user().username, "user.created", f"user:{user.id}",
                            {"username": user.username, "roles": list(user.roles), "department": user.department})
    return jsonify(user_json(user)), 201


@bp.get("/users")
@api_auth
@operation(query=accounts.AccountFilters, answer=Page[accounts.Account], errors=(400, 401, 403), tags=("users",))
def list_users():
    """Accounts (admin), paged."""
    access.require(api_user(), "user.manage")
    page, per_page = paging()
    total, rows = services().users.list(page, per_page, request.args.get("q", ""))
    return jsonify({"total": total, "items": [user_json(u) for u in rows]})


@bp.patch("/users/<user_id>")
@api_auth
@operation(json=accounts.AccountChange, answer=accounts.Account, errors=(400, 401, 403, 404, 422), tags=("users",))
def update_user(user_id: str):
    """Change roles, department, display name or active state (admin)."""
    access.require(api_user(), "user.manage")
    body = json_body()
    before = services().users.get(user_id)
    after = services().users.update_profile(user_id, roles=body.get("roles"), department=body.get("department"),
                                            display_name=body.get("display_name"))
    if "active" in body and bool(body["active"]) != after.active:
        after = services().users.set_active(user_id, bool(body["active"]))
    services().audit.record(api_user().username, "user.updated", f"user:{user_id}",
                            {"before": user_json(before), "after": user_json(after)})
    return jsonify(user_json(after))


def audit_json(entry: dict) -> dict:
    """An audit entry as the API shows it."""
    return {"seq": entry["seq"], "at": iso(entry["at"]), "actor": entry["actor"], "action": entry["action"],
            "target": entry["target"], "details": entry.get("details") or {}, "hash": entry["hash"],
            "prev_hash": entry["prev_hash"]}


@bp.get("/audit")
@api_auth
@operation(query=audit.AuditFilters, answer=Page[audit.AuditEntry], errors=(400, 401, 403), tags=("audit",))
def audit_entries():
    """The audit trail (auditor, admin).

    Entries newest first, reads of content included, filtered by target, actor and action."""
    access.require(api_user(), "audit.read")
    page, per_page = paging(50)
    total, rows = services().audit.search(target=request.args.get("target", ""), actor=request.args.get("actor", ""),
                                          action=request.args.get("action", ""), page=page, per_page=per_page)
    return jsonify({"total": total, "items": [audit_json(e) for e in rows]})


@bp.get("/audit/verify")
@api_auth
@operation(answer=audit.AuditVerification, errors=(401, 403), tags=("audit",))
def audit_verify():
    """Verify the chain of hashes (auditor, admin)."""
    access.require(api_user(), "audit.read")
    return jsonify(services().audit.verify())
