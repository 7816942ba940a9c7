"""Queries over api_tokens (only hashes of tokens are stored)."""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database


class TokenRepository:
    """One document per issued token."""

    def __init__(self, db: Database):
        self._tokens = db["api_tokens"]

    def insert(self, doc: dict) -> str:
        """Store a token record; its id."""
        return str(self._tokens.insert_one(doc).inserted_id)

    def by_hash(self, token_hash: str) -> dict | None:
        """The record of a presented token."""
        return self._tokens.find_one({"token_hash": token_hash})

    def for_user(self, user_id: str) -> list[dict]:
        """A user's tokens, newest first."""
        return list(self._tokens.find({"user_id": user_id}).sort("created_at", -1))

    def revoke(self, token_id: str, user_id: str, now: datetime) -> bool:
        """Mark one of the user's tokens revoked; False if there is no such token."""
        try:
            oid = ObjectId(token_id)
        except (InvalidId, TypeError):
            return False
        result = self._tokens.update_one({"_id": oid, "user_id": user_id}, {"$set": {"revoked_at": now}})
        return result.matched_count == 1

    def touch(self, token_id, now: datetime) -> None:
        """Remember when a token was last used."""
        self._tokens.update_one({"_id": token_id}, {"$set": {"last_used_at": now}})
