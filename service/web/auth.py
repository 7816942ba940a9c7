"""Who is asking: sessions for pages (Flask-Login), bearer tokens for the API."""
from __future__ import annotations

from functools import wraps

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask_login import LoginManager
from flask_login import UserMixin
from flask_login import current_user

from service.accounts import User
from service.errors import NotFound
from service.errors import Unauthenticated
from service.messages import N_


class SessionUser(UserMixin):
    """Flask-Login's view of a user; the id carries the session epoch, so a password reset
    or a deactivation ends every session at once."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_epoch}"

    @property
    def is_active(self) -> bool:
        return self.user.active


def services():
    """The wired services of this app."""
    return current_app.extensions["archive"]


def init(app: Flask) -> None:
    """Install Flask-Login on the app."""
    manager = LoginManager(app)
    manager.login_view = "account.login"
    manager.login_message = None
    manager.session_protection = "strong"

    @manager.user_loader
    def load(session_id: str):
        if g.get("database_down"):  # the error page that says so (service/web/errors)
            return None
        user_id, _, epoch = session_id.partition(":")
        try:
            user = services().users.get(user_id)
        except NotFound:
            return None
        if not user.active or str(user.session_epoch) != epoch:
            return None
        return SessionUser(user)


def sign_in(username, password, via: str) -> User:
    """Check credentials and write the audit entry, for the login page and the token endpoint alike."""
    name = username if isinstance(username, str) else ""
    try:
        user = services().users.authenticate(username, password)
    except Unauthenticated:
        services().audit.record("-", "auth.login_failed", f"user:{name[:40]}",
                                {"ip": request.remote_addr, "via": via})
        raise
    services().audit.record(user.username, "auth.login", f"user:{user.id}", {"ip": request.remote_addr, "via": via})
    return user


def page_user() -> User | None:
    """The signed-in person on a page, or None."""
    return current_user.user if current_user.is_authenticated else None


def api_user() -> User:
    """The person behind the bearer token of this API request; Unauthenticated otherwise."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated(N_("需要登录令牌"))
        g.api_user = services().tokens.resolve(raw.strip())
    return g.api_user


def api_auth(view):
    """Require a valid bearer token for an API view."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        api_user()
        return view(*args, **kwargs)
    return wrapper
