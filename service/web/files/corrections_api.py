"""Correction requests (信息更正) in the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from service.privacy import pii
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.files import models
from service.web.forms import json_body
from service.web.openapi import Page
from service.web.openapi import operation

bp = Blueprint("files_corrections_api", __name__)  # registered under the API prefix (service.web.api)


def correction_json(record: dict) -> dict:
    """A correction request as the API shows it."""
    return {"id": str(record["_id"]), "file_id": record["file_id"],
            "changes": pii.fields_for(api_user(), record["changes"]),
            "evidence": record["evidence"], "requested_by": record["requested_by"], "at": iso(record.get("at")),
            "state": record["state"], "decided_by": record.get("decided_by"),
            "decided_at": iso(record.get("decided_at")), "reason": record.get("reason"),
            "version": record.get("version")}


@bp.post("/files/<file_id>/corrections")
@api_auth
@operation(json=models.CorrectionRequest, answer=models.Correction, status=201,
           errors=(400, 401, 403, 404, 409, 422), tags=("corrections",), described="the pending request")
def request_correction(file_id: str):
    """Record a customer's correction request with its evidence."""
    record = services().corrections.request(api_user(), file_id, json_body())
    return jsonify(correction_json(record)), 201


@bp.get("/files/<file_id>/corrections")
@api_auth
@operation(answer=Page[models.Correction], errors=(401, 404), tags=("corrections",))
def list_corrections(file_id: str):
    """A file's correction requests (信息更正), newest first."""
    records = services().corrections.for_file(api_user(), file_id)
    return jsonify({"total": len(records), "items": [correction_json(r) for r in records]})


@bp.post("/corrections/<correction_id>/apply")
@api_auth
@operation(answer=models.Correction, errors=(401, 403, 404, 409, 422), tags=("corrections",))
def apply_correction(correction_id: str):
    """Apply a pending request as a new version of its file (archivist)."""
    return jsonify(correction_json(services().corrections.apply(api_user(), correction_id)))


@bp.post("/corrections/<correction_id>/reject")
@api_auth
@operation(json=models.CorrectionRejection, answer=models.Correction, errors=(400, 401, 403, 404, 409, 422),
           tags=("corrections",))
def reject_correction(correction_id: str):
    """Reject a pending request with a reason (archivist)."""
    record = services().corrections.reject(api_user(), correction_id, json_body().get("reason"))
    return jsonify(correction_json(record))
