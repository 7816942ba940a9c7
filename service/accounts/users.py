"""People: accounts, roles, departments, passwords and sign-in with lock-out."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

from service import clock
from service.errors import Conflict
from service.errors import Invalid
from service.errors import NotFound
from service.errors import Unauthenticated
from service.events import EventBus
from service.events import UserDeactivating
from service.messages import N_
from storage.users import UsernameTaken
from storage.users import UserRepository

ROLES = ("admin", "archivist", "staff", "approver", "executive", "auditor")
MIN_PASSWORD = 10
WRONG_CREDENTIALS = N_("用户名或密码错误")
LOCK_AFTER = 5
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,40}$")

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost one Argon2 verification.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


@dataclass(frozen=True)
class User:
    """What the rest of the product knows of a signed-in person."""

    id: str
    username: str
    roles: tuple[str, ...]
    department: str
    display_name: str
    active: bool
    session_epoch: int = 0

    def has(self, *roles: str) -> bool:
        """True if the user holds any of the roles."""
        return any(role in self.roles for role in roles)


def to_user(doc: dict) -> User:
    """The domain view of a stored user document."""
    return User(id=str(doc["_id"]), username=doc["username"], roles=tuple(doc.get("roles", [])),
                department=doc.get("department", ""), display_name=doc.get("display_name") or doc["username"],
                active=doc.get("active", True), session_epoch=doc.get("session_epoch", 0))


def check_password(password: str, username: str) -> str | None:
    """Why a password is unacceptable, or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return N_("密码至少 %(n)s 个字符", n=MIN_PASSWORD)
    if username and username.lower() in password.lower():
        return N_("密码不能包含用户名")
    return None


def _check_roles(roles) -> list[str]:
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise Invalid(N_("角色应为非空列表"), {"roles": N_("至少选择一个角色")})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid(N_("未知角色"), {"roles": N_("未知角色：%(roles)s", roles=", ".join(unknown))})
    return sorted(set(roles))


def lock_delay(failures: int) -> timedelta:
    """How long an account stays locked after this many consecutive failures (grows)."""
    if failures < LOCK_AFTER:
        return timedelta(0)
    return timedelta(seconds=min(3600, 30 * 2 ** (failures - LOCK_AFTER)))


