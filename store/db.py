"""The DuckDB file: schema, read connections, and copy-on-write writes swapped in atomically.

Why copy-on-write: DuckDB lets one process write a file, and a process holding it read-only blocks
writers. The app keeps read-only connections open, so no writer ever opens the live file. A writer
takes an advisory lock, copies the live file, writes the copy, checkpoints it and renames it over the
live file. Readers holding the old file keep a consistent snapshot; a failed write leaves the live
file untouched; writers queue on the lock.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from common import settings
from common.messages import CodedError
from store import cells

SCHEMA_VERSION = "3"  # 2: periods.five_year / dashboard, regions.role; 3: plans.review, figure_reviews

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id        VARCHAR PRIMARY KEY,
    title          VARCHAR NOT NULL,
    title_en       VARCHAR,
    issuer         VARCHAR,
    doc_number     VARCHAR,
    date           DATE,
    page_updated   DATE,
    kind           VARCHAR NOT NULL,      -- five_year_plan | work_plan | action_plan
    period         VARCHAR NOT NULL,      -- period the plan covers
    review_period  VARCHAR,               -- period its review section describes
    default_region VARCHAR,
    source_file    VARCHAR,
    sha256         VARCHAR NOT NULL,
    text           VARCHAR NOT NULL,      -- the text as stored in data/plans; offsets point into it
    notes          VARCHAR,
    review         VARCHAR                -- 'pending': its figures await review (sidecar "review")
);
CREATE TABLE IF NOT EXISTS periods (
    period     VARCHAR PRIMARY KEY,       -- 十二五 | 2020 | 2020-2022
    label_zh   VARCHAR NOT NULL,
    label_en   VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,          -- five_year | year | range
    start_year INTEGER NOT NULL,
    end_year   INTEGER NOT NULL,
    n_years    INTEGER NOT NULL,
    sort       INTEGER NOT NULL,
    five_year  VARCHAR,                   -- the five-year period holding it (itself, its year, a range inside it)
    dashboard  BOOLEAN                    -- a five-year period the dashboard offers (periods.csv)
);
CREATE TABLE IF NOT EXISTS regions (
    region_id VARCHAR PRIMARY KEY,
    name_zh   VARCHAR NOT NULL,
    name_en   VARCHAR NOT NULL,
    aliases   VARCHAR,
    level     VARCHAR NOT NULL,
    province  VARCHAR,
    members   VARCHAR,
    lon       DOUBLE,
    lat       DOUBLE,
    adcode    VARCHAR,
    color     VARCHAR,
    sort      INTEGER,
    note      VARCHAR,
    role      VARCHAR                    -- total | cooperation | enterprise | recipient (| joins several)
);
CREATE TABLE IF NOT EXISTS region_members (
    group_id  VARCHAR NOT NULL,
    member_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    metric_id       VARCHAR PRIMARY KEY,
    name_zh         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    unit_family     VARCHAR NOT NULL,     -- money | count | people | percent | ratio
    base_unit       VARCHAR NOT NULL,
    display_unit_zh VARCHAR NOT NULL,
    display_unit_en VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,
    cues            VARCHAR,
    units           VARCHAR,
    decimals        INTEGER,
    headline        BOOLEAN,
    sort            INTEGER,
    description     VARCHAR
);
CREATE TABLE IF NOT EXISTS figures (
    figure_id   VARCHAR PRIMARY KEY,      -- plan: <plan_id>:<span_start>; upload: b<batch>:<sheet>:<row>
    source_kind VARCHAR NOT NULL,         -- plan | upload
    plan_id     VARCHAR,
    batch_id    INTEGER,
    upload_file VARCHAR,
    sheet       VARCHAR,
    row_number  INTEGER,
    period      VARCHAR NOT NULL,
    year        INTEGER,
    region_id   VARCHAR NOT NULL,
    metric_id   VARCHAR NOT NULL,
    value       DOUBLE NOT NULL,          -- as written, in the written unit
    unit        VARCHAR NOT NULL,         -- as written: 亿元, 个, 万人次
    qualifier   VARCHAR,                  -- 余 多 约 超过 近 以上 ...
    value_base  DOUBLE NOT NULL,          -- in base_unit: 元 or a plain count
    base_unit   VARCHAR NOT NULL,
    number_text VARCHAR,                  -- the span as written: 135亿余元
    section     VARCHAR,
    quote       VARCHAR,                  -- verbatim sentence the figure came from
    quote_start INTEGER,
    quote_end   INTEGER,
    span_start  INTEGER,
    span_end    INTEGER,
    ref_period  VARCHAR,                  -- for ratios: the period compared against
    note        VARCHAR,
    time_phrase VARCHAR,                  -- words the period was read from: 自2010年…以来, 截至2020年底, 今年
    place       VARCHAR                   -- the place as named, finer than region_id: 红河州元阳县, 塔县
);
CREATE TABLE IF NOT EXISTS rejects (
    plan_id    VARCHAR NOT NULL,
    section    VARCHAR,
    span_text  VARCHAR NOT NULL,
    span_start INTEGER,
    span_end   INTEGER,
    quote      VARCHAR,
    reason     VARCHAR NOT NULL,
    detail     VARCHAR
);
CREATE TABLE IF NOT EXISTS tasks (
    plan_id    VARCHAR NOT NULL,
    section    VARCHAR,
    task_no    VARCHAR NOT NULL,
    task_type  VARCHAR,
    text       VARCHAR NOT NULL,
    unit       VARCHAR,
    unit_city  VARCHAR,
    unit_order INTEGER,
    span_start INTEGER,
    span_end   INTEGER
);
CREATE TABLE IF NOT EXISTS build_info (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);
-- rows people entered: a rebuild carries these over (see USER_TABLES)
CREATE TABLE IF NOT EXISTS batches (
    batch_id    INTEGER PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    sheets      VARCHAR,
    n_rows      INTEGER,
    n_added     INTEGER,
    n_replaced  INTEGER,
    uploader    VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    undone_at   TIMESTAMP,
    undone_by   VARCHAR,
    note        VARCHAR
);
CREATE TABLE IF NOT EXISTS supersessions (  -- figures a batch replaced; undoing the batch restores them
    batch_id  INTEGER NOT NULL,
    figure_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS assertions (     -- batch figures a later batch stated again (same value, not stored twice)
    batch_id  INTEGER NOT NULL,
    figure_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS figure_reviews (  -- staff decisions on plan figures; the latest per span wins
    review_id   INTEGER PRIMARY KEY,
    plan_id     VARCHAR NOT NULL,         -- a figure's identity across rebuilds: plan and span of its number
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL,
    decision    VARCHAR NOT NULL,         -- confirmed | corrected | rejected
    region_id   VARCHAR,                  -- corrected values; NULL keeps the extracted one
    period      VARCHAR,
    metric_id   VARCHAR,
    value       DOUBLE,
    unit        VARCHAR,
    qualifier   VARCHAR,
    value_base  DOUBLE,
    base_unit   VARCHAR,
    number_text VARCHAR,                  -- the corrected value as the reviewer typed it
    reviewer    VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL,
    note        VARCHAR
);
CREATE TABLE IF NOT EXISTS saved_views (
    view_id    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    page       VARCHAR NOT NULL,
    params     VARCHAR NOT NULL,         -- JSON of the page's filters (query params)
    position   INTEGER NOT NULL,         -- order in the presentation deck
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP
);
"""

