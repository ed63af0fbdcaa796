"""Cached data access: one read connection per database snapshot, query results cached per snapshot and filters."""
from __future__ import annotations

import json
import os
import time

import duckdb
import pandas as pd
import streamlit as st

from loaders import db
from metrics import checks, queries


ALIAS = "snap"


def _open_snapshot(path: str, retries: int = 20) -> duckdb.DuckDBPyConnection:
    """The file attached read-only inside a private in-memory DuckDB. duckdb.connect(path) would hand back
    the instance of a still-open older snapshot of the same path (DuckDB shares instances per path), so
    after a copy-on-write swap the app would keep reading the replaced file."""
    if not os.path.exists(path):
        db.open_read(path)  # raises the project's DatabaseMissing with its message
    quoted = path.replace("'", "''")
    last: Exception | None = None
    for attempt in range(retries):
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{quoted}' AS {ALIAS} (READ_ONLY)")
            con.execute(f"USE {ALIAS}")
            return con
        except duckdb.IOException as exc:  # lock held by a foreign read-write process
            con.close()
            last = exc
            time.sleep(min(0.05 * (attempt + 1), 0.5))
    raise db.DatabaseBusy(f"数据库正被其他程序以写入方式占用，暂时无法读取: {path}。 (database is locked: {last})")


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, token) -> duckdb.DuckDBPyConnection:
    # token is part of the key: a writer's atomic swap changes it and the next call reconnects
    return _open_snapshot(path)


def _cursor(path: str, token) -> duckdb.DuckDBPyConnection:
    cur = _connect(path, token).cursor()
    cur.execute(f"USE {ALIAS}")  # a cursor starts in the in-memory catalog
    return cur


def snapshot() -> tuple[str, tuple | None]:
    path = str(db.db_path())
    return path, db.snapshot_token(path)


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the current snapshot; close it after use. A cursor per use: DuckDB connections are not
    shared safely between script threads."""
    return _cursor(*snapshot())


@st.cache_data(max_entries=512, show_spinner=False)
def _run(path: str, token, name: str, args: str):
    con = _cursor(path, token)
    try:
        if name == "consistency_checks":
            return checks.consistency_checks(con)
        return getattr(queries, name)(con, **json.loads(args))
    finally:
        con.close()


def q(name: str, **filters):
    """Runs metrics.queries.<name>(con, **filters), cached by database snapshot and filters."""
    path, token = snapshot()
    args = json.dumps(filters, ensure_ascii=False, sort_keys=True, default=list)
    result = _run(path, token, name, args)
    if isinstance(result, pd.DataFrame):
        return result.copy()
    return result
