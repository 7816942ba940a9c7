"""The share link as a partner opens it: no login, only what the share includes, watermarked and audited."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from service.web.auth import services

bp = Blueprint("share_link", __name__, url_prefix="/share")
NO_STORE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _open(token: str, what: str, **details) -> dict:
    links = services().share_links
    share = links.resolve(token)
    links.audit(share, what, request.remote_addr or "", request.headers.get("User-Agent", ""), **details)
    return share


@bp.get("/<token>")
def view(token: str):
    """The shared fields and documents, with the watermark naming the partner."""
    share = _open(token, "page")
    links = services().share_links
    content = links.content(share)
    template = services().templates.get(share["file"]["template"]) or {}
    labels = {d["key"]: d["label"] for d in template.get("fields") or []}
    body = render_template("sharing/link.html", share=share, content=content, labels=labels, token=token,
                           watermark=links.watermark(share))
    return body, 200, NO_STORE


@bp.get("/<token>/documents/<document_id>/pages/<int:number>.jpg")
def page_image(token: str, document_id: str, number: int):
    """One page of an included document, stamped with the partner's name."""
    share = _open(token, "page_image", document_id=document_id, page=number)
    data = services().share_links.page_image(share, document_id, number)
    return Response(data, mimetype="image/jpeg", headers=NO_STORE)


@bp.get("/<token>/documents/<document_id>.pdf")
def download(token: str, document_id: str):
    """An included document as a watermarked PDF."""
    share = _open(token, "download", document_id=document_id)
    doc, data = services().share_links.pdf(share, document_id)
    return Response(data, mimetype="application/pdf",
                    headers={**NO_STORE, "Content-Disposition": f"attachment; filename={doc['_id']}.pdf"})


@bp.get("/<token>/package.zip")
def package(token: str):
    """Everything the share includes as one watermarked zip."""
    share = _open(token, "package")
    data = services().share_links.package(share)
    return Response(data, mimetype="application/zip",
                    headers={**NO_STORE,
                             "Content-Disposition": f"attachment; filename=share-{share['archive_no']}.zip"})
