"""Cached data access: one read connection per database snapshot; typed wrappers of the metrics queries, cached per
snapshot and filters (data.cells(...) has the signature of metrics.queries.cells without its connection)."""
from __future__ import annotations

import functools
import inspect
import json
import os
import time
from typing import Any, Callable, Concatenate, ParamSpec, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from metrics import checks, queries
from metrics import review as review_queries
from store import db
from ui import state

ALIAS = "snap"
P = ParamSpec("P")
R = TypeVar("R")


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
    raise db.DatabaseBusy("db_locked", path=path, error=last)


@st.cache_resource(max_entries=2, show_spinner=False)
def _connect(path: str, token) -> duckdb.DuckDBPyConnection:
    # token is part of the key: a writer's atomic swap changes it and the next call reconnects
    return _open_snapshot(path)


def _cursor(path: str, token) -> duckdb.DuckDBPyConnection:
    if db.engine.is_url(path):  # PostgreSQL: a pooled session; each statement sees every committed write
        return db.open_read(path)
    cur = _connect(path, token).cursor()
    cur.execute(f"USE {ALIAS}")  # a cursor starts in the in-memory catalog
    return cur


def snapshot() -> tuple[str, tuple | None]:
    """(where, token): the token changes with every write (DuckDB: the swapped-in file; PostgreSQL: the
    data-version row, so app servers sharing one database see each other's writes at their next run)."""
    path = str(db.location())
    return path, db.snapshot_token(path)


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the current snapshot; close it after use. A cursor per use: DuckDB connections are not
    shared safely between script threads. It hides unreviewed figures when the reader's switch says so."""
    con = _cursor(*snapshot())
    if state.hide_unreviewed():
        queries.hide_unreviewed(con)
    return con


@st.cache_data(max_entries=512, show_spinner=False)
def _run(path: str, token, name: str, args: str, hide_unreviewed: bool = False):
    con = _cursor(path, token)
    if hide_unreviewed:
        queries.hide_unreviewed(con)
    try:
        return _QUERIES[name](con, **json.loads(args))
    finally:
        con.close()


_QUERIES: dict[str, Callable] = {}


def _cached(fn: Callable[Concatenate[Any, P], R]) -> Callable[P, R]:
    """fn(con, **filters) as a function of the filters alone, on the current snapshot, cached by snapshot and
    filters; same signature, so editors find its uses and a wrong argument fails where it is written."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _QUERIES[name] = fn
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(None, *args, **kwargs)
        filters = {k: v for k, v in list(bound.arguments.items())[1:]}
        path, token = snapshot()
        result = _run(path, token, name, json.dumps(filters, ensure_ascii=False, sort_keys=True, default=list),
                      state.hide_unreviewed())
        return result.copy() if isinstance(result, pd.DataFrame) else result

    return call


# The dashboard's read queries (metrics.queries and metrics.checks), each cached per database snapshot.
periods = _cached(queries.periods)
five_year_periods = _cached(queries.five_year_periods)
years = _cached(queries.years)
latest_period = _cached(queries.latest_period)
period_members = _cached(queries.period_members)
period_cells = _cached(queries.period_cells)
year_cells = _cached(queries.year_cells)
period_totals = _cached(queries.period_totals)
metrics = _cached(queries.metrics)
metric_info = _cached(queries.metric_info)
regions = _cached(queries.regions)
region_members = _cached(queries.region_members)
headline_cards = _cached(queries.headline_cards)
growth = _cached(queries.growth)
stated_changes = _cached(queries.stated_changes)
funding_by_period_region = _cached(queries.funding_by_period_region)
shares = _cached(queries.shares)
per_project = _cached(queries.per_project)
annualised = _cached(queries.annualised)
region_detail = _cached(queries.region_detail)
region_summary = _cached(queries.region_summary)
cooperation = _cached(queries.cooperation)
enterprise_flows = _cached(queries.enterprise_flows)
category_figures = _cached(queries.category_figures)
task_plans = _cached(queries.task_plans)
tasks_by_type = _cached(queries.tasks_by_type)
tasks_by_section = _cached(queries.tasks_by_section)
tasks_by_unit = _cached(queries.tasks_by_unit)
tasks_list = _cached(queries.tasks_list)
figure_search = _cached(queries.figure_search)
figure_count = _cached(queries.figure_count)
figure_context = _cached(queries.figure_context)
data_status = _cached(queries.data_status)
consistency_checks = _cached(checks.consistency_checks)
plan_titles = _cached(queries.plan_titles)
review_plans = _cached(review_queries.review_plans)
review_queue = _cached(review_queries.review_queue)
unreviewed_count = _cached(review_queries.unreviewed_count)
orphan_decisions = _cached(review_queries.orphan_decisions)
