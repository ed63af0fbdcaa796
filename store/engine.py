"""The second engine: a thin PostgreSQL connection with DuckDB's calling shape (execute(sql, [params]) -> .df(),
.fetchall(), .fetchone(); register/unregister of a DataFrame), so metrics, outputs and loaders run unchanged on both.

The SQL they send is the portable subset both engines run; this layer only translates `?` placeholders, keeps `%`
literal, adapts numpy/pandas values, and types result frames like DuckDB's (numbers numeric, times datetime64).
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import threading
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
from psycopg import Error  # noqa: F401 - re-exported: store.db.ENGINE_ERRORS

URL_SCHEMES = ("postgresql://", "postgres://")

_NUMERIC_OIDS = {20, 21, 23, 26, 700, 701, 1700}  # int8 int2 int4 oid float4 float8 numeric
_INT_OIDS = {20, 21, 23, 26}
_TIME_OIDS = {1082, 1114, 1184}  # date timestamp timestamptz
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|%")


def is_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def translate(sql: str) -> str:
    """`?` -> `%s` and `%` -> `%%` outside quoted text (inside literals `%` is doubled too: psycopg parses all)."""
    def sub(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        if tok == "%":
            return "%%"
        return tok.replace("%", "%%") if tok[0] in "'\"" else tok
    return _TOKEN.sub(sub, sql)


def py(value: Any) -> Any:
    """A value psycopg can send: numpy scalars as Python ones, NaN/NaT/NA as NULL, Timestamps as datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.ndarray):
        return [py(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [py(v) for v in value]
    return value


def _column(values: list, oid: int) -> pd.Series | list:
    if oid in _NUMERIC_OIDS:
        vals = [float(v) if isinstance(v, decimal.Decimal) else v for v in values]
        if oid in _INT_OIDS:
            if any(v is None for v in vals):
                return pd.array(vals, dtype="Int64")
            return np.array(vals, dtype="int64")
        return np.array([np.nan if v is None else v for v in vals], dtype="float64")
    if oid in _TIME_OIDS:
        vals = [v.replace(tzinfo=None) if isinstance(v, dt.datetime) and v.tzinfo else v for v in values]
        return pd.to_datetime(pd.Series(vals, dtype=object)).astype("datetime64[us]")
    return values


class Result:
    """What execute() returns: the rows of one statement, read like a DuckDB result."""

    def __init__(self, description, rows: list[tuple] | None):
        self.description = description
        self._rows = rows or []
        self._pos = 0

    def fetchall(self) -> list[tuple]:
        rows, self._pos = self._rows[self._pos:], len(self._rows)
        return rows

    def fetchone(self) -> tuple | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def df(self) -> pd.DataFrame:
        if not self.description:
            return pd.DataFrame()
        names = [d.name for d in self.description]
        rows = self.fetchall()
        cols = list(zip(*rows)) if rows else [()] * len(names)
        data = {}
        for i, (name, d) in enumerate(zip(names, self.description)):
            data[i] = _column(list(cols[i]), d.type_code)
        out = pd.DataFrame(data)
        out.columns = names
        return out


def _sql_type(values: pd.Series) -> str:
    kind = values.dtype.kind
    if kind == "b":
        return "BOOLEAN"
    if kind in "iu":
        return "BIGINT"
    if kind == "f":
        return "DOUBLE PRECISION"
    if kind == "M":
        return "TIMESTAMP"
    sample = next((v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))), None)
    if isinstance(sample, (bool, np.bool_)):
        return "BOOLEAN"
    if isinstance(sample, (int, np.integer)):
        return "BIGINT"
    if isinstance(sample, (float, np.floating)):
        return "DOUBLE PRECISION"
    if isinstance(sample, dt.datetime):
        return "TIMESTAMP"
    if isinstance(sample, dt.date):
        return "DATE"
    return "TEXT"


def _rows(df: pd.DataFrame, int_columns: Iterable[str] = ()) -> Iterable[list]:
    ints = {df.columns.get_loc(c) for c in int_columns if c in df.columns}
    for row in df.itertuples(index=False, name=None):
        out = [py(v) for v in row]
        for i in ints:
            if isinstance(out[i], float):
                out[i] = int(out[i])
        yield out


