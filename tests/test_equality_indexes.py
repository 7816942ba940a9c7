"""Equality lookups on FerretDB over PostgreSQL are served by GIN indexes, shown by PostgreSQL's EXPLAIN."""
from __future__ import annotations

import json

import pytest

from storage import equality
from storage import mongo


@pytest.fixture
def pg_url(settings):
    """The PostgreSQL under the test FerretDB (the default stack always has one)."""
    assert settings.postgres_url, "the test servers run FerretDB on PostgreSQL: ARCHIVE_POSTGRES_URL is set"
    return settings.postgres_url


def _plan(pg_url: str, db_name: str, collection: str, field: str, value) -> str:
    # FerretDB sends a string or ObjectId value as its JSON string ('"6b13..."').
    return equality.explain(pg_url, db_name, collection, field, json.dumps(value))


def _uses_index(plan: str, field: str) -> bool:
    return "Bitmap Index Scan on" in plan and f"Index Cond: ((_jsonb -> '{field}'" in plan and "Seq Scan" not in plan


def test_every_declared_lookup_has_its_gin_index(services, pg_url):
    indexed = equality.indexed_fields(pg_url, services.db.name)
    missing = [(collection, field) for collection, fields in mongo.EQUALITY_LOOKUPS.items() for field in fields
               if field not in indexed.get(collection, set())]
    assert missing == []


def test_lookups_by_id_archive_number_and_file_id_use_their_index(services, pg_url):
    file_id = services.db["files"].insert_one({"archive_no": "KH-2026-00001", "name": "张伟"}).inserted_id
    services.db["documents"].insert_one({"file_id": str(file_id), "title": "购房合同"})
    cases = [("files", "_id", str(file_id)), ("files", "archive_no", "KH-2026-00001"),
             ("documents", "file_id", str(file_id))]
    for collection, field, value in cases:
        plan = _plan(pg_url, services.db.name, collection, field, value)
        assert _uses_index(plan, field), plan


def test_a_lookup_without_a_declared_field_reads_the_whole_table(services, pg_url):
    services.db["files"].insert_one({"nickname": "阿伟"})
    assert "Seq Scan" in _plan(pg_url, services.db.name, "files", "nickname", "阿伟")


def test_a_field_added_to_the_declaration_gets_its_index(services, pg_url):
    services.db["files"].insert_one({"nickname": "阿伟"})
    lookups = {**mongo.EQUALITY_LOOKUPS, "files": (*mongo.EQUALITY_LOOKUPS["files"], "nickname")}
    assert "nickname" not in equality.indexed_fields(pg_url, services.db.name)["files"]
    created = equality.ensure_indexes(pg_url, services.db.name, lookups)
    assert len(created) == 1 and "nickname" in equality.indexed_fields(pg_url, services.db.name)["files"]
    assert _uses_index(_plan(pg_url, services.db.name, "files", "nickname", "阿伟"), "nickname")
    assert equality.ensure_indexes(pg_url, services.db.name, lookups) == []  # idempotent


def test_a_collection_created_later_gets_its_indexes_at_the_next_start(services, pg_url, monkeypatch):
    monkeypatch.setitem(mongo.EQUALITY_LOOKUPS, "late_arrivals", ("_id", "file_id"))
    mongo.ensure_schema(services.db, pg_url)
    services.db["late_arrivals"].insert_one({"file_id": "f1"})
    assert _uses_index(_plan(pg_url, services.db.name, "late_arrivals", "file_id", "f1"), "file_id")


def test_found_documents_are_the_same_through_the_index(services):
    services.db["documents"].insert_many([{"file_id": f"f{i % 7}", "n": i} for i in range(200)])
    found = sorted(d["n"] for d in services.db["documents"].find({"file_id": "f3"}))
    assert found == [i for i in range(200) if i % 7 == 3]
