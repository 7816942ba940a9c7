"""The object store (MinIO / S3) behind a small interface of the project's own."""
from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import urllib3
from minio import Minio
from minio.error import MinioException
from minio.error import S3Error

from storage.errors import ObjectMissing
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

BUCKETS = ("originals", "derivatives")
PART_SIZE = 16 * 1024 * 1024
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class StoredObject:
    """What the store holds under a key."""

    key: str
    size: int
    sha256: str | None = None


def make_minio(endpoint: str, access_key: str, secret_key: str, secure: bool,
               region: str, timeout_seconds: float = 5.0) -> Minio:
    """A MinIO client with short timeouts and few retries, so an outage shows quickly."""
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout_seconds, read=60),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        maxsize=16,
    )
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                 region=region, http_client=http)


class ObjectStore:
    """Buckets named `<prefix>-<role>`; keys are built by callers from ids only."""

    def __init__(self, client: Minio, prefix: str):
        self._client = client
        self._prefix = prefix

    def bucket(self, role: str) -> str:
        """The real bucket name for a role such as 'originals'."""
        if role not in BUCKETS:
            raise ValueError(f"unknown bucket role {role!r}")
        return f"{self._prefix}-{role}"

    def ensure_buckets(self) -> None:
        """Create the product's buckets if they are missing."""
        for role in BUCKETS:
            name = self.bucket(role)
            with _translated():
                if not self._client.bucket_exists(name):
                    self._client.make_bucket(name)

    def ping(self) -> None:
        """Raise StorageUnavailable unless the store answers."""
        with _translated():
            self._client.bucket_exists(self.bucket("originals"))

    def put(self, role: str, key: str, stream: BinaryIO, length: int = -1,
            content_type: str = "application/octet-stream") -> StoredObject:
        """Store a stream (multipart when large or of unknown length) and hash it on the way."""
        hashing = _HashingReader(stream)
        with _translated():
            self._client.put_object(self.bucket(role), key, hashing, length,
                                    content_type=content_type, part_size=PART_SIZE)
        return StoredObject(key=key, size=hashing.size, sha256=hashing.hexdigest())

    def put_bytes(self, role: str, key: str, data: bytes,
                  content_type: str = "application/octet-stream") -> StoredObject:
        """Store a small value held in memory."""
        return self.put(role, key, io.BytesIO(data), len(data), content_type)

    def read(self, role: str, key: str) -> bytes:
        """The whole object (small objects only)."""
        return b"".join(self.stream(role, key))

    def stream(self, role: str, key: str, chunk: int = 1024 * 1024) -> Iterator[bytes]:
        """The object's bytes in chunks; ObjectMissing if the key is absent."""
        with _translated(key):
            response = self._client.get_object(self.bucket(role), key)
        try:
            yield from response.stream(chunk)
        finally:
            response.close()
            response.release_conn()

    def stat(self, role: str, key: str) -> StoredObject:
        """Size of an object; ObjectMissing if absent."""
        with _translated(key):
            info = self._client.stat_object(self.bucket(role), key)
        return StoredObject(key=key, size=info.size)

    def remove(self, role: str, key: str) -> None:
        """Delete an object; deleting an absent key is not an error."""
        with _translated(key):
            self._client.remove_object(self.bucket(role), key)

    def keys(self, role: str, prefix: str = "") -> Iterator[str]:
        """Every key under a prefix."""
        with _translated():
            for item in self._client.list_objects(self.bucket(role), prefix=prefix, recursive=True):
                yield item.object_name

    def drop_all(self) -> None:
        """Remove every object and the buckets themselves (test clean-up only)."""
        for role in BUCKETS:
            name = self.bucket(role)
            with _translated():
                if not self._client.bucket_exists(name):
                    continue
                for item in self._client.list_objects(name, recursive=True):
                    self._client.remove_object(name, item.object_name)
                self._client.remove_bucket(name)


class _HashingReader:
    """Wraps a stream and hashes what is read through it."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _translated:
    """Turn vendor errors into the project's own."""

    def __init__(self, key: str | None = None):
        self._key = key

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, S3Error) and exc.code in ("NoSuchKey", "NoSuchObject"):
            raise ObjectMissing(self._key or exc.object_name) from None
        if isinstance(exc, _NETWORK_ERRORS + (MinioException,)) and not isinstance(exc, S3Error):
            raise StorageUnavailable("storage", type(exc).__name__) from exc
        return False