# Tables whose rows come from people, not from data/plans: a rebuild carries them over, together with
# the uploaded rows of `figures`.
USER_TABLES: tuple[str, ...] = ("batches", "supersessions", "assertions", "saved_views", "figure_reviews")

# columns added to tables after their first release: a file from an older build gains them on its next write
MIGRATIONS_SQL = """
ALTER TABLE plans ADD COLUMN IF NOT EXISTS review VARCHAR;
"""

VIEWS_SQL = """
-- every current figure with staff review decisions applied (the latest decision per plan span): a corrected
-- figure carries the corrected values, keeps its quote and offsets, and says who corrected it and when;
-- review_status: extracted (a pending plan's figure nobody decided on) | confirmed | corrected | rejected |
-- reviewed (plans without review and uploads)
CREATE OR REPLACE VIEW v_figures_all AS
-- d is read twice; NOT MATERIALIZED keeps a reader's filter (region, metric, period) reaching the figures scan
-- (materialized, a filtered read at 1M figures cost ~5x more: store/cells.py refreshes read a pair at a time)
WITH d AS NOT MATERIALIZED (
    SELECT * FROM figure_reviews
    QUALIFY row_number() OVER (PARTITION BY plan_id, span_start, span_end
                               ORDER BY decided_at DESC, review_id DESC) = 1
), f AS (
    -- figures nobody decided on, as stored (kept apart so filters reach the figures scan)
    SELECT f.*,
           CASE WHEN f.source_kind = 'plan' AND f.plan_id IN (SELECT plan_id FROM plans WHERE review = 'pending')
                THEN 'extracted' ELSE 'reviewed' END AS review_status,
           NULL::VARCHAR AS reviewer, NULL::TIMESTAMP AS reviewed_at, NULL::VARCHAR AS review_note,
           f.period AS extracted_period, f.region_id AS extracted_region_id, f.metric_id AS extracted_metric_id,
           f.value AS extracted_value, f.unit AS extracted_unit, f.qualifier AS extracted_qualifier,
           f.number_text AS extracted_number_text
    FROM figures f
    LEFT JOIN d ON d.plan_id = f.plan_id AND d.span_start = f.span_start AND d.span_end = f.span_end
    WHERE d.plan_id IS NULL
    UNION ALL BY NAME
    -- figures with a decision: a correction's values replace the extracted ones
    SELECT f.* REPLACE (
               CASE WHEN d.decision = 'corrected' THEN coalesce(d.period, f.period) ELSE f.period END AS period,
               CASE WHEN d.decision = 'corrected' THEN coalesce(d.region_id, f.region_id) ELSE f.region_id END
                   AS region_id,
               CASE WHEN d.decision = 'corrected' THEN coalesce(d.metric_id, f.metric_id) ELSE f.metric_id END
                   AS metric_id,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.value ELSE f.value END AS value,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.unit ELSE f.unit END AS unit,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.qualifier ELSE f.qualifier END
                   AS qualifier,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.value_base ELSE f.value_base END
                   AS value_base,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.base_unit ELSE f.base_unit END
                   AS base_unit,
               CASE WHEN d.decision = 'corrected' AND d.value IS NOT NULL THEN d.number_text ELSE f.number_text END
                   AS number_text),
           d.decision AS review_status, d.reviewer, d.decided_at AS reviewed_at, d.note AS review_note,
           f.period AS extracted_period, f.region_id AS extracted_region_id, f.metric_id AS extracted_metric_id,
           f.value AS extracted_value, f.unit AS extracted_unit, f.qualifier AS extracted_qualifier,
           f.number_text AS extracted_number_text
    FROM figures f
    JOIN d ON f.source_kind = 'plan' AND d.plan_id = f.plan_id AND d.span_start = f.span_start
          AND d.span_end = f.span_end
)
SELECT f.*,
       r.name_zh AS region_zh, r.name_en AS region_en, r.level AS region_level, r.color AS region_color,
       r.sort AS region_sort, r.role AS region_role,
       m.name_zh AS metric_zh, m.name_en AS metric_en, m.unit_family, m.category,
       p.label_zh AS period_zh, p.label_en AS period_en, p.n_years, p.sort AS period_sort,
       p.start_year, p.end_year, p.kind AS period_kind, p.five_year
FROM f
LEFT JOIN regions r USING (region_id)
LEFT JOIN metrics m USING (metric_id)
LEFT JOIN periods p USING (period)
-- current figures only: not replaced by a live upload batch, and not from an undone batch unless a live batch
-- asserts the same figure (a figure stays until the last batch stating it is undone)
WHERE f.figure_id NOT IN (SELECT s.figure_id FROM supersessions s JOIN batches b USING (batch_id)
                          WHERE b.undone_at IS NULL)
  AND (f.batch_id IS NULL OR f.batch_id NOT IN (SELECT batch_id FROM batches WHERE undone_at IS NOT NULL)
       OR f.figure_id IN (SELECT a.figure_id FROM assertions a JOIN batches b USING (batch_id)
                          WHERE b.undone_at IS NULL));

-- what the dashboard charts: rejected figures never; unreviewed ones unless a reader's connection set
-- the variable hide_unreviewed (metrics.queries.hide_unreviewed)
CREATE OR REPLACE VIEW v_figures AS
SELECT * FROM v_figures_all
WHERE review_status <> 'rejected'
  AND NOT (review_status = 'extracted' AND coalesce(TRY_CAST(getvariable('hide_unreviewed') AS BOOLEAN), false));
"""

