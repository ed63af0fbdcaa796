"""Aggregated cells kept at write time: tables `cells` and `period_cells`, refreshed inside every write transaction.

The figures change only at build, upload, undo and review decisions, so the values the pages chart are computed
there, once, instead of on every click:
- `cells`: one row per scope x metric x period as written x region (metrics.queries.cells: the largest figure kept,
  how many said it, what the others said);
- `period_cells`: one row per scope x five-year period x region x metric (metrics.queries.period_cells: the stated
  total, else the sum of the period's years, with the years covered), computed from `cells`.
scope: 'all' (every figure the dashboard shows: rejected ones never) or 'reviewed' (also without figures nobody
reviewed yet; the reader's hide-unreviewed switch picks it). Labels (names, colours, sort orders) are not stored:
readers join the small dictionary tables.

A write refreshes only the (region, metric) pairs it touched (refresh(con, keys)): every row of a pair depends on
that pair's figures alone. A build refreshes everything. The SQL is a portable subset (window functions, CTEs,
string_agg, FILTER, types both engines know; no QUALIFY, list types or engine variables) and runs through
con.execute(sql, params) only, so another engine can run it unchanged. build_info.cells_version says the tables are
filled and of this shape; a file without it (built by an older version) is filled on its next write, and readers
compute live until then.

Stale cells: every refresh records a fingerprint of what the cells are computed from (build_info.cells_figures:
row counts of the figures and of everything that changes which figures are current, cheap on both engines), and
readers use the tables only while it still matches (current()). Figures added or removed around the write paths
(an older writer, a hand edit, a restored table) make the readers compute live, correct but slower, until
`python -m loaders cells --refresh` or the next write refreshes them. An UPDATE of a figure's value in place leaves
the counts alone: `python -m loaders cells` compares every cell with the live computation and finds that too.
On PostgreSQL, where counting a million figures costs ~0.1 s, the answer is kept per database and data version
(every write moves it) and reused by sessions outside a transaction; on DuckDB the counts cost ~1 ms and are made
each time.
"""
from __future__ import annotations

from typing import Iterable

from common.numbers import APPROX, AT_LEAST

# bump when a table's columns or a rule change: a file stamped otherwise is refilled on its next write
CELLS_VERSION = "2"
VERSION_KEY = "cells_version"
FINGERPRINT_KEY = "cells_figures"
# what the cells are computed from, counted: figures, review decisions, replacements, restatements, batches undone,
# plans pending review (their figures are the unreviewed ones)
_FINGERPRINT_SQL = """(SELECT count(*) FROM figures) || ':' || (SELECT count(*) FROM figure_reviews) || ':'
    || (SELECT count(*) FROM supersessions) || ':' || (SELECT count(*) FROM assertions) || ':'
    || (SELECT count(*) FROM batches WHERE undone_at IS NOT NULL) || ':'
    || (SELECT count(*) FROM plans WHERE review = 'pending')"""
SCOPES = ("all", "reviewed")

TABLES_SQL = """
CREATE TABLE IF NOT EXISTS cells (          -- metrics.queries.cells without labels, per scope
    scope        VARCHAR NOT NULL,          -- all | reviewed
    metric_id    VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,          -- as written: 十四五, 2021, 2021-2022
    region_id    VARCHAR NOT NULL,
    value_base   DOUBLE PRECISION,          -- the largest figure's (they restate, they do not add)
    qualifier    VARCHAR,
    number_text  VARCHAR,
    quote        VARCHAR,
    source       VARCHAR,
    n_figures    BIGINT,
    n_unreviewed BIGINT,
    figure_ids   VARCHAR,
    others_text  VARCHAR
);
CREATE TABLE IF NOT EXISTS period_cells (   -- metrics.queries.period_cells without labels, per scope
    scope             VARCHAR NOT NULL,
    period            VARCHAR NOT NULL,     -- a five-year period
    region_id         VARCHAR NOT NULL,
    metric_id         VARCHAR NOT NULL,
    value_base        DOUBLE PRECISION,
    qualifier         VARCHAR,
    basis             VARCHAR,              -- stated | sum_of_years
    years_covered     VARCHAR,              -- 2021,2022
    n_years_covered   BIGINT,
    stated_value_base DOUBLE PRECISION,
    stated_text       VARCHAR,
    stated_qualifier  VARCHAR,
    years_value_base  DOUBLE PRECISION,
    parts             VARCHAR,
    n_parts           BIGINT,
    n_part_years      BIGINT,
    number_text       VARCHAR,
    source            VARCHAR,
    figure_ids        VARCHAR,
    n_figures         BIGINT,
    n_unreviewed      BIGINT,
    others_text       VARCHAR,
    year_figure_ids   VARCHAR
);
"""

