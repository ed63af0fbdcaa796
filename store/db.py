"""The store: schema and migrations, read connections and write transactions, on the DuckDB file (default) or on
PostgreSQL when the setting database_url is set (store/pg.py, through store/engine.py); callers pass a path, a URL
or nothing (the settings decide) and never see which engine runs.

On DuckDB, writes are copy-on-write and swapped in atomically.

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
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from common import settings
from common.messages import CodedError
from store import cells, engine

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

# Numbered schema migrations, recorded in schema_migrations as they are applied. Each is idempotent (IF NOT
# EXISTS), so a database from before the table existed (schema v1..v3) runs them all and upgrades in place.
# (number, name, SQL for both engines, extra SQL for PostgreSQL only)
MIGRATIONS: tuple[tuple[int, str, str, str], ...] = (
    (1, "base tables", SCHEMA_SQL, ""),
    (2, "columns added after the first release", """
ALTER TABLE plans ADD COLUMN IF NOT EXISTS review VARCHAR;
ALTER TABLE periods ADD COLUMN IF NOT EXISTS five_year VARCHAR;
ALTER TABLE periods ADD COLUMN IF NOT EXISTS dashboard BOOLEAN;
ALTER TABLE regions ADD COLUMN IF NOT EXISTS role VARCHAR;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS time_phrase VARCHAR;
ALTER TABLE figures ADD COLUMN IF NOT EXISTS place VARCHAR;
""", ""),
    (3, "data version row and audit log", """
