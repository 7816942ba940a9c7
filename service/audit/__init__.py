"""The audit trail (审计): every change and every sensitive read, appended to one hash chain that anyone with
the auditor role can verify, listed and exported by the auditor's pages.

Its pages are in service/web/audit/, its records in storage/audit.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "trail": ["AUDIT_LISTING", "GENESIS", "AuditTrail", "entry_hash", "jsonable", "listed_audit", "verify_chain",
              "verify_run"],
})
