"""Admin-defined templates, one document per version, keyed "<key>:<version>"."""
from __future__ import annotations

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


def key_of(template_key: str, version: int) -> str:
    """The _id of one version of a template."""
    return f"{template_key}:{version:04d}"


class TemplateRepository:
    """Versions are only inserted, never changed; the newest is found by point lookups."""

    def __init__(self, db: Database):
        self._templates = db["templates"]

    def insert(self, doc: dict) -> bool:
        """Store a version; False if that version exists already."""
        try:
            self._templates.insert_one({**doc, "_id": key_of(doc["key"], doc["version"])})
            return True
        except DuplicateKeyError:
            return False

    def get(self, template_key: str, version: int) -> dict | None:
        """One version of a template."""
        return self._templates.find_one({"_id": key_of(template_key, version)})

    def all_versions(self) -> list[dict]:
        """Every stored version (a small collection)."""
        return list(self._templates.find().sort("_id", 1))
