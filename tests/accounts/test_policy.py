"""The whole policy matrix: roles × actions × security levels."""
from __future__ import annotations

import pytest

from service import access
from service.access import FileTarget
from service.accounts import ROLES
from service.accounts import User


def person(role: str, department: str = "销售部", uid: str = "u1", active: bool = True) -> User:
    return User(id=uid, username=role, roles=(role,), department=department, display_name=role, active=active)


def expected(role: str, action: str, security: str, same_department: bool, borrower: bool) -> bool:
    """The rules written out plainly, independent of the module's tables."""
    writers = {
        "user.manage": {"admin"}, "template.manage": {"admin"}, "retention.manage": {"admin"},
        "audit.read": {"auditor", "admin"}, "register.read": {"auditor", "archivist", "admin"},
        "file.create": {"archivist", "staff"}, "file.edit": {"archivist", "staff"},
        "file.view": set(ROLES), "file.content": set(ROLES) - {"admin"},
        "file.merge": {"archivist"}, "file.correct": {"archivist"},
        "file.reassign": {"archivist", "approver", "executive"},
        "document.upload": {"archivist", "staff"}, "scan.import": {"archivist"},
        "loan.request": {"archivist", "staff", "approver", "executive"},
        "loan.approve": {"approver", "executive"}, "loan.desk": {"archivist"},
        "hold.manage": {"archivist", "auditor", "admin"}, "destruction.propose": {"archivist"},
        "destruction.approve": {"approver", "executive"}, "destruction.execute": {"archivist", "admin"},
        "search": set(ROLES),
        "intake.submit": {"archivist", "staff"}, "intake.review": {"archivist"},
        "verification.do": {"archivist", "staff"}, "verification.read": {"archivist", "admin", "auditor"},
        "verification.manage": {"admin"},
        "contact.record": {"archivist", "staff", "approver", "executive"},
        "complaint.close": {"archivist", "staff", "approver", "executive"},
        "followup.manage": {"admin"}, "followup.campaign": {"admin", "approver", "executive"},
        "followup.team.read": {"admin", "approver", "executive"},
        "followup.report.read": {"admin", "approver", "executive", "auditor"},
        "pii.reveal": {"archivist", "staff", "approver", "executive"}, "privacy.manage": {"archivist"},
        "partner.manage": {"archivist", "admin"}, "share.request": {"archivist", "staff", "approver", "executive"},
        "share.approve": {"executive"},
    }[action]
    if role not in writers:
        return False
    if action == "loan.request" or action not in access.FILE_ACTIONS:
        return True
    sees = (role in ("archivist", "executive") or borrower or security == "normal"
            or (security == "confidential" and same_department))
    if not sees:
        return False
    if action == "loan.approve":
        return role == "executive" or (security != "sealed" and same_department)
    return True


@pytest.mark.parametrize("role", ROLES)
def test_every_role_action_and_security_level(role):
    for action in access.ACTIONS:
        for security in access.SECURITY_LEVELS:
            for same_department in (True, False):
                for borrower in (True, False):
                    target = FileTarget(security=security, department="销售部" if same_department else "工程部",
                                        approved_borrowers=frozenset({"u1"}) if borrower else frozenset())
                    want = expected(role, action, security, same_department, borrower)
                    assert access.can(person(role), action, target) is want, (role, action, security, same_department,
                                                                              borrower)


def test_auditors_hold_no_write_action_but_holds():
    auditor = person("auditor")
    writes = [a for a in access.WRITE_ACTIONS if access.can(auditor, a)]
    assert writes == ["hold.manage"]


def test_a_deactivated_user_may_do_nothing():
    for action in access.ACTIONS:
        assert access.can(person("admin", active=False), action) is False


def test_nobody_may_do_anything_signed_out():
    assert not any(access.can(None, action) for action in access.ACTIONS)


def test_the_visibility_query_matches_can_see(services):
    files = services.db["policy_files"]
    docs = [{"_id": f"{sec}-{dep}", "security": sec, "department": dep}
            for sec in access.SECURITY_LEVELS for dep in ("销售部", "工程部")]
    files.insert_many(docs)
    for role in ROLES:
        user = person(role)
        query = access.visibility_query(user, borrowed_ids=["sealed-工程部"])
        found = {d["_id"] for d in files.find(query)}
        allowed = {d["_id"] for d in docs if access.can_see(user, FileTarget(
            d["security"], d["department"], frozenset({"u1"}) if d["_id"] == "sealed-工程部" else frozenset()))}
        assert found == allowed, role


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        access.can(person("admin"), "file.teleport")