CREATE TABLE IF NOT EXISTS data_version (  -- one row, bumped by every write: readers key their caches on it
    id         INTEGER PRIMARY KEY,
    version    BIGINT NOT NULL,
    changed_at TIMESTAMP
);
INSERT INTO data_version SELECT 1, 0, NULL WHERE NOT EXISTS (SELECT 1 FROM data_version);
CREATE TABLE IF NOT EXISTS audit_log (     -- who wrote what through the app (PostgreSQL; DuckDB logs to a file)
    logged_at TIMESTAMP NOT NULL,
    person VARCHAR,
    action VARCHAR NOT NULL,
    detail VARCHAR
);
""", """
CREATE INDEX IF NOT EXISTS figures_cell ON figures (metric_id, period, region_id);
CREATE INDEX IF NOT EXISTS figures_span ON figures (plan_id, span_start, span_end);
CREATE INDEX IF NOT EXISTS figures_batch ON figures (batch_id);
CREATE INDEX IF NOT EXISTS figures_kind ON figures (source_kind);
CREATE INDEX IF NOT EXISTS supersessions_batch ON supersessions (batch_id);
CREATE INDEX IF NOT EXISTS assertions_batch ON assertions (batch_id);
CREATE INDEX IF NOT EXISTS figure_reviews_span ON figure_reviews (plan_id, span_start, span_end);
"""),
)
LATEST_MIGRATION = MIGRATIONS[-1][0]

# every column of figures, in table order: the views list them (portable SQL has no `* REPLACE` / `BY NAME`)
FIGURE_COLUMNS: tuple[str, ...] = (
    "figure_id", "source_kind", "plan_id", "batch_id", "upload_file", "sheet", "row_number", "period", "year",
    "region_id", "metric_id", "value", "unit", "qualifier", "value_base", "base_unit", "number_text", "section",
    "quote", "quote_start", "quote_end", "span_start", "span_end", "ref_period", "note", "time_phrase", "place")
# what a correction replaces: column -> the condition under which the decision's value wins
_CORRECTED = {
    "period": "d.decision = 'corrected' AND d.period IS NOT NULL",
    "region_id": "d.decision = 'corrected' AND d.region_id IS NOT NULL",
    "metric_id": "d.decision = 'corrected' AND d.metric_id IS NOT NULL",
    **{c: "d.decision = 'corrected' AND d.value IS NOT NULL"
       for c in ("value", "unit", "qualifier", "value_base", "base_unit", "number_text")},
}
_EXTRACTED = """f.period AS extracted_period, f.region_id AS extracted_region_id, f.metric_id AS extracted_metric_id,
           f.value AS extracted_value, f.unit AS extracted_unit, f.qualifier AS extracted_qualifier,
           f.number_text AS extracted_number_text"""
_UNDECIDED_COLS = ", ".join(f"f.{c}" for c in FIGURE_COLUMNS)
_DECIDED_COLS = ",\n           ".join(
    f"CASE WHEN {_CORRECTED[c]} THEN d.{c} ELSE f.{c} END AS {c}" if c in _CORRECTED else f"f.{c}"
    for c in FIGURE_COLUMNS)

# Portable SQL (both engines): window-function subquery instead of QUALIFY, explicit columns instead of BY NAME.
VIEWS_SQL = f"""
-- every current figure with staff review decisions applied (the latest decision per plan span): a corrected
-- figure carries the corrected values, keeps its quote and offsets, and says who corrected it and when;
-- review_status: extracted (a pending plan's figure nobody decided on) | confirmed | corrected | rejected |
-- reviewed (plans without review and uploads)
CREATE VIEW v_figures_all AS
-- d is read twice; NOT MATERIALIZED keeps a reader's filter (region, metric, period) reaching the figures scan
WITH d AS NOT MATERIALIZED (
    SELECT * FROM (
        SELECT r.*, row_number() OVER (PARTITION BY r.plan_id, r.span_start, r.span_end
                                       ORDER BY r.decided_at DESC, r.review_id DESC) AS decision_rank
        FROM figure_reviews r) ranked
    WHERE decision_rank = 1
), f AS (
    -- figures nobody decided on, as stored (kept apart so filters reach the figures scan)
    SELECT {_UNDECIDED_COLS},
           CASE WHEN f.source_kind = 'plan' AND f.plan_id IN (SELECT plan_id FROM plans WHERE review = 'pending')
                THEN 'extracted' ELSE 'reviewed' END AS review_status,
           CAST(NULL AS VARCHAR) AS reviewer, CAST(NULL AS TIMESTAMP) AS reviewed_at,
           CAST(NULL AS VARCHAR) AS review_note,
           {_EXTRACTED}
    FROM figures f
    LEFT JOIN d ON d.plan_id = f.plan_id AND d.span_start = f.span_start AND d.span_end = f.span_end
    WHERE d.plan_id IS NULL
    UNION ALL
    -- figures with a decision: a correction's values replace the extracted ones
    SELECT {_DECIDED_COLS},
           d.decision AS review_status, d.reviewer, d.decided_at AS reviewed_at, d.note AS review_note,
           {_EXTRACTED}
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

-- what the dashboard charts: rejected figures never; unreviewed ones unless the reader's session says to hide
-- them (metrics.queries.hide_unreviewed sets it; each engine keeps session values its own way)
CREATE VIEW v_figures AS
SELECT * FROM v_figures_all
WHERE review_status <> 'rejected'
  AND NOT (review_status = 'extracted' AND {{hide_unreviewed}});
"""
# the session value v_figures reads: a DuckDB variable, a PostgreSQL custom setting (reset when a pooled
# connection goes back to the pool)
HIDE_UNREVIEWED_SQL = {
    "duckdb": "coalesce(TRY_CAST(getvariable('hide_unreviewed') AS BOOLEAN), false)",
    "postgres": "coalesce(current_setting('aid.hide_unreviewed', true), '') = 'on'",
}


def views_sql(engine: str) -> str:
    sql = VIEWS_SQL.replace("{hide_unreviewed}", HIDE_UNREVIEWED_SQL[engine])
    if engine == "duckdb":
        return sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW")
    # PostgreSQL cannot replace a view whose columns changed (a migration added one): drop and create
    return "DROP VIEW IF EXISTS v_figures, v_figures_all CASCADE;\n" + sql


class DatabaseBusy(CodedError, RuntimeError):
    """Another writer (or a foreign process) holds the database; nothing was changed."""


class DatabaseMissing(CodedError, RuntimeError):
    """The database file does not exist yet."""


class DatabaseUnreachable(DatabaseMissing):
    """The PostgreSQL server did not answer (the URL is shown without its password); nothing was changed."""


class DiskFull(RuntimeError):
    """Too little free space beside the database for the copy a write needs; nothing was changed."""

    def __init__(self, need_mb: float, free_mb: float):
        from common.messages import text

        self.code, self.params = "upload_disk_full", {"need": f"{need_mb:,.0f}", "free": f"{free_mb:,.0f}"}
        super().__init__(text(self.code, "zh", **self.params))

    def message(self, lang: str = "zh") -> str:
        from common.messages import text

        return text(self.code, lang, **self.params)


# what either engine raises for a statement that failed (the write was rolled back or never swapped in)
ENGINE_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, engine.Error)
# what a failed write raises (the live file is unchanged in every case)
WRITE_ERRORS: tuple[type[Exception], ...] = (DatabaseBusy, DatabaseMissing, DiskFull)
# free space kept beyond the copy itself (DuckDB's WAL and checkpoint need room too)
DISK_MARGIN_MB = 16


def database_url() -> str:
    """The PostgreSQL URL from settings (database_url), or "" for the DuckDB file."""
    return settings.get("database_url").strip()


def location(path: str | os.PathLike | None = None) -> Path | str:
    """Where the store lives: a PostgreSQL URL (str) or a DuckDB file (Path). An explicit path or URL wins over
    the settings; without one, database_url when set (then no DuckDB file is ever opened), else db_path."""
    if path is not None:
        return str(path) if engine.is_url(str(path)) else Path(path)
    url = database_url()
    return url if url else Path(settings.get("db_path"))


def is_postgres(path: str | os.PathLike | None = None) -> bool:
    return isinstance(location(path), str)


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path) if path is not None else Path(settings.get("db_path"))


def engine_of(con) -> str:
    return "postgres" if isinstance(con, engine.Connection) else "duckdb"


def columns(con, table: str) -> list[str]:
    """A table's columns in order, on either engine (DuckDB's DESCRIBE is not portable)."""
    schema = "current_schema()" if engine_of(con) == "postgres" else "'main'"
    return [r[0] for r in con.execute(
        f"SELECT column_name FROM information_schema.columns WHERE table_schema = {schema} AND table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]


def insert_frame(con, table: str, df) -> None:
    """Appends a DataFrame's rows to a table, columns by name (DuckDB scans the frame; PostgreSQL COPYs it)."""
    if len(df) == 0:
        return
    if engine_of(con) == "postgres":
        con.insert_frame(table, df)
        return
    cols = ", ".join(df.columns)
    con.register("_insert_rows", df)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _insert_rows")
    finally:
        con.unregister("_insert_rows")


MIGRATIONS_TABLE_SQL = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)"""


def create_schema(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Brings a DuckDB file to the current schema: base tables, the migrations it lacks (recorded), views.
    Returns the numbers of the migrations applied now."""
    con.execute(MIGRATIONS_TABLE_SQL)
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for number, name, sql, _pg_only in MIGRATIONS:
        # every migration is idempotent and cheap on a private copy: run them all, so a file whose tables were
        # changed behind the record's back still gains what is missing; record the new ones
        con.execute(sql)
        if number not in done:
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, name, datetime.now()])
            applied.append(number)
    con.execute(views_sql("duckdb"))
    return applied


