"""The models of the identity API (tokens, the caller, accounts): what each call takes and answers."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from typing import Literal

from pydantic import ConfigDict
from pydantic import Field

from service.web.forms import MAX_PAGE
from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import Paging

Role = Literal["admin", "archivist", "staff", "approver", "executive", "auditor"]


def documented_required(*names: str) -> ConfigDict:
    """A body whose `names` are required, as the description says, but checked by the service after the
    caller's rights: someone who may not call it at all learns that first (403), not what the body lacks."""
    def mark(schema: dict[str, Any], _model: Any) -> None:
        schema["required"] = sorted({*schema.get("required", ()), *names})
        for name in names:
            schema.get("properties", {}).get(name, {}).pop("default", None)
    return ConfigDict(json_schema_extra=mark)


class TokenRequest(Body):
    """Username and password for a bearer token."""

    username: str
    password: str
    label: str | None = Field("api", description="what the token is for, shown on the account page")


class TokenHolder(Model):
    username: str
    roles: list[Role]


class TokenIssued(Model):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    expires_at: datetime
    user: TokenHolder


class Account(Model):
    """An account as the API shows it."""

    id: str
    username: str
    display_name: str
    department: str
    active: bool
    roles: list[Role]


class AccountFilters(Paging):
    page: Any = Field(1, json_schema_extra={"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                      description="checked by the list itself, which names the range it takes")
    q: str = Field("", description="part of the username, display name or department")


class AccountCreation(Body):
    """A new account; username, password and roles are required (checked after the caller's rights)."""

    model_config = documented_required("username", "password", "roles")

    username: str = Field(None, description="letters, digits, `.`, `_`, `-`")
    password: str = Field(None, description="the password rules of the deployment apply")
    roles: list[str] = Field(None, description="admin, archivist, staff, approver, executive or auditor")
    department: str | None = None
    display_name: str | None = None


class AccountChange(Body):
    """What to change; keys left out stay as they are."""

    roles: list[str] | None = Field(None, description="admin, archivist, staff, approver, executive or auditor")
    department: str | None = None
    display_name: str | None = None
    active: bool | None = Field(None, description="false deactivates the account (its tokens stop working)")
