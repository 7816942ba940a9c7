"""The object store (MinIO / S3) behind a small interface of the project's own."""
from __future__ import annotations

import hashlib
import io
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from typing import Iterator

import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.datatypes import Part
from minio.deleteobjects import DeleteObject
from minio.error import MinioException
from minio.error import S3Error

from storage.errors import ObjectLocked
from storage.errors import ObjectMissing
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

BUCKETS = ("originals", "derivatives")
LOCKED_BUCKETS = ("originals",)  # made with S3 Object Lock (hence versioned): see storage/retention_locks.py
# A stream is sent in parts of PART_SIZE, PARALLEL_PARTS at a time while the next one is read: an
# upload holds PARALLEL_PARTS + 1 part buffers. 5 MiB is the smallest part S3 accepts. Direct puts
# of 20 x 50 MB with 5, 8 or 16 MiB parts, 2 to 4 at a time, ran within 5% of each other; one at a
# time ran 30% slower (bench/bench_uploads.py's baseline, on 2 cores).
PART_SIZE = 5 * 1024 * 1024
PARALLEL_PARTS = 2
_READ_SIZE = 256 * 1024  # a part is filled from reads this large: small transient copies, few calls
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class StoredObject:
    """What the store holds under a key."""

    key: str
    size: int
    sha256: str | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class ObjectVersion:
    """One version of a key in a versioned bucket (a delete marker holds no bytes)."""

    key: str
    version_id: str | None
    delete_marker: bool
    size: int
    modified: datetime | None = None


READ_TIMEOUT = 15.0  # s of silence from MinIO mid-request (it answers or streams at once when well)