AT_LEAST_SQL = "(" + ", ".join(f"'{q}'" for q in sorted(AT_LEAST)) + ")"
APPROX_SQL = "(" + ", ".join(f"'{q}'" for q in sorted(APPROX)) + ")"

# v_figures_all minus rejected figures is what the dashboard shows ('all'); 'reviewed' also leaves out figures
# nobody reviewed yet (what v_figures gives a reader who hides them)
_CELLS_SQL = """
INSERT INTO cells (scope, metric_id, period, region_id, value_base, qualifier, number_text, quote, source,
                   n_figures, n_unreviewed, figure_ids, others_text)
WITH scopes AS (SELECT 'all' AS scope UNION ALL SELECT 'reviewed' AS scope),
ranked AS (
    SELECT s.scope, f.figure_id, f.metric_id, f.period, f.region_id, f.value_base, f.qualifier, f.number_text,
           f.quote, COALESCE(f.plan_id, f.upload_file) AS source, f.review_status,
           ROW_NUMBER() OVER (PARTITION BY s.scope, f.metric_id, f.period, f.region_id
                              ORDER BY f.value_base DESC, f.figure_id) AS rn
    FROM v_figures_all f JOIN scopes s ON s.scope = 'all' OR f.review_status <> 'extracted'
    WHERE f.review_status <> 'rejected' {where})
SELECT scope, metric_id, period, region_id,
       MAX(CASE WHEN rn = 1 THEN value_base END),
       MAX(CASE WHEN rn = 1 THEN qualifier END),
       MAX(CASE WHEN rn = 1 THEN number_text END),
       MAX(CASE WHEN rn = 1 THEN quote END),
       MAX(CASE WHEN rn = 1 THEN source END),
       COUNT(*),
       COUNT(*) FILTER (WHERE review_status = 'extracted'),
       string_agg(figure_id, ',' ORDER BY figure_id),
       -- the figures that were not kept, largest first, for a note beside the chart (capped: a note)
       string_agg(CASE WHEN rn BETWEEN 2 AND 6 THEN number_text END, ' / ' ORDER BY rn)
FROM ranked GROUP BY scope, metric_id, period, region_id
"""

