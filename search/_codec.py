"""Posting blocks that numpy reads without unpickling: the index's own Whoosh codec.

Whoosh 3's codec writes each block of 128 postings as a zlib-compressed pickle of (id deltas,
weights, values). Reading a common word in 300,000 pages then means thousands of decompressions
and unpicklings, most of a search's time. This codec keeps Whoosh's block framing (length, info
tuple, last-block flag: its matchers and merges work unchanged) and writes a block's data as

    ids        n x uint32, little-endian, absolute entry numbers
    weights    n x float32
    positions  for Whoosh's Positions format (fields searched by phrase): a header of the byte
               widths of the counts and of the positions (1, 2 or 4: the smallest that holds the
               block's largest) and the number of positions (uint32), then every posting's count
               of positions, then the positions, each posting's ascending; no compression, so
               numpy reads them as they lie and a phrase can binary-search one posting's positions
    values     other formats with values: uint32 length of the zlib stream, then
               zlib(offsets (n + 1) x uint32 + the values' bytes one after another)

so `read_arrays` takes a term's ids and weights with `np.frombuffer`, and a phrase reads the
positions of the blocks that hold its candidates only (`PositionBlocks`), without a Python step per
posting: all positions of its rarest word, and for each other word a binary search of the positions
where it would have to stand. Whoosh's own matchers and merges get each posting's value in Whoosh's encoding, rebuilt
from the arrays. Blocks hold up to 512 postings. Term vectors (byte ids) stay in Whoosh's own
format. A segment remembers its codec (Whoosh pickles it in the table of
contents), so segments written by this codec are always read with it.
"""
from __future__ import annotations

import struct
import zlib
from array import array
from dataclasses import dataclass
from io import BytesIO
from pickle import dumps
from pickle import load
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.codec.whoosh3 import W3Codec
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.system import emptybytes
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

BLOCK_POSTINGS = 512
_LENGTH = struct.Struct("<I")
_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's block length (write_int)
_POSITIONS_HEADER = struct.Struct("<BBHI")  # width of counts, width of deltas, unused, positions
_WIDTHS = {1: "<u1", 2: "<u2", 4: "<u4"}


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


def _has_positions(format_) -> bool:
    # exactly Whoosh's Positions: its subclasses (Characters) code more than positions in a value
    return type(format_) is Positions


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes posting blocks as arrays."""

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        count = len(self._ids)
        data = np.asarray(self._ids, dtype="<u4").tobytes() + np.asarray(self._weights, dtype="<f4").tobytes()
        if _has_positions(self._format):
            data += _pack_positions(self._values, count)
        elif self._format.fixed_value_size() != 0:
            data += _pack_values(self._values, count)
        info = dumps((count, self._ids[-1], self._maxweight, 0, length_to_byte(self._minlength),
                      length_to_byte(self._maxlength)), 2)
        size = len(info) + len(data)
        self._postfile.write_int(-size if last else size)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


def whoosh_deltas(value: bytes) -> list[int]:
    """The steps between positions that Whoosh's `Positions.encode` wrote in one value."""
    return loads(value[4:] if value.endswith(b".") else value[4:] + b".")


def _width(largest: int) -> int:
    return 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4