def make_minio(endpoint: str, access_key: str, secret_key: str, secure: bool,
               region: str, timeout_seconds: float = 5.0) -> Minio:
    """A MinIO client with short timeouts and few retries, so an outage shows quickly: a store that dies
    while a scan is sent answers the request with 503 within READ_TIMEOUT, before a client gives up."""
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeout_seconds, read=READ_TIMEOUT),
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
                    self._client.make_bucket(name, object_lock=role in LOCKED_BUCKETS)

    def ping(self) -> None:
        """Raise StorageUnavailable unless the store answers."""
        with _translated():
            self._client.bucket_exists(self.bucket("originals"))

    def put(self, role: str, key: str, stream: BinaryIO, length: int = -1,
            content_type: str = "application/octet-stream") -> StoredObject:
        """Store a stream (multipart when large or of unknown length) and hash it on the way."""
        hashing = _HashingReader(stream, length)
        with _translated():
            if 0 <= length < PART_SIZE:
                self._client.put_object(self.bucket(role), key, hashing, length, content_type=content_type)
            else:
                _put_in_parts(self._client, self.bucket(role), key, hashing, content_type)
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
        return StoredObject(key=key, size=info.size, modified=info.last_modified)

    def remove(self, role: str, key: str) -> None:
        """Delete an object; deleting an absent key is not an error."""
        with _translated(key):
            self._client.remove_object(self.bucket(role), key)

    def keys(self, role: str, prefix: str = "") -> Iterator[str]:
        """Every key under a prefix."""
        with _translated():
            for item in self._client.list_objects(self.bucket(role), prefix=prefix, recursive=True):
                yield item.object_name

    def entries(self, role: str, prefix: str = "") -> Iterator[StoredObject]:
        """Every object under a prefix with its size and time of writing."""
        with _translated():
            for item in self._client.list_objects(self.bucket(role), prefix=prefix, recursive=True):
                yield StoredObject(key=item.object_name, size=item.size, modified=item.last_modified)

    def versions(self, role: str, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every version under a prefix, delete markers included (what a bucket really still holds)."""
        with _translated():
            for item in self._client.list_objects(self.bucket(role), prefix=prefix, recursive=True,
                                                  include_version=True):
                yield ObjectVersion(key=item.object_name, version_id=item.version_id,
                                    delete_marker=bool(item.is_delete_marker), size=item.size or 0,
                                    modified=item.last_modified)

    def purge(self, role: str, key: str, prefix: bool = False) -> int:
        """Delete every version of a key (or of every key under a prefix); how many were deleted.

        No lock is bypassed: a version under retention or legal hold raises ObjectLocked, and the
        versions deleted before it stay deleted (purging again continues).
        """
        removed = 0
        for version in list(self.versions(role, key)):
            if not prefix and version.key != key:
                continue
            locked = False
            with _translated(version.key):
                try:
                    self._client.remove_object(self.bucket(role), version.key, version_id=version.version_id)
                except S3Error as exc:
                    if exc.code not in ("InvalidRequest", "AccessDenied", "ObjectLocked"):
                        raise
                    locked = True  # raised outside: _translated reads every OSError as an outage
            if locked:
                raise ObjectLocked(version.key)
            removed += 1
        return removed

    def copy(self, role: str, source_key: str, target_key: str) -> None:
        """Copy an object inside a bucket, on the server."""
        with _translated(source_key):
            self._client.copy_object(self.bucket(role), target_key, CopySource(self.bucket(role), source_key))

    def drop_all(self) -> None:
        """Remove every object version and the buckets themselves (test clean-up only).

        Governance retention is bypassed and legal holds are released: only this clean-up does so.
        """
        for role in BUCKETS:
            name = self.bucket(role)
            with _translated():
                if not self._client.bucket_exists(name):
                    continue
                for item in self._client.list_objects(name, recursive=True, include_version=True):
                    doomed = [DeleteObject(item.object_name, item.version_id)]
                    if list(self._client.remove_objects(name, doomed, bypass_governance_mode=True)):
                        # a legal hold is not bypassed: release it, then delete
                        self._client.disable_object_legal_hold(name, item.object_name, item.version_id)
                        errors = list(self._client.remove_objects(name, doomed, bypass_governance_mode=True))
                        if errors:
                            raise RuntimeError(f"could not remove {item.object_name}: {errors[0].code}")
                self._client.remove_bucket(name)


def _put_in_parts(client: Minio, bucket: str, key: str, reader: "_HashingReader", content_type: str) -> None:
    """Store a stream as one object: a single request if it fits in one part, else a multipart upload.

    The SDK's put_object allocates every part anew and, for a stream of unknown length, copies each
    part twice to carry one byte over, so that an upload held five parts at once. Here a part is
    read into one of PARALLEL_PARTS + 1 buffers that are sent and reused. minio-py has no public
    call for single parts: the private ones used are those its put_object uses (pinned version).
    """
    first = bytearray(PART_SIZE)
    size = reader.fill(first)
    if size < PART_SIZE or reader.ended():
        client.put_object(bucket, key, io.BytesIO(memoryview(first)[:size]), size, content_type=content_type)
        return
    upload_id = client._create_multipart_upload(bucket, key, {"Content-Type": content_type})
    try:
        etags = _send_parts(client, bucket, key, upload_id, reader, first)
        client._complete_multipart_upload(bucket, key, upload_id,
                                          [Part(number, etag) for number, etag in enumerate(etags, 1)])
    except BaseException:
        _abort(client, bucket, key, upload_id)
        raise


def _send_parts(client: Minio, bucket: str, key: str, upload_id: str, reader: "_HashingReader",
                first: bytearray) -> list[str]:
    """Send the full buffer `first` and the rest of the stream as parts; their ETags in order."""
    pool = ThreadPoolExecutor(PARALLEL_PARTS, thread_name_prefix="object-part")
    pending: deque = deque()
    etags: list[str] = []
    buffer, size = first, len(first)
    try:
        while size:
            # The SDK signs and sends any buffer; a memoryview keeps the last part from being copied.
            body = buffer if size == len(buffer) else memoryview(buffer)[:size]
            pending.append((pool.submit(client._upload_part, bucket, key, body, None, upload_id,
                                        len(etags) + len(pending) + 1), buffer))
            if size < len(buffer):
                break
            if len(pending) > PARALLEL_PARTS:
                done, buffer = pending.popleft()
                etags.append(done.result())
            else:
                buffer = bytearray(PART_SIZE)
            size = reader.fill(buffer)
        etags.extend(future.result() for future, _ in pending)
        return etags
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _abort(client: Minio, bucket: str, key: str, upload_id: str) -> None:
    """Drop the parts of a failed upload; if that fails too, MinIO expires them (24 h by default)."""
    try:
        client._abort_multipart_upload(bucket, key, upload_id)
    except _NETWORK_ERRORS + (MinioException,) as exc:
        log.warning("could not abort the upload of %s (%s); the store expires its parts", key, type(exc).__name__)


class _HashingReader:
    """Wraps a stream, hashes what is read through it, and reads no more than a known length."""

    def __init__(self, stream: BinaryIO, length: int = -1):
        self._stream = stream
        self._left = length if length >= 0 else None
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        if self._left is not None:
            n = self._left if n < 0 else min(n, self._left)
            if n == 0:
                return b""
        data = self._stream.read(n)
        if not data and self._left:
            raise ValueError(f"the stream ended {self._left} bytes short of the length it was stored with")
        self._hash.update(data)
        self.size += len(data)
        if self._left is not None:
            self._left -= len(data)
        return data

    def fill(self, buffer: bytearray) -> int:
        """Read into the buffer until it is full or the stream ends; the number of bytes read."""
        view = memoryview(buffer)
        size = 0
        while size < len(view) and (data := self.read(min(_READ_SIZE, len(view) - size))):
            view[size:size + len(data)] = data
            size += len(data)
        return size

    def ended(self) -> bool:
        """Whether a stream of known length has been read to its end."""
        return self._left == 0

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