# The time model (see metrics/queries.py): from the cells inside each five-year period, the stated total if a plan
# states one, else the sum of the parts (years, and ranges that win over what they overlap) with the years covered.
# ONE statement for both paths: {cells} is the table `cells` when the writes fill `period_cells`, or an inline
# subquery of the same columns computed from v_figures when a reader computes live (metrics.queries.
# period_cells_live); {where} filters the cells (keyed refresh). Its columns are PERIOD_COLUMNS, in that order.
PERIOD_RULE_SQL = """
WITH RECURSIVE
cell AS (
    SELECT c.scope, c.metric_id, c.period, c.region_id, w.five_year, w.start_year, w.end_year, c.value_base,
           c.qualifier, c.number_text, c.source, c.n_figures, c.n_unreviewed, c.figure_ids, c.others_text,
           CASE WHEN w.start_year = p.start_year AND w.end_year = p.end_year THEN 1 ELSE 0 END AS whole
    FROM {cells} c JOIN periods w ON w.period = c.period JOIN periods p ON p.period = w.five_year
    WHERE 1=1 {where}),
stated AS (
    SELECT * FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.scope, c.five_year, c.region_id, c.metric_id
                                       ORDER BY c.value_base DESC, c.period) AS wn
        FROM cell c WHERE c.whole = 1) s
    WHERE s.wn = 1),
part AS (
    SELECT c.* FROM cell c
    WHERE c.whole = 0 AND NOT EXISTS (
        SELECT 1 FROM cell o
        WHERE o.whole = 0 AND o.scope = c.scope AND o.five_year = c.five_year AND o.region_id = c.region_id
          AND o.metric_id = c.metric_id
          AND o.period <> c.period AND o.start_year <= c.end_year AND c.start_year <= o.end_year
          AND (o.end_year - o.start_year > c.end_year - c.start_year
               OR (o.end_year - o.start_year = c.end_year - c.start_year
                   AND (o.value_base > c.value_base OR (o.value_base = c.value_base AND o.period < c.period)))))),
summed AS (
    SELECT scope, five_year, region_id, metric_id, SUM(value_base) AS years_value_base, COUNT(*) AS n_parts,
           SUM(end_year - start_year + 1) AS n_part_years,
           SUM(n_figures) AS n_part_figures, SUM(n_unreviewed) AS n_part_unreviewed,
           MAX(CASE WHEN qualifier IN {at_least} THEN 1 ELSE 0 END) AS at_least,
           MAX(CASE WHEN qualifier IN {approx} THEN 1 ELSE 0 END) AS approx,
           string_agg(period, ',' ORDER BY start_year, period) AS parts,
           string_agg(figure_ids, ',' ORDER BY start_year, period) AS part_ids,
           string_agg(source, ',' ORDER BY start_year, period) AS part_sources
    FROM part GROUP BY scope, five_year, region_id, metric_id),
cover AS (
    SELECT scope, five_year, region_id, metric_id, start_year, end_year FROM stated
    UNION ALL
    SELECT p.scope, p.five_year, p.region_id, p.metric_id, p.start_year, p.end_year FROM part p
    WHERE NOT EXISTS (SELECT 1 FROM stated s WHERE s.scope = p.scope AND s.five_year = p.five_year
                      AND s.region_id = p.region_id AND s.metric_id = p.metric_id)),
cover_year (scope, five_year, region_id, metric_id, yr, end_year) AS (
    SELECT scope, five_year, region_id, metric_id, start_year, end_year FROM cover
    UNION ALL
    SELECT scope, five_year, region_id, metric_id, yr + 1, end_year FROM cover_year WHERE yr < end_year),
covered AS (
    SELECT scope, five_year, region_id, metric_id, COUNT(DISTINCT yr) AS n_years_covered,
           string_agg(CAST(yr AS VARCHAR), ',' ORDER BY yr) AS years_covered
    FROM (SELECT DISTINCT scope, five_year, region_id, metric_id, yr FROM cover_year) y
    GROUP BY scope, five_year, region_id, metric_id),
cell_key AS (SELECT DISTINCT scope, five_year, region_id, metric_id FROM cell)
SELECT k.scope, k.five_year AS period, k.region_id, k.metric_id,
       CASE WHEN s.value_base IS NOT NULL THEN s.value_base ELSE y.years_value_base END AS value_base,
       CASE WHEN s.value_base IS NOT NULL THEN s.qualifier
            WHEN y.at_least = 1 THEN '余' WHEN y.approx = 1 THEN '约' END AS qualifier,
       CASE WHEN s.value_base IS NOT NULL THEN 'stated' ELSE 'sum_of_years' END AS basis,
       c.years_covered, c.n_years_covered,
       s.value_base AS stated_value_base, s.number_text AS stated_text, s.qualifier AS stated_qualifier,
       y.years_value_base, y.parts, COALESCE(y.n_parts, 0) AS n_parts, COALESCE(y.n_part_years, 0) AS n_part_years,
       CASE WHEN s.value_base IS NOT NULL THEN s.number_text END AS number_text,
       CASE WHEN s.value_base IS NOT NULL THEN s.source ELSE y.part_sources END AS source,
       CASE WHEN s.value_base IS NOT NULL THEN s.figure_ids ELSE y.part_ids END AS figure_ids,
       CASE WHEN s.value_base IS NOT NULL THEN s.n_figures ELSE y.n_part_figures END AS n_figures,
       CASE WHEN s.value_base IS NOT NULL THEN s.n_unreviewed ELSE y.n_part_unreviewed END AS n_unreviewed,
       CASE WHEN s.value_base IS NOT NULL THEN s.others_text END AS others_text,
       y.part_ids AS year_figure_ids
FROM cell_key k
LEFT JOIN stated s ON s.scope = k.scope AND s.five_year = k.five_year AND s.region_id = k.region_id
                  AND s.metric_id = k.metric_id
LEFT JOIN summed y ON y.scope = k.scope AND y.five_year = k.five_year AND y.region_id = k.region_id
                  AND y.metric_id = k.metric_id
LEFT JOIN covered c ON c.scope = k.scope AND c.five_year = k.five_year AND c.region_id = k.region_id
                   AND c.metric_id = k.metric_id
"""
PERIOD_COLUMNS = ("scope", "period", "region_id", "metric_id", "value_base", "qualifier", "basis", "years_covered",
                  "n_years_covered", "stated_value_base", "stated_text", "stated_qualifier", "years_value_base",
                  "parts", "n_parts", "n_part_years", "number_text", "source", "figure_ids", "n_figures",
                  "n_unreviewed", "others_text", "year_figure_ids")