def _segment_sums(steps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    # the running sum of `steps` restarting at every posting (postings of `counts` steps each)
    running = np.cumsum(steps)
    before = np.cumsum(counts) - counts
    has = counts > 0
    base = np.zeros(len(counts), dtype=np.int64)
    base[has] = running[before[has]] - steps[before[has]]
    return running - np.repeat(base, counts)


def _pack_positions(values: list[bytes], count: int) -> bytes:
    if len(values) != count:
        raise ValueError("a format with values needs one value for every posting")
    steps = [whoosh_deltas(value) for value in values]
    counts = np.fromiter(map(len, steps), dtype=np.int64, count=count)
    deltas = np.fromiter((d for one in steps for d in one), dtype=np.int64, count=int(counts.sum()))
    if len(deltas) and deltas.min() < 0:
        raise ValueError("positions must ascend within an entry")
    positions = _segment_sums(deltas, counts)
    count_width = _width(int(counts.max(initial=0)))
    position_width = _width(int(positions.max(initial=0)))
    return (_POSITIONS_HEADER.pack(count_width, position_width, 0, len(positions))
            + counts.astype(_WIDTHS[count_width]).tobytes() + positions.astype(_WIDTHS[position_width]).tobytes())


def _unpack_positions(data: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    # every posting's count of positions, and the positions, one posting after another, each
    # posting's ascending
    start = 8 * count
    count_width, position_width, _, total = _POSITIONS_HEADER.unpack_from(data, start)
    start += _POSITIONS_HEADER.size
    counts = np.frombuffer(data, dtype=_WIDTHS[count_width], count=count, offset=start)
    positions = np.frombuffer(data, dtype=_WIDTHS[position_width], count=total, offset=start + count_width * count)
    return counts, positions


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

    def block_arrays(self) -> tuple[np.ndarray, np.ndarray, bytes]:
        """The current block's ids (int64), weights (float64) and its data (for its positions)."""
        count = self._blocklength
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        ids = np.frombuffer(data, dtype="<u4", count=count).astype(np.int64)
        weights = np.frombuffer(data, dtype="<f4", count=count, offset=4 * count).astype(np.float64)
        return ids, weights, data

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
        if _has_positions(self.format):
            counts, positions = _unpack_positions(data, self._blocklength)
            counts = counts.astype(np.int64)
            steps = positions.astype(np.int64)
            steps[1:] -= steps[:-1].copy()
            firsts = (np.cumsum(counts) - counts)[counts > 0]
            steps[firsts] = positions[firsts]  # each posting's first position is its first step
            ends = np.cumsum(counts).tolist()
            steps = steps.tolist()
            self._values = tuple(pack_uint(b - a) + dumps(steps[a:b], 2) for a, b in zip([0] + ends, ends))
        else:
            self._values = _unpack_values(data, self._blocklength)


def _unpack_values(data: bytes, count: int) -> tuple[bytes, ...]:
    start = 8 * count
    (size,) = _LENGTH.unpack_from(data, start)
    blob = zlib.decompress(data[start + 4:start + 4 + size])
    offsets = np.frombuffer(blob, dtype="<u4", count=count + 1).tolist()
    base = 4 * (count + 1)
    return tuple(blob[base + a:base + b] for a, b in zip(offsets, offsets[1:]))


@dataclass(frozen=True)
class PositionBlocks:
    """Where a term's positions lie: the blocks' data and the index of each block's first posting
    (and, past the last, the number of postings). Blocks are decoded only when asked."""

    starts: np.ndarray
    blocks: tuple[bytes | memoryview, ...]

    @classmethod
    def of_values(cls, values: list[bytes]) -> "PositionBlocks":
        """From postings in Whoosh's own encoding (a term stored inline in the term's info)."""
        data = b"\0" * 8 * len(values) + _pack_positions(values, len(values))
        return cls(np.array([0, len(values)], dtype=np.int64), (data,))

    def _decode(self, postings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # the blocks holding `postings` (ascending): every position in them, one posting after
        # another, and each of `postings`' first position's index there and its count
        block_of = np.searchsorted(self.starts, postings, side="right") - 1
        counts, positions = [], []
        decoded = 0  # postings of the blocks decoded before this one
        rebase = np.zeros(len(self.starts), dtype=np.int64)  # a block's first posting among them
        changes = np.flatnonzero(block_of[1:] != block_of[:-1]) + 1  # block_of ascends with postings
        for b in block_of[np.concatenate(([0], changes))].tolist():
            first, end = int(self.starts[b]), int(self.starts[b + 1])
            block_counts, block_positions = _unpack_positions(self.blocks[b], end - first)
            counts.append(block_counts)
            positions.append(block_positions)
            rebase[b] = decoded - first
            decoded += end - first
        per_posting = np.concatenate(counts).astype(np.int64)
        at = postings + rebase[block_of]
        return np.concatenate(positions), (np.cumsum(per_posting) - per_posting)[at], per_posting[at]

    def positions(self, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For the postings numbered `selected` (ascending, unique): for each of their positions,
        which of them it belongs to (an index into `selected`) and the position itself, in that
        order (by owner, then position). Only the blocks holding them are read."""
        empty = np.zeros(0, dtype=np.int64)
        if not len(selected):
            return empty, empty
        positions, firsts, sizes = self._decode(selected)
        owner = np.repeat(np.arange(len(sizes)), sizes)
        before = np.cumsum(sizes) - sizes
        return owner, positions[np.arange(int(sizes.sum())) - np.repeat(before - firsts, sizes)].astype(np.int64)

    def holds(self, postings: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Whether posting `postings[i]` (ascending, repeats allowed) has position `targets[i]`: a
        binary search in each posting's own positions, all at once, so only the positions probed
        are touched (about log2 of a posting's count each), not every position of the term."""
        if not len(postings):
            return np.zeros(0, dtype=bool)
        positions, lo, sizes = self._decode(np.asarray(postings))
        end = lo + sizes
        hi = end.copy()
        last = len(positions) - 1
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) >> 1
            below = positions[np.minimum(mid, last)] < targets
            lo = np.where(active & below, mid + 1, lo)
            hi = np.where(active & ~below, mid, hi)
        return (lo < end) & (positions[np.minimum(lo, last)] == targets)


def read_arrays(matcher: ArrayLeafMatcher,
                positions: bool = False) -> tuple[np.ndarray, np.ndarray, PositionBlocks | None]:
    """Every posting of the matcher's term from its first block: ids, weights, and where its
    positions lie if asked. The blocks are read in one piece and taken apart here (Whoosh's framing:
    each block's length, negative for the last, its info tuple pickled, its data), so a common word's
    thousand blocks cost one read and a view each, not a matcher step and two copies each."""
    postfile = matcher._postfile
    first = position = matcher._baseoffset
    ends = []
    while True:
        (length,) = _BLOCK_LENGTH.unpack(postfile.get(position, _BLOCK_LENGTH.size))
        position += _BLOCK_LENGTH.size + abs(length)
        ends.append(position - first)
        if length < 0:
            break
    buffer = postfile.get(first, position - first)
    stream = BytesIO(buffer)
    ids, weights, blocks, counts = [], [], [], []
    start = 0
    for end in ends:
        stream.seek(start + _BLOCK_LENGTH.size)
        count = load(stream)[0]
        data = stream.tell()
        ids.append(np.frombuffer(buffer, dtype="<u4", count=count, offset=data))
        weights.append(np.frombuffer(buffer, dtype="<f4", count=count, offset=data + 4 * count))
        counts.append(count)
        if positions:
            blocks.append(memoryview(buffer)[data:end])
        start = end
    where = None
    if positions:
        starts = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        where = PositionBlocks(starts, tuple(blocks))
    return np.concatenate(ids).astype(np.int64), np.concatenate(weights).astype(np.float64), where
