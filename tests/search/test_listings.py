"""Listing indexes: lists filtered, sorted, counted and paged without the database, and fresh at once."""
from __future__ import annotations

import multiprocessing
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


def _open_and_write(directory, barrier, number):
    barrier.wait()
    index = RecordIndex(directory, KIND)
    with index.writer(timeout=60) as w:
        w.upsert(f"p{number}", {"status": "open", "owner": f"u{number}", "at": number})


def test_processes_opening_a_new_index_at_once_create_it_once(tmp_path):
    # the web's workers, the worker and a command may all open an index nobody created yet
    for attempt in range(5):
        directory = tmp_path / f"attempt{attempt}"
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(8)
        processes = [context.Process(target=_open_and_write, args=(directory, barrier, n)) for n in range(8)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(120)
        assert [p.exitcode for p in processes] == [0] * 8
        page = RecordIndex(directory, KIND).select(Selection(sort="at", limit=20))
        assert page.ids == [f"p{n}" for n in range(8)]


def _commit_often(directory, stop):
    index = RecordIndex(directory, KIND)
    n = 0
    while not stop.is_set():
        with index.writer(timeout=60) as w:
            w.upsert(f"c{n % 50}", {"status": "open", "owner": "u0", "at": n})
        n += 1


def _open_often(directory, times):
    for _ in range(times):
        RecordIndex(directory, KIND)


def test_an_index_opens_while_another_process_commits_new_generations(tmp_path):
    # each commit deletes the table of contents a process opening the index may have just listed
    RecordIndex(tmp_path, KIND)
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    committer = context.Process(target=_commit_often, args=(tmp_path, stop))
    committer.start()
    openers = [context.Process(target=_open_often, args=(tmp_path, 1500)) for _ in range(3)]
    for process in openers:
        process.start()
    for process in openers:
        process.join(120)
    stop.set()
    committer.join(60)
    assert [p.exitcode for p in openers] == [0, 0, 0] and committer.exitcode == 0


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

    monkeypatch.setitem(listings.kinds, "thing",
                        Listed(KIND, load_then_write, lambda: [], listings.kinds["thing"].values))
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


def test_a_coded_column_keeps_more_than_65535_distinct_values(tmp_path):
    """Whoosh's RefBytesColumn turns the 65,536th distinct value of a segment into the empty one."""
    from whoosh.filedb.filestore import FileStorage

    from search._columns import _ref_column
    from search._records import WideRefBytesColumn
    column, count = WideRefBytesColumn(), 70_000
    storage = FileStorage(str(tmp_path))
    out = storage.create_file("column")
    writer = column.writer(out)
    for n in range(count):
        writer.add(n, f"file:{n}".encode())
    writer.finish(count)
    length = out.tell()
    out.close()
    reader = column.reader(storage.open_file("column"), 0, length, count)
    assert reader[65_536] == b"file:65536" and reader[count - 1] == f"file:{count - 1}".encode()
    codes, values = _ref_column(reader, count)
    assert [values[codes[n]] for n in (0, 255, 256, 65_535, 65_536, 69_999)] == [
        f"file:{n}" for n in (0, 255, 256, 65_535, 65_536, 69_999)]


def test_prefixes_weights_intervals_and_the_highest_number(tmp_path):
    kind = RecordKind("entry", coded=("action", "actor"), numbers=("at", "pages"))
    index = RecordIndex(tmp_path / "entries", kind)
    actions = ("auth.login", "auth.logout", "file.viewed", "author.added")
    records = {f"e{n:02d}": {"action": actions[n % 4], "actor": f"u{n % 3}", "at": 100 + n,
                             "pages": n if n % 5 else None} for n in range(40)}
    with index.writer() as w:
        for record_id, values in records.items():
            w.upsert(record_id, values)
    auth = Selection(prefixes={"action": "auth."}, limit=100)
    assert set(index.select(auth).ids) == {i for i, v in records.items() if v["action"].startswith("auth.")}
    assert set(index.select(auth).ids) == {i for i, v in records.items() if auth.accepts(v)}
    assert index.counts("actor", Selection()) == {"u0": 14, "u1": 13, "u2": 13}
    pages = index.counts("actor", Selection(), weight="pages")
    assert pages == {a: sum(v["pages"] or 0 for v in records.values() if v["actor"] == a) for a in ("u0", "u1", "u2")}
    assert index.histogram("at", [100, 110, 120, 200], Selection()) == [10, 10, 20]
    assert index.histogram("at", [90, 105, 130], Selection(where={"actor": {"u1"}}), weight="pages") == [
        sum(v["pages"] or 0 for v in records.values() if v["actor"] == "u1" and 90 <= v["at"] < 105),
        sum(v["pages"] or 0 for v in records.values() if v["actor"] == "u1" and 105 <= v["at"] < 130)]
    assert index.highest("at") == 139 and index.highest("pages") == 39
    assert RecordIndex(tmp_path / "empty", kind).highest("at") is None


def test_a_list_merges_fresh_records_into_any_page_in_either_order(things):
    collection, listings = things
    collection.insert_many([{"_id": f"t{n:04d}", "status": "open", "at": 2 * n} for n in range(1300)])
    listings.rebuild("thing")
    for n, at in ((1, 5), (2, 1001), (3, 2599), (4, 9999), (5, -1)):
        _write(collection, listings, f"f{n}", status="open", at=at)  # fresh: between, after, before
    _write(collection, listings, "t0500", status="done", at=1000)  # changed: leaves the list
    expected = sorted((d["at"], d["_id"]) for d in collection.find({"status": "open"}))
    for descending in (False, True):
        ordered = [i for _, i in (expected[::-1] if descending else expected)]
        for offset in (0, 2, 3, 499, 1000, 1290, 1302, 1400):
            page = listings.select("thing", Selection(where={"status": {"open"}}, sort="at", descending=descending,
                                                      offset=offset, limit=7))
            assert (page.total, page.ids) == (len(ordered), ordered[offset:offset + 7]), (descending, offset)


def test_an_index_never_built_is_built_from_its_collection_on_first_use(things):
    collection, listings = things
    collection.insert_many([{"_id": f"t{n}", "status": "open", "at": n} for n in range(5)])  # no marks
    assert not listings.index("thing").complete
    assert listings.select("thing", Selection(sort="at", limit=10)).ids == [f"t{n}" for n in range(5)]
    assert listings.index("thing").complete and listings.build_incomplete() == {}


@pytest.fixture
def numbered(services, tmp_path):
    """An append-only kind numbered densely (as the audit trail), followed by a watermark."""
    collection = services.db["numbered"]

    def after(number: int, limit: int) -> list[dict]:
        found = []
        while not limit or len(found) < limit:
            doc = collection.find_one({"_id": f"{number + len(found) + 1:06d}"})
            if doc is None:
                break
            found.append(doc)
        return found

    kind = RecordKind("entry", coded=("actor",), numbers=("seq",))
    listed = Listed(kind, lambda i: collection.find_one({"_id": i}), lambda: collection.find({}),
                    lambda d: {"actor": d["actor"], "seq": d["seq"]}, after=after, sequence="seq")
    return collection, Listings(ListingMarks(services.db), tmp_path / "listings", {"entry": listed})


def test_an_appended_record_shows_at_once_and_the_same_after_the_pass_without_marks(numbered):
    collection, listings = numbered

    def append(seq: int, actor: str) -> None:
        collection.insert_one({"_id": f"{seq:06d}", "seq": seq, "actor": actor})

    for seq in range(1, 8):
        append(seq, f"u{seq % 2}")
    newest_first = Selection(where={"actor": {"u1"}}, sort="seq", descending=True, limit=3)
    assert listings.select("entry", newest_first).ids == ["000007", "000005", "000003"]
    append(8, "u1")
    append(9, "u1")
    before = listings.select("entry", newest_first)
    assert (before.total, before.ids) == (6, ["000009", "000008", "000007"])
    assert listings.counts("entry", "actor", Selection()) == {"u0": 3, "u1": 6}
    assert listings.catch_up() == 2 and listings.index("entry").highest("seq") == 9
    after = listings.select("entry", newest_first)
    assert (after.total, after.ids) == (before.total, before.ids)
    assert listings.marks.of_kind("entry") == [] and listings.catch_up() == 0


def test_records_left_out_are_found_by_their_terms_or_by_every_id_alike(tmp_path):
    index = RecordIndex(tmp_path / "things", KIND)
    for start in (0, 200):  # two segments
        with index.writer() as w:
            for n in range(start, start + 200):
                w.upsert(f"t{n:03d}", {"status": "open", "at": n})
    everything = [f"t{n:03d}" for n in range(400)]
    for left_out in (frozenset({"t001", "t250", "nosuch"}), frozenset(everything[:300])):
        found = index.select(Selection(exclude_ids=left_out, sort="at", limit=500))
        assert found.ids == [i for i in everything if i not in left_out], len(left_out)
        assert index.counts("status", Selection(exclude_ids=left_out)) == {"open": 400 - len(left_out - {"nosuch"})}
