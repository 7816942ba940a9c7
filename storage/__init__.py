"""The only door to the database and the object store."""
from storage.errors import ObjectMissing
from storage.errors import StorageUnavailable

__all__ = ["ObjectMissing", "StorageUnavailable"]