_PERIOD_CELLS_SQL = f"INSERT INTO period_cells ({', '.join(PERIOD_COLUMNS)})" + PERIOD_RULE_SQL.replace(
    "{cells}", "cells")

# (region, metric) pairs whose cells some figures count toward: as stored, and as any review decision on them
# moves them (a correction can move a figure to another region or metric; every decision is included, so both
# the pair before a new decision and the pair after it are)
_KEYS_SQL = """
WITH ids AS ({ids})
SELECT f.region_id, f.metric_id FROM figures f JOIN ids ON ids.figure_id = f.figure_id
UNION
SELECT COALESCE(r.region_id, f.region_id), COALESCE(r.metric_id, f.metric_id)
FROM figures f JOIN ids ON ids.figure_id = f.figure_id
JOIN figure_reviews r ON r.plan_id = f.plan_id AND r.span_start = f.span_start AND r.span_end = f.span_end
"""

# the figures a batch touches: its own, those it replaced, those it stated again
_BATCH_IDS_SQL = """SELECT figure_id FROM figures WHERE batch_id = ?
                    UNION SELECT figure_id FROM supersessions WHERE batch_id = ?
                    UNION SELECT figure_id FROM assertions WHERE batch_id = ?"""


def ready(con) -> bool:
    """Whether the tables are filled and of this version; False for a file built before them (read it live)."""
    try:
        row = con.execute("SELECT value FROM build_info WHERE key = ?", [VERSION_KEY]).fetchone()
    except Exception:  # noqa: BLE001 - a file without build_info is older still: read live
        return False
    return row is not None and row[0] == CELLS_VERSION


def fingerprint(con) -> str:
    """The counts the cells were computed from (see the module docstring), as one string."""
    return str(con.execute(f"SELECT {_FINGERPRINT_SQL}").fetchone()[0])


def current(con) -> bool:
    """Whether readers can use the tables: filled and of this version (ready), and refreshed since the figures last
    changed (the recorded fingerprint is the figures' now). Small queries: counts, no figure is read."""
    snap = _pg_snapshot(con)
    if snap is None:
        return _current(con)
    if snap not in _CURRENT:
        if len(_CURRENT) > 64:  # old versions are never asked again
            _CURRENT.clear()
        _CURRENT[snap] = _current(con)
    return _CURRENT[snap]


# (PostgreSQL database, data version) -> answer of _current
_CURRENT: dict[tuple, bool] = {}


def _pg_snapshot(con) -> tuple | None:
    """(database, data version) of a PostgreSQL session outside a transaction: what it reads cannot change without
    a write, and every write moves the version. None for DuckDB and for a session inside a transaction (its own
    writes change what it reads)."""
    info = getattr(getattr(con, "raw", None), "info", None)
    if info is None or info.transaction_status != 0:  # psycopg's TransactionStatus.IDLE
        return None
    try:
        row = con.execute("SELECT version FROM data_version WHERE id = 1").fetchone()
    except Exception:  # noqa: BLE001 - a store without the table is older: no reuse
        return None
    return None if row is None else (info.host, info.port, info.dbname, row[0])


