"""The public JSON API under /api/v1."""
from flask import Blueprint
from flask import jsonify

from service.web import openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI description of what this server does."""
    return jsonify(openapi.document())
