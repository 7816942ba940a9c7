"""A segment's file entries as the file list reads them: ids, archive numbers and names, read once
from the `listing` column, and their orders for each sort, computed once and kept.

The `listing` column is a Whoosh VarBytes column: the values of the entries that have one (file
entries; pages have none) stored one after the other, then an array of their lengths. Each value is
a compact JSON array ended by a line break, which JSON escapes inside strings, so the whole data
block parses in one step (`json.loads`) instead of one read per entry. This reads attributes of
whoosh-reloaded 2.7.5's `VarBytesColumn.Reader` (`_dbfile`, `_basepos`, `_lengths`);
`tests/test_file_listing.py` compares what is read with Whoosh's own per-entry reading.

A segment's order for a sort is its file entries' numbers sorted by the sort key, ties by file id
ascending (as the database sorted, `[(field, ±1), ("_id", 1)]`); a segment never changes, so the order
is computed at most once per sort and direction (about 0.1 s at 100,000 entries) and kept with it.
"""
from __future__ import annotations

import json
import threading

import numpy as np
from whoosh.columns import VarBytesColumn

FILE_ID, ARCHIVE_NO, NAME, PINYIN, INITIALS = range(5)


class ListingColumns:
    """The file entries of one segment: `docnums` (ascending) and, aligned with them, `file_ids`,
    `archive_nos`, `names`, `pinyins` and `initials`."""

    def __init__(self, docnums: np.ndarray, rows: list[list[str]]):
        self.docnums = docnums
        columns = list(zip(*rows)) if rows else [(), (), (), (), ()]
        self.file_ids, self.archive_nos, self.names, self.pinyins, self.initials = (list(c) for c in columns)
        self._orders: dict[tuple[str, bool], np.ndarray] = {}
        self._arrays: dict[str, np.ndarray] = {}
        self._fid_rank: np.ndarray | None = None
        self._lock = threading.Lock()

    def rows(self, docs: np.ndarray) -> np.ndarray:
        """Where file entries (by number) stand in the string columns."""
        return np.searchsorted(self.docnums, docs)

    def array(self, name: str) -> np.ndarray:
        """One of the string columns (file_id, archive_no, name, pinyin, initials) as a numpy array, made
        on first use and kept (filters compare and search it with numpy's string functions)."""
        with self._lock:
            found = self._arrays.get(name)
            if found is None:
                values = {"file_id": self.file_ids, "archive_no": self.archive_nos, "name": self.names,
                          "pinyin": self.pinyins, "initials": self.initials}[name]
                found = self._arrays[name] = np.asarray(values, dtype=str)
            return found

    def order(self, sort: str, descending: bool, keys) -> np.ndarray:
        """The file entries' numbers in the sort's order (ties by file id ascending); `keys()` gives
        the sort key of every file entry, aligned with `docnums`, when the order is not known yet."""
        with self._lock:
            found = self._orders.get((sort, descending))
            if found is None:
                found = self._orders[(sort, descending)] = self._sorted(keys(), descending)
            return found

    def _sorted(self, keys, descending: bool) -> np.ndarray:
        if not len(self.docnums):
            return self.docnums
        if self._fid_rank is None:
            self._fid_rank = _dense_rank(np.asarray(self.file_ids))
        rank = _dense_rank(np.asarray(keys))
        return self.docnums[np.lexsort((self._fid_rank, -rank if descending else rank))]


def _dense_rank(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def read_listing(reader, size: int) -> ListingColumns:
    """The listing of a segment from its `listing` column reader (`size` entries in all)."""
    if not isinstance(reader, VarBytesColumn.Reader):  # no entry of the segment has the column
        return ListingColumns(np.zeros(0, dtype=np.int64), [])
    lengths = np.asarray(reader._lengths, dtype=np.int64)[:size]
    docnums = np.flatnonzero(lengths > 0)
    data = reader._dbfile.get(reader._basepos, int(lengths.sum())) if len(docnums) else b""
    text = bytes(data).decode("utf-8")
    rows = json.loads("[" + text[:-1].replace("\n", ",") + "]") if text else []
    if len(rows) != len(docnums):
        raise ValueError(f"the listing column holds {len(rows)} values for {len(docnums)} entries")
    return ListingColumns(docnums, rows)
