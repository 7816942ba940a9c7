"""Storage-level errors that callers above storage/ may catch."""
import re

from pymongo.errors import ConnectionFailure
from pymongo.errors import DuplicateKeyError
from pymongo.errors import OperationFailure
from pymongo.errors import PyMongoError

# the driver's own classes, named here so that code above storage/ never imports the driver
DatabaseError = PyMongoError  # any failure of the database or of the connection to it
DuplicateKey = DuplicateKeyError  # an insert that a unique index refused
DatabaseDown = ConnectionFailure  # the database cannot be reached

# FerretDB answers while PostgreSQL behind it is down or restarting, with an InternalError (code 1)
# that carries the PostgreSQL client's message: it could not connect, or the server ended the
# connection (SQLSTATE class 08, connection exceptions; 57P01-57P03, shut down or not yet started).
_BACKEND_DOWN = re.compile(r"failed to connect to|SQLSTATE (08|57P0[123])|conn closed|unexpected EOF|"
                           r"connection reset by peer|broken pipe")


def backend_down(exc: BaseException) -> bool:
    """Whether a database error says the database's own storage engine cannot be reached right now."""
    if isinstance(exc, ConnectionFailure):
        return True
    return (isinstance(exc, OperationFailure) and exc.code == 1
            and bool(_BACKEND_DOWN.search(str((exc.details or {}).get("errmsg") or exc))))


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
