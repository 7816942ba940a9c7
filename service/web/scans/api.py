"""Scan imports and the inbox in the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service.errors import Malformed
from service.messages import N_
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.documents.api import document_json
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import consumes
from service.web.openapi import operation
from service.web.scans import models
from service.web.scans.json_views import import_json
from service.web.scans.json_views import inbox_json

bp = Blueprint("scans_api", __name__)  # registered under the API prefix (service.web.api)


@bp.post("/scan-imports")
@api_auth
@operation(answer=models.ScanImport, status=202, errors=(400, 401, 403, 413, 415, 503), tags=("scans",),
           described="stored; import queued")
@consumes("multipart/form-data", schema=models.ZIP_UPLOAD)
def start_scan_import():
    """Upload a zip of scanner output (archivists).

    The multipart part 'file' holds the zip. The worker files its inputs by the archive numbers in their names
    and by separator sheets; the rest goes to the inbox.
    """
    upload = request.files.get("file")
    if upload is None:
        raise Malformed(N_("请以 multipart 的 file 部分上传 ZIP 压缩包"), {"file": "required"})
    doc = services().scan_imports.upload(api_user(), upload.stream, upload.filename or "")
    return jsonify(import_json(doc, with_summary=False)), 202


@bp.get("/scan-imports/<import_id>")
@api_auth
@operation(answer=models.ScanImport, errors=(401, 403, 404), tags=("scans",))
def scan_import(import_id: str):
    """An import's progress (inputs done / total) and, once done, its summary."""
    return jsonify(import_json(services().scan_imports.get(api_user(), import_id)))


@bp.get("/scan-inbox")
@api_auth
@operation(query=models.ScanInboxFilters, answer=models.ScanInboxPage, errors=(400, 401, 403, 422),
           tags=("scans",))
def scan_inbox():
    """Scanned pages that belong to no file yet (archivists).

    Inbox items in one state (open by default; 422 for a state that is none of open, assigned and discarded),
    in the order they were scanned.
    """
    page, per_page = paging()
    total, items = services().scan_inbox.page(api_user(), request.args.get("state", "open"), page, per_page)
    return jsonify({"total": total, "page": page, "per_page": per_page, "items": [inbox_json(d) for d in items]})


@bp.post("/scan-inbox/<item_id>/assign")
@api_auth
@operation(json=models.ScanInboxAssignment, answer=models.ScanInboxAssigned,
           errors=(400, 401, 403, 404, 409, 410, 413, 415, 422, 503), tags=("scans",), described="assigned")
def assign_inbox_item(item_id: str):
    """Make an inbox item a document of a file.

    The file by file_id or by archive_no; the pages go through the ordinary upload.
    """
    body = json_body()
    inbox = services().scan_inbox
    file_id = inbox.file_id(api_user(), body.get("file_id"), body.get("archive_no"))
    item, document = inbox.assign(api_user(), item_id, file_id, body.get("doc_type"), body.get("title"))
    return jsonify({"item": inbox_json(item), "document": document_json(document)})


@bp.post("/scan-inbox/<item_id>/discard")
@api_auth
@operation(json=models.ScanInboxDiscard, answer=models.ScanInboxItem, errors=(400, 401, 403, 404, 409, 422),
           tags=("scans",), described="discarded")
def discard_inbox_item(item_id: str):
    """Discard an inbox item with a reason (audited); its bytes are removed."""
    item = services().scan_inbox.discard(api_user(), item_id, json_body().get("reason"))
    return jsonify(inbox_json(item))
