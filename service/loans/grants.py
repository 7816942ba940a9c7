"""What a running digital loan opens to its borrower: files and search ask this of the loans' records.

Kept apart from LoanService, which needs the files, so that the files and the search index (built before
the loans) can be given it when they are built.
"""
from __future__ import annotations

from service import clock
from service.accounts import User
from storage.loans import LoanRepository


class DigitalGrants:
    """The running digital loans of a person: out, and not yet at their due time."""

    def __init__(self, repo: LoanRepository):
        self.repo = repo

    def loan(self, file_id: str, user: User | None) -> dict | None:
        """The person's running digital loan of a file, or None."""
        if user is None or not user.active:
            return None
        found = self.repo.find({"file_id": file_id, "borrower": user.username, "kind": "digital",
                                "status": "out", "due_at": {"$gt": clock.now()}}, limit=1)
        return found[0] if found else None

    def opens(self, file_id: str, user: User | None) -> bool:
        """True while the person's digital loan of the file runs (FileService asks this)."""
        return self.loan(file_id, user) is not None

    def files(self, user: User | None) -> set[str]:
        """The files the person's running digital loans open to them (search asks this)."""
        if user is None or not user.active:
            return set()
        found = self.repo.find({"borrower": user.username, "kind": "digital", "status": "out",
                                "due_at": {"$gt": clock.now()}})
        return {str(doc["file_id"]) for doc in found}
