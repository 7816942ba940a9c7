"""Destruction batches, the destruction register and the certificate in the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request

from service.errors import Conflict
from service.messages import N_
from service.retention import require_reader
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.forms import paging
from service.web.openapi import Page
from service.web.openapi import operation
from service.web.openapi import produces
from service.web.retention import models

bp = Blueprint("retention_destruction_api", __name__)  # registered under the API prefix (service.web.api)


def batch_json(doc: dict) -> dict:
    """A destruction batch as the API shows it; executed files carry their documents' checksums and sizes."""
    destroyed = {r["file_id"]: r for r in services().destructions.destroyed_items(doc)}
    items = []
    for item in doc["items"]:
        record = destroyed.get(item["file_id"])
        items.append({"file_id": item["file_id"], "archive_no": item["archive_no"], "template": item.get("template"),
                      "policy_name": item.get("policy_name"), "destroy_after": item.get("destroy_after"),
                      "destroyed": record is not None,
                      "documents": [{"id": m["document_id"], "doc_type": m["doc_type"], "sha256": m["sha256"],
                                     "size": m["size"]} for m in (record or {}).get("documents", [])]})
    paper = doc.get("paper")
    return {"id": str(doc["_id"]), "number": doc["number"], "status": doc["status"], "reason": doc["reason"],
            "items": items, "proposed_by": doc["proposed_by"], "proposed_at": iso(doc.get("proposed_at")),
            "approved_by": doc.get("approved_by"), "approved_at": iso(doc.get("approved_at")),
            "rejected_by": doc.get("rejected_by"), "rejected_at": iso(doc.get("rejected_at")),
            "reject_reason": doc.get("reject_reason"),
            "paper": {**{k: paper[k] for k in ("method", "place", "witnesses", "date", "recorded_by")},
                      "recorded_at": iso(paper.get("recorded_at"))} if paper else None,
            "executed_by": doc.get("executed_by"), "executed_at": iso(doc.get("executed_at")),
            "counts": doc.get("counts"), "register_seq": doc.get("register_seq"), "execution": execution_json(doc)}


def execution_json(doc: dict) -> dict:
    """How far the execution of a batch is: status queued, running, done or failed (with the reason when
    the batch says one; a failed run can be started again), files destroyed of all; status null before
    anyone started it."""
    execution = doc.get("execution") or {}
    state = execution.get("state")
    return {"status": state, "done": execution.get("done", 0), "total": len(doc["file_ids"]),
            "failed": 1 if state == "failed" else 0, "error": execution.get("error"),
            "started_at": iso(execution.get("started_at")), "ended_at": iso(execution.get("ended_at"))}


@bp.post("/destructions")
@api_auth
@operation(json=models.DestructionProposal, answer=models.DestructionProposed, status=201,
           errors=(400, 401, 403, 409, 422), tags=("retention",))
def propose_destruction():
    """Propose a destruction batch (archivist).

    409 naming each file not due, on hold, out on loan or in another batch, and why."""
    doc = services().destructions.propose(api_user(), json_body())
    return jsonify({"id": str(doc["_id"]), "number": doc["number"], "status": doc["status"]}), 201


@bp.get("/destructions")
@api_auth
@operation(query=models.DestructionFilters, answer=Page[models.Destruction], errors=(400, 401, 403),
           tags=("retention",))
def list_destructions():
    """Batches, newest first (status= one status)."""
    page, per_page = paging()
    total, docs = services().destructions.page(api_user(), request.args.get("status", ""), page, per_page)
    return jsonify({"total": total, "items": [batch_json(d) for d in docs]})


@bp.get("/destructions/<batch_id>")
@api_auth
@operation(answer=models.Destruction, errors=(401, 403, 404),
           tags=("retention",))
def get_destruction(batch_id: str):
    """One batch: its files with archive numbers and, once executed, per document sha256 and size."""
    return jsonify(batch_json(services().destructions.get(api_user(), batch_id)))


