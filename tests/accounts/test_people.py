"""People, roles, sign-in, tokens and CSRF."""
from __future__ import annotations

import time

from argon2 import PasswordHasher

from tests.support.auth import PASSWORD
from tests.support.auth import csrf_from


def test_an_admin_creates_a_user_through_the_page_and_it_is_audited(client, auth, services):
    auth.user("boss", ["admin"])
    auth.login("boss")
    form = client.get("/admin/users/new").get_data(as_text=True)
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_from(form), "username": "wangfang", "display_name": "王芳", "department": "销售部",
        "password": "Wang-Fang-2026!", "roles": ["staff", "approver"]})
    assert response.status_code == 302
    created = services.users.by_username("wangfang")
    assert created.roles == ("approver", "staff") and created.department == "销售部"
    entries = services.audit.search(action="user.created")[1]
    assert entries[0]["target"] == f"user:{created.id}" and entries[0]["actor"] == "boss"


def test_a_bad_user_form_shows_errors_beside_the_fields_and_stores_nothing(client, auth, services):
    auth.user("boss", ["admin"])
    auth.login("boss")
    form = client.get("/admin/users/new").get_data(as_text=True)
    response = client.post("/admin/users/new", data={
        "csrf_token": csrf_from(form), "username": "x", "password": "short", "roles": ["wizard"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "field-error" in page and "未知角色" in page and "至少 10 个字符" in page
    assert services.users.list()[0] == 1  # only the admin


def test_a_password_may_not_contain_the_username(services):
    import pytest

    from service.errors import Invalid
    with pytest.raises(Invalid) as caught:
        services.users.create("zhangwei", "my-zhangwei-pass", ["staff"])
    assert "password" in caught.value.fields


def test_staff_get_403_from_admin_pages_and_api(client, auth):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/audit").status_code == 403
    headers = auth.token("clerk")
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    response = client.post("/api/v1/users", headers=headers,
                           json={"username": "x1", "password": "Long-enough-1", "roles": ["admin"]})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_pages_need_a_signed_in_user(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_auditor_reads_the_trail_and_changes_nothing(client, auth, services):
    auth.user("shenji", ["auditor"])
    auth.login("shenji")
    assert client.get("/audit").status_code == 200
    assert client.get("/audit/verify").status_code == 200
    assert client.get("/admin/users").status_code == 403
    headers = auth.token("shenji")
    listing = client.get("/api/v1/audit?action=auth.login", headers=headers)
    assert listing.status_code == 200 and listing.get_json()["total"] >= 1
    assert client.post("/api/v1/users", headers=headers, json={}).status_code == 403
    assert client.get("/api/v1/audit/verify", headers=headers).get_json()["ok"] is True


def test_the_audit_register_exports_to_excel(client, auth):
    import io

    from openpyxl import load_workbook
    auth.user("shenji", ["auditor"])
    auth.login("shenji")
    response = client.get("/audit/export.xlsx?action=auth")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and any(row[3] == "auth.login" for row in rows[1:])


def test_a_deactivated_users_token_and_session_stop_working_at_once(app, auth, services):
    other = app.test_client()
    auth.user("boss", ["admin"])
    leaving = auth.user("leaving", ["staff"])
    headers = auth.token("leaving")
    from tests.support.auth import AuthActions
    AuthActions(other, services).login("leaving")
    assert other.get("/account").status_code == 200
    assert auth.client.get("/api/v1/me", headers=headers).status_code == 200

    admin_headers = auth.token("boss")
    response = auth.client.patch(f"/api/v1/users/{leaving.id}", headers=admin_headers, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert auth.client.get("/api/v1/me", headers=headers).status_code == 401
    assert other.get("/account").status_code == 302  # back to the login page
    assert auth.client.post("/api/v1/auth/token", json={"username": "leaving", "password": PASSWORD}).status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer_after_the_same_work(client, auth, monkeypatch):
    auth.user("real", ["staff"])
    verified, check = [], PasswordHasher.verify

    def counting(hasher, hashed, password):
        verified.append(hashed.rsplit("$", 2)[0])  # "$argon2id$v=19$m=65536,t=3,p=4": what the check costs
        return check(hasher, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    work, bodies = {}, {}
    for username in ("real", "ghost"):
        verified.clear()
        response = client.post("/api/v1/auth/token", json={"username": username, "password": "Wrong-password-1"})
        assert response.status_code == 401
        bodies[username], work[username] = response.get_json(), list(verified)
    assert bodies["real"] == bodies["ghost"]
    # both paths do one Argon2 verification at the same cost, so neither answers in a fraction of the other's time
    assert len(work["real"]) == 1 and work["ghost"] == work["real"]


def test_the_sixth_attempt_on_a_locked_account_is_refused_even_with_the_right_password(client, auth, services):
    auth.user("target", ["staff"])
    for _ in range(5):
        assert client.post("/api/v1/auth/token",
                           json={"username": "target", "password": "Wrong-password-1"}).status_code == 401
    assert services.users.is_locked("target")
    refused = client.post("/api/v1/auth/token", json={"username": "target", "password": PASSWORD})
    assert refused.status_code == 401
    assert auth.login("target").status_code == 401


def test_the_lock_delay_grows_with_each_failure():
    from service.accounts import lock_delay
    delays = [lock_delay(n).total_seconds() for n in range(4, 9)]
    assert delays[0] == 0 and delays[1] > 0 and delays == sorted(delays) and delays[-1] > delays[1]


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(client, auth, services):
    auth.user("boss", ["admin"])
    auth.login("boss")
    response = client.post("/admin/users/new", data={
        "username": "sneaky", "password": "Sneaky-pass-123", "roles": ["admin"]})
    assert response.status_code == 400
    assert services.users.list(query="sneaky")[0] == 0


def test_sign_in_renews_the_session_and_sets_safe_cookies(client, auth):
    auth.user("clerk", ["staff"])
    client.get("/login")
    before = client.get_cookie("session")
    response = auth.login("clerk")
    cookie_header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie_header and "SameSite=Lax" in cookie_header
    assert "Expires=" in cookie_header  # a permanent session whose lifetime restarts with each request
    assert before is None or client.get_cookie("session").value != before.value


def test_a_user_changes_their_own_password(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    page = client.get("/account").get_data(as_text=True)
    response = client.post("/account/password", data={
        "csrf_token": csrf_from(page), "current": PASSWORD, "new": "New-Secret-2026", "repeat": "New-Secret-2026"})
    assert response.status_code == 302
    assert services.users.authenticate("clerk", "New-Secret-2026").username == "clerk"
    assert client.get("/account").status_code == 200  # this session survives


def test_tokens_are_stored_hashed_and_can_be_revoked(client, auth, services):
    auth.user("clerk", ["staff"])
    headers = auth.token("clerk")
    raw = headers["Authorization"].split()[1]
    stored = services.db["api_tokens"].find_one({})
    assert raw not in str(stored) and len(stored["_id"]) == 64
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_api_rejects_bad_bodies_with_json_errors(client, auth):
    auth.user("boss", ["admin"])
    headers = auth.token("boss")
    assert client.post("/api/v1/auth/token", data="not json").status_code == 400
    response = client.post("/api/v1/users", headers=headers,
                           json={"username": "ok_name", "password": 12345, "roles": "admin"})
    assert response.status_code == 422
    assert {"password", "roles"} <= set(response.get_json()["error"]["fields"])
    assert client.get("/api/v1/users?per_page=100000", headers=headers).status_code == 400
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ka_forged"}).status_code == 401


def test_a_session_idle_longer_than_its_lifetime_is_signed_out(app, auth):
    from datetime import timedelta
    auth.user("clerk", ["staff"])
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    auth.login("clerk")
    assert auth.client.get("/account").status_code == 200
    time.sleep(2.2)
    assert auth.client.get("/account").status_code == 302


def test_an_admin_deactivates_reactivates_and_resets_through_the_pages(client, auth, services):
    auth.user("boss", ["admin"])
    clerk = auth.user("clerk", ["staff"])
    auth.login("boss")
    page = client.get(f"/admin/users/{clerk.id}").get_data(as_text=True)
    token = csrf_from(page)
    assert client.post(f"/admin/users/{clerk.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    assert services.users.get(clerk.id).active is False
    assert "已停用" in client.get("/admin/users").get_data(as_text=True)
    client.post(f"/admin/users/{clerk.id}/active", data={"csrf_token": token, "active": "1"})
    assert services.users.get(clerk.id).active is True
    weak = client.post(f"/admin/users/{clerk.id}/password", data={"csrf_token": token, "password": "short"})
    assert weak.status_code == 422
    client.post(f"/admin/users/{clerk.id}/password", data={"csrf_token": token, "password": "Fresh-Start-2026"})
    assert services.users.authenticate("clerk", "Fresh-Start-2026").id == clerk.id
    actions = [e["action"] for e in services.audit.search(target=f"user:{clerk.id}")[1]]
    assert {"user.deactivated", "user.reactivated", "user.password_reset"} <= set(actions)


def test_an_admin_cannot_deactivate_themself_or_give_unknown_roles(client, auth, services):
    boss = auth.user("boss", ["admin"])
    auth.login("boss")
    token = csrf_from(client.get(f"/admin/users/{boss.id}").get_data(as_text=True))
    client.post(f"/admin/users/{boss.id}/active", data={"csrf_token": token, "active": "0"})
    assert services.users.get(boss.id).active is True
    bad = client.post(f"/admin/users/{boss.id}", data={"csrf_token": token, "roles": ["emperor"]})
    assert bad.status_code == 422 and services.users.get(boss.id).roles == ("admin",)
    headers = auth.token("boss")
    assert client.patch("/api/v1/users/6b075a702e2eb535456c8caa", headers=headers,
                        json={"department": "x"}).status_code == 404
    assert client.patch(f"/api/v1/users/{boss.id}", headers=headers, json={"roles": []}).status_code == 422


def test_a_token_is_revoked_from_the_account_page(client, auth):
    auth.user("clerk", ["staff"])
    headers = auth.token("clerk")
    auth.login("clerk")
    page = client.get("/account").get_data(as_text=True)
    import re
    public_id = re.search(r"/account/tokens/([0-9a-f]+)/revoke", page).group(1)
    assert 'data-confirm="确定吊销这个令牌？使用它的程序将立即无法访问。"' in page  # the page asks first
    assert client.post(f"/account/tokens/{public_id}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "已吊销" in client.get("/account").get_data(as_text=True)
    other = client.post("/account/tokens/ffff/revoke", data={"csrf_token": csrf_from(page)})
    assert other.status_code == 302  # someone else's or no token: a message, nothing changes


def test_sign_in_through_page_and_api_is_audited_the_same_way(client, auth, services):
    auth.user("clerk", ["staff"])
    auth.login("clerk")
    auth.token("clerk")
    client.post("/api/v1/auth/token", json={"username": "clerk", "password": "Wrong-password-1"})
    entries = services.audit.search(action="auth.")[1]
    vias = sorted((e["action"], e["details"]["via"]) for e in entries)
    assert vias == [("auth.login", "api"), ("auth.login", "page"), ("auth.login_failed", "api")]


def test_a_page_number_past_what_the_database_can_skip_is_refused_as_malformed(client, auth):
    auth.user("root", ["admin"], department="IT")
    headers = auth.token("root")
    for page in ("46116860184273880", str(10 ** 30)):  # (page - 1) * per_page no longer fits in 64 bits
        response = client.get("/api/v1/users", headers=headers, query_string={"page": page, "per_page": "200"})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"]["fields"] == {"page": "1-100000"}
    assert client.get("/api/v1/users", headers=headers, query_string={"page": "100000"}).get_json()["items"] == []
