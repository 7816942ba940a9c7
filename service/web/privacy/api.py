"""The personal-information part of the JSON API: show in full (a number, or a page image uncovered), erasure
requests, subject access packages."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import jsonify

from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.openapi import operation
from service.web.openapi import produces
from service.web.privacy import models

bp = Blueprint("privacy_api", __name__)  # registered under the API prefix (service.web.api)


def erasure_json(doc: dict) -> dict:
    """An erasure request with its state (pending until a date, due, done)."""
    return {"file_id": doc["file_id"], "archive_no": doc["archive_no"], "requester": doc["requester"],
            "reason": doc["reason"], "recorded_by": doc["recorded_by"], "requested_at": iso(doc["requested_at"]),
            "status": doc["status"], "until": doc.get("until")}


@bp.post("/files/<file_id>/reveal")
@api_auth
@operation(json=models.RevealRequest, answer=models.Revealed, errors=(400, 401, 403, 404, 422), tags=("privacy",))
def reveal(file_id: str):
    """One ID or phone number in full for a purpose (audited); 400 without a purpose.

    The body is {"field": "id_number", "purpose"}."""
    body = json_body()
    return jsonify(services().privacy.reveal(api_user(), file_id, body.get("field"), body.get("purpose")))


@bp.post("/documents/<document_id>/pages/<int:number>/reveal")
@api_auth
@operation(json=models.PageRevealRequest, errors=(400, 401, 403, 404, 410, 422), tags=("privacy",))
@produces("image/jpeg", description="the page as JPEG, its numbers uncovered")
def reveal_page(document_id: str, number: int):
    """A page image with its ID and mobile numbers uncovered, for a purpose (audited).

    400 without a purpose, 404 for a page with no such number."""
    shown = services().privacy.reveal_page(api_user(), document_id, number, json_body().get("purpose"))
    return Response(shown["image"], mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.post("/files/<file_id>/erasure")
@api_auth
@operation(json=models.ErasureRequest, answer=models.Erasure, status=201, errors=(400, 401, 403, 404, 409, 422),
           tags=("privacy",))
def request_erasure(file_id: str):
    """Record a customer's erasure request (archivist); the file takes no new loans or shares from now."""
    body = json_body()
    services().privacy.request_erasure(api_user(), file_id, body.get("requester"), body.get("reason"))
    return jsonify(erasure_json(services().privacy.erasure(file_id))), 201


@bp.get("/files/<file_id>/erasure")
@api_auth
@operation(answer=models.ErasureOrNone, errors=(401, 404), tags=("privacy",))
def get_erasure(file_id: str):
    """A file's erasure request and its state (null if none)."""
    services().files.load(api_user(), file_id, "file.view")
    doc = services().privacy.erasure(file_id)
    return jsonify(erasure_json(doc) if doc else None)


@bp.get("/files/<file_id>/subject-access")
@api_auth
@operation(errors=(401, 403, 404), tags=("privacy",))
@produces("application/zip", description="zip")
def subject_access(file_id: str):
    """The customer's own data as a zip (archivist; audited)."""
    name, data = services().privacy.subject_access(api_user(), file_id)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
