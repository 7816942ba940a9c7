"""The external-sharing part of the JSON API: partners and their NDAs, authorizations, share requests."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service.errors import Malformed
from service.messages import N_
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Page
from service.web.openapi import consumes
from service.web.openapi import operation
from service.web.sharing import models

bp = Blueprint("sharing_api", __name__)  # registered under the API prefix (service.web.api)


def partner_json(doc: dict) -> dict:
    """A partner with its NDAs (the newest last)."""
    return {"id": str(doc["_id"]), "name": doc["name"], "kind": doc["kind"], "contact": doc.get("contact", ""),
            "ndas": [nda_json(n) for n in doc.get("ndas") or []]}


def nda_json(nda: dict) -> dict:
    """One NDA on file."""
    return {"number": nda["number"], "filename": nda.get("filename", ""), "sha256": nda["sha256"], "size": nda["size"],
            "media_type": nda["media_type"], "valid_from": nda["valid_from"], "valid_to": nda["valid_to"],
            "uploaded_by": nda["uploaded_by"], "uploaded_at": iso(nda.get("uploaded_at"))}


def share_json(doc: dict) -> dict:
    """A share as the API shows it (never its token)."""
    return {"id": str(doc["_id"]), "file_id": doc["file_id"], "archive_no": doc["archive_no"],
            "partner_id": doc["partner_id"], "partner_name": doc["partner_name"], "purpose": doc["purpose"],
            "fields": doc["fields"], "documents": doc["documents"], "expires_on": doc["expires_on"],
            "show_numbers": bool(doc.get("show_numbers")), "numbers_purpose": doc.get("numbers_purpose") or "",
            "status": doc["status"], "requester": doc["requester"], "requested_at": iso(doc.get("requested_at")),
            "approved_by": doc.get("approved_by"), "approved_at": iso(doc.get("approved_at")),
            "expires_at": iso(doc.get("expires_at")), "rejected_by": doc.get("rejected_by"),
            "reason": doc.get("reason"), "revoked_by": doc.get("revoked_by"), "revoked_at": iso(doc.get("revoked_at"))}


def link_of(token: str) -> str:
    """The absolute address of a share link."""
    return request.host_url.rstrip("/") + "/share/" + token


@bp.post("/partners")
@api_auth
@operation(json=models.PartnerBody, answer=models.Partner, status=201, errors=(400, 401, 403, 422), tags=("sharing",))
def create_partner():
    """Add a partner to the register (archivist, admin)."""
    return jsonify(partner_json(services().partners.create(api_user(), json_body()))), 201


@bp.get("/partners")
@api_auth
@operation(query=models.PartnerFilters, answer=Page[models.Partner], errors=(400, 401, 403), tags=("sharing",))
def list_partners():
    """The partner register, by name (archivist, admin, and those who may ask for a share)."""
    page, per_page = paging()
    total, rows = services().partners.list(api_user(), page, per_page, request.args.get("kind", ""))
    return jsonify({"total": total, "items": [partner_json(d) for d in rows]})


@bp.get("/partners/<partner_id>")
@api_auth
@operation(answer=models.Partner, errors=(401, 404), tags=("sharing",))
def get_partner(partner_id: str):
    """One partner."""
    return jsonify(partner_json(services().partners.get(api_user(), partner_id)))


@bp.patch("/partners/<partner_id>")
@api_auth
@operation(json=models.PartnerBody, answer=models.Partner, errors=(400, 401, 403, 404, 422), tags=("sharing",))
def update_partner(partner_id: str):
    """Change a partner's name, kind or contact."""
    return jsonify(partner_json(services().partners.update(api_user(), partner_id, json_body())))


@bp.post("/partners/<partner_id>/ndas")
@api_auth
@operation(answer=models.Nda, status=201, errors=(400, 401, 403, 404, 422), tags=("sharing",))
@consumes("multipart/form-data", schema=models.NDA_UPLOAD)
def upload_nda(partner_id: str):
    """Upload a signed NDA with its validity (multipart: file, valid_from, valid_to)."""
    upload = request.files.get("file")
    if upload is None:
        raise Malformed(N_("请以 multipart 的 file 部分上传保密协议"), {"file": "required"})
    nda = services().partners.upload_nda(api_user(), partner_id, upload.read(), upload.filename or "",
                                         request.form.get("valid_from"), request.form.get("valid_to"))
    return jsonify(nda_json(nda)), 201


@bp.put("/documents/<document_id>/authorization")
@api_auth
@operation(json=models.AuthorizationBody, answer=models.Authorization, errors=(400, 401, 403, 404, 409, 422),
           tags=("sharing",))
def record_authorization(document_id: str):
    """Record the partners, purposes and validity an authorization document covers."""
    record = services().shares.record_authorization(api_user(), document_id, json_body())
    return jsonify({k: record[k] for k in ("document_id", "file_id", "partners", "purposes", "valid_from",
                                           "valid_to")})


@bp.post("/shares")
@api_auth
@operation(json=models.ShareRequest, answer=models.Share, status=201, errors=(400, 401, 403, 404, 409, 422),
           tags=("sharing",))
def request_share():
    """Ask to share fields and documents of a file with a partner.

    409 naming the missing authorization, NDA or restriction in error.fields."""
    return jsonify(share_json(services().shares.request(api_user(), json_body()))), 201


@bp.get("/shares")
@api_auth
@operation(query=models.ShareFilters, answer=Page[models.Share], errors=(400, 401), tags=("sharing",))
def list_shares():
    """Shares the caller may see (status, file_id, partner_id)."""
    page, per_page = paging()
    filters = {k: request.args.get(k, "") for k in ("status", "file_id", "partner_id")}
    total, rows = services().shares.list(api_user(), filters, page, per_page)
    return jsonify({"total": total, "items": [share_json(d) for d in rows]})


@bp.get("/shares/<share_id>")
@api_auth
@operation(answer=models.Share, errors=(401, 404), tags=("sharing",))
def get_share(share_id: str):
    """One share."""
    return jsonify(share_json(services().shares.get(api_user(), share_id)))


@bp.post("/shares/<share_id>/approve")
@api_auth
@operation(answer=models.ShareWithLink, errors=(401, 403, 404, 409), tags=("sharing",))
def approve_share(share_id: str):
    """The executive approves (never their own request); the answer carries the link once."""
    doc, token = services().shares.approve(api_user(), share_id)
    return jsonify({**share_json(doc), "link": link_of(token), "token": token})


@bp.post("/shares/<share_id>/reject")
@api_auth
@operation(json=models.ShareRejection, answer=models.Share, errors=(400, 401, 403, 404, 409, 422), tags=("sharing",))
def reject_share(share_id: str):
    """The executive refuses with a reason."""
    return jsonify(share_json(services().shares.reject(api_user(), share_id, json_body().get("reason"))))


@bp.post("/shares/<share_id>/revoke")
@api_auth
@operation(answer=models.Share, errors=(401, 403, 404, 409), tags=("sharing",))
def revoke_share(share_id: str):
    """End a share at once (archivist, executive, requester); its link answers 410."""
    return jsonify(share_json(services().shares.revoke(api_user(), share_id)))


@bp.post("/shares/<share_id>/link")
@api_auth
@operation(answer=models.ShareWithLink, errors=(401, 403, 404, 409), tags=("sharing",))
def reissue_link(share_id: str):
    """A fresh link for an approved share; the previous one stops working."""
    doc, token = services().shares.reissue(api_user(), share_id)
    return jsonify({**share_json(doc), "link": link_of(token), "token": token})
