"""Small helpers for pages: paging arguments and reading form values."""
from __future__ import annotations

from flask import request

from service.errors import DomainError
from service.errors import Malformed
from service.messages import N_
from service.web.i18n import localise

MAX_PER_PAGE = 200
MAX_PAGE = 100_000  # far past any list's end; (page - 1) * per_page must stay an offset the database takes


def paging(default_per_page: int = 20) -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise Malformed(N_("page 和 per_page 应为整数"),
                        {"page": "must be a whole number"}) from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise Malformed(N_("page 至少为 1，per_page 应在 1 到 %(n)s 之间", n=MAX_PER_PAGE),
                        {"per_page": f"1-{MAX_PER_PAGE}"})
    if page > MAX_PAGE:
        raise Malformed(N_("page 应在 1 到 %(n)s 之间", n=MAX_PAGE), {"page": f"1-{MAX_PAGE}"})
    return page, per_page


def json_body() -> dict:
    """The request's JSON object, or Malformed."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Malformed(N_("请求体应为 JSON 对象"))
    return body


def problems(exc: DomainError) -> str:
    """A refusal as one line for a flash message, in the reader's language."""
    return "；".join(f"{k}: {localise(v)}" for k, v in exc.fields.items()) or localise(exc.message)
