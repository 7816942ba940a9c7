"""The API's models: they refuse what does not fit before a view runs, check each answer after it, and are the
OpenAPI description the server gives."""
from __future__ import annotations

import json
import re

import pytest
from flask import Blueprint
from flask import jsonify
from pydantic import Field

from service.web.openapi import Body
from service.web.openapi import Model
from service.web.openapi import ResponseMismatch
from service.web.openapi import operation
from service.web.openapi import produces


class ProbeBody(Body):
    count: int = Field(ge=1, le=5)
    label: str = Field(max_length=4)


class ProbeAnswer(Model):
    count: int


def probe_app(app):
    """The app with two views of its own: one that answers what its model says, one that does not."""
    bp = Blueprint("probe", __name__)

    @bp.post("/api/v1/probe")
    @operation(json=ProbeBody, answer=ProbeAnswer)
    def probe():
        """A probe."""
        return jsonify({"count": 1})

    @bp.get("/api/v1/probe/wrong")
    @operation(answer=ProbeAnswer)
    def wrong():
        """An answer of the wrong shape."""
        return jsonify({"count": "many"})

    @bp.get("/api/v1/probe/sheet")
    @operation()
    @produces("text/csv", description="a register")
    def sheet():
        """A register as CSV."""
        return "a,b\n", 200, {"Content-Type": "text/csv"}

    app.extensions["csrf"].exempt(bp)  # the API takes bearer tokens, never the session cookie
    app.register_blueprint(bp)
    return app


def in_language(client, language: str):
    assert client.get(f"/lang/{language}?next=/login").status_code == 302


def test_a_body_that_is_no_json_object_is_malformed(client, auth):
    auth.user("clerk", ["staff"])
    headers = auth.token("clerk")
    for body in ({"data": "x"}, {"json": [1, 2]}, {"json": "text"}):
        answer = client.post("/api/v1/loans", headers=headers, **body)
        assert answer.status_code == 400, body
        assert answer.get_json()["error"]["code"] == "malformed"


def test_values_that_do_not_fit_are_refused_field_by_field_in_the_reader_s_language(app, auth):
    client = probe_app(app).test_client()
    answer = client.post("/api/v1/probe", json={"count": "3", "label": "太长的名字"})
    assert answer.status_code == 422
    assert answer.get_json()["error"] == {"code": "invalid", "message": "请求的内容不符合要求",
                                          "fields": {"count": "应为整数", "label": "最多 4 个字"}}
    assert client.post("/api/v1/probe", json={"count": 9, "label": "ok"}).get_json()["error"]["fields"] == {
        "count": "应不大于 5"}
    assert client.post("/api/v1/probe", json={}).get_json()["error"]["fields"] == {"count": "必填", "label": "必填"}
    in_language(client, "en")
    english = client.post("/api/v1/probe", json={"count": 0, "label": 7}).get_json()["error"]
    assert english["message"] == "The request's content does not fit"
    assert english["fields"] == {"count": "Should be at least 1", "label": "Should be text"}
    assert client.post("/api/v1/probe", json={"count": 2, "label": "ok"}).get_json() == {"count": 1}


def test_a_query_that_does_not_fit_is_malformed_and_names_its_parameter(client, auth):
    auth.user("keeper", ["archivist"])
    headers = auth.token("keeper")
    for query, field in (("per_page=500", "per_page"), ("page=x", "page"), ("status=late", "status"),
                         ("as_of=2026-13-01", "as_of")):
        answer = client.get(f"/api/v1/loans?{query}", headers=headers)
        assert answer.status_code == 400, query
        assert answer.get_json()["error"]["code"] == "malformed" and field in answer.get_json()["error"]["fields"]


def test_the_token_is_checked_before_the_body(client):
    answer = client.post("/api/v1/loans", json={"days": "x"})
    assert answer.status_code == 401


def test_an_answer_that_does_not_fit_its_model_is_never_sent(app, caplog):
    client = probe_app(app).test_client()
    with pytest.raises(ResponseMismatch):
        client.get("/api/v1/probe/wrong")
    assert "does not fit its model" in caplog.text


def test_two_models_of_one_name_are_refused():
    with pytest.raises(TypeError, match="two API models are named ProbeAnswer"):
        type("ProbeAnswer", (Model,), {"__module__": "elsewhere", "__annotations__": {"x": int}})


def test_the_document_is_made_from_the_models_and_the_declared_content(app):
    doc = probe_app(app).test_client().get("/api/v1/openapi.json").get_json()
    probe = doc["paths"]["/api/v1/probe"]["post"]
    assert probe["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProbeBody"}
    assert doc["components"]["schemas"]["ProbeBody"]["properties"]["count"]["maximum"] == 5
    assert set(probe["responses"]) == {"200", "400", "422"} and probe["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/v1/probe/sheet"]["get"]["responses"]["200"]["content"] == {
        "text/csv": {"schema": {"type": "string", "format": "binary"}}}
    loans = doc["paths"]["/api/v1/loans"]
    assert loans["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/LoanRequest")
    assert {p["name"] for p in loans["get"]["parameters"]} >= {"page", "per_page", "status", "as_of", "kind"}
    assert doc["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}


def test_each_app_is_described_by_its_own_routes(app, settings, services):
    from service.app import create_app
    assert "/api/v1/probe" in probe_app(app).test_client().get("/api/v1/openapi.json").get_json()["paths"]
    other = create_app(settings, services).test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/probe" not in other["paths"] and "/api/v1/loans" in other["paths"]



def test_every_app_s_description_holds_every_model_it_refers_to(app, settings, services):
    from service.app import create_app
    for made in (app, create_app(settings, services), create_app(settings, services)):
        doc = made.test_client().get("/api/v1/openapi.json").get_json()
        referred = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(doc)))
        assert referred - set(doc["components"]["schemas"]) == set()
        assert {"FileClassification", "AuditEntry", "Loan"} <= referred
