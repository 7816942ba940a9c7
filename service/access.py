"""The one policy module: may this person do this to that?"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from service.accounts import User
from service.errors import Forbidden
from service.messages import N_

NORMAL, CONFIDENTIAL, SEALED = "normal", "confidential", "sealed"
SECURITY_LEVELS = (NORMAL, CONFIDENTIAL, SEALED)

# Who may attempt each action at all; file actions are further limited by visibility below.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "user.manage": frozenset({"admin"}),
    "template.manage": frozenset({"admin"}),
    "retention.manage": frozenset({"admin"}),
    "audit.read": frozenset({"auditor", "admin"}),
    "register.read": frozenset({"auditor", "archivist", "admin"}),
    "file.create": frozenset({"archivist", "staff"}),
    "file.view": frozenset({"admin", "archivist", "staff", "approver", "executive", "auditor"}),
    "file.edit": frozenset({"archivist", "staff"}),
    "file.content": frozenset({"archivist", "staff", "approver", "executive", "auditor"}),
    "file.merge": frozenset({"archivist"}),
    "file.correct": frozenset({"archivist"}),  # apply or reject a customer's correction request
    "file.reassign": frozenset({"archivist", "approver", "executive"}),
    "document.upload": frozenset({"archivist", "staff"}),
    "scan.import": frozenset({"archivist"}),  # batch scanning and the inbox are the archive desk
    "loan.request": frozenset({"archivist", "staff", "approver", "executive"}),
    "loan.approve": frozenset({"approver", "executive"}),
    "loan.desk": frozenset({"archivist"}),
    "hold.manage": frozenset({"archivist", "auditor", "admin"}),
    "destruction.propose": frozenset({"archivist"}),
    "destruction.approve": frozenset({"approver", "executive"}),
    "destruction.execute": frozenset({"archivist", "admin"}),
    "search": frozenset({"admin", "archivist", "staff", "approver", "executive", "auditor"}),
    "intake.submit": frozenset({"archivist", "staff"}),  # hand a file's materials in for archiving
    "intake.review": frozenset({"archivist"}),  # accept (catalogue) or return a submission
    "verification.do": frozenset({"archivist", "staff"}),  # confirm or correct one's files' contact details
    "verification.read": frozenset({"archivist", "admin", "auditor"}),  # the overdue verifications
    "verification.manage": frozenset({"admin"}),  # the review cycles
    "contact.record": frozenset({"archivist", "staff", "approver", "executive"}),  # follow-ups (回访)
    "complaint.close": frozenset({"archivist", "staff", "approver", "executive"}),
    "followup.manage": frozenset({"admin"}),  # the schedule rules
    "followup.campaign": frozenset({"admin", "approver", "executive"}),
    "followup.team.read": frozenset({"admin", "approver", "executive"}),
    "followup.report.read": frozenset({"admin", "approver", "executive", "auditor"}),
    "pii.reveal": frozenset({"archivist", "staff", "approver", "executive"}),  # "show in full", audited
    "privacy.manage": frozenset({"archivist"}),  # subject access packages, erasure requests
    "partner.manage": frozenset({"archivist", "admin"}),
    "share.request": frozenset({"archivist", "staff", "approver", "executive"}),
    "share.approve": frozenset({"executive"}),
}
ACTIONS = tuple(ACTION_ROLES)
FILE_ACTIONS = frozenset(a for a in ACTIONS if a.startswith(("file.", "document.", "loan.")))
WRITE_ACTIONS = frozenset(a for a in ACTIONS if not a.endswith((".view", ".read", ".content")) and a != "search")


@dataclass(frozen=True)
class FileTarget:
    """What the policy needs to know of a customer file."""

    security: str = NORMAL
    department: str = ""
    approved_borrowers: frozenset[str] = field(default_factory=frozenset)


def sees_everything(user: User) -> bool:
    """Archivists and the executive see every file, sealed ones included."""
    return user.has("archivist", "executive")


def can_see(user: User, target: FileTarget) -> bool:
    """DESIGN §5: sealed files to archivists, the executive and approved borrowers; confidential within the
    department."""
    if not user.active:
        return False
    if sees_everything(user) or user.id in target.approved_borrowers:
        return True
    if target.security == SEALED:
        return False
    if target.security == CONFIDENTIAL:
        return bool(user.department) and user.department == target.department
    return True


def can(user: User | None, action: str, target: FileTarget | None = None) -> bool:
    """True if the user may do the action (to the target, for file actions)."""
    if user is None or not user.active:
        return False
    roles = ACTION_ROLES.get(action)
    if roles is None:
        raise ValueError(f"unknown action {action!r}")
    if not user.has(*roles):
        return False
    if action == "loan.request":
        return True  # anyone may ask for a file by id or number; asking reveals nothing
    if target is not None and action in FILE_ACTIONS:
        if not can_see(user, target):
            return False
        if action == "loan.approve":
            if target.security == SEALED:
                return user.has("executive")
            return user.has("executive") or user.department == target.department
    return True


def require(user: User | None, action: str, target: FileTarget | None = None) -> None:
    """Raise Forbidden unless can(user, action, target)."""
    if not can(user, action, target):
        raise Forbidden(N_("没有权限"))


def visibility_query(user: User, department_field: str = "department",
                     security_field: str = "security", id_field: str = "_id",
                     borrowed_ids: list | None = None) -> dict:
    """A database filter with exactly the files can_see() allows, for lists, counts and exports."""
    if sees_everything(user):
        return {}
    allowed: list[dict] = [{security_field: NORMAL}]
    if user.department:
        allowed.append({security_field: CONFIDENTIAL, department_field: user.department})
    if borrowed_ids:
        allowed.append({id_field: {"$in": list(borrowed_ids)}})
    return {"$or": allowed}


def visibility_alternatives(user: User, department_field: str = "department",
                            security_field: str = "security") -> tuple[dict, ...] | None:
    """`visibility_query` for a listing index: alternatives of accepted values; None when all is visible."""
    if sees_everything(user):
        return None
    allowed: list[dict] = [{security_field: {NORMAL}}]
    if user.department:
        allowed.append({security_field: {CONFIDENTIAL}, department_field: {user.department}})
    return tuple(allowed)


# Roles that see ID and phone numbers unmasked everywhere. Empty: nobody by default; seeing one in full is
# the audited "show in full" action (pii.reveal), one value at a time, with a purpose.
PII_FULL_ROLES: frozenset[str] = frozenset()


def sees_pii_in_full(user: User | None) -> bool:
    """True if the person sees ID and phone numbers unmasked on pages, lists, exports and the API."""
    return user is not None and user.active and bool(PII_FULL_ROLES) and user.has(*PII_FULL_ROLES)
