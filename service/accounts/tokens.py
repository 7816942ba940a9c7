"""API tokens: issued at sign-in, stored hashed, expiring and revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from service import clock
from service.accounts.users import User
from service.accounts.users import UserService
from service.errors import NotFound
from service.errors import Unauthenticated
from service.messages import N_
from storage.tokens import TokenRepository

PREFIX = "ka_"
TOUCH_EVERY = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenService:
    """Bearer tokens for the API."""

    def __init__(self, repo: TokenRepository, users: UserService, lifetime_days: int):
        self.repo = repo
        self.users = users
        self.lifetime = timedelta(days=lifetime_days)

    def issue(self, user: User, label: str = "api") -> tuple[str, dict]:
        """A new token for the user: the raw value (shown once) and its record."""
        raw = PREFIX + secrets.token_urlsafe(32)
        now = clock.now()
        record = {"_id": _hash(raw), "public_id": secrets.token_hex(8), "user_id": user.id, "label": str(label)[:60],
                  "created_at": now, "expires_at": now + self.lifetime, "revoked_at": None,
                  "last_used_at": None, "session_epoch": user.session_epoch}
        self.repo.insert(record)
        return raw, record

    def resolve(self, raw: str) -> User:
        """The active user a presented token belongs to; Unauthenticated otherwise."""
        record = self.repo.by_hash(_hash(raw)) if isinstance(raw, str) and raw.startswith(PREFIX) else None
        now = clock.now()
        if record is None or record.get("revoked_at") or record["expires_at"] <= now:
            raise Unauthenticated(N_("无效或过期的令牌"))
        try:
            user = self.users.get(record["user_id"])
        except NotFound:
            raise Unauthenticated(N_("无效或过期的令牌")) from None
        if not user.active or user.session_epoch != record.get("session_epoch", 0):
            raise Unauthenticated(N_("无效或过期的令牌"))
        last = record.get("last_used_at")
        if last is None or now - last > TOUCH_EVERY:
            self.repo.touch(record["_id"], now)  # not on every request: it would be a write per call
        return user

    def list_for(self, user: User) -> list[dict]:
        """The user's tokens (without their values)."""
        return self.repo.for_user(user.id)

    def revoke(self, user: User, public_id: str) -> None:
        """Revoke one of the user's own tokens, named by its public id."""
        record = next((t for t in self.repo.for_user(user.id) if t.get("public_id") == public_id), None)
        if record is None:
            raise NotFound(N_("没有这个令牌"))
        self.repo.revoke(record["_id"], clock.now())

    def revoke_raw(self, raw: str) -> None:
        """Revoke the token with this value (signing out of the API)."""
        record = self.repo.by_hash(_hash(raw))
        if record is None:
            raise NotFound(N_("没有这个令牌"))
        self.repo.revoke(record["_id"], clock.now())