def _current(con) -> bool:
    if not ready(con):
        return False
    try:
        row = con.execute(f"SELECT (SELECT value FROM build_info WHERE key = ?), {_FINGERPRINT_SQL}",
                          [FINGERPRINT_KEY]).fetchone()
    except Exception:  # noqa: BLE001 - a table the fingerprint counts is missing: an older file, read live
        return False
    return row is not None and row[0] is not None and row[0] == str(row[1])


def ensure(con) -> None:
    """Creates and fills the tables on a file that lacks them or has another version (a write connection)."""
    if ready(con):
        return
    con.execute("DROP TABLE IF EXISTS cells")
    con.execute("DROP TABLE IF EXISTS period_cells")
    refresh(con)


def _in(column: str, values: list, params: list) -> str:
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' for _ in values)})"


def refresh(con, keys: Iterable[tuple[str, str]] | None = None) -> None:
    """Recomputes the cells of the (region_id, metric_id) pairs in keys, or every cell (keys None; stamps the
    version). Pairs are recomputed as the product of their regions and metrics: a superset, and each cell depends
    on its own pair only, so recomputing more than changed is harmless."""
    con.execute(TABLES_SQL)
    if keys is None:
        regions: list = []
        metrics: list = []
    else:
        keys = {(str(r), str(m)) for r, m in keys}
        if not keys:
            _stamp(con, FINGERPRINT_KEY, fingerprint(con))  # nothing to recompute: the figures counted now
            return
        regions, metrics = sorted({r for r, _ in keys}), sorted({m for _, m in keys})
    for table, sql, prefix in (("cells", _CELLS_SQL, "f."), ("period_cells", _PERIOD_CELLS_SQL, "c.")):
        del_params: list = []
        del_where = "" if keys is None else (_in("region_id", regions, del_params)
                                             + _in("metric_id", metrics, del_params))
        con.execute(f"DELETE FROM {table} WHERE 1=1 {del_where}", del_params)
        params: list = []
        where = "" if keys is None else (_in(prefix + "region_id", regions, params)
                                         + _in(prefix + "metric_id", metrics, params))
        con.execute(sql.format(where=where, at_least=AT_LEAST_SQL, approx=APPROX_SQL), params)
    if keys is None:
        _stamp(con, VERSION_KEY, CELLS_VERSION)
    _stamp(con, FINGERPRINT_KEY, fingerprint(con))


def _stamp(con, key: str, value: str) -> None:
    con.execute("DELETE FROM build_info WHERE key = ?", [key])
    con.execute("INSERT INTO build_info (key, value) VALUES (?, ?)", [key, value])


def figure_keys(con, figure_ids: Iterable[str]) -> set[tuple[str, str]]:
    """The (region, metric) pairs these figures count toward, before and after any review decision on them."""
    ids = sorted(set(figure_ids))
    if not ids:
        return set()
    sql = _KEYS_SQL.format(ids=" UNION ".join("SELECT CAST(? AS VARCHAR) AS figure_id" for _ in ids))
    return {(r, m) for r, m in con.execute(sql, ids).fetchall()}


def batch_keys(con, batch_id: int) -> set[tuple[str, str]]:
    """The (region, metric) pairs an upload batch touches: its figures, what it replaced and what it stated again."""
    sql = _KEYS_SQL.format(ids=_BATCH_IDS_SQL)
    return {(r, m) for r, m in con.execute(sql, [int(batch_id)] * 3).fetchall()}


def refresh_batch(con, batch_id: int) -> None:
    """After committing or undoing a batch, in the same transaction: the cells of the pairs it touches."""
    if ready(con):
        refresh(con, batch_keys(con, batch_id))
    else:
        ensure(con)


def refresh_figures(con, figure_ids: Iterable[str]) -> None:
    """After a review decision on these figures, in the same transaction: the cells of their pairs."""
    if ready(con):
        refresh(con, figure_keys(con, figure_ids))
    else:
        ensure(con)
