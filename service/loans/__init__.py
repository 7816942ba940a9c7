"""Loans (借阅): requests, approvals, the desk's hand-outs and returns, reservations, handovers of a
folder between borrowers, incidents (damage, loss), and digital loans viewed with a watermark.

Its pages and API are in service/web/loans/, its records in storage/loans.py and storage/loan_records.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["DUE_SOON_DAYS", "LOAN_LISTING", "OPEN", "LoanService", "listed_loans", "parse_day", "whole_days"],
    "desk": ["LoanDesk"],
    "digital": ["DigitalViews", "stamp_jpeg", "watermarked_pdf"],
    "grants": ["DigitalGrants"],
    "handover": ["HandoverService"],
    "queues": ["loan_queues"],
    "incidents": ["HEADERS as INCIDENT_HEADERS", "IncidentService", "check_compensation"],
    "reservations": ["ReservationService"],
})
