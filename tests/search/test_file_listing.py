"""Lists of files from the search index alone (`search._listing`): every answer equals the same rules
applied to the entries in Python, on an index of several segments with deletions and with files
written since their entry; the listing column equals Whoosh's own reading. No database."""
from __future__ import annotations

import itertools
import json
import random
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from search import FileEntry
from search import FileQuery
from search import PageEntry
from search import SearchIndex
from search import Visibility
from search._columns import SegmentColumns
from search._listing import matches
from search._listing import sort_key

START = datetime(2025, 1, 6, 1, 30, tzinfo=timezone.utc)
NAMES = [("张伟", "zhangwei", "zw"), ("张伟", "zhangwei", "zw"), ("李娜", "lina", "ln"), ("王强", "wangqiang", "wq"),
         ("欧阳娜娜", "ouyangnana", "oynn"), ("Smith 张", "smithzhang", "sz"), ("", "", "")]
VISIBILITIES = [Visibility(all=True), Visibility(), Visibility(departments={"销售部"}),
                Visibility(departments={"工程部"}, file_ids={"f0007", "f0011"})]
QUERIES = [FileQuery(), FileQuery(sort="name"), FileQuery(sort="name", descending=True),
           FileQuery(sort="created", descending=True), FileQuery(sort="updated"),
           FileQuery(archive_no="JX-2025-00012"), FileQuery(name="张"), FileQuery(name="ZW"), FileQuery(name="wei"),
           FileQuery(statuses=frozenset({"merged"})), FileQuery(statuses=frozenset({"active", "closed"}), stage="成交"),
           FileQuery(owner="keeper", customer_type="刚需", sort="archive_no", descending=True),
           FileQuery(template="enterprise", project="锦绣澜庭"),
           FileQuery(statuses=frozenset({"active", "closed"}), due_before="2031-01-01", sort="destroy_after"),
           FileQuery(key_days=frozenset({"0229", "0705"})), FileQuery(key_days=frozenset()),
           FileQuery(owner="clerk", statuses=frozenset({"active"}), key_days=frozenset({"0101"}), sort="name")]


def a_file(n: int, rng: random.Random, **values) -> FileEntry:
    """File n with values drawn from small sets, so that filters and ties have something to find."""
    name, pinyin, initials = NAMES[n % len(NAMES)]
    fields = dict(file_id=f"f{n:04d}", archive_no=f"JX-2025-{rng.randint(1, 40):05d}", name=name,
                  name_pinyin=pinyin, name_initials=initials, template=rng.choice(["individual", "enterprise"]),
                  stage=rng.choice(["意向", "成交", ""]), customer_type=rng.choice(["刚需", "投资", ""]),
                  project=rng.choice(["锦绣澜庭", "滨江一号", ""]), owner=rng.choice(["keeper", "clerk", ""]),
                  security=rng.choice(["normal", "normal", "confidential", "sealed"]),
                  department=rng.choice(["销售部", "工程部", ""]),
                  status=rng.choice(["active", "active", "closed", "merged", "destroyed"]),
                  created=START + timedelta(hours=rng.randint(0, 30)),
                  updated=START + timedelta(days=rng.randint(0, 5)),
                  destroy_after=rng.choice(["", "2020-06-30", "2030-12-31", "2031-01-01"]), held=rng.random() < 0.2,
                  key_days=rng.sample(["0101", "0229", "0705", "1231"], rng.randint(0, 2)))
    fields.update(values)
    return FileEntry(**fields)


def expected(entries: dict, query: FileQuery, visibility: Visibility) -> list[str]:
    """The rules applied in Python: the matching files sorted by key, ties by file id."""
    found = sorted((e for e in entries.values() if e is not None and matches(e, query, visibility)),
                   key=lambda e: e.file_id)
    found.sort(key=lambda e: sort_key(e, query.sort), reverse=query.descending)
    return [e.file_id for e in found]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """60 files in three commits (three segments) with pages, some files deleted or written again."""
    rng = random.Random(7)
    index = SearchIndex(tmp_path_factory.mktemp("listing") / "index")
    entries = {f"f{n:04d}": a_file(n, rng) for n in range(60)}
    for start in range(0, 60, 20):
        with index.writer() as batch:
            for entry in list(entries.values())[start:start + 20]:
                batch.upsert_file(entry)
                batch.upsert_page(PageEntry(document_id=f"d{entry.file_id}", page=1, file_id=entry.file_id,
                                            text="合同", uploaded=START))
    with index.writer() as batch:
        for gone in ("f0003", "f0031"):
            batch.delete_file(gone)
            entries.pop(gone)
        entries["f0005"] = a_file(5, rng, name="张伟强", name_pinyin="zhangweiqiang", name_initials="zwq")
        batch.upsert_file(entries["f0005"])
    return index, entries


