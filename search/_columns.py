"""A segment's columns as numpy arrays, read once per segment and kept while the segment lives.

Whoosh segments never change once written (deletions are kept beside them), so what is read from a
segment can be kept for as long as the segment is in the index. Reading goes to the column bytes
directly: a RefBytes column is an array of references into a short list of values, a numeric column
an array of big-endian numbers; both become numpy arrays without a Python step per entry. That is
what lets a search group, filter and count tens of thousands of matches in a few milliseconds.

Reading the bytes uses attributes of whoosh-reloaded 2.7.5's column readers (`_dbfile`, `_basepos`,
`_count`, `_doccount`, `_itemsize`, `_uniques`, `_typecode`); `tests/test_search_index.py` compares
every array with Whoosh's own per-entry reading, so an upgrade that changes them fails there.
"""
from __future__ import annotations

import hashlib
import threading

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.columns import FixedBytesColumn
from whoosh.columns import RefBytesColumn
from whoosh.util.numeric import _length_byte_cache

from search._listing_columns import ListingColumns
from search._listing_columns import read_listing

CODED = ("kind", "security", "department", "doc_type", "customer_type", "stage", "project", "status", "owner",
         "template", "destroy_after", "held", "key_days")
NUMBERS = ("file_key", "date", "page", "created", "updated")
_DTYPES = {"B": "u1", "H": "u2", "i": "i4", "I": "u4", "q": "i8", "Q": "u8", "f": "f4", "d": "f8"}
REMEMBERED = 32  # masks kept per segment (`SegmentColumns.remembered`)
_BYTE_TO_LENGTH = np.asarray(_length_byte_cache, dtype=np.float64)


