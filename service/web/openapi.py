"""The OpenAPI 3.1 description served at /api/v1/openapi.json, generated from the models that check each call.

Each API view declares, with `operation(...)`, the pydantic models of its query, its JSON body and its
answers. spectree checks every request against them before the view runs (a request that does not fit is
refused as malformed, in the reader's language) and every JSON answer after it (an answer that does not fit
is a failure of ours: a 500, logged), and builds this document from the same models. Why spectree: it
decorates the Flask views and blueprints the areas already have, where flask-openapi3 would replace the app
and every blueprint class, and flask-smorest validates with marshmallow rather than pydantic.

Bodies that are not JSON (an uploaded scan, a PDF, a spreadsheet) are declared beside their view with
`consumes(...)` and `produces(...)`.
"""
from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from typing import Any
from typing import Generic
from typing import TypeVar

from flask import current_app
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from spectree import Response
from spectree import SecurityScheme
from spectree import SpecTree
from spectree.models import SecuritySchemeData

from service.errors import Invalid
from service.errors import Malformed
from service.messages import N_
from service.messages import Message
from service.web.forms import MAX_PAGE
from service.web.forms import MAX_PER_PAGE

log = logging.getLogger(__name__)

SECURED = {"bearer": []}
_MODEL_NAMES: dict[str, type] = {}  # a component's name is its model's: two models of one name would clash


class Model(BaseModel):
    """Base of every API model: a request's unknown keys are ignored, an answer may carry more than it names."""

    model_config = ConfigDict(extra="allow")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "[" in cls.__name__:  # a parametrised generic such as Page[Loan]
            return
        known = _MODEL_NAMES.setdefault(cls.__name__, cls)
        if (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"two API models are named {cls.__name__}: {known.__module__}, {cls.__module__}")


class Body(Model):
    """Base of a JSON request body: each value as JSON writes it ("3" is no number); a date as its text, with
    `Field(strict=False)`."""

    model_config = ConfigDict(extra="allow", strict=True)


class ErrorDetail(Model):
    code: str = Field(description="stable, for programs")
    message: str = Field(description="for people, in the reader's language")
    fields: dict[str, Any] = Field(default_factory=dict, description="field -> what is wrong with it")


class Error(Model):
    """Every refusal: 400 malformed, 401, 403, 404, 409 state, 410 destroyed, 412 stale, 413, 415, 422 invalid."""

    error: ErrorDetail


Item = TypeVar("Item")


class Page(Model, Generic[Item]):
    """One page of a list and the length of the whole list."""

    total: int
    items: list[Item]


class Paging(Model):
    """`page` and `per_page` of a list."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class ResponseMismatch(RuntimeError):
    """An answer of ours does not fit its own model."""


def _problem(problem: dict) -> Message:
    """What people read for one mismatch pydantic reports, with its limit where it has one."""
    kind, ctx = problem["type"], problem.get("ctx") or {}
    limited = {
        "string_too_long": lambda: N_("最多 %(n)s 个字", n=ctx["max_length"]),
        "string_too_short": lambda: N_("至少 %(n)s 个字", n=ctx["min_length"]),
        "too_long": lambda: N_("最多 %(n)s 项", n=ctx["max_length"]),
        "too_short": lambda: N_("至少 %(n)s 项", n=ctx["min_length"]),
        "greater_than_equal": lambda: N_("应不小于 %(n)s", n=ctx["ge"]),
        "greater_than": lambda: N_("应大于 %(n)s", n=ctx["gt"]),
        "less_than_equal": lambda: N_("应不大于 %(n)s", n=ctx["le"]),
        "less_than": lambda: N_("应小于 %(n)s", n=ctx["lt"]),
    }
    if kind in limited:
        return limited[kind]()
    plain = {
        "missing": N_("必填"), "int_parsing": N_("应为整数"), "int_type": N_("应为整数"),
        "int_from_float": N_("应为整数"), "float_parsing": N_("应为数字"), "float_type": N_("应为数字"),
        "bool_parsing": N_("应为是或否"), "bool_type": N_("应为是或否"), "string_type": N_("应为文字"),
        "list_type": N_("应为列表"), "dict_type": N_("应为对象"), "model_type": N_("应为对象"),
        "model_attributes_type": N_("应为对象"), "literal_error": N_("不在可选的值中"),
        "enum": N_("不在可选的值中"), "date_parsing": N_("应为日期 YYYY-MM-DD"),
        "date_type": N_("应为日期 YYYY-MM-DD"), "date_from_datetime_parsing": N_("应为日期 YYYY-MM-DD"),
        "datetime_parsing": N_("应为带时区的时间"), "datetime_type": N_("应为带时区的时间"),
    }
    return plain.get(kind) or N_("格式不对")


def _refusal(json: type | None) -> Callable:
    """spectree's hook before one view: a query or headers that do not fit are malformed (400), a body that is
    no JSON object too; a JSON object whose values do not fit is invalid (422), field by field."""
    def refuse(request, response, error, instance, adapter) -> None:
        if error is None:
            return
        fields: dict[str, Message] = {}
        for problem in error.errors():
            fields.setdefault(str(problem["loc"][0]) if problem["loc"] else "body", _problem(problem))
        if json is not None and error.title == json.__name__:
            if not isinstance(request.get_json(silent=True), dict):
                raise Malformed(N_("请求体应为 JSON 对象"))
            raise Invalid(N_("请求的内容不符合要求"), fields)
        raise Malformed(N_("请求的参数不符合要求"), fields)
    return refuse


def _check_answer(request, response, error, instance, adapter) -> None:
    """spectree's hook after a view: an answer that does not fit its model is our failure, never sent."""
    if error is not None:
        log.error("the answer to %s %s does not fit its model: %s", request.method, request.path, error)
        raise ResponseMismatch(f"{request.method} {request.path}: {error}")


