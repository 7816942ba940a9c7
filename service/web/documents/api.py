"""Scans (documents) and document types in the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request
from werkzeug.wrappers import Response as StreamedResponse

from service.errors import Malformed
from service.messages import N_
from service.privacy import pii
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.documents import models
from service.web.documents.upload_stream import streamed_form
from service.web.forms import json_body
from service.web.openapi import consumes
from service.web.openapi import operation
from service.web.openapi import produces

bp = Blueprint("documents_api", __name__)  # registered under the API prefix (service.web.api)


def document_json(doc: dict) -> dict:
    """A document as the API shows it (`search_status`: whether a search finds its read pages yet)."""
    search_status = doc.get("search_status") or services().documents.search_status(doc)
    return {"id": str(doc["_id"]), "file_id": doc["file_id"], "doc_type": doc["doc_type"], "title": doc["title"],
            "original_name": doc.get("original_name", ""), "sha256": doc["sha256"], "size": doc["size"],
            "media_type": doc["media_type"], "pages": doc.get("pages"), "ocr_status": doc["ocr_status"],
            "ocr_error": doc.get("ocr_error"), "ocr_progress": doc.get("ocr_progress"),
            "search_status": search_status, "status": doc.get("status", "active"),
            "uploaded_by": doc.get("uploaded_by"), "uploaded_at": iso(doc.get("uploaded_at"))}


@bp.post("/files/<file_id>/documents")
@api_auth
@operation(answer=models.DocumentMeta, status=201, errors=(400, 401, 403, 404, 409, 410, 413, 415, 422, 503),
           tags=("documents",), described="stored; OCR queued")
@consumes("multipart/form-data", schema=models.UPLOAD)
def upload_document(file_id: str):
    """Add a scan: PDF, JPEG, PNG or TIFF by content; streamed and hashed.

    Send doc_type and title before the file part: the file is streamed to storage as it arrives (fields after it
    are still read and checked: a bad doc_type there still refuses the upload). The same content twice in one
    file answers 409.
    """
    documents = services().documents
    with streamed_form(request) as form:
        scan = form.file("file", at_end=lambda late: documents.check_type(_description(late)[0]))
        if scan is None:
            raise Malformed(N_("请以 multipart 的 file 部分上传扫描件"), {"file": "required"})
        doc = documents.upload(api_user(), file_id, scan, scan.filename, form.fields.get("doc_type"),
                               form.fields.get("title"))
        late = _description(form.finish())
    if late != (None, None):
        doc = documents.describe(api_user(), doc["_id"], *late)
    return jsonify(document_json(doc)), 201


@bp.get("/files/<file_id>/documents")
@api_auth
@operation(answer=models.FileDocuments, errors=(401, 404), tags=("documents",))
def file_documents(file_id: str):
    """The file's documents and the required types it lacks."""
    docs = services().documents.of_file(api_user(), file_id)
    file_doc = services().files.load(api_user(), file_id, "file.view")
    return jsonify({"total": len(docs), "items": [document_json(d) for d in docs],
                    "missing_types": services().documents.missing_types(file_doc, docs)})


@bp.get("/documents/<document_id>")
@api_auth
@operation(answer=models.DocumentMeta, errors=(401, 404, 410), tags=("documents",))
def get_document(document_id: str):
    """A document's metadata and OCR state."""
    doc, _ = services().documents.load(api_user(), document_id)
    return jsonify(document_json(doc))


@bp.get("/documents/<document_id>/content")
@api_auth
@operation(errors=(401, 404, 410, 503), tags=("documents",))
@produces("application/pdf", description="the original, in the media type its content was recognised as")
@produces("image/jpeg", description="the original, in the media type its content was recognised as")
@produces("image/png", description="the original, in the media type its content was recognised as")
@produces("image/tiff", description="the original, in the media type its content was recognised as")
def document_content(document_id: str):
    """The original bytes (audited).

    Streamed from the store as they are read.
    """
    doc, chunks = services().documents.content(api_user(), document_id)
    # werkzeug's own Response, not flask's: spectree reads a flask Response whole to check it, and this one
    # streams an original of up to the upload limit; Flask turns it back into its own without reading it.
    return StreamedResponse(chunks, mimetype=doc["media_type"], headers={
        "Content-Length": str(doc["size"]), "ETag": f'"{doc["sha256"]}"',
        "Content-Disposition": f'attachment; filename="{doc["_id"]}{_suffix(doc["media_type"])}"'})


