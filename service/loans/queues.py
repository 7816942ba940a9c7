"""The loan work queues a person has, counted for the side menu from the loans' listing index (a count
over the loans collection would decode every matching loan on FerretDB)."""
from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from search import Selection
from service import access
from service import clock
from service.accounts import User
from service.listings import epoch_ms
from service.loans.service import DUE_SOON_DAYS
from service.loans.service import LOAN_LISTING
from service.loans.service import LoanService


def loan_queues(loans: LoanService, actor: User, now: datetime | None = None) -> dict[str, int]:
    """The person's loan queues, those that apply to them: `approvals` (requests waiting for their
    decision, as the approvals page counts them), `desk` (approved folders waiting to go out; archivists)
    and `due` (their own loans out, due within DUE_SOON_DAYS or overdue)."""
    listed = loans.listings.view(LOAN_LISTING.name)
    counts: dict[str, int] = {}
    if actor.has("approver", "executive"):
        where = loans.pending_where(actor)
        own = listed.total(Selection(where={**where, "borrower": {actor.username}}))
        counts["approvals"] = listed.total(Selection(where=where)) - own
    if access.can(actor, "loan.desk"):
        counts["desk"] = listed.total(Selection(where={"status": {"approved"}, "kind": {"physical"}}))
    if access.can(actor, "loan.request"):
        now = now or clock.now()
        soon_end = epoch_ms(now + timedelta(days=DUE_SOON_DAYS)) - 1
        mine = {"status": {"out"}, "borrower": {actor.username}}
        # a digital loan whose time is up is closed by the next list read: it is no longer due
        physical = Selection(where={**mine, "kind": {"physical"}}, ranges={"due_at": (None, soon_end)})
        digital = Selection(where={**mine, "kind": {"digital"}}, ranges={"due_at": (epoch_ms(now), soon_end)})
        counts["due"] = listed.total(physical) + listed.total(digital)
    return counts
