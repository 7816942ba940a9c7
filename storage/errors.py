"""Storage-level errors that callers above storage/ may catch."""
from pymongo.errors import ConnectionFailure
from pymongo.errors import DuplicateKeyError
from pymongo.errors import PyMongoError

# the driver's own classes, named here so that code above storage/ never imports the driver
DatabaseError = PyMongoError  # any failure of the database or of the connection to it
DuplicateKey = DuplicateKeyError  # an insert that a unique index refused
DatabaseDown = ConnectionFailure  # the database cannot be reached


class StorageUnavailable(RuntimeError):
    """The database or the object store cannot be reached right now."""

    def __init__(self, service: str, reason: str):
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service
        self.reason = reason


class ObjectMissing(FileNotFoundError):
    """An object key that the store does not hold."""


class ObjectLocked(PermissionError):
    """The store refuses to delete an object version: its retention date has not passed, or it is on legal hold."""
