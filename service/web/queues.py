"""The side menu's work-queue counts and the header's unread notices, for the signed-in person: computed
once per page render (the first time the page asks), each from a listing index or a bounded read.

A count that fails (the database down, a listing index being built) is logged and its badge hidden:
the page still renders."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask import g
from flask import url_for
from flask_babel import gettext as _

from service.accounts import User
from service.errors import Unavailable
from service.loans import loan_queues
from service.notices import UNREAD_CAP
from service.web.auth import page_user
from service.web.auth import services
from storage import DatabaseError
from storage import StorageUnavailable

log = logging.getLogger(__name__)

SHOWN_MAX = 99  # a badge says "99+" above this
FAILURES = (DatabaseError, StorageUnavailable, Unavailable)


@dataclass(frozen=True)
class Badge:
    """A count beside a menu entry: the number, the list it counts, and what a screen reader says."""

    count: int
    url: str
    label: str

    @property
    def text(self) -> str:
        """The number as shown: "99+" above SHOWN_MAX."""
        return _shown(self.count)


def _loan_badges(user: User) -> dict[str, Badge]:
    counts = loan_queues(services().loans, user)
    found = {}
    if counts.get("approvals"):
        n = counts["approvals"]
        found["nav-approvals"] = Badge(n, url_for("loans.approvals"), _("%(n)s 项待审批", n=_shown(n)))
    if counts.get("desk"):
        n = counts["desk"]
        found["nav-desk"] = Badge(n, url_for("loan_desk.desk", _anchor="desk-waiting"),
                                  _("%(n)s 项待出库", n=_shown(n)))
    if counts.get("due"):
        n = counts["due"]
        found["nav-my-loans"] = Badge(n, url_for("loans.mine", status="due_soon"),
                                      _("%(n)s 项借阅即将到期或已超期", n=_shown(n)))
    return found


def _intake_badges(user: User) -> dict[str, Badge]:
    n = services().intake.pending_count(user, SHOWN_MAX + 1)
    if not n:
        return {}
    return {"nav-intake": Badge(n, url_for("intake_register.register", status="pending"),
                                _("%(n)s 项待归档审核", n=_shown(n)))}


def _followup_badges(user: User) -> dict[str, Badge]:
    n = services().followups.due_count(user)
    if not n:
        return {}
    return {"nav-followups": Badge(n, url_for("followups.mine"), _("%(n)s 项待回访", n=_shown(n)))}


def _notice_badges(user: User) -> dict[str, Badge]:
    n = services().notices.unread_count(user, min(UNREAD_CAP, SHOWN_MAX + 1))
    if not n:
        return {}
    return {"nav-notices": Badge(n, url_for("notices.index"), _("%(n)s 条未读通知", n=_shown(n)))}


SOURCES: tuple[Callable[[User], dict[str, Badge]], ...] = (_loan_badges, _intake_badges, _followup_badges,
                                                           _notice_badges)


def _shown(n: int) -> str:
    return f"{SHOWN_MAX}+" if n > SHOWN_MAX else str(n)


def badges() -> dict[str, Badge]:
    """The signed-in person's non-zero badges by menu entry id (`nav-notices`: the header's bell)."""
    if "menu_badges" not in g:
        user = page_user()
        found: dict[str, Badge] = {}
        for source in SOURCES if user is not None else ():
            try:
                found.update(source(user))
            except FAILURES as exc:  # that badge is hidden; the page is drawn
                log.warning("menu count %s failed: %s", source.__name__, type(exc).__name__)
                if isinstance(exc, DatabaseError):
                    break  # every other count reads the same database: do not wait for it again
        g.menu_badges = found
    return g.menu_badges


def init(app: Flask) -> None:
    """Give the templates `menu_badges()`."""
    app.jinja_env.globals["menu_badges"] = badges
