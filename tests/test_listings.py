"""Listing indexes: lists filtered, sorted, counted and paged without the database, and fresh at once."""
from __future__ import annotations

import threading

import pytest

from search import RecordIndex
from search import RecordKind
from search import Selection
from service.listings import Listed
from service.listings import Listings
from storage.listing_marks import ListingMarks

KIND = RecordKind("thing", coded=("status", "owner"), numbers=("at",))


def test_a_selection_filters_sorts_pages_and_counts(tmp_path):
    index = RecordIndex(tmp_path / "things", KIND)
    with index.writer() as w:
        for n in range(30):
            w.upsert(f"t{n:02d}", {"status": "open" if n % 3 else "done", "owner": f"u{n % 2}", "at": 1000 + n})
    page = index.select(Selection(where={"status": {"open"}}, sort="at", descending=True, offset=0, limit=5))
    assert page.total == 20 and page.ids == ["t29", "t28", "t26", "t25", "t23"]
    later = index.select(Selection(where={"status": {"open"}}, sort="at", descending=True, offset=18, limit=5))
    assert later.ids == ["t02", "t01"] and later.total == 20
    beyond = index.select(Selection(sort="at", offset=100, limit=5))
    assert (beyond.total, beyond.ids) == (30, [])
    either = Selection(any_of=({"owner": {"u0"}, "status": {"done"}}, {"owner": {"u1"}, "status": {"open"}}),
                       ranges={"at": (1010, None)}, sort="at")
    chosen = index.select(Selection(**{**either.__dict__, "limit": 100}))
    assert chosen.ids == [f"t{n:02d}" for n in range(10, 30) if (n % 2 == 0) == (n % 3 == 0)]
    assert index.counts("status", Selection()) == {"open": 20, "done": 10}


def test_an_upsert_replaces_and_a_delete_removes_across_segments(tmp_path):
    index = RecordIndex(tmp_path / "things", KIND)
    for n in range(5):
        with index.writer() as w:  # one segment per commit
            w.upsert(f"t{n}", {"status": "open", "at": n})
    with index.writer() as w:
        w.upsert("t1", {"status": "done", "at": 1})
        w.delete("t3")
    assert index.select(Selection(where={"status": {"open"}}, sort="at")).ids == ["t0", "t2", "t4"]
    assert index.size() == 4
    with pytest.raises(ValueError):
        with index.writer() as w:
            w.upsert("t9", {"colour": "red"})
    assert index.size() == 4  # the failed writer changed nothing


def test_a_selection_accepts_in_python_exactly_what_the_index_selects(tmp_path):
    index = RecordIndex(tmp_path / "things", KIND)
    records = {f"t{n}": {"status": ("open", "done", "")[n % 3], "owner": f"u{n % 4}", "at": n * 7 % 50}
               for n in range(40)}
    with index.writer() as w:
        for record_id, values in records.items():
            w.upsert(record_id, values)
    selections = [Selection(where={"status": {"open", ""}}), Selection(ranges={"at": (10, 30)}),
                  Selection(any_of=({"owner": {"u1"}}, {"status": {"done"}}), ranges={"at": (None, 20)})]
    for selection in selections:
        found = index.select(Selection(**{**selection.__dict__, "limit": 100}))
        assert set(found.ids) == {i for i, v in records.items() if selection.accepts(v)}


@pytest.fixture
def things(services, tmp_path):
    """A listed kind over a collection of the test's database."""
    collection = services.db["things"]

    def load(record_id):
        return collection.find_one({"_id": record_id})

    listed = Listed(KIND, load, lambda: collection.find({}), lambda d: {k: d.get(k) for k in ("status", "owner", "at")})
    return collection, Listings(ListingMarks(services.db), tmp_path / "listings", {"thing": listed})


def _write(collection, listings, record_id, **values):
    collection.replace_one({"_id": record_id}, {"_id": record_id, **values}, upsert=True)
    listings.changed("thing", record_id)


def test_a_write_shows_in_the_list_at_once_and_the_same_after_the_pass(things):
    collection, listings = things
    for n in range(6):
        _write(collection, listings, f"t{n}", status="open", at=n)
    listings.catch_up()
    _write(collection, listings, "t9", status="open", at=3)  # new, in the middle
    _write(collection, listings, "t2", status="done", at=2)  # changed: leaves the selection
    collection.delete_one({"_id": "t4"})
    listings.changed("thing", "t4")  # deleted
    wanted = Selection(where={"status": {"open"}}, sort="at", offset=0, limit=10)
    before = listings.select("thing", wanted)
    assert (before.total, before.ids) == (5, ["t0", "t1", "t3", "t9", "t5"])
    assert listings.counts("thing", "status", Selection()) == {"open": 5, "done": 1}
    assert listings.counts("thing", "owner", Selection()) == {"": 6}  # no owner: counted as the empty value
    assert listings.catch_up() == 3
    after = listings.select("thing", wanted)
    assert (after.total, sorted(after.ids)) == (5, sorted(before.ids))
    assert listings.marks.of_kind("thing") == []


def test_a_write_during_a_pass_keeps_its_mark(things, monkeypatch):
    collection, listings = things
    _write(collection, listings, "t1", status="open", at=1)
    original = listings.kinds["thing"].load
    written = threading.Event()

    def load_then_write(record_id):
        doc = original(record_id)
        if not written.is_set():
            written.set()
            _write(collection, listings, "t1", status="done", at=1)  # lands after the pass read t1
        return doc

    monkeypatch.setitem(listings.kinds, "thing", Listed(KIND, load_then_write, lambda: [], listings.kinds["thing"].values))
    listings.catch_up()
    assert len(listings.marks.of_kind("thing")) == 1  # the second write's mark stays
    assert listings.select("thing", Selection(where={"status": {"done"}})).ids == ["t1"]


def test_a_rebuild_holds_exactly_the_database(things):
    collection, listings = things
    for n in range(4):
        _write(collection, listings, f"t{n}", status="open", at=n)
    listings.catch_up()
    collection.delete_one({"_id": "t0"})  # behind the index's back, as a restore would
    assert listings.rebuild("thing") == 3
    assert sorted(listings.index("thing").select(Selection(limit=10)).ids) == ["t1", "t2", "t3"]