@bp.post("/destructions/<batch_id>/approve")
@api_auth
@operation(answer=models.Destruction, errors=(401, 403, 404, 409),
           tags=("retention",))
def approve_destruction(batch_id: str):
    """Approve (an approver or the executive other than the proposer; the proposer gets 403)."""
    return jsonify(batch_json(services().destructions.approve(api_user(), batch_id)))


@bp.post("/destructions/<batch_id>/reject")
@api_auth
@operation(json=models.DestructionRejection, answer=models.Destruction, errors=(400, 401, 403, 404, 409, 422),
           tags=("retention",))
def reject_destruction(batch_id: str):
    """Reject with a reason; the files are free again."""
    doc = services().destructions.reject(api_user(), batch_id, json_body().get("reason"))
    return jsonify(batch_json(doc))


@bp.post("/destructions/<batch_id>/paper")
@api_auth
@operation(json=models.PaperDestruction, answer=models.Destruction, errors=(400, 401, 403, 404, 409, 422),
           tags=("retention",))
def record_paper(batch_id: str):
    """Record the paper destruction (archivist, admin).

    Method, place, two different witnesses (监销人) and the date; once, for an approved batch."""
    return jsonify(batch_json(services().destructions.record_paper(api_user(), batch_id, json_body())))


@bp.post("/destructions/<batch_id>/execute")
@api_auth
@operation(json=models.DestructionRun, answer=models.Destruction, errors=(400, 401, 403, 404, 409, 422),
           tags=("retention",))
def execute_destruction(batch_id: str):
    """Destroy the files (archivist, admin).

    Objects (every version), search entries and personal values go, a tombstone stays; idempotent and
    resumable; the body may carry the paper record."""
    body = request.get_json(silent=True)
    paper = body if isinstance(body, dict) and body else None
    return jsonify(batch_json(services().destruction_executor.execute(api_user(), batch_id, paper)))


@bp.get("/destructions/<batch_id>/certificate")
@api_auth
@operation(errors=(401, 403, 404, 409),
           tags=("retention",))
@produces("application/pdf", description="the certificate as a PDF")
def destruction_certificate(batch_id: str):
    """The certificate (销毁证明) of an executed batch.

    409 before the batch is executed; each print is audited."""
    return certificate_response(batch_id, api_user())


def certificate_response(batch_id: str, actor) -> Response:
    """The certificate PDF of a done batch (audited); 409 before execution."""
    from service.retention import certificate_pdf
    doc = services().destructions.get(actor, batch_id)
    entry = services().destruction_register.of_batch(str(doc["_id"]))
    if doc["status"] != "done" or entry is None:
        raise Conflict(N_("批次尚未执行完毕"), {"status": doc["status"]})
    data = certificate_pdf(doc, entry, services().settings.timezone)
    services().audit.record(actor.username, "destruction.certificate_printed", f"destruction:{doc['_id']}",
                            {"number": doc["number"]})
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=destruction-{doc['number']}.pdf"})


def register_json(entry: dict) -> dict:
    """A destruction register entry as the API shows it."""
    return {k: entry[k] for k in ("seq", "batch_id", "number", "reason", "files", "counts", "proposed_by",
                                  "proposed_at", "approved_by", "approved_at", "paper", "executed_by",
                                  "executed_at", "prev_hash", "hash")}


@bp.get("/destruction-register")
@api_auth
@operation(query=models.DestructionRegisterPaging, answer=Page[models.DestructionRegisterEntry],
           errors=(400, 401, 403), tags=("retention",))
def destruction_register():
    """The destruction register, newest first."""
    require_reader(api_user())
    page, per_page = paging(50)
    total, entries = services().destruction_register.page(page, per_page)
    return jsonify({"total": total, "items": [register_json(e) for e in entries]})


@bp.get("/destruction-register/verify")
@api_auth
@operation(answer=models.DestructionRegisterCheck, errors=(401, 403),
           tags=("retention",))
def destruction_register_verify():
    """Verify the register's chain of hashes."""
    require_reader(api_user())
    return jsonify(services().destruction_register.verify())
