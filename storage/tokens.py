"""Queries over api_tokens (only hashes of tokens are stored).

A token's record is keyed by the token's hash, so checking a presented token is a lookup by
_id (the one query FerretDB serves from an index) on every API request; people refer to a
token by its separate `public_id`.
"""
from __future__ import annotations

from datetime import datetime

from pymongo.database import Database


class TokenRepository:
    """One document per issued token."""

    def __init__(self, db: Database):
        self._tokens = db["api_tokens"]

    def insert(self, doc: dict) -> None:
        """Store a token record (its _id is the token's hash)."""
        self._tokens.insert_one(doc)

    def by_hash(self, token_hash: str) -> dict | None:
        """The record of a presented token."""
        return self._tokens.find_one({"_id": token_hash})

    def for_user(self, user_id: str) -> list[dict]:
        """A user's tokens, newest first."""
        return list(self._tokens.find({"user_id": user_id}).sort("created_at", -1))

    def revoke(self, token_hash: str, now: datetime) -> None:
        """Mark a token revoked."""
        self._tokens.update_one({"_id": token_hash}, {"$set": {"revoked_at": now}})

    def touch(self, token_hash: str, now: datetime) -> None:
        """Remember when a token was last used."""
        self._tokens.update_one({"_id": token_hash}, {"$set": {"last_used_at": now}})
