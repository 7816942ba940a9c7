"""The Whoosh stopgaps: a segment's files read through a view, not copied whole."""
from __future__ import annotations

import io
import mmap
import pickle

import pytest
from whoosh.filedb.structfile import BufferFile

from search import SearchIndex
from search import Visibility
from search._whoosh_patch import ViewReader
from tests.support.index_entries import CONTRACT
from tests.support.index_entries import ZHANG
from tests.support.index_entries import a_page

DATA = b"first line\nsecond line\n" + pickle.dumps((512, 70000, 2.5, 0, 3, 4), 2) + b"\x00" * 10 + b"tail"


def same_steps(make):
    """Reads, seeks and pickles the way Whoosh does, on a file from `make`; what each step gave."""
    f = make(DATA)
    steps = [f.read(4), f.tell(), f.readline(), f.readline(3), f.readline(), f.tell()]
    steps.append(pickle.load(f))
    steps += [f.tell(), f.seek(-4, io.SEEK_END), f.read(), f.read(), f.read(10)]
    f.seek(2)
    target = bytearray(5)
    steps += [f.readinto(target), bytes(target), f.seek(3, io.SEEK_CUR), f.read(-1)[:6], f.seek(len(DATA) + 5),
              f.read(3), f.tell()]
    return steps


def test_a_view_reads_as_bytesio_does():
    assert same_steps(ViewReader) == same_steps(io.BytesIO)


def test_a_view_over_an_mmap_copies_only_what_is_read(tmp_path):
    path = tmp_path / "segment"
    path.write_bytes(DATA * 1000)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        part = view[len(DATA):]
        reader = ViewReader(part)
        assert reader.read(10) == b"first line"
        assert reader.seek(0, io.SEEK_END) == len(DATA) * 999
        reader.close()
        with pytest.raises(ValueError):
            reader.read(1)
        part.release()
        view.release()  # no view of the mmap is left: it closes


def test_an_opened_index_reads_its_segments_through_views(tmp_path):
    index = SearchIndex(tmp_path / "index")
    with index.writer() as batch:
        batch.upsert_page(a_page(ZHANG, "doc-contract", CONTRACT))
    assert index.search('"逾期交房"', visibility=Visibility(all=True)).total == 1
    opened = BufferFile(memoryview(b"abc"))
    assert isinstance(opened.file, ViewReader) and opened.read(2) == b"ab"