def file_key(file_id: str) -> int:
    """A customer file's number in the index: 63 bits of its id's BLAKE2b (collisions: ~2^-40 at a
    million files)."""
    digest = hashlib.blake2b(file_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _reader(leaf, name: str):
    return leaf.column_reader(name, translate=False)


def _ref_column(reader, size: int) -> tuple[np.ndarray, list[str]]:
    # RefBytesColumn: doccount references (B or H), then the unique values; a segment where no
    # entry has the field has no column at all
    if not isinstance(reader, RefBytesColumn.Reader):
        return np.zeros(size, dtype=np.int32), [""]
    dtype = np.dtype(">" + _DTYPES[reader._typecode])
    raw = reader._dbfile.get(reader._basepos, reader._doccount * reader._itemsize)
    codes = np.frombuffer(raw, dtype=dtype).astype(np.int32)
    values = [u.decode("utf-8") for u in reader._uniques]
    return codes, values


def _fixed_column(reader, typecode: str, default, size: int) -> np.ndarray:
    # NumericColumn: the first `_count` values are written, the rest are the default
    if not isinstance(reader, FixedBytesColumn.Reader):
        return np.full(size, default)
    dtype = np.dtype(">" + _DTYPES[typecode])
    written = np.frombuffer(reader._dbfile.get(reader._basepos, reader._count * dtype.itemsize), dtype=dtype)
    whole = np.full(reader._doccount, default, dtype=dtype.newbyteorder("="))
    whole[:len(written)] = written
    return whole


class SegmentColumns:
    """One segment's arrays: `codes[name]` and `values[name]` for the coded columns (value of entry n
    is values[name][codes[name][n]]), `numbers[name]` for file_key, date (Whoosh's sortable form,
    uint64), page, created and updated (microseconds), `lengths(field)` for scoring; per-entry
    readers for file_id and document_id; `listing()` for the file list."""

    def __init__(self, leaf):
        self.size = leaf.doc_count_all()
        self.codes: dict[str, np.ndarray] = {}
        self.values: dict[str, list[str]] = {}
        for name in CODED:
            self.codes[name], self.values[name] = _ref_column(_reader(leaf, name), self.size)
        self.numbers = {}
        for name in NUMBERS:
            column = leaf.schema[name].column_type
            self.numbers[name] = _fixed_column(_reader(leaf, name), column._typecode, column._default, self.size)
        # page is a NUMERIC: stored as the number + 2^31 (Whoosh's sortable form); date stays in that
        # form (it only needs order, and `to_column_value` gives the same form for a filter's ends)
        self.numbers["page"] = self.numbers["page"].astype(np.int64) - 2 ** 31
        self._leaf_perdoc = leaf._perdoc
        self._lengths: dict[str, np.ndarray] = {}
        self._texts = {name: _reader(leaf, name) for name in ("file_id", "document_id")}
        self._listing_reader = _reader(leaf, "listing")
        self._listing: ListingColumns | None = None
        self._remembered: dict = {}
        self._lock = threading.Lock()

    def remembered(self, key, make) -> np.ndarray:
        """`make()`, a mask of this segment's entries, kept (read-only) for the next search that asks
        with the same key: who may see what changes far less often than what is searched. A few
        dozen keys are kept."""
        with self._lock:
            found = self._remembered.get(key)
        if found is None:
            found = make()
            found.flags.writeable = False
            with self._lock:
                if len(self._remembered) >= REMEMBERED:
                    self._remembered.clear()
                self._remembered[key] = found
        return found

    def listing(self) -> ListingColumns:
        """The file entries' ids, numbers and names (`_listing_columns`), read on first use."""
        with self._lock:
            if self._listing is None:
                self._listing = read_listing(self._listing_reader, self.size)
            return self._listing

    def text(self, name: str, docnum: int) -> str:
        """file_id or document_id of one entry."""
        value = self._texts[name][docnum]
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each entry's length of the field in tokens (as Whoosh stores it: one byte, approximate)."""
        with self._lock:
            found = self._lengths.get(fieldname)
            if found is None:
                reader = self._leaf_perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
                if reader is None:
                    found = np.zeros(self.size, dtype=np.float64)
                else:
                    found = _BYTE_TO_LENGTH[_fixed_column(reader, "B", 0, self.size)]
                self._lengths[fieldname] = found
            return found

    def coded(self, name: str, wanted) -> np.ndarray:
        """A mask of the entries whose `name` is one of `wanted`."""
        table = np.fromiter((value in wanted for value in self.values[name]), dtype=bool,
                            count=len(self.values[name]))
        return table[self.codes[name]]  # one gather: np.isin would sort or compare every entry


class ColumnCache:
    """SegmentColumns by segment id, for the segments of the latest reader only."""

    def __init__(self):
        self._segments: dict[str, SegmentColumns] = {}
        self._numbered: tuple | None = None
        self._lock = threading.Lock()

    def file_numbers(self, segments: list[SegmentColumns]) -> tuple[list[np.ndarray], int]:
        """Each segment's entries' file as a number shared by the segments (0 to the count of
        files, in file_key order), and that count: found once for a set of segments (a sort of
        every entry's file_key), so a search groups its matches by file without sorting them."""
        key = tuple(id(columns) for columns in segments)
        with self._lock:
            if self._numbered is not None and self._numbered[0] == key:
                return self._numbered[1], self._numbered[2]
        keys = [columns.numbers["file_key"] for columns in segments]
        unique, inverse = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.uint64), return_inverse=True)
        numbers = np.split(inverse.reshape(-1), np.cumsum([len(k) for k in keys])[:-1]) if keys else []
        with self._lock:
            # the segments are kept with their numbers, so no other columns take their ids meanwhile
            self._numbered = (key, numbers, len(unique), list(segments))
        return numbers, len(unique)

    def of(self, leaves) -> list[SegmentColumns]:
        """The columns of each (leaf reader, offset), reading segments not seen before; segments no
        longer in `leaves` are forgotten."""
        with self._lock:
            kept = {}
            for leaf, _offset in leaves:
                segment_id = leaf.segment().segment_id()
                kept[segment_id] = self._segments.get(segment_id) or SegmentColumns(leaf)
            self._segments = kept
            return [kept[leaf.segment().segment_id()] for leaf, _offset in leaves]
