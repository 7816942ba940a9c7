"""The edge where messages meet the reader's language: error bodies, JSON, pages and flashes."""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext

from service.messages import Joined
from service.messages import Message
from service.messages import render


def localise(value: Any) -> Any:
    """`value` with every Message in it (also inside dicts and lists) in the request's language."""
    return render(value, gettext)


def _finalize(value: Any) -> Any:
    return value.render(gettext) if isinstance(value, (Message, Joined)) else value


def stored(text: str | None) -> str | None:
    """A reason a record keeps as the Chinese text: in the reader's language when it is a plain message."""
    return gettext(text) if isinstance(text, str) and text else text


class LocalisingJSONProvider(DefaultJSONProvider):
    """JSON bodies with every Message in the request's language."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return super().dumps(localise(obj), **kwargs)


def install(app: Flask) -> None:
    """Render messages in the reader's language wherever a page or a JSON body shows one."""
    app.jinja_options = {**app.jinja_options, "finalize": _finalize}
    app.json = LocalisingJSONProvider(app)
    app.jinja_env.filters["stored"] = stored
