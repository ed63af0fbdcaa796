"""Cached data access: one read connection per database snapshot, query results cached per snapshot and filters."""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import streamlit as st

from loaders import db
from metrics import checks, queries


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, token) -> duckdb.DuckDBPyConnection:
    # token is part of the key: a writer's atomic swap changes it and the next call reconnects
    return db.open_read(path)


def snapshot() -> tuple[str, tuple | None]:
    path = str(db.db_path())
    return path, db.snapshot_token(path)


def connection() -> duckdb.DuckDBPyConnection:
    path, token = snapshot()
    # a cursor per use: DuckDB connections are not shared safely between script threads
    return _connect(path, token).cursor()


@st.cache_data(max_entries=512, show_spinner=False)
def _run(path: str, token, name: str, args: str):
    con = _connect(path, token).cursor()
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
