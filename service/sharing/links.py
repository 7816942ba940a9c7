"""What a partner sees through a share link (no login): only the included fields and documents, every page
and download watermarked with the partner's name, every access audited; 410 after expiry or revocation."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timezone

from service import clock
from service.errors import Conflict
from service.errors import Gone
from service.errors import NotFound
from service.loans import stamp_jpeg
from service.loans import watermarked_pdf
from service.messages import N_
from service.sharing.service import ShareService
from service.sharing.service import token_hash

TOKEN_MAX = 100


class ShareLinks:
    """Resolve a link token and serve what the share includes."""

    def __init__(self, shares: ShareService):
        self.shares = shares

    def resolve(self, token) -> dict:
        """The share behind a token; NotFound for an unknown (or tampered) token, Gone once it ended."""
        if not isinstance(token, str) or not 20 <= len(token) <= TOKEN_MAX:
            raise NotFound(N_("链接无效"))
        doc = self.shares.repo.by_token_hash(token_hash(token))
        if doc is None:
            raise NotFound(N_("链接无效"))
        if doc["status"] == "revoked" or self.shares.repo.has_step(doc["_id"], "end"):
            raise Gone(N_("共享已被撤销"))
        if doc["status"] != "approved":
            raise NotFound(N_("链接无效"))
        ends = doc["expires_at"].replace(tzinfo=doc["expires_at"].tzinfo or timezone.utc)
        if ends <= clock.now():
            raise Gone(N_("共享已过期"))
        file_doc = self.shares.files.repo.by_id(doc["file_id"])
        if file_doc is None or file_doc.get("status") in ("destroyed",):
            raise Gone(N_("档案已销毁"))
        return {**doc, "file": file_doc}

    def watermark(self, share: dict) -> str:
        """The text stamped on everything the partner gets."""
        return (f"仅供 {share['partner_name']} 用于 {share['purpose']} · {share['archive_no']} "
                f"· 至 {share['expires_on']}")

    def audit(self, share: dict, what: str, ip: str, agent: str, **details) -> None:
        """One access through the link: who is the partner, with the address and browser it came from."""
        self.shares.audit.record(f"partner:{share['partner_name']}", "share.accessed", f"share:{share['_id']}",
                                 {"what": what, "ip": ip or "", "user_agent": (agent or "")[:300],
                                  "file_id": share["file_id"], **details})

    def content(self, share: dict) -> dict:
        """The included fields (in full: the customer authorized them) and the included documents."""
        fields = share["file"].get("fields") or {}
        values = {k: (share["file"]["name"] if k == "name" else fields.get(k)) for k in share["fields"]}
        documents = [d for d in (self.shares.documents.repo.by_id(i) for i in share["documents"])
                     if d is not None and d.get("status", "active") == "active"]
        return {"fields": values, "documents": documents}

    def document(self, share: dict, document_id: str) -> dict:
        """An included, still active document; NotFound otherwise."""
        if document_id not in share["documents"]:
            raise NotFound(N_("没有这个文件"))
        doc = self.shares.documents.repo.by_id(document_id)
        if doc is None or doc.get("status", "active") != "active":
            raise Gone(N_("文件已不可用"))
        return doc

    def page_image(self, share: dict, document_id: str, number: int) -> bytes:
        """One page image of an included document, watermarked."""
        doc = self.document(share, document_id)
        if not doc.get("pages") or not 1 <= number <= doc["pages"]:
            raise NotFound(N_("没有这一页"))
        return stamp_jpeg(self._page(share, doc, number), self.watermark(share))

    def _page(self, share: dict, doc: dict, number: int) -> bytes:
        """A page image as the share gives it: numbers covered unless the share was made to show them."""
        return self.shares.documents.covered_page(doc, number, covered=not share.get("show_numbers"))

    def pdf(self, share: dict, document_id: str) -> tuple[dict, bytes]:
        """An included document as a watermarked PDF of its pages."""
        doc = self.document(share, document_id)
        if not doc.get("pages"):
            raise Conflict(N_("页面图像尚未生成，请稍后再下载"))
        pages = [self._page(share, doc, n) for n in range(1, doc["pages"] + 1)]
        return doc, watermarked_pdf(pages, self.watermark(share))

    def package(self, share: dict) -> bytes:
        """A zip of the included fields (JSON), the watermarked documents and a notice naming the partner."""
        content = self.content(share)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", self.watermark(share) + "\n")
            archive.writestr("fields.json", json.dumps(
                {"archive_no": share["archive_no"], "partner": share["partner_name"], "purpose": share["purpose"],
                 "expires_on": share["expires_on"], "watermark": self.watermark(share), "fields": content["fields"]},
                ensure_ascii=False, indent=2, default=str))
            for doc in content["documents"]:
                if doc.get("pages"):
                    archive.writestr(f"documents/{doc['_id']}.pdf", self.pdf(share, str(doc["_id"]))[1])
        return out.getvalue()
