"""Pages of scans: upload from a file's page, the viewer, page images and text, download, re-OCR."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint
from flask import Response
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from service import access
from service.errors import Conflict
from service.errors import DomainError
from service.errors import Invalid
from service.errors import NotFound
from service.errors import TooLarge
from service.errors import UnsupportedMedia
from service.files import target_of
from service.messages import N_
from service.privacy import pii
from service.web import errors
from service.web.auth import page_user
from service.web.auth import services
from service.web.documents.api import document_json
from service.web.documents.upload_stream import streamed_form
from service.web.file_tabs import file_tab
from service.web.i18n import localise

bp = Blueprint("documents", __name__)
PAGE_CACHE = "private, max-age=300"
SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}


@bp.before_request
@login_required
def signed_in():
    """Every scan page needs a signed-in person."""


def wants_json() -> bool:
    """Script requests (Accept: application/json) get JSON answers, errors included."""
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def problem(exc: DomainError) -> str:
    """What went wrong with one upload, in the interface language."""
    if isinstance(exc, UnsupportedMedia):
        return _("不是 PDF、JPEG、PNG 或 TIFF 文件，未保存")
    if isinstance(exc, TooLarge):
        return _("文件太大（上限 %(mb)s MB），未保存", mb=services().settings.max_upload_bytes // (1024 * 1024))
    if isinstance(exc, Conflict) and exc.fields.get("duplicate_of"):
        return _("本档案中已有内容相同的文件，未重复保存")
    if isinstance(exc, Invalid):
        why = "；".join(str(localise(v)) for v in exc.fields.values()) or localise(exc.message)
        return _("未保存：%(why)s", why=why)
    return localise(exc.message)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    """JSON for the page's scripts, the error page otherwise."""
    if not wants_json():
        return errors.error_response(exc.status, exc.code, exc.message, exc.fields)
    body = {"code": exc.code, "message": problem(exc), "fields": exc.fields}
    if exc.fields.get("duplicate_of"):
        body["duplicate_url"] = url_for("documents.viewer", document_id=exc.fields["duplicate_of"])
    return jsonify({"error": body}), exc.status


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """A refused request (missing CSRF token, body over the limit) answered the same way."""
    code = (exc.name or "error").lower().replace(" ", "_")
    if not wants_json():
        return errors.error_response(exc.code or 500, code, exc.description or exc.name)
    message = problem(TooLarge("")) if exc.code == 413 else (exc.description or exc.name)
    return jsonify({"error": {"code": code, "message": message, "fields": {}}}), exc.code or 500


def document_section(user, file_doc: dict) -> dict:
    """What the documents section of a file page shows."""
    docs = services().documents.with_search_status(services().documents.of_file(user, str(file_doc["_id"])))
    return {"documents": docs, "missing_types": services().documents.missing_types(file_doc, docs),
            "doc_type_labels": services().doc_types.labels()}


@bp.get("/files/<file_id>/documents")
def section(file_id: str):
    """The documents list of a file (the page's script reloads it after uploads)."""
    file_doc = services().files.load(page_user(), file_id, "file.view")
    return render_template("documents/_list.html", file=file_doc, target=target_of(file_doc),
                           **document_section(page_user(), file_doc))


@bp.post("/files/<file_id>/documents")
def upload(file_id: str):
    """Add scans to a file: one per script request (JSON answer), or by the plain form (back with a flash).

    This view is exempt from CSRFProtect, which would parse the whole body first; it checks the
    token itself, from the field sent before the file, then streams the file to storage.
    """
    if not wants_json():
        return _upload_plain(file_id)
    with streamed_form(request) as form:
        scan = form.file("file")
        _check_csrf(form.fields.get("csrf_token") or request.headers.get("X-CSRFToken"))
        if scan is None:
            raise Invalid(N_("没有文件"), {"file": _("请选择文件")})
        doc = services().documents.upload(page_user(), file_id, scan, scan.filename,
                                          form.fields.get("doc_type"), form.fields.get("title"))
        form.finish()
    body = {**document_json(doc), "url": url_for("documents.viewer", document_id=str(doc["_id"]))}
    return jsonify(body), 201


def _upload_plain(file_id: str):
    """The form without JavaScript: several files, one type and title, a flash per file."""
    _check_csrf(request.form.get("csrf_token"))
    uploads = [u for u in request.files.getlist("file") if u.filename]
    doc_type, title = request.form.get("doc_type"), request.form.get("title")
    if not uploads:
        flash(_("请选择文件"), "error")
    for one in uploads:
        try:
            services().documents.upload(page_user(), file_id, one.stream, one.filename,
                                        doc_type, title if len(uploads) == 1 else None)
            flash(_("已上传 %(name)s，正在排队识别", name=one.filename))
        except (UnsupportedMedia, TooLarge, Conflict, Invalid) as exc:
            flash(_("%(name)s：%(why)s", name=one.filename, why=problem(exc)), "error")
    return redirect(file_tab(file_id, "documents"))


