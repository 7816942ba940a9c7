"""The loans (借阅) part of the JSON API."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from service.accounts import User
from service.web.api import iso
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.forms import json_body
from service.web.forms import paging
from service.web.loans import models
from service.web.openapi import Page
from service.web.openapi import operation

bp = Blueprint("loans_api", __name__)  # registered under the API prefix (service.web.api)

FILTERS = ("status", "file_id", "borrower", "kind", "archive_no", "as_of", "department")


def loan_json(doc: dict, viewer: User, shown: set[str] | None = None) -> dict:
    """A loan as the API shows it; the file's name only to those who may see the file."""
    body = {"id": str(doc["_id"]), "number": doc.get("number") or str(doc["_id"]), "file_id": doc["file_id"],
            "archive_no": doc["archive_no"],
            "kind": doc["kind"], "purpose": doc["purpose"], "days": doc["days"], "borrower": doc["borrower"],
            "borrower_name": doc.get("borrower_name", ""), "borrower_department": doc.get("borrower_department", ""),
            "status": doc["status"], "requested_at": iso(doc.get("requested_at")),
            "decided_by": doc.get("decided_by"), "decided_at": iso(doc.get("decided_at")),
            "reason": doc.get("reason"), "handed_out_by": doc.get("handed_out_by"),
            "handed_out_at": iso(doc.get("handed_out_at")), "due_at": iso(doc.get("due_at")),
            "renewals": doc.get("renewals", 0), "returned_by": doc.get("returned_by"),
            "returned_at": iso(doc.get("returned_at")), "condition": doc.get("condition"),
            "note": doc.get("note"), "incident_id": doc.get("incident_id"), "file_name": None}
    if str(doc["_id"]) in (shown if shown is not None else services().loans.shown_files(viewer, [doc])):
        body["file_name"] = doc.get("file_name")
    return body


@bp.post("/loans")
@api_auth
@operation(json=models.LoanRequest, answer=models.LoanRequested, status=201,
           errors=(400, 401, 403, 404, 409, 422), tags=("loans",))
def request_loan():
    """Ask for a folder or a digital view of a file (by id or archive number)."""
    doc = services().loans.request(api_user(), json_body())
    return jsonify({"id": str(doc["_id"]), "status": doc["status"]}), 201


@bp.get("/loans")
@api_auth
@operation(query=models.LoanFilters, answer=Page[models.Loan], errors=(400, 401), tags=("loans",))
def list_loans():
    """Loans the caller may see, filtered and paged (status=overdue with as_of=YYYY-MM-DD)."""
    page, per_page = paging()
    filters = {key: request.args.get(key, "") for key in FILTERS}
    total, docs = services().loans.list(api_user(), filters, page, per_page)
    shown = services().loans.shown_files(api_user(), docs)
    return jsonify({"total": total, "items": [loan_json(d, api_user(), shown) for d in docs]})


@bp.get("/loans/<loan_id>")
@api_auth
@operation(answer=models.Loan, errors=(401, 404), tags=("loans",))
def get_loan(loan_id: str):
    """One loan the caller may see."""
    return jsonify(loan_json(services().loans.get(api_user(), loan_id), api_user()))


@bp.post("/loans/<loan_id>/approve")
@api_auth
@operation(answer=models.Loan, errors=(401, 403, 404, 409), tags=("loans",))
def approve_loan(loan_id: str):
    """Approve (an approver of the file's department; the executive for a sealed file)."""
    return jsonify(loan_json(services().loans.approve(api_user(), loan_id), api_user()))


@bp.post("/loans/<loan_id>/reject")
@api_auth
@operation(json=models.Reason, answer=models.Loan, errors=(400, 401, 403, 404, 409, 422), tags=("loans",))
def reject_loan(loan_id: str):
    """Reject with a reason."""
    body = json_body()
    return jsonify(loan_json(services().loans.reject(api_user(), loan_id, body.get("reason")), api_user()))


@bp.post("/loans/<loan_id>/cancel")
@api_auth
@operation(answer=models.Loan, errors=(401, 404, 409), tags=("loans",))
def cancel_loan(loan_id: str):
    """The borrower withdraws a request not yet handed out."""
    return jsonify(loan_json(services().loans.cancel(api_user(), loan_id), api_user()))


@bp.post("/loans/<loan_id>/checkout")
@api_auth
@operation(answer=models.Loan, errors=(401, 403, 404, 409), tags=("loans",))
def checkout_loan(loan_id: str):
    """Hand the folder out (archivist); 409 if it is out already."""
    doc = services().loan_desk.checkout(api_user(), loan_id)
    return jsonify({**loan_json(doc, api_user()), "status": "out", "due_at": iso(doc["due_at"])})


@bp.post("/loans/<loan_id>/renew")
@api_auth
@operation(json=models.Renewal, answer=models.Loan, errors=(400, 401, 403, 404, 409, 422), tags=("loans",))
def renew_loan(loan_id: str):
    """Extend the loan by some days before it is due."""
    doc = services().loan_desk.renew(api_user(), loan_id, json_body().get("days"))
    return jsonify({**loan_json(doc, api_user()), "due_at": iso(doc["due_at"])})


@bp.post("/loans/<loan_id>/return")
@api_auth
@operation(json=models.Return, answer=models.Loan, errors=(400, 401, 403, 404, 409, 422), tags=("loans",))
def return_loan(loan_id: str):
    """Take the folder back with its condition (archivist); damaged or lost opens an incident."""
    body = json_body()
    doc = services().loan_desk.take_back(api_user(), loan_id, body.get("condition"), body.get("note", ""),
                                         body.get("responsible"), body.get("compensation"))
    return jsonify(loan_json(doc, api_user()))


@bp.post("/reservations")
@api_auth
@operation(json=models.ReservationRequest, answer=models.Reservation, status=201,
           errors=(400, 401, 403, 404, 409), tags=("loans",))
def reserve():
    """Join the queue for a folder that is out."""
    doc = services().reservations.reserve(api_user(), json_body().get("file_id"))
    return jsonify(reservation_json(doc)), 201


@bp.delete("/reservations/<reservation_id>")
@api_auth
@operation(status=204, errors=(401, 404, 409), tags=("loans",))
def cancel_reservation(reservation_id: str):
    """Leave the queue."""
    services().reservations.cancel(api_user(), reservation_id)
    return "", 204


def reservation_json(doc: dict) -> dict:
    """A reservation as the API shows it."""
    return {"id": str(doc["_id"]), "file_id": doc["file_id"], "archive_no": doc["archive_no"], "user": doc["user"],
            "at": iso(doc["at"]), "status": doc["status"]}


@bp.get("/loan-incidents")
@api_auth
@operation(query=models.IncidentFilters, answer=Page[models.Incident], errors=(400, 401, 403), tags=("loans",))
def list_incidents():
    """The loss/damage register (archivist, auditor, admin, executive)."""
    page, per_page = paging()
    total, docs = services().incidents.page(api_user(), page, per_page, request.args.get("kind", ""))
    return jsonify({"total": total, "items": [
        {"id": str(d["_id"]), "loan_id": d["loan_id"], "file_id": d["file_id"], "archive_no": d["archive_no"],
         "kind": d["kind"], "responsible": d["responsible"], "compensation": d["compensation"],
         "note": d.get("note", ""), "borrower": d["borrower"], "recorded_by": d["recorded_by"],
         "at": iso(d["at"])} for d in docs]})
