"""Loans (借阅): requests, approvals, the desk's hand-outs and returns, reservations, handovers of a
folder between borrowers, incidents (damage, loss), and digital loans viewed with a watermark.

Its pages and API are in service/web/loans/, its records in storage/loans.py and storage/loan_records.py.
"""
from service.loans.desk import LoanDesk
from service.loans.digital import DigitalViews
from service.loans.digital import stamp_jpeg
from service.loans.digital import watermarked_pdf
from service.loans.handover import HandoverService
from service.loans.incidents import HEADERS as INCIDENT_HEADERS
from service.loans.incidents import IncidentService
from service.loans.incidents import check_compensation
from service.loans.reservations import ReservationService
from service.loans.service import DUE_SOON_DAYS
from service.loans.service import LOAN_LISTING
from service.loans.service import OPEN
from service.loans.service import LoanService
from service.loans.service import listed_loans
from service.loans.service import parse_day
from service.loans.service import whole_days

__all__ = ["DUE_SOON_DAYS", "INCIDENT_HEADERS", "LOAN_LISTING", "OPEN", "DigitalViews", "HandoverService",
           "IncidentService", "LoanDesk", "LoanService", "ReservationService", "check_compensation",
           "listed_loans", "parse_day", "stamp_jpeg", "watermarked_pdf", "whole_days"]