def bump_version(con) -> None:
    """Every write moves the data version on; readers on PostgreSQL key their caches on it."""
    con.execute("UPDATE data_version SET version = version + 1, changed_at = ? WHERE id = 1", [datetime.now()])


def migrate(path: str | os.PathLike | None = None) -> list[int]:
    """Applies the migrations the store lacks (`python -m loaders migrate`); returns their numbers."""
    loc = location(path)
    if isinstance(loc, str):
        from store import pg

        return pg.migrate(loc)
    before = _applied(loc)
    with write_transaction(loc):
        pass  # a DuckDB write brings the copy to the current schema before anything else
    return sorted(_applied(loc) - before)


def _applied(path: Path) -> set[int]:
    con = open_read(path)
    try:
        return {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:  # a file from before numbered migrations
        return set()
    finally:
        con.close()


def snapshot_token(path: str | os.PathLike | None = None) -> tuple | None:
    """Changes whenever a writer commits; readers use it to know when to reconnect or drop cached results.
    DuckDB: the live file's identity (a writer swaps in a new file); PostgreSQL: the data-version row."""
    loc = location(path)
    if isinstance(loc, str):
        from store import pg

        return pg.snapshot_token(loc)
    try:
        st = os.stat(loc)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def open_read(path: str | os.PathLike | None = None, retries: int = 20) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the live file (waits briefly if a foreign process holds a write lock), or a
    pooled PostgreSQL session; close it after use."""
    loc = location(path)
    if isinstance(loc, str):
        from store import pg

        return pg.open_read(loc)
    p = loc
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

    On any exception the copy is discarded and the live file is exactly as before. On PostgreSQL: one real
    transaction on the changed rows (store.pg.write_transaction).
    """
    loc = location(path)
    if isinstance(loc, str):
        from store import pg

        with pg.write_transaction(loc, timeout) as con:
            yield con
        return
    live = loc
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
            bump_version(con)
            con.execute("COMMIT")
            _finish(con, tmp, live)
        except BaseException:
            _abandon(con, tmp)
            raise


def replace_database(build: Callable[[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection | None], None],
                     path: str | os.PathLike | None = None, timeout: float | None = None) -> Path:
    """Builds a new file from scratch with build(new_con, old_con_or_None) and swaps it in atomically.

    Rows of user tables (uploads, saved views) are copied from the old file first, so a rebuild loses
    nothing people entered. On PostgreSQL: one transaction replacing the plan rows (store.pg.replace_plans).
    """
    loc = location(path)
    if isinstance(loc, str):
        from store import pg

        return pg.replace_plans(build, loc, timeout)
    live = loc
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
