"""What a backup reads from and writes to the database, and the backup directory on disk.

The database side enumerates collections (never a fixed list: every area adds its own), dumps
them as JSON Lines of extended JSON (dates, binary and ObjectIds round-trip) and inserts them
back. The directory side keeps objects content-addressed under `objects/ab/cdef…` (one copy of
each content whatever the number of snapshots) and snapshots under `snapshots/<id>`, each
written as `<id>.tmp` and renamed when complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import timezone
from pathlib import Path
from typing import Iterable
from typing import Iterator

from bson import json_util
from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.errors import DuplicateKeyError

JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS.with_options(tz_aware=True, tzinfo=timezone.utc)
INSERT_BATCH = 500
CHUNK = 1024 * 1024
RESTORE_CLAIM = "restore_claim"  # one document: the restore that filled this installation
# start-up bookkeeping, not data: a server started on the empty installation has applied the
# migrations there; the backup's own list replaces it (pending ones then run on the restored data)
MIGRATIONS = "migrations"


def to_line(doc: dict) -> str:
    """One document as a line of canonical extended JSON."""
    return json_util.dumps(doc, json_options=JSON_OPTIONS, ensure_ascii=False) + "\n"


def from_line(line: str) -> dict:
    """A document back from its extended-JSON line."""
    return json_util.loads(line, json_options=JSON_OPTIONS)


class Records:
    """Whole collections of the installation's database, whatever their names."""

    def __init__(self, db: Database):
        self._db = db

    def names(self) -> list[str]:
        """Every collection of the database (system collections left out), sorted."""
        return sorted(n for n in self._db.list_collection_names() if not n.startswith("system."))

    def documents(self, name: str) -> Iterator[dict]:
        """Every document of a collection, by _id."""
        yield from self._db[name].find().sort("_id", 1).batch_size(1000)

    def count(self, name: str) -> int:
        """How many documents a collection holds."""
        return self._db[name].count_documents({})

    def non_empty(self) -> dict[str, int]:
        """Collections that hold documents, with their counts."""
        return {name: count for name in self.names() if (count := self.count(name))}

    def remove_all(self, name: str) -> None:
        """Empty a collection."""
        self._db[name].delete_many({})

    def insert_all(self, name: str, docs: Iterable[dict]) -> int:
        """Insert documents in batches; how many were inserted (a duplicate _id raises)."""
        batch, total = [], 0
        for doc in docs:
            batch.append(doc)
            if len(batch) >= INSERT_BATCH:
                total += self._insert(name, batch)
                batch = []
        if batch:
            total += self._insert(name, batch)
        return total

    def _insert(self, name: str, batch: list[dict]) -> int:
        try:
            self._db[name].insert_many(batch, ordered=True)
        except BulkWriteError as exc:
            raise DuplicateKeyError(f"{name}: {exc.details.get('writeErrors', [{}])[0].get('errmsg', exc)}") from None
        return len(batch)

    def insert_one(self, name: str, doc: dict) -> bool:
        """Insert one document; False if its _id (or another unique key) is taken."""
        try:
            self._db[name].insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    def find(self, name: str, query: dict) -> list[dict]:
        """Documents of a collection matching a query, by _id."""
        return list(self._db[name].find(query).sort("_id", 1))

    def find_one(self, name: str, query: dict) -> dict | None:
        """One document matching a query."""
        return self._db[name].find_one(query)

    def claim_restore(self, record: dict) -> bool:
        """Claim the installation for one restore (a unique insert); False if another took it."""
        return self.insert_one(RESTORE_CLAIM, {**record, "_id": "restore"})


