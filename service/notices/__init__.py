"""Notices (通知): a person's messages from the product (a loan request approved or refused), newest
first, each marked read when opened.

Its pages and API are in service/web/notices/, its records in storage/notices.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["JOB_KIND", "KINDS", "NoticeService", "UNREAD_CAP"],
})