@bp.get("/documents/<document_id>/text")
@api_auth
@operation(errors=(401, 404, 409, 410, 503), tags=("documents",))
@produces("text/plain", description="text", schema={"type": "string"})
def document_text(document_id: str):
    """Recognised or embedded text, pages separated by a form feed (audited).

    ID and mobile numbers are masked for those who may not see them in full; 409 until the text is read.
    """
    text = pii.text_for(api_user(), services().documents.text(api_user(), document_id))
    return Response(text, mimetype="text/plain", content_type="text/plain; charset=utf-8")


@bp.get("/documents/<document_id>/pages/<int:number>")
@api_auth
@operation(answer=models.DocumentPageText, errors=(401, 404, 410, 503), tags=("documents",))
def document_page(document_id: str, number: int):
    """One page's text and the boxes of its recognised lines."""
    return jsonify(pii.page_for(api_user(), services().documents.page(api_user(), document_id, number)))


@bp.get("/documents/<document_id>/pages/<int:number>/<any(image, thumb):kind>")
@api_auth
@operation(errors=(401, 404, 410, 503), tags=("documents",))
@produces("image/jpeg", description="JPEG")
def document_page_image(document_id: str, number: int, kind: str):
    """A page image or thumbnail (JPEG).

    ID and mobile numbers are covered by an opaque box for roles that see them masked (POST .../reveal with a
    purpose shows a page uncovered).
    """
    data = services().documents.page_image(api_user(), document_id, number, kind)
    return Response(data, mimetype="image/jpeg")


@bp.post("/documents/<document_id>/ocr")
@api_auth
@operation(answer=models.DocumentMeta, status=202, errors=(401, 403, 404, 409, 410), tags=("documents",),
           described="queued")
def rerun_ocr(document_id: str):
    """Run OCR again.

    409 while it is queued or running.
    """
    doc = services().documents.rerun_ocr(api_user(), document_id)
    return jsonify(document_json(doc)), 202


@bp.get("/doc-types")
@api_auth
@operation(query=models.DocTypeFilters, answer=models.DocTypeList, errors=(400, 401), tags=("documents",))
def doc_types():
    """Document types (?all=1 includes retired ones)."""
    return jsonify({"items": services().doc_types.all(include_retired=request.args.get("all") == "1")})


@bp.put("/doc-types/<code>")
@api_auth
@operation(json=models.DocTypeChange, answer=models.DocType, errors=(400, 401, 403, 422), tags=("documents",))
def save_doc_type(code: str):
    """Add or change a document type (admin)."""
    return jsonify(services().doc_types.save(api_user(), {**json_body(), "code": code}))


@bp.get("/templates/<key>/required-doc-types")
@api_auth
@operation(answer=models.RequiredDocTypes, errors=(401,), tags=("documents",))
def required_doc_types(key: str):
    """Document types a file of this template must hold."""
    return jsonify({"template": key, "types": services().doc_types.required(key)})


@bp.put("/templates/<key>/required-doc-types")
@api_auth
@operation(json=models.RequiredDocTypesChange, answer=models.RequiredDocTypes, errors=(400, 401, 403, 422),
           tags=("documents",))
def set_required_doc_types(key: str):
    """Set the required document types (admin)."""
    return jsonify({"template": key, "types": services().doc_types.set_required(api_user(), key,
                                                                                 json_body().get("types"))})


def _description(fields: dict) -> tuple[str | None, str | None]:
    """The doc_type and title among a form's fields (None where absent or empty)."""
    return fields.get("doc_type") or None, fields.get("title") or None


def _suffix(media_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}.get(
        media_type, "")
