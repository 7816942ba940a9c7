"""The storage-level guard of retention: S3 Object Lock on the originals bucket.

The originals bucket is created with Object Lock (which makes it versioned). Each original's
versions carry a retention date (the day its file may be destroyed) and a legal hold while its
file is on hold, so that neither a bug nor a hand with the MinIO credentials can delete an
original too early: MinIO refuses to delete a locked version.

Why GOVERNANCE and not COMPLIANCE mode: a COMPLIANCE date can never be shortened or removed,
not even by the root account, until it passes. A policy entered with a wrong period, a contract
end date corrected by a customer, or a test that must drop its buckets afterwards would then be
stuck for years. In GOVERNANCE mode the same deletes fail unless the request carries the
`x-amz-bypass-governance-retention` header; this project sends that header only to move a date
(set_retention below, when a policy or a field changes) and in the test clean-up
(ObjectStore.drop_all), never when deleting an original. Destruction deletes only after the
date has passed, without the header. A legal hold is never bypassed by any mode.
"""
from __future__ import annotations

import logging
from datetime import datetime

from minio import Minio
from minio.error import S3Error
from minio.helpers import md5sum_hash
from minio.retention import GOVERNANCE
from minio.retention import Retention
from minio.xml import marshal

from storage.objects import ObjectStore
from storage.objects import _translated

log = logging.getLogger(__name__)

ROLE = "originals"
BYPASS = {"x-amz-bypass-governance-retention": "true"}
NO_RETENTION = b'<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></Retention>'


class ObjectLocks:
    """Retention dates and legal holds on the versions of originals."""

    def __init__(self, client: Minio, objects: ObjectStore):
        self._client = client
        self._objects = objects
        self._enabled: bool | None = None

    def enabled(self) -> bool:
        """Whether the originals bucket has Object Lock (one made before this feature has not: see README)."""
        if self._enabled is None:
            with _translated():
                try:
                    self._client.get_object_lock_config(self._objects.bucket(ROLE))
                    self._enabled = True
                except S3Error as exc:
                    if exc.code == "NoSuchBucket":
                        return False  # not made yet (ensure-schema makes it locked): ask again next time
                    if exc.code != "ObjectLockConfigurationNotFoundError":
                        raise
                    log.warning("bucket %s has no Object Lock: originals are not locked (see README)",
                                self._objects.bucket(ROLE))
                    self._enabled = False
        return self._enabled

    def _versions(self, key: str) -> list[str]:
        return [v.version_id for v in self._objects.versions(ROLE, key)
                if v.key == key and not v.delete_marker and v.version_id]

    def set_retention(self, key: str, until: datetime | None) -> int:
        """Lock every version of an original until a moment (None: unlock); how many versions were set.

        The date may move either way (GOVERNANCE, with the bypass header: see the module's note).
        """
        if not self.enabled():
            return 0
        bucket = self._objects.bucket(ROLE)
        body = NO_RETENTION if until is None else marshal(Retention(GOVERNANCE, until))
        versions = self._versions(key)
        for version_id in versions:
            with _translated(key):
                self._client._execute("PUT", bucket, key, body=body,
                                      headers={"Content-MD5": md5sum_hash(body), **BYPASS},
                                      query_params={"retention": "", "versionId": version_id})
        return len(versions)

    def retention(self, key: str) -> datetime | None:
        """The retain-until date of the current version, or None."""
        with _translated(key):
            config = self._client.get_object_retention(self._objects.bucket(ROLE), key)
        return config.retain_until_date if config else None

    def set_legal_hold(self, key: str, on: bool) -> int:
        """Put (or release) a legal hold on every version of an original; how many versions were set."""
        if not self.enabled():
            return 0
        bucket = self._objects.bucket(ROLE)
        versions = self._versions(key)
        for version_id in versions:
            with _translated(key):
                if on:
                    self._client.enable_object_legal_hold(bucket, key, version_id)
                else:
                    self._client.disable_object_legal_hold(bucket, key, version_id)
        return len(versions)

    def legal_hold(self, key: str) -> bool:
        """Whether the current version of an original is on legal hold."""
        with _translated(key):
            try:
                return self._client.is_object_legal_hold_enabled(self._objects.bucket(ROLE), key)
            except S3Error as exc:
                if exc.code == "NoSuchObjectLockConfiguration":
                    return False
                raise
