"""Templates in the JSON API: list, read with JSON Schema, define (admin)."""
from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from service.files import templates
from service.web.auth import api_auth
from service.web.auth import api_user
from service.web.auth import services
from service.web.files import models
from service.web.forms import json_body
from service.web.openapi import Page
from service.web.openapi import operation

bp = Blueprint("files_templates_api", __name__)  # registered under the API prefix (service.web.api)


def template_json(definition: dict) -> dict:
    """A template with its compiled JSON Schema."""
    body = {k: v for k, v in definition.items() if k not in ("defined_at",)}
    return {**body, "schema": templates.compile_schema(definition)}


@bp.get("/templates")
@api_auth
@operation(answer=Page[models.Template], errors=(401,), tags=("templates",))
def list_templates():
    """Every template (newest versions)."""
    api_user()
    found = services().templates.all()
    return jsonify({"total": len(found), "items": [template_json(t) for t in found.values()]})


@bp.get("/templates/<key>")
@api_auth
@operation(answer=models.Template, errors=(401, 404), tags=("templates",))
def get_template(key: str):
    """One template with its JSON Schema."""
    return jsonify(template_json(services().templates.require(key)))


@bp.post("/templates")
@api_auth
@operation(json=models.TemplateDefinition, answer=models.Template, status=201, errors=(400, 401, 403, 422),
           tags=("templates",), described="stored")
def define_template():
    """Define a template or a new version of one (admin)."""
    return jsonify(template_json(services().templates.define(api_user(), json_body()))), 201
