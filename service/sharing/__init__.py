"""External sharing (外部共享): the partner register with its NDAs, share requests approved by the
executive, and the time-limited links partners open, stamped with a watermark.

Its pages and API are in service/web/sharing/, its records in storage/sharing.py and storage/partners.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["MAX_DAYS", "ShareService", "token_hash"],
    "links": ["ShareLinks"],
    "partners": ["KINDS", "PartnerService", "check_period", "current_nda", "parse_date"],
})
