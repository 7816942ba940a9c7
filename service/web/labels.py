"""Names of the things pages and registers show, in the reader's language: a template, a field path, a person."""
from __future__ import annotations

import time

from flask_babel import get_locale
from flask_babel import gettext as _

from service.errors import NotFound
from service.files import path_label
from service.web.auth import services

SYSTEM = "-"  # the actor of what the system does by itself
NAME_SECONDS = 60.0  # a renamed person shows by the new name within this time in every process
MAX_NAMES = 10_000
_names: dict[tuple[str, str], tuple[str, float]] = {}  # (database, login) -> (display name, when read)


def english() -> bool:
    """True when the page is read in English."""
    return str(get_locale()) == "en"


def field_label(path: str, template_key: str) -> str:
    """A field path of a file of this template, named by the template's labels (联系人 1 · 电话)."""
    return path_label(services().templates.get(template_key), path, english=english())


def template_label(template_key: str) -> str:
    """A template's name (个人客户), or its key if it is gone."""
    names = (services().templates.get(template_key) or {}).get("label") or {}
    return (names.get("en") if english() else None) or names.get("zh") or template_key or ""


def person(username, with_login: bool = False) -> str:
    """A person shown by name (王芳) rather than by login; `with_login` adds it (王芳（wangfang）) where
    a record must say exactly who. Unknown logins show as they are; "-" is the system itself."""
    if not username:
        return ""
    if username == SYSTEM:
        return _("系统")
    name = _display_name(str(username))
    return f"{name}（{username}）" if with_login and name != username else name


def _display_name(username: str) -> str:
    # kept for NAME_SECONDS in this process: a list of fifty rows names a few people, read once
    key = (services().settings.db_name, username)  # one installation's people, not another's
    known = _names.get(key)
    now = time.monotonic()
    if known is not None and now - known[1] < NAME_SECONDS:
        return known[0]
    try:
        name = services().users.by_username(username).display_name or username
    except NotFound:
        name = username
    if len(_names) > MAX_NAMES:
        _names.clear()
    _names[key] = (name, now)
    return name
