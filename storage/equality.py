"""GIN expression indexes for FerretDB on PostgreSQL: the only indexes its equality pushdown can use.

FerretDB v1.24 sends a top-level equality filter `{field: value}` to PostgreSQL as
`_jsonb->'field' @> value`. Its own indexes (and the ones `create_index` makes) are btree
indexes on `(_jsonb->'field')`, which cannot serve `@>`; without a GIN index on the same
expression every lookup reads the whole table. This module reads FerretDB's own metadata to find
the table behind each collection and creates one GIN index per declared field. Nested paths
(`a.b`), `$in` and `$or` are never pushed down by FerretDB, so only top-level fields are declared.
On MongoDB none of this applies: its ordinary indexes serve the same lookups.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping

import psycopg
from psycopg import sql

from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

METADATA_TABLE = "_ferretdb_database_metadata"


def index_name(table: str, field: str) -> str:
    """A stable name within PostgreSQL's 63 characters for the GIN index of one field."""
    digest = hashlib.sha1(f"{table}.{field}".encode()).hexdigest()[:8]
    return f"{table[:40]}_{field.strip('_')[:10]}_{digest}_gin"


def _connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise StorageUnavailable("database", "PostgreSQL") from exc


def tables(conn: psycopg.Connection, schema: str) -> dict[str, str]:
    """FerretDB's table for each collection of one database (a PostgreSQL schema)."""
    found = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (schema, METADATA_TABLE)).fetchone()
    if found is None:
        return {}
    rows = conn.execute(sql.SQL("SELECT _jsonb->>'_id', _jsonb->>'table' FROM {}.{}").format(
        sql.Identifier(schema), sql.Identifier(METADATA_TABLE))).fetchall()
    return dict(rows)


def ensure_indexes(url: str, schema: str, lookups: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Create the GIN index of every declared (collection, field) whose collection exists; the new names."""
    created = []
    with _connect(url) as conn:
        by_collection = tables(conn, schema)
        existing = {row[0] for row in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,)).fetchall()}
        for collection, fields in lookups.items():
            table = by_collection.get(collection)
            if table is None:
                continue
            for field in fields:
                name = index_name(table, field)
                if name in existing:
                    continue
                conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} USING gin ((_jsonb -> {}))").format(
                    sql.Identifier(name), sql.Identifier(schema), sql.Identifier(table), sql.Literal(field)))
                created.append(name)
    if created:
        log.info("created %d GIN lookup indexes in %s", len(created), schema)
    return created


def indexed_fields(url: str, schema: str) -> dict[str, set[str]]:
    """The fields with a GIN lookup index, per collection of one database."""
    with _connect(url) as conn:
        by_table = {table: collection for collection, table in tables(conn, schema).items()}
        # the definition is tested here, not in SQL: PostgreSQL may test `indexdef LIKE` (pg_get_indexdef)
        # before the schema, on an index of another database being dropped at that moment
        rows = conn.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s", (schema,)).fetchall()
    rows = [(table, definition) for table, definition in rows if "USING gin" in definition]
    found: dict[str, set[str]] = {}
    for table, definition in rows:
        match = _GIN_FIELD.search(definition)
        if match and table in by_table:
            found.setdefault(by_table[table], set()).add(match.group(1))
    return found


_GIN_FIELD = re.compile(r"USING gin \(+_jsonb -> '([^']+)'::text\)+$")


def explain(url: str, schema: str, collection: str, field: str, value_json: str) -> str:
    """PostgreSQL's plan for the statement FerretDB sends for `{field: value}` (value as FerretDB's JSON).

    Sequential scans are priced out, so the plan shows whether an index *can* serve the statement,
    whatever the table's size (on a table of a few rows the planner would rightly prefer a scan).
    """
    with _connect(url) as conn:
        table = tables(conn, schema)[collection]
        conn.execute("SET enable_seqscan = off")
        statement = sql.SQL("EXPLAIN SELECT _jsonb FROM {}.{} WHERE _jsonb->%s @> %s").format(
            sql.Identifier(schema), sql.Identifier(table))
        return "\n".join(row[0] for row in conn.execute(statement, (field, value_json)).fetchall())
