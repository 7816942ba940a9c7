"""Intake review and periodic verification (归档审核与定期核对): a salesperson's submission of a file's
documents and paper items, the archivist's check (returned per missing item, resubmitted, accepted and
catalogued), and the periodic cycles that verify folders on the shelves.

Its pages and API are in service/web/intake/, its records in storage/intake.py and storage/verification.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["IntakeService"],
    "review": ["IntakeReview"],
    "verification": ["CYCLES", "STAGE_KEYS", "VerificationService", "parse_day", "period_of"],
})
