"""The PostgreSQL store: numbered migrations, pooled reads, writes as real transactions on the changed rows.

Writers take one transaction-level advisory lock, so they queue like DuckDB's file lock does (ids such as
max(batch_id) + 1 stay safe) while readers never wait (MVCC). Every write bumps the data-version row in the same
transaction; app servers key their caches on it.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from common import settings
from store import cells, db, engine

WRITE_LOCK = 0x41494401  # advisory lock key of the store's writers ("AID" 1)
_READY: set[str] = set()  # URLs whose schema this process has brought up to date
_READY_LOCK = threading.Lock()


def schema_sql(sql: str) -> str:
    """DuckDB's DOUBLE is PostgreSQL's DOUBLE PRECISION; the rest of the schema is common SQL."""
    return re.sub(r"\bDOUBLE\b(?! PRECISION)", "DOUBLE PRECISION", sql)


def _connect(url: str) -> engine.Connection:
    import psycopg
    from psycopg_pool import PoolTimeout

    try:
        return engine.connect(url)
    except (psycopg.OperationalError, PoolTimeout) as exc:
        raise db.DatabaseUnreachable("db_unreachable", url=engine.redact(url), error=type(exc).__name__) from None


def open_read(url: str) -> engine.Connection:
    """A pooled session in autocommit: each statement sees every committed write."""
    return _connect(url)


def snapshot_token(url: str) -> tuple | None:
    import psycopg

    con = _connect(url)
    try:
        row = con.execute("SELECT version FROM data_version WHERE id = 1").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    finally:
        con.close()
    return ("pg", int(row[0])) if row else None


def applied(con: engine.Connection) -> set[int]:
    con.execute(db.MIGRATIONS_TABLE_SQL)
    return {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(url: str) -> list[int]:
    """Applies the migrations the database lacks in one transaction (writers wait); returns their numbers."""
    con = _connect(url)
    try:
        with con.raw.transaction():
            con.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
            done = applied(con)
            if 1 in done:  # idempotent: a table added to the base schema since appears (as on DuckDB)
                con.sql_script(schema_sql(db.SCHEMA_SQL))
            new = []
            for number, name, sql, pg_only in db.MIGRATIONS:
                if number in done:
                    continue
                con.sql_script(schema_sql(sql))
                if pg_only.strip():
                    con.sql_script(pg_only)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, datetime.now()])
                new.append(number)
            have_views = con.execute("SELECT count(*) FROM information_schema.views WHERE table_schema = "
                                     "current_schema() AND table_name IN ('v_figures', 'v_figures_all')").fetchone()[0]
            if new or have_views < 2:
                con.sql_script(db.views_sql("postgres"))
    finally:
        con.close()
    with _READY_LOCK:
        _READY.add(url)
    return new


def ensure_schema(url: str) -> None:
    """Migrates once per process (later calls cost nothing)."""
    if url not in _READY:
        migrate(url)


@contextmanager
def write_transaction(url: str, timeout: float | None = None) -> Iterator[engine.Connection]:
    """One transaction: waits for the writer lock (DatabaseBusy after lock_timeout_s), yields the session, bumps
    the data version and commits; any exception rolls everything back."""
    import psycopg

    ensure_schema(url)
    timeout = settings.get_float("lock_timeout_s") if timeout is None else timeout
    con = _connect(url)
    try:
        with con.raw.transaction():
            con.execute(f"SET LOCAL lock_timeout = '{max(1, int(timeout * 1000))}ms'")
            try:
                con.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
            except psycopg.errors.LockNotAvailable:
                raise db.DatabaseBusy("db_write_busy", s=f"{timeout:.0f}") from None
            con.execute("SET LOCAL lock_timeout = 0")
            cells.ensure(con)  # a database from before the aggregated cells gains them (the write refreshes its own)
            yield con
            db.bump_version(con)
    finally:
        con.close()


# tables a plan rebuild replaces; everything people entered (db.USER_TABLES, uploaded figures) stays
PLAN_TABLES = ("rejects", "tasks", "plans", "build_info", "periods", "region_members", "regions", "metrics")


def replace_plans(build: Callable, url: str, timeout: float | None = None) -> str:
    """A rebuild in one transaction: plan figures and reference tables deleted and written again by
    build(con, None); uploads, batches, reviews and saved views are untouched rows."""
    with write_transaction(url, timeout) as con:
        con.execute("DELETE FROM figures WHERE source_kind = 'plan'")
        for table in PLAN_TABLES:
            con.execute(f"DELETE FROM {table}")
        build(con, None)
        cells.refresh(con)  # every aggregated cell, from the figures just built
    return url
