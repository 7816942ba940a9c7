"""Storage-level errors that callers above storage/ may catch."""


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
