"""Posting blocks that numpy reads without unpickling: the index's own Whoosh codec.

Whoosh 3's codec writes each block of 128 postings as a zlib-compressed pickle of (id deltas,
weights, values). Reading a common word in 300,000 pages then means thousands of decompressions
and unpicklings, most of a search's time. This codec keeps Whoosh's block framing (length, info
tuple, last-block flag: its matchers and merges work unchanged) and writes a block's data as

    ids      n x uint32, little-endian, absolute entry numbers
    weights  n x float32
    values   only for formats with values (positions): uint32 length of the zlib stream, then
             zlib(offsets (n + 1) x uint32 + the values' bytes one after another)

so `read_arrays` takes a term's ids and weights with `np.frombuffer`, and values are decompressed
only when a phrase asks for positions. Blocks hold up to 512 postings. Term vectors (byte ids)
stay in Whoosh's own format. A segment remembers its codec (Whoosh pickles it in the table of
contents), so segments written by this codec are always read with it.
"""
from __future__ import annotations

import struct
import zlib
from array import array
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.codec.whoosh3 import W3Codec
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.matching import ListMatcher
from whoosh.system import emptybytes
from whoosh.util.numeric import length_to_byte

BLOCK_POSTINGS = 512
_LENGTH = struct.Struct("<I")


class ArrayCodec(W3Codec):
    """Whoosh 3's codec with array-coded posting blocks (see the module docstring)."""

    def __init__(self, blocklimit: int | None = None, compression: int = 0, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit or BLOCK_POSTINGS, compression=0, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        """Array blocks for entry postings; Whoosh's own for term vectors."""
        if byteids:
            return W3PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=True, compression=3,
                                    inlinelimit=self._inlinelimit)
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=False, compression=0,
                                   inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        """A matcher over a term's array blocks."""
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes posting blocks as arrays."""

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        count = len(self._ids)
        data = np.asarray(self._ids, dtype="<u4").tobytes() + np.asarray(self._weights, dtype="<f4").tobytes()
        if self._format.fixed_value_size() != 0:
            data += _pack_values(self._values, count)
        info = dumps((count, self._ids[-1], self._maxweight, 0, length_to_byte(self._minlength),
                      length_to_byte(self._maxlength)), 2)
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


def _pack_values(values: list[bytes], count: int) -> bytes:
    if len(values) != count:
        raise ValueError("a format with values needs one value for every posting")
    offsets = np.zeros(count + 1, dtype="<u4")
    np.cumsum([len(v) for v in values], out=offsets[1:])
    packed = zlib.compress(offsets.tobytes() + emptybytes.join(values), 1)
    return _LENGTH.pack(len(packed)) + packed


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's leaf matcher over array blocks (for Whoosh's own queries and merges), and the
    block arrays for `read_arrays`."""

    def block_arrays(self, values: bool = False) -> tuple[np.ndarray, np.ndarray, tuple | None]:
        """The current block's ids (int64), weights (float64) and, if asked, values."""
        count = self._blocklength
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        ids = np.frombuffer(data, dtype="<u4", count=count).astype(np.int64)
        weights = np.frombuffer(data, dtype="<f4", count=count, offset=4 * count).astype(np.float64)
        return ids, weights, (_unpack_values(data, count) if values else None)

    def _read_data(self):
        ids, weights, _ = self.block_arrays()
        self._data = (ids, weights)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = self._data[0].tolist()

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        self._weights = array("f", self._data[1].tolist())

    def _read_values(self):
        if self._fixedsize == 0:
            self._values = (None,) * self._blocklength
            return
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        self._values = _unpack_values(data, self._blocklength)


def _unpack_values(data: bytes, count: int) -> tuple[bytes, ...]:
    start = 8 * count
    (size,) = _LENGTH.unpack_from(data, start)
    blob = zlib.decompress(data[start + 4:start + 4 + size])
    offsets = np.frombuffer(blob, dtype="<u4", count=count + 1).tolist()
    base = 4 * (count + 1)
    return tuple(blob[base + a:base + b] for a, b in zip(offsets, offsets[1:]))


def read_arrays(matcher: ArrayLeafMatcher, values: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """Every posting of the matcher's term from its first block: ids, weights, values if asked."""
    ids, weights, encoded = [], [], []
    while True:
        block_ids, block_weights, block_values = matcher.block_arrays(values)
        ids.append(block_ids)
        weights.append(block_weights)
        if values:
            encoded.extend(block_values)
        if matcher._lastblock:
            break
        matcher._next_block()
    return np.concatenate(ids), np.concatenate(weights), encoded