def test_the_listing_column_equals_whooshs_own_reading(built):
    index, _ = built
    with index.whoosh.searcher() as searcher:
        for leaf, _offset in searcher.leaf_searchers():
            reader = leaf.reader()
            listing = SegmentColumns(reader).listing()
            column = reader.column_reader("listing")
            files = [n for n in range(reader.doc_count_all()) if reader.stored_fields(n)["entry"]["kind"] == "file"]
            assert listing.docnums.tolist() == files
            for row, n in enumerate(files):
                stored = reader.stored_fields(n)["entry"]
                assert json.loads(column[n].decode("utf-8")) == [
                    listing.file_ids[row], listing.archive_nos[row], listing.names[row], listing.pinyins[row],
                    listing.initials[row]]
                assert listing.file_ids[row] == stored["file_id"] and listing.pinyins[row] == stored["name_pinyin"]


@pytest.mark.parametrize("query, visibility", list(itertools.product(QUERIES, VISIBILITIES)))
def test_lists_equal_the_rules_applied_to_each_entry(built, query, visibility):
    index, entries = built
    want = expected(entries, query, visibility)
    for page, per_page in ((1, 7), (2, 7), (1, 200)):
        listed = index.list_files(query, visibility=visibility, page=page, per_page=per_page)
        assert listed.total == len(want)
        assert list(listed.file_ids) == want[(page - 1) * per_page: page * per_page]
    assert list(index.list_files(query, visibility=visibility, per_page=None).file_ids) == want


@pytest.mark.parametrize("query", QUERIES)
def test_files_written_since_their_entry_replace_it(built, query):
    index, entries = built
    rng = random.Random(11)
    replaced = {"f0010": None, "f0020": a_file(20, rng, status="active", security="normal", stage="成交"),
                "f0099": a_file(99, rng, status="active", security="normal"),  # not in the index yet
                "f0041": a_file(41, rng, status="merged")}
    now = {**entries, **replaced}
    for visibility in VISIBILITIES:
        want = expected(now, query, visibility)
        listed = index.list_files(query, visibility=visibility, page=1, per_page=5, replaced=replaced)
        assert (listed.total, list(listed.file_ids)) == (len(want), want[:5])
        deep = index.list_files(query, visibility=visibility, page=3, per_page=4, replaced=replaced)
        assert list(deep.file_ids) == want[8:12]


def test_counts_by_value_equal_the_rules(built):
    index, entries = built
    replaced = {"f0012": None, "f0013": a_file(13, random.Random(3), stage="意向", status="active")}
    now = {**entries, **replaced}
    for visibility in VISIBILITIES:
        listed = index.list_files(FileQuery(), visibility=visibility, per_page=0, replaced=replaced,
                                  counted=("stage", "project", "status"))
        shown = [e for e in now.values() if e is not None and matches(e, FileQuery(), visibility)]
        assert listed.file_ids == () and listed.total == len(shown)
        for name in ("stage", "project", "status"):
            tally: dict = {}
            for entry in shown:
                tally[getattr(entry, name)] = tally.get(getattr(entry, name), 0) + 1
            assert listed.counts[name] == tally, name


def test_a_page_beyond_the_end_is_empty_with_the_total(built):
    index, entries = built
    listed = index.list_files(FileQuery(), visibility=Visibility(all=True), page=50, per_page=20)
    assert listed.file_ids == () and listed.total == len(expected(entries, FileQuery(), Visibility(all=True)))


def test_bad_arguments_are_refused(built):
    index, _ = built
    with pytest.raises(ValueError):
        FileQuery(sort="bogus")
    with pytest.raises(ValueError):
        index.list_files(FileQuery(), visibility=Visibility(), per_page=201)
    with pytest.raises(ValueError):
        index.list_files(FileQuery(), visibility=Visibility(), page=0)
    with pytest.raises(ValueError):
        index.list_files(FileQuery(), visibility=Visibility(), counted=("name",))
    with pytest.raises(ValueError):
        a_file(1, random.Random(1), destroy_after="31.12.2030")


def test_merged_and_destroyed_files_are_listed_but_never_found(tmp_path):
    index = SearchIndex(tmp_path / "index")
    rng = random.Random(5)
    kept = a_file(1, rng, name="张伟", status="active", security="normal")
    merged = a_file(2, rng, name="张伟", status="merged", security="normal")
    gone = a_file(3, rng, name="", status="destroyed", security="normal")
    with index.writer() as batch:
        for entry in (kept, merged, gone):
            batch.upsert_file(entry)
    found = index.search("张伟", visibility=Visibility(all=True))
    assert [hit.file_id for hit in found.groups] == [kept.file_id] and found.facets["customer_type"] == \
        ({kept.customer_type: 1} if kept.customer_type else {})
    everyone = Visibility(all=True)
    assert set(index.list_files(FileQuery(), visibility=everyone).file_ids) == {kept.file_id, gone.file_id}
    assert index.list_files(FileQuery(statuses={"merged"}), visibility=everyone).file_ids == (merged.file_id,)