def _name(model) -> str:
    """A component's name: the model's class name, `Page[Loan]` as `Page_Loan`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", getattr(model, "__name__", str(model))).strip("_")


spec = SpecTree(
    "flask", mode="strict", annotations=False, title="客户档案库 API", version="1", page_templates={},
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer"))],
    validation_error_status=400, validation_error_model=Error, after=_check_answer,
    naming_strategy=_name, nested_naming_strategy=lambda _parent, child: child)


def operation(*, answer: Any = None, status: int = 200, errors: tuple[int, ...] = (), query: type | None = None,
              json: type | None = None, headers: type | None = None, tags: tuple[str, ...] = (),
              secured: bool = True, described: str | None = None) -> Callable:
    """Declare an API view's models: its query, JSON body and headers, its answer at `status`, its refusals.

    Put it under `@api_auth`, so that a caller without a token is refused before the request is read."""
    answers: dict[str, Any] = {f"HTTP_{status}": (answer, described) if described else answer}
    answers.update({f"HTTP_{code}": Error for code in errors})
    if json is not None:
        answers.setdefault("HTTP_422", Error)
    return spec.validate(query=query, json=json, headers=headers, resp=Response(**answers), tags=tags,
                         security=SECURED if secured else None, before=_refusal(json))


_CONTENT: dict[Callable, dict] = {}


def produces(media_type: str, status: int = 200, description: str = "", schema: dict | None = None) -> Callable:
    """Declare an answer that is not JSON (a scan, a PDF, a spreadsheet, a page image)."""
    def declare(view: Callable) -> Callable:
        _CONTENT.setdefault(view, {}).setdefault("answers", []).append(
            (status, media_type, description, schema or {"type": "string", "format": "binary"}))
        return view
    return declare


def consumes(media_type: str, model: type[BaseModel] | None = None, schema: dict | None = None) -> Callable:
    """Declare a request body that is not checked as JSON before the view: a multipart upload read as a stream
    by the view itself, or a JSON Merge Patch."""
    def declare(view: Callable) -> Callable:
        body = schema if schema is not None else model.model_json_schema(ref_template="#/components/schemas/{model}")
        _CONTENT.setdefault(view, {}).setdefault("bodies", []).append((media_type, body))
        return view
    return declare


def _declared(view: Callable) -> dict:
    while view is not None:
        if view in _CONTENT:
            return _CONTENT[view]
        view = getattr(view, "__wrapped__", None)
    return {}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def _with_declared_content(doc: dict) -> dict:
    for rule in current_app.url_map.iter_rules():
        declared = _declared(current_app.view_functions[rule.endpoint])
        operations = doc["paths"].get(_openapi_path(rule.rule), {})
        for method in (rule.methods or ()):
            described = operations.get(method.lower())
            if not declared or described is None:
                continue
            for status, media_type, description, schema in declared.get("answers", ()):
                answer = described["responses"].setdefault(str(status), {"description": description})
                answer.setdefault("content", {}).pop("application/json", None)
                answer["content"][media_type] = {"schema": schema}
                answer["description"] = description or answer.get("description", "")
            for media_type, schema in declared.get("bodies", ()):
                body = described.setdefault("requestBody", {"content": {}})
                body["content"][media_type] = {"schema": schema}
    return doc


def document() -> dict:
    """The whole description, for the app of this request (made once per app: spectree's own cache would serve
    one app's routes to another)."""
    if "openapi" not in current_app.extensions:
        models = copy.deepcopy(spec.models)  # spectree lifts the nested models out of these as it generates
        try:
            described = _with_declared_content(spec._generate_spec())
        finally:
            spec.models = models
        described["servers"] = [{"url": "/"}]
        current_app.extensions["openapi"] = described
    return copy.deepcopy(current_app.extensions["openapi"])
