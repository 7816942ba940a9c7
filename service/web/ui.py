"""The pages people use."""
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_required

from service.app import LOCALES

bp = Blueprint("ui", __name__)


@bp.get("/")
@login_required
def index():
    """The start page: the dashboard of the person's role, and the services' state."""
    from service.web.dashboard.pages import overview_for_page
    report = current_app.extensions["archive"].readiness()
    overview = overview_for_page() if all(v == "ok" for v in report.values()) else None
    return render_template("index.html", report=report, overview=overview)


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico get the icon the pages name."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface language and return to where the user was."""
    target = request.args.get("next") or url_for("ui.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("ui.index")
    response = redirect(target)
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
