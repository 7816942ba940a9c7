"""Signing in and out, and each person's own account page."""
from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from service.errors import Invalid
from service.errors import NotFound
from service.errors import Unauthenticated
from service.web.auth import SessionUser
from service.web.auth import page_user
from service.web.auth import services
from service.web.auth import sign_in

bp = Blueprint("account", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("ui.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; a failure never says whether the user exists."""
    if request.method == "GET":
        return render_template("account/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    try:
        user = sign_in(username, request.form.get("password", ""), via="page")
    except Unauthenticated:
        return render_template("account/login.html", error=_("用户名或密码错误"), username=username,
                               next=request.form.get("next", "")), 401
    session.clear()  # a new session at every sign-in
    session.permanent = True
    login_user(SessionUser(user))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
@login_required
def logout():
    """End the session."""
    user = page_user()
    services().audit.record(user.username, "auth.logout", f"user:{user.id}")
    logout_user()
    session.clear()
    return redirect(url_for("account.login"))


@bp.get("/account")
@login_required
def account():
    """The signed-in person's own page: password and API tokens."""
    user = page_user()
    return render_template("account/account.html", user=user, tokens=services().tokens.list_for(user))


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's own password (this ends the other sessions)."""
    user = page_user()
    if request.form.get("new", "") != request.form.get("repeat", ""):
        errors = {"repeat": _("两次输入的新密码不一致")}
        return render_template("account/account.html", user=user, errors=errors,
                               tokens=services().tokens.list_for(user)), 422
    try:
        services().users.change_own_password(user.id, request.form.get("current", ""), request.form.get("new", ""))
    except Invalid as exc:
        return render_template("account/account.html", user=user, errors=exc.fields,
                               tokens=services().tokens.list_for(user)), 422
    services().audit.record(user.username, "user.password_changed", f"user:{user.id}")
    login_user(SessionUser(services().users.get(user.id)))  # keep this session, end the others
    flash(_("密码已修改"))
    return redirect(url_for("account.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    """Issue a new API token, shown once."""
    user = page_user()
    raw, _record = services().tokens.issue(user, request.form.get("label", "api") or "api")
    services().audit.record(user.username, "token.issued", f"user:{user.id}")
    return render_template("account/account.html", user=user, new_token=raw,
                           tokens=services().tokens.list_for(user))


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str):
    """Revoke one of one's own tokens."""
    user = page_user()
    try:
        services().tokens.revoke(user, token_id)
    except NotFound:
        flash(_("没有这个令牌"), "error")
        return redirect(url_for("account.account"))
    services().audit.record(user.username, "token.revoked", f"token:{token_id}")
    flash(_("令牌已吊销"))
    return redirect(url_for("account.account"))
