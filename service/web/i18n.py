"""The edge where messages meet the reader's language: error bodies, JSON, pages and flashes."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale
from flask_babel import get_translations
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
    """A reason a record keeps as the Chinese text, in the reader's language: a plain message by its msgid,
    one made with parameters (N_("第 %(n)s 页无法读取", n=3) is kept as "第 3 页无法读取") by the msgid whose
    text around the parameters it matches, the parameters in turn as stored text. Anything else (what a
    person typed) stays as it is."""
    if not isinstance(text, str) or not text:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for msgid, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found:
            params = {name: _part(value) for name, value in found.groupdict().items()}
            return gettext(msgid, **params)
    return text


def _part(text: str) -> str:
    """A parameter as stored text; a list of reasons (`A：why；B：why`, see service.messages.Joined) item by item."""
    shown = stored(text)
    if shown != text:
        return shown
    if "；" in text:
        return ("; " if str(get_locale()) == "en" else "；").join(_part(item) for item in text.split("；"))
    if "：" in text:
        head, _sep, tail = text.partition("：")
        return gettext("%(no)s：%(why)s", no=head, why=_part(tail))
    return text


PARAMETER = re.compile(r"%\((\w+)\)s")
WORDY = re.compile(r"[\w\u3400-\u9fff]")  # a msgid needs some words around its parameters to be recognised
_compiled: dict[int, list[tuple[str, re.Pattern]]] = {}


def _patterns() -> list[tuple[str, re.Pattern]]:
    """The catalog's msgids with parameters as patterns, the most literal text first."""
    translations = get_translations()
    key = id(translations)
    if key not in _compiled:
        found = []
        for msgid in getattr(translations, "_catalog", {}):
            if isinstance(msgid, str) and "%(" in msgid and WORDY.search(PARAMETER.sub("", msgid)):
                found.append((len(PARAMETER.sub("", msgid)), msgid, _pattern(msgid)))
        _compiled[key] = [(msgid, pattern) for _, msgid, pattern in sorted(found, reverse=True)]
    return _compiled[key]


def _pattern(msgid: str) -> re.Pattern:
    parts, seen, end = [], set(), 0
    for match in PARAMETER.finditer(msgid):
        name = match.group(1)
        parts += [re.escape(msgid[end:match.start()]), f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"]
        seen.add(name)
        end = match.end()
    parts.append(re.escape(msgid[end:]))
    return re.compile("".join(parts), re.S)


class LocalisingJSONProvider(DefaultJSONProvider):
    """JSON bodies with every Message in the request's language."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return super().dumps(localise(obj), **kwargs)


def install(app: Flask) -> None:
    """Render messages in the reader's language wherever a page or a JSON body shows one."""
    app.jinja_options = {**app.jinja_options, "finalize": _finalize}
    app.json = LocalisingJSONProvider(app)
    app.jinja_env.filters["stored"] = stored