class DatabaseBusy(CodedError, RuntimeError):
    """Another writer (or a foreign process) holds the database; nothing was changed."""


class DatabaseMissing(CodedError, RuntimeError):
    """The database file does not exist yet."""


class DiskFull(RuntimeError):
    """Too little free space beside the database for the copy a write needs; nothing was changed."""

    def __init__(self, need_mb: float, free_mb: float):
        from common.messages import text

        self.code, self.params = "upload_disk_full", {"need": f"{need_mb:,.0f}", "free": f"{free_mb:,.0f}"}
        super().__init__(text(self.code, "zh", **self.params))

    def message(self, lang: str = "zh") -> str:
        from common.messages import text

        return text(self.code, lang, **self.params)


# what a failed write raises (the live file is unchanged in every case)
WRITE_ERRORS: tuple[type[Exception], ...] = (DatabaseBusy, DatabaseMissing, DiskFull)
# free space kept beyond the copy itself (DuckDB's WAL and checkpoint need room too)
DISK_MARGIN_MB = 16


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path) if path is not None else Path(settings.get("db_path"))


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)
    con.execute(MIGRATIONS_SQL)
    con.execute(VIEWS_SQL)


def snapshot_token(path: str | os.PathLike | None = None) -> tuple[int, int, int] | None:
    """Changes whenever a writer swaps in a new file; readers use it to know when to reconnect."""
    try:
        st = os.stat(db_path(path))
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def open_read(path: str | os.PathLike | None = None, retries: int = 20) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live file; waits briefly if a foreign process holds a write lock."""
    p = db_path(path)
    if not p.exists():
        raise DatabaseMissing("db_missing", path=p)
    last: Exception | None = None
    for attempt in range(retries):
        try:
            return duckdb.connect(str(p), read_only=True)
        except duckdb.IOException as exc:  # lock held by a foreign read-write process
            last = exc
            time.sleep(min(0.05 * (attempt + 1), 0.5))
    raise DatabaseBusy("db_locked", path=p, error=last)


@contextmanager
def writer_lock(path: str | os.PathLike | None = None, timeout: float | None = None) -> Iterator[None]:
    """Serialises writers across processes with an advisory lock beside the database file."""
    p = db_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    timeout = settings.get_float("lock_timeout_s") if timeout is None else timeout
    lock_file = open(str(p) + ".lock", "a+")
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusy("db_write_busy", s=f"{timeout:.0f}") from None
                time.sleep(0.05)
        yield
    finally:
        try:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
        finally:
            lock_file.close()


def remove_stale_copies(live: Path) -> list[Path]:
    """Deletes temporary copies left by writers that were killed (call holding the writer lock).

    Holding the lock proves that no other writer is running, so every copy beside the file is abandoned.
    """
    removed = []
    for f in live.parent.glob(f".{live.name}.tmp-*"):
        try:
            f.unlink()
            removed.append(f)
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            continue
    return removed


def check_free_space(live: Path, extra_bytes: int = 0) -> None:
    """Raises DiskFull unless the folder has room for a copy of the live file (plus a margin)."""
    size = live.stat().st_size if live.exists() else 0
    need = size * 1.1 + extra_bytes + DISK_MARGIN_MB * 1024 * 1024
    free = shutil.disk_usage(live.parent).free
    if free < need:
        raise DiskFull(need / 1024 ** 2, free / 1024 ** 2)


def _tmp_name(p: Path) -> Path:
    return p.with_name(f".{p.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")


def _finish(con: duckdb.DuckDBPyConnection, tmp: Path, live: Path) -> None:
    con.execute("CHECKPOINT")
    con.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, live)
    dir_fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _discard(tmp: Path) -> None:
    for f in (tmp, Path(str(tmp) + ".wal")):
        try:
            f.unlink()
        except FileNotFoundError:
            pass


def _abandon(con: duckdb.DuckDBPyConnection, tmp: Path) -> None:
    """A failed write: close the private copy and delete it; the live file was never touched."""
    try:
        con.close()
    finally:
        _discard(tmp)


@contextmanager
def write_transaction(path: str | os.PathLike | None = None,
                      timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yields a read-write connection to a private copy; on success the copy replaces the live file.

    On any exception the copy is discarded and the live file is exactly as before.
    """
    live = db_path(path)
    with writer_lock(live, timeout):
        if not live.exists():
            raise DatabaseMissing("db_missing", path=live)
        remove_stale_copies(live)
        check_free_space(live)
        tmp = _tmp_name(live)
        shutil.copyfile(live, tmp)
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)  # a file from an older build gains any table added since
            cells.ensure(con)  # ... and its aggregated cells (the write then refreshes what it changes)
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            _finish(con, tmp, live)
        except BaseException:
            _abandon(con, tmp)
            raise


