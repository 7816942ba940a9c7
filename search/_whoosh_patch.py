"""Stopgaps for two Whoosh(-Reloaded 2.7.5) faults, applied by SearchIndex; remove each when the
pinned Whoosh fixes it.

Opening a segment copies its files whole. `BufferFile` wraps each file of a segment (a memoryview
of the mmapped compound file) in `BytesIO(buf)`, which copies a memoryview: at 100,000 files a new
searcher (after every commit) took 3.8 s and 3 GB before its first search. `BufferFile` keeps its
memoryview and reads through `ViewReader`, which copies only what is read.

Columns across several segments break searches:

`MultiReader.column_reader` leaves out segments without a column file for the field (a segment of
file entries only has no `doc_type` column) but keeps the remaining readers' offsets, so a document
of a left-out segment is looked up in its neighbour at a negative position (IndexError, or another
entry's value). Every segment reader already answers a missing column with its default value, so
asking each of them gives one reader per segment and correct offsets.
"""
from __future__ import annotations

import io

from whoosh import columns
from whoosh import reading
from whoosh.filedb import structfile


class ViewReader(io.RawIOBase):
    """A read-only file over a buffer (bytes, a memoryview of an mmap) that copies only what is
    read: read, readinto, readline, seek and tell as BytesIO has them."""

    def __init__(self, buffer):
        super().__init__()
        self._view = memoryview(buffer).cast("B")
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        self._check()
        size = min(len(target), max(0, len(self._view) - self._position))
        memoryview(target).cast("B")[:size] = self._view[self._position:self._position + size]
        self._position += size
        return size

    def read(self, size: int | None = -1) -> bytes:
        self._check()
        start = min(self._position, len(self._view))
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._position = max(self._position, end)
        return bytes(self._view[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        self._check()
        start = min(self._position, len(self._view))
        limit = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        end = start
        while end < limit:  # in steps, so a long file is not copied to find one newline
            found = bytes(self._view[end:min(end + 4096, limit)]).find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end = min(end + 4096, limit)
        self._position = max(self._position, end)
        return bytes(self._view[start:end])

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check()
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        self._check()
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._view.release()
        super().close()

    def _check(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")


def _buffer_file(self, buf, name=None, onclose=None):
    # BufferFile.__init__, reading through a ViewReader instead of a BytesIO copy of `buf`
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _column_reader(self, fieldname, column=None, reverse=False, translate=True):
    """One column reader per segment (empty ones for segments without the column)."""
    readers = [r.column_reader(fieldname, column=column, reverse=reverse, translate=translate)
               for r in self.readers]
    return columns.MultiColumnReader(readers, list(self.doc_offsets))


def apply() -> None:
    """Install the fixes (idempotent)."""
    if reading.MultiReader.column_reader is not _column_reader:
        reading.MultiReader.column_reader = _column_reader
    if structfile.BufferFile.__init__ is not _buffer_file:
        structfile.BufferFile.__init__ = _buffer_file