class Connection:
    """One PostgreSQL session (autocommit unless inside a write transaction) with DuckDB's calling shape."""

    engine = "postgres"

    def __init__(self, raw, release=None):
        self.raw = raw
        self._release = release
        self._registered: set[str] = set()
        self.description = None

    # reading and writing
    def execute(self, sql: str, params: Sequence | None = None) -> Result:
        cur = self.raw.cursor()
        try:
            if params:
                cur.execute(translate(sql), [py(p) for p in params])
            else:
                cur.execute(sql)
            rows = cur.fetchall() if cur.description else None
            self.description = cur.description
            return Result(cur.description, rows)
        finally:
            cur.close()

    def executemany(self, sql: str, seq: Iterable[Sequence]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(translate(sql), [[py(p) for p in row] for row in seq])

    def sql_script(self, script: str) -> None:
        """Several statements without parameters (schema, migrations)."""
        with self.raw.cursor() as cur:
            cur.execute(script)

    # DataFrames as tables
    def register(self, name: str, df: pd.DataFrame) -> None:
        """A TEMP table named like the frame, filled by COPY (DuckDB scans the frame itself)."""
        self.unregister(name)
        cols = ", ".join(f'"{c}" {_sql_type(df[c])}' for c in df.columns)
        with self.raw.cursor() as cur:
            cur.execute(f'CREATE TEMP TABLE "{name}" ({cols})')
            self._registered.add(name)
            copy_rows(cur, name, list(df.columns), _rows(df))
            cur.execute(f'ANALYZE "{name}"')  # a temp table has no statistics until analysed: plans guess badly

    def unregister(self, name: str) -> None:
        if name in self._registered:
            with self.raw.cursor() as cur:
                cur.execute(f'DROP TABLE IF EXISTS "{name}"')
            self._registered.discard(name)

    def insert_frame(self, table: str, df: pd.DataFrame) -> None:
        """Rows straight into a table by COPY (columns by name; the table's types decide)."""
        if df.empty:
            return
        ints = {r[0] for r in self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND data_type IN ('integer', 'bigint', 'smallint')", [table]).fetchall()}
        with self.raw.cursor() as cur:
            copy_rows(cur, table, list(df.columns), _rows(df, ints))

    def cursor(self) -> "Connection":
        return self

    def close(self) -> None:
        for name in list(self._registered):
            try:
                self.unregister(name)
            except Exception:  # noqa: BLE001 - a broken session is discarded by the pool anyway
                break
        release, self._release = self._release, None
        if release is not None:
            release(self.raw)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def copy_rows(cur, table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as cp:
        for row in rows:
            cp.write_row(row)


# --- pools: one per URL and process ----------------------------------------------------------------------------

_POOLS: dict[str, Any] = {}
_POOLS_LOCK = threading.Lock()


def _reset(raw) -> None:
    """A connection going back to the pool forgets session settings and temp tables (hide_unreviewed, frames)."""
    raw.execute("RESET ALL")  # not DISCARD ALL: that also drops the statements psycopg has prepared
    raw.execute("DISCARD TEMP")
    _configure(raw)


def _configure(raw) -> None:
    """Each new session: no JIT compilation (it costs more than it saves on the dashboard's queries: measured 31 s
    -> 15 s for the headline cards at 1M figures)."""
    raw.execute("SET jit = off")


def pool(url: str):
    from psycopg_pool import ConnectionPool

    with _POOLS_LOCK:
        p = _POOLS.get(url)
        if p is None:
            p = ConnectionPool(url, min_size=1, max_size=8, kwargs={"autocommit": True}, configure=_configure,
                               reset=_reset,
                               open=True, name="aid")
            _POOLS[url] = p
        return p


def connect(url: str) -> Connection:
    """A pooled session; close() gives it back."""
    p = pool(url)
    raw = p.getconn()
    return Connection(raw, release=p.putconn)


def connect_direct(url: str) -> Connection:
    """An unpooled session (command line, tests, migrations)."""
    import psycopg

    raw = psycopg.connect(url, autocommit=True)
    _configure(raw)
    return Connection(raw, release=lambda r: r.close())


def close_pool(url: str) -> None:
    with _POOLS_LOCK:
        p = _POOLS.pop(url, None)
    if p is not None:
        p.close()


def close_pools() -> None:
    with _POOLS_LOCK:
        for p in _POOLS.values():
            p.close()
        _POOLS.clear()
