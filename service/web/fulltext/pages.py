"""The search page: a query, facets that narrow, results grouped by customer file."""
from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_required

from service import access
from service.errors import Invalid
from service.web.auth import page_user
from service.web.auth import services
from service.web.forms import paging
from service.web.fulltext.api import FACETS
from service.web.fulltext.api import search_params

bp = Blueprint("search", __name__)
KEPT = (*FACETS, "q", "date_from", "date_to", "sort")  # what a facet link or pager keeps of the request


@bp.before_request
@login_required
def signed_in():
    """Searching needs a signed-in person allowed to search."""
    access.require(page_user(), "search")


@bp.get("/search")
def results():
    """Results for the query and filters in the address, or the empty form."""
    page, per_page = paging()
    args = {name: request.args.get(name) for name in KEPT if request.args.get(name)}
    result, problems = None, {}
    try:
        q, filters, sort = search_params()
        if q or filters:
            result = services().search.search(page_user(), q, filters, page, per_page, sort)
    except Invalid as exc:
        problems = exc.fields or {"q": exc.message}
    return render_template("search/results.html", result=result, problems=problems, args=args, link=_linker(args),
                           q=args.get("q", ""), facet_names=FACETS, labels=services().doc_types.labels(),
                           page=page, per_page=per_page), (422 if problems else 200)


def _linker(args: dict):
    """link(name=value, ...): this search with some arguments changed (None drops one), from page 1."""
    def link(**changes) -> str:
        changed = {**args, **changes}
        return url_for("search.results", **{k: v for k, v in changed.items() if v not in (None, "")})
    return link