class BackupDir:
    """A backup destination: content-addressed objects shared by every snapshot."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.snapshots = self.root / "snapshots"

    def prepare(self) -> None:
        """Create the directory layout."""
        self.objects.mkdir(parents=True, exist_ok=True)
        self.snapshots.mkdir(parents=True, exist_ok=True)

    def object_path(self, sha256: str) -> Path:
        """Where the content with this SHA-256 lives."""
        return self.objects / sha256[:2] / sha256[2:]

    def has(self, sha256: str, size: int | None = None) -> bool:
        """Whether this content is kept already (of the expected size, if given)."""
        path = self.object_path(sha256)
        return path.is_file() and (size is None or path.stat().st_size == size)

    def add(self, chunks: Iterable[bytes]) -> tuple[str, int, bool]:
        """Keep a content from its chunks, hashing on the way: (sha256, size, written anew)."""
        digest, size = hashlib.sha256(), 0
        handle = tempfile.NamedTemporaryFile(dir=self.objects, prefix=".incoming-", delete=False)
        try:
            with handle:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            sha = digest.hexdigest()
            if self.has(sha, size):
                return sha, size, False
            self.object_path(sha).parent.mkdir(exist_ok=True)
            os.replace(handle.name, self.object_path(sha))
            return sha, size, True
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)

    def read(self, sha256: str) -> Iterator[bytes]:
        """A kept content's bytes in chunks (FileNotFoundError if absent)."""
        with open(self.object_path(sha256), "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def digest(self, sha256: str) -> str | None:
        """The SHA-256 of what is really kept under this name; None if absent."""
        try:
            digest = hashlib.sha256()
            for chunk in self.read(sha256):
                digest.update(chunk)
            return digest.hexdigest()
        except FileNotFoundError:
            return None

    # -- snapshots --------------------------------------------------------------------------
    def begin(self, snapshot_id: str) -> tuple[str, Path]:
        """Claim a fresh `<id>.tmp` directory (mkdir is atomic: two backups at once get two ids)."""
        candidate, n = snapshot_id, 1
        while True:
            tmp = self.snapshots / f"{candidate}.tmp"
            if not (self.snapshots / candidate).exists():
                try:
                    tmp.mkdir()
                    (tmp / "collections").mkdir()
                    return candidate, tmp
                except FileExistsError:
                    pass
            candidate, n = f"{snapshot_id}-{n}", n + 1

    def commit(self, tmp: Path, manifest: dict) -> Path:
        """Write the manifest and rename the snapshot into place (the last step of a backup)."""
        body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
        with open(tmp / "manifest.json", "w", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        final = tmp.with_name(tmp.name[:-len(".tmp")])
        os.replace(tmp, final)
        return final

    def snapshot_ids(self) -> list[str]:
        """Complete snapshots, oldest first."""
        if not self.snapshots.is_dir():
            return []
        return sorted(p.name for p in self.snapshots.iterdir()
                      if p.is_dir() and not p.name.endswith(".tmp") and (p / "manifest.json").is_file())

    def manifest(self, snapshot_id: str) -> dict:
        """A snapshot's manifest."""
        with open(self.snapshots / snapshot_id / "manifest.json", encoding="utf-8") as handle:
            return json.load(handle)

    def dump_path(self, snapshot_id: str, name: str) -> Path:
        """A collection's dump in a complete snapshot."""
        return self.snapshots / snapshot_id / "collections" / f"{name}.jsonl"


def write_dump(path: Path, docs: Iterable[dict], seen=None) -> tuple[int, str, int]:
    """Write documents as JSON Lines: (count, sha256 of the file, bytes); `seen(doc)` sees each."""
    digest, count, size = hashlib.sha256(), 0, 0
    with open(path, "wb") as handle:
        for doc in docs:
            if seen is not None:
                seen(doc)
            line = to_line(doc).encode("utf-8")
            digest.update(line)
            handle.write(line)
            count += 1
            size += len(line)
        handle.flush()
        os.fsync(handle.fileno())
    return count, digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    """SHA-256 of a file on disk."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_dump(path: Path) -> Iterator[dict]:
    """The documents of a dump, in order."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield from_line(line)
