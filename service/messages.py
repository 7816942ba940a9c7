"""Messages for people, marked for translation and translated at the edge.

A service says `raise NotFound(N_("没有这个档案"))` or `N_("续借次数已达上限 %(limit)s 次", limit=3)`: the msgid is
the Chinese text (the catalog's source language, as in the templates), parameters are named, and nothing here
knows the reader's language. `pybabel extract` finds `N_` among its default keywords. The web layer renders a
`Message` in the request's language (service/web/i18n.py). A Message is also the Chinese text itself (a `str`),
so logs, the CLI and records that keep a reason (an import's outcome, a job's error) hold that text.
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

Translate = Callable[[str], str]


class Message(str):
    """A msgid with its named parameters; as a `str`, the text in the source language."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None):
        params = dict(params or {})
        message = super().__new__(cls, _fill(msgid, params, None))
        message.msgid, message.params = msgid, params
        return message

    def render(self, translate: Translate | None = None) -> str:
        """The text through `translate(msgid)` (the msgid itself without one), parameters filled in."""
        return _fill(translate(self.msgid) if translate else self.msgid, self.params, translate)

    def __repr__(self) -> str:
        return f"N_({self.msgid!r}{''.join(f', {k}={v!r}' for k, v in self.params.items())})"

    def __reduce__(self):
        return Message, (self.msgid, self.params)


class Joined(str):
    """Several messages shown as one parameter, each rendered in the reader's language."""

    items: list

    def __new__(cls, separator: str, items: Iterable):
        items = list(items)
        joined = super().__new__(cls, separator.join(str(item) for item in items))
        joined.separator, joined.items = separator, items
        return joined

    def render(self, translate: Translate | None = None) -> str:
        """The items rendered and joined."""
        return self.separator.join(str(render(item, translate)) for item in self.items)

    def __reduce__(self):
        return Joined, (self.separator, self.items)


def _fill(text: str, params: dict, translate: Translate | None) -> str:
    return text % {key: render(value, translate) for key, value in params.items()} if params else text


def N_(msgid: str, **params: Any) -> Message:  # the gettext name that extraction looks for
    """Mark `msgid` (Chinese, with `%(name)s` placeholders) for translation where it is shown."""
    return Message(msgid, params)


def render(value: Any, translate: Translate | None = None) -> Any:
    """`value` with every Message in it rendered, through dicts, lists and tuples; other values as they are."""
    if isinstance(value, (Message, Joined)):
        return value.render(translate)
    if isinstance(value, dict):
        return {key: render(item, translate) for key, item in value.items()}
    if isinstance(value, (list, tuple)):  # a named tuple comes back as a list, the way JSON writes it
        return [render(item, translate) for item in value]
    return value