def _check_csrf(token) -> None:
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(str(exc)) from None


@bp.post("/documents/<document_id>/ocr")
def rerun_ocr(document_id: str):
    """Queue a document's OCR again (after a failure)."""
    try:
        doc = services().documents.rerun_ocr(page_user(), document_id)
        flash(_("已重新排队识别"))
    except Conflict:
        doc, _file = services().documents.load(page_user(), document_id)
        flash(_("识别已在排队或进行中"), "error")
    return redirect(file_tab(doc["file_id"], "documents"))


@bp.get("/documents/<document_id>")
def viewer(document_id: str):
    """The viewer: thumbnails, the page image with zoom and search boxes, its text (audited)."""
    doc, file_doc = services().documents.view(page_user(), document_id)
    number = request.args.get("page", "1")
    number = min(max(int(number) if number.isdigit() else 1, 1), doc.get("pages") or 1)
    watermark = services().digital_views.watermark(page_user(), doc["file_id"])  # a digital loan's reader
    if watermark:
        services().digital_views.page_viewed(page_user(), doc, number)
    query = request.args.get("q", "").strip()[:100]
    page = None
    if doc.get("ocr_status") == "done" and doc.get("pages"):
        try:
            page = seen_page(services().documents.page(page_user(), document_id, number))
        except NotFound:
            page = None  # the page's text was never written; the viewer shows the image alone
    return render_template("documents/viewer.html", doc=doc, file=file_doc, target=target_of(file_doc),
                           number=number, page=page, q=query, highlight=highlight, matches=matches,
                           labels=services().doc_types.labels(), watermark=watermark)


def seen_page(page: dict) -> dict:
    """A page's text as the signed-in person sees it, with `covered`: whether its image hides numbers from them
    (the viewer then offers to show the page in full, for a purpose)."""
    covered = not access.sees_pii_in_full(page_user()) and bool(pii.number_spans(page.get("text")))
    return {**pii.page_for(page_user(), page), "covered": covered}


@bp.get("/documents/<document_id>/state")
def state(document_id: str):
    """A document's OCR and search state, polled by the viewer and the file page while it is read."""
    doc, _file = services().documents.load(page_user(), document_id, "file.content")
    return jsonify({**{key: doc.get(key) for key in ("ocr_status", "ocr_progress", "ocr_error", "pages")},
                    "search_status": services().documents.search_status(doc)})


@bp.get("/documents/<document_id>/pages/<int:number>")
def page_text(document_id: str, number: int):
    """One page's recognised text and line boxes, and whether its image is covered (JSON)."""
    response = jsonify(seen_page(services().documents.page(page_user(), document_id, number)))
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


@bp.get("/documents/<document_id>/pages/<int:number>/<any(image, thumb):kind>")
def page_image(document_id: str, number: int, kind: str):
    """A page image or thumbnail (JPEG), its numbers covered for those who see them masked."""
    data, stamped = services().digital_views.page_image(page_user(), document_id, number, kind)
    return Response(data, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, no-store" if stamped else PAGE_CACHE})


@bp.get("/documents/<document_id>/download")
def download(document_id: str):
    """The original as it was uploaded (audited); during a digital loan a watermarked PDF instead."""
    loaned = services().digital_views.download(page_user(), document_id)
    if loaned is not None:
        return Response(loaned[1], mimetype="application/pdf", headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f"attachment; filename=\"{loaned[0]['_id']}-watermarked.pdf\""})
    doc, chunks = services().documents.content(page_user(), document_id)
    plain = f"{doc['_id']}{SUFFIXES.get(doc['media_type'], '')}"
    named = quote(doc.get("original_name") or plain, safe="")
    return Response(chunks, mimetype=doc["media_type"], headers={
        "Content-Length": str(doc["size"]), "Cache-Control": "private, no-store",
        "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{named}"})


def matches(text: str, query: str) -> bool:
    """Whether a line contains the query (ignoring case)."""
    return bool(query) and query.casefold() in (text or "").casefold()


def highlight(text: str, query: str) -> Markup:
    """The text, escaped, with every match of the query (ignoring case) in <mark>."""
    if not query:
        return escape(text)
    parts, last = [], 0
    for found in re.finditer(re.escape(query), text, re.IGNORECASE):
        parts += [escape(text[last:found.start()]), Markup("<mark>"), escape(found.group()), Markup("</mark>")]
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
