"""Every reaction between areas, in one place: what happens after a write in one area (file written ->
retention, follow-ups, search), and what another area may object to before one (a merge of a lent folder).

A service is given the bus when it is built and publishes through it; `handlers` below, connected once
by the composition root, says who answers. Two kinds of messages:

- an event (`publish`) reports a write that happened: its handlers run at once, in the order written,
  in the caller's thread and before the caller goes on, as if the caller had called them itself. The
  first error stops the handlers after it and reaches the caller, except for a handler marked
  `always(...)`, which runs as in a `finally`;
- a check (`refusals`) asks, before a write, whether any area refuses it: each handler gives the
  reason to refuse (a message for the person) or None.

Nothing here imports an area: the handlers are the built services' methods, passed in.
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType


class Event:
    """A write that happened, for the areas that react to it."""


class Check:
    """A write about to happen, for the areas that may refuse it."""


# -- events ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileWritten(Event):
    """A file was created or its record replaced (an edit, a reassignment); `created`: the file as just
    made, which no other write can have followed yet (so a handler need not read it again)."""
    file_id: str
    created: dict | None = None


@dataclass(frozen=True)
class FileRestored(Event):
    """A file was recreated from a BagIt bag: its record, versions and scans as they were elsewhere. Unlike a
    written file it starts no follow-up: the customer was visited where the file lived before."""
    file_id: str


@dataclass(frozen=True)
class DocumentAdded(Event):
    """A scan was stored and recorded in a file (uploaded, imported or restored from a bag)."""
    document: dict


@dataclass(frozen=True)
class LoanDecided(Event):
    """A borrowing request was approved or rejected (`loan`: as recorded, with the decision)."""
    loan: dict


# -- checks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeRequested(Check):
    """An archivist asks to merge file_id into another file, `into`."""
    file_id: str
    into: str


@dataclass(frozen=True)
class UserDeactivating(Check):
    """An admin asks to deactivate an account."""
    username: str


@dataclass(frozen=True)
class LoanRequested(Check):
    """Someone asks to borrow a file (its folder or a digital view)."""
    file_id: str


@dataclass(frozen=True)
class ShareRequested(Check):
    """Someone asks to share part of a file with a partner (or a share is about to be approved)."""
    file_id: str


@dataclass(frozen=True)
class always:  # lower case: it reads as a word in the table of handlers below
    """A handler that runs even when one before it raised (as in a `finally`)."""
    handler: Callable[[Event], None]

    def __call__(self, event: Event) -> None:
        self.handler(event)


def handlers(*, retention, followups, index, notices, loans, loan_desk, privacy) -> dict[type, tuple]:
    """Who answers each event and check, in the order they run; the arguments are the built services
    (RetentionService, FollowupService, IndexQueue, NoticeService, LoanService, LoanDesk, PrivacyService)."""
    return {
        # events
        FileWritten: (retention.file_written, followups.file_written,
                      always(index.file_written)),  # the index job last: it carries what retention computed
        FileRestored: (retention.file_restored, always(index.file_written)),  # the retention, then the index
        DocumentAdded: (retention.document_added,),  # the new original is locked like its file's others
        LoanDecided: (notices.loan_decided,),  # the borrower hears of the decision
        # checks
        MergeRequested: (loans.refuse_merge,),  # a folder out of the archive is merged once it is back
        UserDeactivating: (loan_desk.refuse_deactivation,),  # a leaving employee hands back every folder
        LoanRequested: (privacy.restriction,),  # an open erasure request stops new loans
        ShareRequested: (privacy.restriction,),  # and new shares
    }


class EventBus:
    """Runs the declared handlers of events and checks; connected to them once everything is built."""

    def __init__(self) -> None:
        self._handlers: Mapping[type, tuple] | None = None

    def connect(self, declared: Mapping[type, Sequence[Callable]]) -> None:
        """Take the table of handlers (`handlers(...)`); once, by the composition root."""
        if self._handlers is not None:
            raise RuntimeError("the event bus is already connected")
        self._handlers = MappingProxyType({kind: tuple(found) for kind, found in declared.items()})

    def publish(self, event: Event) -> None:
        """Run the event's handlers in order; an error stops the rest (but those marked always) and is raised."""
        if not isinstance(event, Event):
            raise TypeError(f"not an event: {event!r}")
        _run(self._of(event), event)

    def refusals(self, check: Check) -> Iterator[str]:
        """The reasons the check's handlers give to refuse, in order, each asked only when the one before
        it has been taken (the first refusal is enough for most callers: `refusal`)."""
        if not isinstance(check, Check):
            raise TypeError(f"not a check: {check!r}")
        for handler in self._of(check):
            reason = handler(check)
            if reason:
                yield reason

    def refusal(self, check: Check) -> str | None:
        """The first reason to refuse, or None when no handler refuses (the handlers after it are not asked)."""
        return next(self.refusals(check), None)

    def _of(self, message: Event | Check) -> tuple:
        if self._handlers is None:
            raise RuntimeError("the event bus is not connected to its handlers yet")
        if type(message) not in self._handlers:
            raise LookupError(f"no handlers are declared for {type(message).__name__}")
        return self._handlers[type(message)]


def _run(found: Sequence[Callable], event: Event) -> None:
    """The handlers in order, as nested try blocks: on an error only those marked always still run."""
    if not found:
        return
    first, rest = found[0], found[1:]
    try:
        first(event)
    except BaseException:
        _run([handler for handler in rest if isinstance(handler, always)], event)
        raise
    _run(rest, event)
