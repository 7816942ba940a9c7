"""The customer-files part of the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service.errors import Malformed
from service.messages import N_
from service.privacy import pii
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.files import models
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Page
from service.web.openapi import consumes
from service.web.openapi import operation

bp = Blueprint("files_api", __name__)  # registered under the API prefix (service.web.api)

FILTERS = ("name", "archive_no", "customer_type", "stage", "project", "status", "owner", "template")


def file_json(doc: dict) -> dict:
    """A file as the API shows it (ID and phone numbers masked unless the caller's role sees them in full)."""
    template = services().templates.get(doc["template"]) or {}
    fields = pii.fields_for(api_user(), doc.get("fields") or {}, template.get("fields"))
    return {"id": str(doc["_id"]), "archive_no": doc["archive_no"], "template": doc["template"],
            "name": doc["name"], "fields": fields, "classification": doc.get("classification") or {},
            "security": doc["security"], "department": doc.get("department", ""), "owner": doc.get("owner", ""),
            "location": doc.get("location") or {}, "status": doc["status"], "version": doc["version"],
            "created_at": iso(doc.get("created_at")), "updated_at": iso(doc.get("updated_at")),
            "closed_at": iso(doc.get("closed_at")), "merged_into": doc.get("merged_into"),
            "merged_from": doc.get("merged_from") or []}


def file_response(doc: dict, status: int = 200, **extra):
    """A file as JSON (with any extra keys), its version as the ETag (what If-Match must carry back)."""
    response = jsonify({**file_json(doc), **extra})
    response.headers["ETag"] = str(doc["version"])
    return response, status


@bp.post("/files")
@api_auth
@operation(json=models.FileCreation, answer=models.CustomerFileCreated, status=201, errors=(400, 401, 403, 422),
           tags=("files",), described="created, with `duplicates` (files the caller may see) and "
                                      "`hidden_duplicates` (how many others exist)")
def create_file():
    """Register a customer file; possible duplicates come back as a warning."""
    doc = services().files.create(api_user(), json_body())
    report = services().duplicates.for_state(api_user(), doc, exclude_id=doc["_id"])
    return file_response(doc, 201, duplicates=report["items"], hidden_duplicates=report["hidden"])


@bp.get("/files")
@api_auth
@operation(query=models.FileFilters, answer=Page[models.CustomerFile], errors=(400, 401, 403), tags=("files",))
def list_files():
    """Files the caller may see.

    Filtered, sorted and paged."""
    page, per_page = paging()
    filters = {key: request.args.get(key, "") for key in FILTERS}
    total, docs = services().files.list(api_user(), filters, page, per_page, request.args.get("sort", "archive_no"),
                                        request.args.get("order", "asc") == "desc")
    return jsonify({"total": total, "items": [file_json(d) for d in docs]})


@bp.get("/files/<file_id>")
@api_auth
@operation(answer=models.CustomerFileFound, errors=(401, 404), tags=("files",))
def get_file(file_id: str):
    """One file (audited); the id of a merged file answers the surviving file.

    `redirected_from` then names the merged id asked for."""
    doc, redirected_from = services().merging.follow(api_user(), file_id)
    extra = {"redirected_from": redirected_from} if redirected_from else {}
    return file_response(doc, **extra)


@bp.patch("/files/<file_id>")
@api_auth
@operation(headers=models.FileIfMatch, answer=models.CustomerFile, errors=(400, 401, 403, 404, 410, 412, 422),
           tags=("files",), described="the new version")
@consumes("application/merge-patch+json", schema=models.MERGE_PATCH)
@consumes("application/json", schema=models.MERGE_PATCH)
def patch_file(file_id: str):
    """JSON Merge Patch against the version in If-Match.

    A missing or stale version is refused: 400 without one, 412 when another change came first."""
    raw = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise Malformed(N_("If-Match 应为档案的版本号"), {"If-Match": "version"})
    if request.mimetype not in ("application/json", "application/merge-patch+json"):
        raise Malformed(N_("请发送 JSON Merge Patch（application/merge-patch+json）"))
    body = request.get_json(silent=True, force=True)
    return file_response(services().files.patch(api_user(), file_id, int(raw), body))


@bp.get("/files/<file_id>/history")
@api_auth
@operation(answer=Page[models.FileVersion], errors=(401, 404), tags=("files",))
def file_history(file_id: str):
    """Versions, newest first."""
    versions = services().files.history(api_user(), file_id)
    return jsonify({"total": len(versions), "items": [
        {"version": v["version"], "at": iso(v["at"]), "actor": v["actor"], "changes": v.get("changes", []),
         "note": v.get("note")}
        for v in versions]})


@bp.get("/files/<file_id>/duplicates")
@api_auth
@operation(answer=models.FileDuplicates, errors=(401, 404), tags=("files",))
def file_duplicates(file_id: str):
    """Possible duplicates: same ID number, mobile, credit code, or name pinyin in the same project.

    Those the caller may see are named; the others are only counted."""
    report = services().duplicates.for_file(api_user(), file_id)
    return jsonify({"total": len(report["items"]), "items": report["items"], "hidden": report["hidden"]})


@bp.post("/files/<file_id>/merge")
@api_auth
@operation(json=models.FileMerge, answer=models.CustomerFile, errors=(400, 401, 403, 404, 409, 422),
           tags=("files",), described="the surviving file")
def merge_file(file_id: str):
    """Merge this file into another (archivist); this one becomes a redirect."""
    body = json_body()
    survivor = services().merging.merge(api_user(), file_id, body.get("into"), body.get("reason"),
                                        body.get("version"), body.get("into_version"))
    return file_response(survivor)


@bp.post("/files/<file_id>/owner")
@api_auth
@operation(json=models.FileOwnerChange, headers=models.FileIfMatch, answer=models.CustomerFile,
           errors=(400, 401, 403, 404, 412, 422), tags=("files",), described="the new version")
def reassign_owner(file_id: str):
    """Reassign the file's owner with a reason (archivist, approver, executive)."""
    body = json_body()
    raw = (request.headers.get("If-Match") or "").strip().strip('"')
    if not raw.isdigit():
        raise Malformed(N_("If-Match 应为档案的版本号"), {"If-Match": "version"})
    doc = services().files.reassign(api_user(), file_id, int(raw), body.get("owner"), body.get("reason"),
                                    services().users)
    return file_response(doc)