class UserService:
    """Business rules for accounts."""

    def __init__(self, repo: UserRepository, events: EventBus):
        self.repo = repo
        self.events = events  # UserDeactivating: another area may refuse (a folder still out)

    def create(self, username, password, roles, department="", display_name="") -> User:
        """Create an active account after checking every input."""
        fields = {}
        if not isinstance(username, str) or not USERNAME.match(username):
            fields["username"] = "2-40 个字母、数字或 ._- (2-40 letters, digits or ._-)"
        problem = check_password(password, username if isinstance(username, str) else "")
        if problem:
            fields["password"] = problem
        if not isinstance(department, str) or len(department) > 60:
            fields["department"] = N_("部门名称无效")
        if not isinstance(display_name, str) or len(display_name) > 60:
            fields["display_name"] = N_("姓名无效")
        try:
            roles = _check_roles(roles)
        except Invalid as exc:
            fields.update(exc.fields)
        if fields:
            raise Invalid(N_("无法创建用户"), fields)
        now = clock.now()
        doc = {"username": username, "password_hash": _hasher.hash(password), "roles": roles,
               "department": department.strip(), "display_name": display_name.strip() or username,
               "active": True, "failures_reset_at": None, "session_epoch": 0,
               "created_at": now, "password_changed_at": now}
        try:
            doc["_id"] = self.repo.insert(doc)
        except UsernameTaken:
            raise Invalid(N_("用户名已存在"), {"username": N_("用户名已存在")}) from None
        return to_user(doc)

    def authenticate(self, username: str, password: str) -> User:
        """The user for these credentials; one Unauthenticated answer for every failure."""
        doc = self.repo.by_username(username) if isinstance(username, str) else None
        if doc is None:
            _verify(_DUMMY_HASH, password)
            raise Unauthenticated(WRONG_CREDENTIALS)
        user_id = str(doc["_id"])
        ok = _verify(doc["password_hash"], password)
        failures, latest = self.repo.failures_since(user_id, doc.get("failures_reset_at"))
        if latest is not None and latest + lock_delay(failures) > clock.now():
            if not ok:
                self.repo.record_failure(user_id, clock.now())
            raise Unauthenticated(WRONG_CREDENTIALS)
        if not ok:
            self.repo.record_failure(user_id, clock.now())
            raise Unauthenticated(WRONG_CREDENTIALS)
        if not doc.get("active", True):
            raise Unauthenticated(WRONG_CREDENTIALS)
        self.repo.update(user_id, {"failures_reset_at": clock.now(), "last_login_at": clock.now()})
        return to_user(doc)

    def is_locked(self, username: str) -> bool:
        """True while the account is locked by failed sign-ins (for the admin page)."""
        doc = self.repo.by_username(username)
        if doc is None:
            return False
        failures, latest = self.repo.failures_since(str(doc["_id"]), doc.get("failures_reset_at"))
        return latest is not None and latest + lock_delay(failures) > clock.now()

    def get(self, user_id: str) -> User:
        """The user by id; NotFound otherwise."""
        doc = self.repo.by_id(user_id)
        if doc is None:
            raise NotFound(N_("没有这个用户"))
        return to_user(doc)

    def by_username(self, username: str) -> User:
        """The user by name; NotFound otherwise."""
        doc = self.repo.by_username(username)
        if doc is None:
            raise NotFound(N_("没有这个用户"))
        return to_user(doc)

    def set_password(self, user_id: str, password: str) -> None:
        """Replace the password (and end the user's other sessions)."""
        user = self.get(user_id)
        problem = check_password(password, user.username)
        if problem:
            raise Invalid(N_("密码不符合要求"), {"password": problem})
        self.repo.update(user_id, {"password_hash": _hasher.hash(password), "password_changed_at": clock.now(),
                                   "failures_reset_at": clock.now(),
                                   "session_epoch": user.session_epoch + 1})

    def change_own_password(self, user_id: str, current: str, new: str) -> None:
        """A user changes their own password after proving the current one."""
        doc = self.repo.by_id(user_id)
        if doc is None or not _verify(doc["password_hash"], current):
            raise Invalid(N_("当前密码错误"), {"current": N_("当前密码错误")})
        self.set_password(user_id, new)

    def update_profile(self, user_id: str, roles=None, department=None, display_name=None) -> User:
        """Change roles, department or display name."""
        changes = {}
        if roles is not None:
            changes["roles"] = _check_roles(roles)
        if department is not None:
            if not isinstance(department, str) or len(department) > 60:
                raise Invalid(N_("部门名称无效"), {"department": N_("部门名称无效")})
            changes["department"] = department.strip()
        if display_name is not None:
            if not isinstance(display_name, str) or len(display_name) > 60:
                raise Invalid(N_("姓名无效"), {"display_name": N_("姓名无效")})
            changes["display_name"] = display_name.strip()
        doc = self.repo.update(user_id, changes) if changes else self.repo.by_id(user_id)
        if doc is None:
            raise NotFound(N_("没有这个用户"))
        return to_user(doc)

    def set_active(self, user_id: str, active: bool) -> User:
        """Deactivate (ending every session and token at once) or reactivate an account."""
        user = self.get(user_id)
        if not active:
            reason = self.events.refusal(UserDeactivating(user.username))
            if reason:
                raise Conflict(reason, {"active": reason})
        doc = self.repo.update(user_id, {"active": active, "session_epoch": user.session_epoch + 1})
        return to_user(doc)

    def list(self, page: int = 1, per_page: int = 20, query: str = "") -> tuple[int, list[User]]:
        """A page of users, by username."""
        match = {"username": {"$regex": re.escape(query), "$options": "i"}} if query else {}
        total, docs = self.repo.page(match, (page - 1) * per_page, per_page, [("username", 1)])
        return total, [to_user(d) for d in docs]

    def is_active_username(self, username: str) -> bool:
        """True if an active account has this username."""
        doc = self.repo.by_username(username)
        return doc is not None and doc.get("active", True)

    def has_admin(self) -> bool:
        """True if some active admin exists."""
        return self.repo.count({"roles": "admin", "active": True}) > 0


def _verify(hashed: str, password) -> bool:
    try:
        return _hasher.verify(hashed, password if isinstance(password, str) else "")
    except (VerificationError, InvalidHashError):
        return False
