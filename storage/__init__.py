"""The only door to the database and the object store."""
from bson import ObjectId

from storage.errors import DatabaseDown
from storage.errors import DatabaseError
from storage.errors import DuplicateKey
from storage.errors import ObjectMissing
from storage.errors import StorageUnavailable
from storage.errors import backend_down

__all__ = ["DatabaseDown", "DatabaseError", "DuplicateKey", "ObjectMissing", "StorageUnavailable", "backend_down",
           "new_id"]


def new_id() -> ObjectId:
    """A new record id, as the database makes them (unique, rising with time)."""
    return ObjectId()