def replace_database(build: Callable[[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection | None], None],
                     path: str | os.PathLike | None = None, timeout: float | None = None) -> Path:
    """Builds a new file from scratch with build(new_con, old_con_or_None) and swaps it in atomically.

    Rows of user tables (uploads, saved views) are copied from the old file first, so a rebuild loses
    nothing people entered.
    """
    live = db_path(path)
    with writer_lock(live, timeout):
        remove_stale_copies(live)
        check_free_space(live)
        tmp = _tmp_name(live)
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)
            old = duckdb.connect(str(live), read_only=True) if live.exists() else None
            try:
                if old is not None:
                    _copy_user_tables(old, con)
                build(con, old)
                cells.refresh(con)  # every aggregated cell, from the figures just built
            finally:
                if old is not None:
                    old.close()
            _finish(con, tmp, live)
        except BaseException:
            _abandon(con, tmp)
            raise
    return live


def _copy_user_tables(old: duckdb.DuckDBPyConnection, new: duckdb.DuckDBPyConnection) -> None:
    old_tables = {r[0] for r in old.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in USER_TABLES:
        if table not in old_tables:
            continue
        df = old.execute(f"SELECT * FROM {table}").df()
        if len(df):
            new_cols = [r[0] for r in new.execute(f"DESCRIBE {table}").fetchall()]
            cols = [c for c in new_cols if c in df.columns]
            new.register("_carry", df[cols])
            new.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _carry")
            new.unregister("_carry")
    # uploaded figures live in the figures table beside plan figures
    if "figures" in old_tables:
        df = old.execute("SELECT * FROM figures WHERE source_kind = 'upload'").df()
        if len(df):  # by column name: a database built before a column was added still carries over
            new_cols = [r[0] for r in new.execute("DESCRIBE figures").fetchall()]
            cols = [c for c in new_cols if c in df.columns]
            new.register("_carry", df[cols])
            new.execute(f"INSERT INTO figures ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _carry")
            new.unregister("_carry")
