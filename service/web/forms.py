"""Small helpers for pages: paging arguments and reading form values."""
from __future__ import annotations

from flask import request

from service.errors import DomainError
from service.errors import Malformed
from service.web.i18n import localise

MAX_PER_PAGE = 200


def paging(default_per_page: int = 20) -> tuple[int, int]:
    """`page` and `per_page` from the query string, checked."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        raise Malformed("page and per_page must be whole numbers",
                        {"page": "must be a whole number"}) from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise Malformed(f"page must be at least 1 and per_page between 1 and {MAX_PER_PAGE}",
                        {"per_page": f"1-{MAX_PER_PAGE}"})
    return page, per_page


def json_body() -> dict:
    """The request's JSON object, or Malformed."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Malformed("the body must be a JSON object")
    return body


def problems(exc: DomainError) -> str:
    """A refusal as one line for a flash message, in the reader's language."""
    return "；".join(f"{k}: {localise(v)}" for k, v in exc.fields.items()) or localise(exc.message)
