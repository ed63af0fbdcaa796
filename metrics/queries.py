"""Dashboard queries: plain functions (con, **filters) -> DataFrame aggregating current figures (v_figures) in SQL."""
from __future__ import annotations

import duckdb
import pandas as pd

from common import dictionaries as d
from metrics import ranking
from store import cells as cell_tables
from store import db

# region roles and headline metrics are data (regions.csv `role`, metrics.csv `headline`), read once here
TOTAL_REGION = d.regions_with_role("total")[0]
HEADLINE_METRICS = d.headline_metrics()
COOPERATION_REGIONS = d.regions_with_role("cooperation")
ENTERPRISE_REGIONS = d.regions_with_role("enterprise")
# places that receive aid (role recipient): scope rows (全部对口地区, 西部地区…) and members of a group are not parts
RECIPIENT_ROLE = "recipient"
RECIPIENT_SQL = f"region_role LIKE '%{RECIPIENT_ROLE}%'"  # on v_figures


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def hide_unreviewed(con: duckdb.DuckDBPyConnection, hide: bool = True) -> None:
    """Every query on this connection leaves out figures nobody has reviewed yet (v_figures reads the session value:
    a DuckDB variable, a PostgreSQL setting that a pooled connection forgets when it goes back)."""
    if db.engine_of(con) == "postgres":
        con.execute("SELECT set_config('aid.hide_unreviewed', ?, false)", ["on" if hide else "off"])
    else:
        con.execute("SET VARIABLE hide_unreviewed = ?", [bool(hide)])


# which stored cells a connection reads (store/cells.py scopes): the same switch v_figures reads, per engine
def _scope_sql(con) -> str:
    return f"(CASE WHEN {db.HIDE_UNREVIEWED_SQL[db.engine_of(con)]} THEN 'reviewed' ELSE 'all' END)"


def _recipient(role_column: str) -> str:
    return f"{role_column} LIKE '%{RECIPIENT_ROLE}%'"


def _in(column: str, values, params: list) -> str:
    """An `AND column IN (?, ?)` clause for a non-empty filter; empty or None means no filter."""
    if not values:
        return ""
    values = [values] if isinstance(values, str) else list(values)
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' for _ in values)})"


def _figure_page(con, cols: str, where: str, params: list, order: str, limit: int | None, offset: int = 0,
                 source: str = "v_figures f JOIN metrics m USING (metric_id)") -> pd.DataFrame:
    """Rows of current figures (`cols` over `source`) in `order`, `limit` from `offset`, with the full count in
    column n_total. A page is read in two steps: the page's ids from the narrow columns the filter and the order
    need, then the wide ones (quotes, labels) of those ids only; one step sorted every matching quote."""
    base = f"FROM {source} WHERE 1=1 {where}"
    if limit is None:
        return _df(con, f"SELECT {cols}, count(*) OVER () AS n_total {base} ORDER BY {order}", params)
    page = con.execute(f"SELECT f.figure_id, count(*) OVER () {base} ORDER BY {order} LIMIT ? OFFSET ?",
                       [*params, int(limit), max(int(offset), 0)]).fetchall()
    ids = [r[0] for r in page]
    if not ids:
        df = _df(con, f"SELECT {cols} {base} AND 1=0", params)
    else:
        df = _df(con, f"SELECT {cols} FROM {source} WHERE f.figure_id IN ({', '.join('?' for _ in ids)})", ids)
        df = pd.DataFrame({"figure_id": ids}).merge(df, on="figure_id")  # in the page's order
    df["n_total"] = pd.Series([int(page[0][1]) if page else 0] * len(df), dtype="int64")
    return df


# --- dictionaries -----------------------------------------------------------------------------

def _present(con, column: str, params: list, metric_id=None) -> str:
    """A SELECT of one column (period, five_year, region_id or metric_id) over the current figures (of some
    metrics): from the stored cells when the file has them (a row per cell, not per figure), else from v_figures."""
    if not cell_tables.current(con):
        return f"SELECT {column} FROM v_figures WHERE 1=1" + _in("metric_id", metric_id, params)
    if column == "five_year":
        return (f"SELECT p.five_year FROM cells c JOIN periods p ON p.period = c.period WHERE c.scope = {_scope_sql(con)}"
                + _in("c.metric_id", metric_id, params))
    return f"SELECT c.{column} FROM cells c WHERE c.scope = {_scope_sql(con)}" + _in("c.metric_id", metric_id, params)


def periods(con, with_figures: bool = True) -> pd.DataFrame:
    params: list = []
    where = f"WHERE period IN ({_present(con, 'period', params)})" if with_figures else ""
    return _df(con, f"SELECT * FROM periods {where} ORDER BY sort", params)


def five_year_periods(con) -> pd.DataFrame:
    """Every five-year period shown on the dashboard (periods.csv) that a plan covers or describes or that holds
    figures, its years' included (十四五 stays even with no funding figures yet)."""
    params: list = []
    return _df(con, f"""SELECT * FROM periods WHERE kind = 'five_year' AND dashboard AND (
                        period IN (SELECT period FROM plans) OR period IN (SELECT review_period FROM plans)
                        OR period IN ({_present(con, 'five_year', params)})) ORDER BY sort""", params)


def years(con, metric_id: str | None = None) -> pd.DataFrame:
    """The single years that hold figures (of one metric), oldest first: the year view's columns."""
    params: list = []
    return _df(con, f"""SELECT * FROM periods WHERE kind = 'year'
                        AND period IN ({_present(con, 'period', params, metric_id)}) ORDER BY sort""", params)


def period_members(con, period: str) -> list[str]:
    """The periods as written that count toward a period: 十四五 -> 十四五, 2021, 2021-2022 …; a year -> itself."""
    return [r[0] for r in con.execute("SELECT period FROM periods WHERE five_year = ? OR period = ? ORDER BY sort",
                                      [period, period]).fetchall()]


def latest_period(con, metric_id: str) -> str | None:
    """The latest dashboard five-year period with figures of the metric (a year inside it counts)."""
    params: list = []
    row = con.execute(f"""SELECT p.period FROM periods p WHERE p.kind = 'five_year' AND p.dashboard
                          AND p.period IN ({_present(con, 'five_year', params, [metric_id])})
                          ORDER BY p.sort DESC LIMIT 1""", params).fetchone()
    return row[0] if row else None


def metrics(con, category: str | None = None) -> pd.DataFrame:
    params: list = []
    present = _present(con, "metric_id", params)
    return _df(con, f"SELECT * FROM metrics WHERE metric_id IN ({present})"
                    f"{_in('category', category, params)} ORDER BY sort", params)


def metric_info(con, metric_id: str) -> dict:
    df = _df(con, "SELECT * FROM metrics WHERE metric_id = ?", [metric_id])
    return df.iloc[0].to_dict() if len(df) else {}


def regions(con, with_figures: bool = True) -> pd.DataFrame:
    params: list = []
    where = f"WHERE region_id IN ({_present(con, 'region_id', params)})" if with_figures else ""
    return _df(con, f"SELECT * FROM regions {where} ORDER BY sort", params)


def region_members(con, region_id: str) -> pd.DataFrame:
    return _df(con, """SELECT r.* FROM region_members m JOIN regions r ON r.region_id = m.member_id
                       WHERE m.group_id = ? ORDER BY r.sort""", [region_id])


# --- cells: one value per period x region x metric --------------------------------------------

def cells(con, metric_id: str | None = None, periods: list[str] | None = None, regions: list[str] | None = None,
          recipients_only: bool = False, category: str | None = None, ids: bool = False) -> pd.DataFrame:
    """One row per metric, period (as written) and region; where two sentences state the same cell the larger is
    kept (they restate, they do not add; equal values: the first figure id), with how many figures said it and what
    the others said (others_text). The same rule and tie-break as period_cells, in portable SQL.
    ids: also figure_ids, the ids of every figure in the cell (a list that grows with the data: pages do not read
    it, a drill-down into one cell or the checks do).
    Read from the table the writes keep (store/cells.py); computed live on a file built before it or when the
    figures changed since the table was refreshed (store.cells.current)."""
    if not cell_tables.current(con):
        return cells_live(con, metric_id, periods, regions, recipients_only, category, ids)
    return cells_table(con, metric_id, periods, regions, recipients_only, category, ids)


def cells_table(con, metric_id: str | None = None, periods: list[str] | None = None,
                regions: list[str] | None = None, recipients_only: bool = False, category: str | None = None,
                ids: bool = False) -> pd.DataFrame:
    """cells() as the stored table holds it, current or not (`python -m loaders cells` compares it with live)."""
    params: list = []
    where = (_in("c.metric_id", metric_id, params) + _in("c.period", periods, params)
             + _in("c.region_id", regions, params) + _in("m.category", category, params))
    if recipients_only:
        where += f" AND {_recipient('r.role')}"
    df = _df(con, f"""
        SELECT c.metric_id, c.period, c.region_id, c.value_base, c.qualifier, c.number_text, c.quote, c.source,
               c.n_figures, c.n_unreviewed{", c.figure_ids" if ids else ""},
               r.name_zh AS region_zh, r.name_en AS region_en, r.color AS region_color, r.sort AS region_sort,
               r.level AS region_level, m.name_zh AS metric_zh, m.name_en AS metric_en,
               p.label_zh AS period_zh, p.label_en AS period_en, p.sort AS period_sort, p.n_years,
               c.others_text, m.display_unit_zh, m.display_unit_en, m.decimals, m.sort AS metric_sort
        FROM cells c JOIN metrics m ON m.metric_id = c.metric_id
        LEFT JOIN regions r ON r.region_id = c.region_id
        LEFT JOIN periods p ON p.period = c.period
        WHERE c.scope = {_scope_sql(con)} {where}
        ORDER BY period_sort, region_sort, metric_sort, c.period, c.region_id, c.metric_id""", params)
    df["others_text"] = df["others_text"].fillna("")
    return df


def cells_live(con, metric_id: str | None = None, periods: list[str] | None = None,
               regions: list[str] | None = None, recipients_only: bool = False,
               category: str | None = None, ids: bool = False) -> pd.DataFrame:
    """cells() computed from the figures on every call: the reference the table is tested against, and what a file
    built before the table reads."""
    params: list = []
    where = (_in("metric_id", metric_id, params) + _in("period", periods, params) + _in("region_id", regions, params)
             + _in("category", category, params))
    if recipients_only:
        where += f" AND {RECIPIENT_SQL}"
    df = _df(con, f"""
        WITH ranked AS (
            SELECT f.figure_id, f.metric_id, f.period, f.region_id, f.value_base, f.qualifier, f.number_text,
                   f.quote, f.plan_id, f.upload_file, f.region_zh, f.region_en, f.region_color, f.region_sort,
                   f.region_level, f.metric_zh, f.metric_en, f.period_zh, f.period_en, f.period_sort, f.n_years,
                   f.review_status,
                   ROW_NUMBER() OVER (PARTITION BY f.metric_id, f.period, f.region_id
                                      ORDER BY f.value_base DESC, f.figure_id) AS rn
            FROM v_figures f WHERE 1=1 {where}),
        c AS (
            SELECT metric_id, period, region_id,
                   MAX(CASE WHEN rn = 1 THEN value_base END) AS value_base,
                   MAX(CASE WHEN rn = 1 THEN qualifier END) AS qualifier,
                   MAX(CASE WHEN rn = 1 THEN number_text END) AS number_text,
                   MAX(CASE WHEN rn = 1 THEN quote END) AS quote,
                   MAX(CASE WHEN rn = 1 THEN COALESCE(plan_id, upload_file) END) AS source,
                   COUNT(*) AS n_figures,
                   COUNT(*) FILTER (WHERE review_status = 'extracted') AS n_unreviewed,
                   string_agg(figure_id, ',' ORDER BY figure_id) AS figure_ids,
                   MAX(region_zh) AS region_zh, MAX(region_en) AS region_en, MAX(region_color) AS region_color,
                   MAX(region_sort) AS region_sort, MAX(region_level) AS region_level,
                   MAX(metric_zh) AS metric_zh, MAX(metric_en) AS metric_en,
                   MAX(period_zh) AS period_zh, MAX(period_en) AS period_en,
                   MAX(period_sort) AS period_sort, MAX(n_years) AS n_years,
                   -- the figures that were not kept, largest first, for a note beside the chart (capped: a note)
                   string_agg(CASE WHEN rn BETWEEN 2 AND 6 THEN number_text END, ' / ' ORDER BY rn) AS others_text
            FROM ranked GROUP BY metric_id, period, region_id)
        SELECT c.*, m.display_unit_zh, m.display_unit_en, m.decimals, m.sort AS metric_sort
        FROM c JOIN metrics m ON m.metric_id = c.metric_id
        ORDER BY period_sort, region_sort, metric_sort, c.period, c.region_id, c.metric_id""", params)
    df["others_text"] = df["others_text"].fillna("")
    return df if ids else df.drop(columns=["figure_ids"])


# --- the time model: five-year periods, their years and ranges -----------------------------------------
#
# One value per five-year period x region x metric (period_cells), from the cells (one value per period as
# written x region x metric, the largest statement kept) that lie inside the period:
# - stated: a plan states the period's total (十四五, or a range equal to the period, 2021-2025) -> that total,
#   the largest if two; all the period's years are covered.
# - sum_of_years: otherwise the sum of the parts inside the period: single years (2021) and ranges inside it
#   (2021-2022, a stated partial total over those years). A range wins over the years and shorter ranges it
#   overlaps (they restate part of it), so nothing is counted twice. years_covered lists the years the parts
#   cover; a period is complete only when they are all its years.
# - qualifier: the stated total's; for a sum, 余 (at least) when a part is 余/多/超过…, else 约 when one is 约.
# - A range across two periods (2020-2022) belongs to neither: it is shown with its own label only.
# Portable SQL (window functions, WITH RECURSIVE, string_agg) so the same statement can fill a table of
# aggregated cells at write time, or run on another engine.

# The rule is ONE statement, store.cells.PERIOD_RULE_SQL: over the stored `cells` when the writes fill the table,
# and here over the same cells computed from the figures (one scope, 'live'; the filters apply to the figures first:
# a period's value only depends on the figures inside it).
_LIVE_CELLS_SQL = """(
    SELECT 'live' AS scope, r.metric_id, r.period, r.region_id,
           MAX(CASE WHEN r.rn = 1 THEN r.value_base END) AS value_base,
           MAX(CASE WHEN r.rn = 1 THEN r.qualifier END) AS qualifier,
           MAX(CASE WHEN r.rn = 1 THEN r.number_text END) AS number_text,
           MAX(CASE WHEN r.rn = 1 THEN r.source END) AS source,
           COUNT(*) AS n_figures,
           COUNT(*) FILTER (WHERE r.review_status = 'extracted') AS n_unreviewed,
           string_agg(r.figure_id, ',' ORDER BY r.figure_id) AS figure_ids,
           string_agg(CASE WHEN r.rn BETWEEN 2 AND 6 THEN r.number_text END, ' / ' ORDER BY r.rn) AS others_text
    FROM (SELECT f.figure_id, f.metric_id, f.period, f.region_id, f.value_base, f.qualifier, f.number_text,
                 COALESCE(f.plan_id, f.upload_file) AS source, f.review_status,
                 ROW_NUMBER() OVER (PARTITION BY f.metric_id, f.period, f.region_id
                                    ORDER BY f.value_base DESC, f.figure_id) AS rn
          FROM v_figures f WHERE f.five_year IS NOT NULL {figure_where}) r
    GROUP BY r.metric_id, r.period, r.region_id)"""
# the statement period_cells_live runs: the rule over those cells
_PERIOD_CELLS_SQL = cell_tables.PERIOD_RULE_SQL.replace("{cells}", _LIVE_CELLS_SQL)


def period_cells(con, metric_id: str | None = None, periods: list[str] | None = None,
                 regions: list[str] | None = None, recipients_only: bool = False,
                 category: str | None = None, ids: bool = False) -> pd.DataFrame:
    """One row per five-year period, region and metric: the stated total, else the sum of the period's years
    (basis), with the years covered ("2021,2022"), how many, and the years in the period (see the rule above).
    Columns also carry cells()'s labels, so charts draw either. ids: also figure_ids and year_figure_ids (see cells).
    Read from the table the writes keep (store/cells.py); computed live on a file built before it or when the
    figures changed since the table was refreshed (store.cells.current)."""
    if not cell_tables.current(con):
        return period_cells_live(con, metric_id, periods, regions, recipients_only, category, ids)
    return period_cells_table(con, metric_id, periods, regions, recipients_only, category, ids)


def period_cells_table(con, metric_id: str | None = None, periods: list[str] | None = None,
                       regions: list[str] | None = None, recipients_only: bool = False, category: str | None = None,
                       ids: bool = False) -> pd.DataFrame:
    """period_cells() as the stored table holds it, current or not."""
    params: list = []
    # every filter is a property of the cell's key (its period, region or metric), so filtering the stored cells
    # gives what filtering the figures first gives
    where = (_in("t.metric_id", metric_id, params) + _in("t.region_id", regions, params)
             + _in("m.category", category, params) + _in("t.period", periods, params))
    if recipients_only:
        where += f" AND {_recipient('r.role')}"
    return _period_select(con, "period_cells", f"t.scope = {_scope_sql(con)} {where}", params, ids)


def _period_select(con, source: str, where: str, params: list, ids: bool) -> pd.DataFrame:
    """period_cells' rows from `source` (the table, or the rule's statement as a subquery) with their labels."""
    df = _df(con, f"""
        SELECT t.period, t.region_id, t.metric_id, t.value_base, t.qualifier, t.basis, t.years_covered,
               t.n_years_covered, p.n_years AS years_in_period, t.stated_value_base, t.stated_text,
               t.stated_qualifier, t.years_value_base, t.parts, t.n_parts, t.n_part_years, t.number_text, t.source,
               {"t.figure_ids," if ids else ""} t.n_figures, t.n_unreviewed, t.others_text
               {", t.year_figure_ids" if ids else ""},
               r.name_zh AS region_zh, r.name_en AS region_en, r.color AS region_color, r.sort AS region_sort,
               r.level AS region_level, r.role AS region_role,
               m.name_zh AS metric_zh, m.name_en AS metric_en, m.base_unit, m.display_unit_zh, m.display_unit_en,
               m.decimals, m.sort AS metric_sort,
               p.label_zh AS period_zh, p.label_en AS period_en, p.sort AS period_sort, p.n_years
        FROM {source} t
        JOIN periods p ON p.period = t.period
        JOIN regions r ON r.region_id = t.region_id
        JOIN metrics m ON m.metric_id = t.metric_id
        WHERE {where}
        ORDER BY p.sort, r.sort, m.sort, t.period, t.region_id, t.metric_id""", params)
    return _period_frame(df)


def _period_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The same column types whichever way the rows were read (sums of counts come as floats, as they always did)."""
    df["complete"] = df["n_years_covered"] == df["years_in_period"]
    df["n_years_covered"] = df["n_years_covered"].astype("int64")
    df["value_base"] = df["value_base"].astype("float64")
    for c in ("n_part_years", "n_figures", "n_unreviewed"):
        df[c] = df[c].astype("float64")
    return df


def period_cells_live(con, metric_id: str | None = None, periods: list[str] | None = None,
                      regions: list[str] | None = None, recipients_only: bool = False,
                      category: str | None = None, ids: bool = False) -> pd.DataFrame:
    """period_cells() computed from the figures on every call (the rule's statement over cells computed inline):
    what a file built before the table, or whose figures changed around the writes, reads; the tests' reference."""
    params: list = []
    # every filter applies to the figures first: a period's value only depends on the figures inside it
    where = (_in("f.metric_id", metric_id, params) + _in("f.region_id", regions, params)
             + _in("f.category", category, params) + _in("f.five_year", periods, params))
    if recipients_only:
        where += f" AND f.{RECIPIENT_SQL}"
    rule = _PERIOD_CELLS_SQL.format(figure_where=where, where="", at_least=cell_tables.AT_LEAST_SQL,
                                    approx=cell_tables.APPROX_SQL)
    return _period_select(con, f"({rule})", "1=1", params, ids)


def year_cells(con, metric_id: str | None = None, regions: list[str] | None = None,
               recipients_only: bool = False, category: str | None = None, ids: bool = False) -> pd.DataFrame:
    """The year view: one row per single year, region and metric (cells() of the years only)."""
    yrs = [r[0] for r in con.execute("SELECT period FROM periods WHERE kind = 'year'").fetchall()]
    return cells(con, metric_id, yrs or ["__none__"], regions, recipients_only, category, ids)


def period_totals(con, metric_id: str, period: str, region_id: str | None = None, ids: bool = True) -> pd.DataFrame:
    """How much, for pages, deck and command line: one row per region for a five-year period (period_cells) or a
    single year (the year's cell, basis stated, one year covered); with the figure ids (ids, for the command line)."""
    cols = ["period", "region_id", "region_zh", "region_en", "metric_id", "value_base", "base_unit", "qualifier",
            "basis", "years_covered", "n_years_covered", "years_in_period", "complete", "number_text",
            *(["figure_ids"] if ids else []),
            "stated_value_base", "years_value_base", "region_sort", "region_level", "region_color"]
    regions = [region_id] if region_id else None
    info = _df(con, "SELECT * FROM periods WHERE period = ?", [period])
    if info.empty:
        try:
            info = pd.DataFrame([d.period_info(period)])
        except ValueError:
            return pd.DataFrame(columns=cols)
    kind = info.iloc[0]["kind"]
    if kind == "five_year":
        return period_cells(con, metric_id, [info.iloc[0]["period"]], regions, ids=ids)[cols].reset_index(drop=True)
    df = cells(con, metric_id, [info.iloc[0]["period"]], regions, ids=ids)
    n = int(info.iloc[0]["n_years"])
    first = int(info.iloc[0]["start_year"])
    df["basis"] = "stated"
    df["years_covered"] = ",".join(str(first + i) for i in range(n))
    df["n_years_covered"] = n
    df["years_in_period"] = n
    df["complete"] = True
    df["stated_value_base"] = df["value_base"]
    df["years_value_base"] = None
    df["base_unit"] = [metric_info(con, metric_id).get("base_unit")] * len(df)
    return df.reindex(columns=cols).reset_index(drop=True)


def _union_years(values) -> list[int]:
    out: set[int] = set()
    for v in values:
        if isinstance(v, str) and v:
            out.update(int(y) for y in v.split(","))
    return sorted(out)


def totals(con, metric_id: str, periods: list[str] | None = None, _cells: tuple | None = None,
           _periods: pd.DataFrame | None = None, ids: bool = False) -> pd.DataFrame:
    """Per five-year period: the all-counterpart total (basis stated), else the sum over recipient regions (basis
    sum), else missing; each with its years covered (a period's years' sum is never shown as the whole period) and
    how many of the figures behind it nobody has reviewed yet (n_unreviewed, from the cells: 0 when they are hidden).
    _cells: (total cells, recipient cells) and _periods (five_year_periods) already read for several metrics
    (headline_cards reads them once). ids: the figure ids behind each total (figure_ids; empty without, and when
    _cells were read without them)."""
    if _periods is not None:
        per = _periods
    else:
        per = five_year_periods(con) if periods is None else _df(
            con, f"SELECT * FROM periods WHERE period IN ({', '.join('?' for _ in periods)}) ORDER BY sort",
            list(periods))
    if _cells is None:
        with_ids = {"ids": True} if ids else {}
        _cells = (period_cells(con, metric_id, regions=[TOTAL_REGION], **with_ids),
                  period_cells(con, metric_id, recipients_only=True, **with_ids))
    stated = _cells[0][_cells[0]["metric_id"] == metric_id].set_index("period")
    parts = _cells[1][_cells[1]["metric_id"] == metric_id]
    rows = []
    for p in per.itertuples():
        if p.period in stated.index:
            s = stated.loc[p.period]
            rows.append(dict(period=p.period, value_base=s.value_base, qualifier=s.qualifier,
                             number_text=s.number_text, basis="stated", n_parts=1,
                             figure_ids=s.get("figure_ids", ""), n_unreviewed=_count(s.n_unreviewed),
                             time_basis=s.basis, years_covered=s.years_covered,
                             n_years_covered=int(s.n_years_covered), complete=bool(s.complete)))
        else:
            sub = parts[parts["period"] == p.period]
            if len(sub):
                yrs = _union_years(sub["years_covered"])
                rows.append(dict(period=p.period, value_base=float(sub["value_base"].sum()),
                                 qualifier=ranking.sum_qualifier(sub["qualifier"]), number_text=None, basis="sum",
                                 n_parts=len(sub), figure_ids=",".join(sub.get("figure_ids", [])),
                                 n_unreviewed=_count(sub["n_unreviewed"].sum()),
                                 time_basis="stated" if (sub["basis"] == "stated").all() else "sum_of_years",
                                 years_covered=",".join(map(str, yrs)), n_years_covered=len(yrs),
                                 complete=bool(sub["complete"].all())))
            else:
                rows.append(dict(period=p.period, value_base=None, qualifier=None, number_text=None,
                                 basis="missing", n_parts=0, figure_ids="", n_unreviewed=0, time_basis=None, years_covered="",
                                 n_years_covered=0, complete=False))
        rows[-1].update(period_zh=p.label_zh, period_en=p.label_en, period_sort=p.sort, n_years=p.n_years,
                        years_in_period=p.n_years)
    out = pd.DataFrame(rows, columns=["period", "value_base", "qualifier", "number_text", "basis", "n_parts",
                                      "figure_ids", "n_unreviewed", "time_basis", "years_covered", "n_years_covered", "complete",
                                      "period_zh", "period_en", "period_sort", "n_years", "years_in_period"])
    out["metric_id"] = metric_id
    out["value_base"] = out["value_base"].astype("float64")
    out["complete"] = out["complete"].astype(bool)
    out["n_unreviewed"] = out["n_unreviewed"].astype("int64")
    return out


def _count(n) -> int:
    """A count from the cells (a sum of counts comes as a float; none is 0)."""
    return 0 if n is None or n != n else int(n)


def _headline_inputs(con) -> tuple[tuple[pd.DataFrame, pd.DataFrame], pd.DataFrame, dict]:
    """What the headline cards need, read once for all headline metrics: their period cells of the total region
    and of the recipient regions (ONE period_cells read: the two sets are disjoint filters on whole regions, so
    splitting one read gives the rows two reads would, in the same order), the five-year periods, the metrics."""
    ids = [r[0] for r in con.execute("SELECT region_id FROM regions WHERE region_id = ? OR role LIKE ? ORDER BY sort",
                                     [TOTAL_REGION, f"%{RECIPIENT_ROLE}%"]).fetchall()]
    cells_ = period_cells(con, list(HEADLINE_METRICS), regions=ids or [TOTAL_REGION])
    total = cells_[cells_["region_id"] == TOTAL_REGION].reset_index(drop=True)
    parts = cells_[cells_["region_role"].fillna("").str.contains(RECIPIENT_ROLE, regex=False)].reset_index(drop=True)
    params: list = []
    info = _df(con, f"SELECT * FROM metrics WHERE 1=1 {_in('metric_id', list(HEADLINE_METRICS), params)}", params)
    infos = {r["metric_id"]: r for r in info.to_dict("records")}
    return (total, parts), five_year_periods(con), infos


def headline_cards(con, period: str) -> pd.DataFrame:
    """The headline metrics for one period, each with the previous period's value for comparison: one read of the
    period cells for all of them (not two per metric), then totals() per metric in memory. n_unreviewed and
    prev_n_unreviewed count the figures nobody has reviewed yet behind each value (the cells carry them)."""
    rows = []
    both, per, infos = _headline_inputs(con)
    for metric_id in HEADLINE_METRICS:
        info = infos.get(metric_id, {})
        tot = totals(con, metric_id, _cells=both, _periods=per).reset_index(drop=True)
        idx = tot.index[tot["period"] == period]
        if not len(idx):
            cur, prev = None, None
        else:
            i = int(idx[0])
            cur = tot.iloc[i]
            prev = tot.iloc[i - 1] if i > 0 else None
        rows.append(dict(
            years_covered="" if cur is None else cur["years_covered"],
            n_years_covered=0 if cur is None else int(cur["n_years_covered"]),
            years_in_period=None if cur is None else int(cur["years_in_period"]),
            complete=False if cur is None else bool(cur["complete"]),
            prev_complete=False if prev is None else bool(prev["complete"]),
            metric_id=metric_id, metric_zh=info.get("name_zh"), metric_en=info.get("name_en"),
            display_unit_zh=info.get("display_unit_zh"), display_unit_en=info.get("display_unit_en"),
            decimals=info.get("decimals"), period=period,
            value_base=None if cur is None else cur["value_base"],
            qualifier=None if cur is None else cur["qualifier"],
            basis="missing" if cur is None else cur["basis"],
            n_parts=0 if cur is None else cur["n_parts"],
            prev_period=None if prev is None else prev["period"],
            prev_value_base=None if prev is None else prev["value_base"],
            prev_qualifier=None if prev is None else prev["qualifier"],
            n_unreviewed=0 if cur is None else int(cur["n_unreviewed"]),
            prev_n_unreviewed=0 if prev is None else int(prev["n_unreviewed"]),
        ))
    out = pd.DataFrame(rows)
    for c in ("value_base", "prev_value_base"):
        out[c] = out[c].astype("float64")
    return out


def growth(con, metric_id: str = "aid_funding") -> pd.DataFrame:
    """Period-over-period ratio of totals (十二五 ÷ 十一五 …), only where both periods have a value for all their
    years (a partial period's sum is not compared with a whole one)."""
    tot = totals(con, metric_id)
    tot = tot[(tot["basis"] != "missing") & tot["complete"]].reset_index(drop=True)
    rows = []
    for i in range(1, len(tot)):
        a, b = tot.iloc[i - 1], tot.iloc[i]
        rows.append(dict(metric_id=metric_id, period=b["period"], prev_period=a["period"],
                         period_zh=b["period_zh"], period_en=b["period_en"],
                         value_base=b["value_base"], qualifier=b["qualifier"],
                         prev_value_base=a["value_base"], prev_qualifier=a["qualifier"],
                         ratio=b["value_base"] / a["value_base"] if a["value_base"] else None,
                         change=b["value_base"] - a["value_base"]))
    return pd.DataFrame(rows, columns=["metric_id", "period", "prev_period", "period_zh", "period_en", "value_base",
                                       "qualifier", "prev_value_base", "prev_qualifier", "ratio", "change"])


def stated_changes(con, limit: int | None = None) -> pd.DataFrame:
    """Ratios the plans themselves state (是“十一五”的6倍多) beside the ratio computed from the totals; plan
    statements first, at most `limit` rows, with the full count in column n_total."""
    stated = _figure_page(con, """f.figure_id, f.plan_id, f.period, f.ref_period, f.region_id, f.value, f.qualifier,
                                  f.number_text, f.quote, f.period_zh, f.period_en""",
                          " AND f.metric_id = 'ratio_to_earlier'", [],
                          "f.source_kind <> 'plan', f.period_sort, f.plan_id, f.span_start, f.figure_id", limit,
                          source="v_figures f")
    g = growth(con, "aid_funding")[["period", "prev_period", "ratio"]].rename(
        columns={"prev_period": "ref_period", "ratio": "computed"})
    return stated.merge(g, on=["period", "ref_period"], how="left")


def funding_by_period_region(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
                             regions: list[str] | None = None, ids: bool = False) -> pd.DataFrame:
    """Recipient regions only (no scope totals), for grouped bars five-year period x region (period_cells: stated
    totals, else the sum of the years present with their coverage)."""
    return period_cells(con, metric_id, periods, regions, recipients_only=True, ids=ids)


def shares(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
           regions: list[str] | None = None) -> pd.DataFrame:
    df = funding_by_period_region(con, metric_id, periods, regions)
    df["share"] = df["value_base"] / df.groupby("period")["value_base"].transform("sum")
    return df


def per_project(con, periods: list[str] | None = None, regions: list[str] | None = None) -> pd.DataFrame:
    """Funding ÷ projects for the same period and region (元 per project)."""
    both = period_cells(con, ["aid_funding", "aid_projects"], periods, regions)
    f, p = both[both["metric_id"] == "aid_funding"], both[both["metric_id"] == "aid_projects"]
    keep = ["period", "region_id", "region_zh", "region_en", "region_color", "region_sort", "region_level",
            "period_zh", "period_en", "period_sort"]
    m = f[keep + ["value_base", "qualifier", "years_covered"]].merge(
        p[["period", "region_id", "value_base", "qualifier", "years_covered"]], on=["period", "region_id"],
        suffixes=("_funding", "_projects"))
    m = m[m["years_covered_funding"] == m["years_covered_projects"]]  # the same years, else not a ratio
    m["years_covered"] = m["years_covered_funding"]
    m = m[m["value_base_projects"] > 0]
    m["per_project_base"] = m["value_base_funding"] / m["value_base_projects"]
    return m.sort_values(["period_sort", "region_sort"]).reset_index(drop=True)


def annualised(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
               regions: list[str] | None = None) -> pd.DataFrame:
    """Value ÷ the years it covers (a five-year total ÷ 5; two uploaded years of 十四五 ÷ 2, not ÷ 5)."""
    df = period_cells(con, metric_id, periods, regions)
    df["per_year_base"] = df["value_base"] / df["n_years_covered"]
    return df


# --- regions ---------------------------------------------------------------------------------

def region_detail(con, region_id: str, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """Every current figure of a region across periods (`limit` rows from `offset`; n_total counts them all), with
    its quote and source."""
    return _figure_page(con, """f.figure_id, f.period, f.period_zh, f.period_en, f.metric_id, f.metric_zh, f.metric_en,
               f.value, f.unit, f.qualifier, f.value_base, f.number_text, m.display_unit_zh, m.display_unit_en,
               m.decimals, f.quote, f.section, f.source_kind, coalesce(f.plan_id, f.upload_file) AS source""",
                        " AND f.region_id = ?", [region_id],
                        "f.source_kind <> 'plan', f.period_sort, m.sort, f.figure_id", limit, offset)


def region_summary(con, metric_id: str = "aid_funding", period: str | None = None) -> pd.DataFrame:
    """Per place on the map: one metric for one period (a five-year period or a year, period_totals), each row
    saying its period and coverage; with no period, each place's latest five-year period (labelled per row)."""
    if period:
        df = period_totals(con, metric_id, period, ids=False)
    else:
        df = period_cells(con, metric_id)
        df = df.sort_values("period_sort").groupby("region_id", as_index=False).tail(1)
    reg = regions(con, with_figures=False)[["region_id", "name_zh", "name_en", "level", "lon", "lat", "color",
                                            "sort"]]
    keep = ["region_id", "period", "value_base", "qualifier", "basis", "years_covered", "n_years_covered",
            "years_in_period", "complete"]
    out = reg.merge(df[keep], on="region_id")
    out = out[out["lon"].notna()]
    return out.sort_values("sort", kind="stable").reset_index(drop=True)


# --- cooperation -----------------------------------------------------------------------------

def cooperation(con, regions: list[str] | None = None, periods: list[str] | None = None) -> pd.DataFrame:
    """Cooperation cells (projects, agreements, investment) for 西部 / 东北和中部 / 安徽: one value per period,
    region and metric by the cells() rule (the largest figure kept, the others listed in others_text)."""
    return cells(con, periods=periods, regions=list(regions or COOPERATION_REGIONS), category="cooperation")


def enterprise_flows(con, periods: list[str] | None = None) -> pd.DataFrame:
    """Enterprises, registered capital and chambers: 各地来沪 (inbound) against 上海赴各地 (outbound), as cells."""
    return cells(con, periods=periods, regions=list(ENTERPRISE_REGIONS), category="enterprise")


def category_figures(con, category: str, regions: list[str], periods: list[str] | None = None,
                     limit: int = 200, offset: int = 0) -> pd.DataFrame:
    """The figures behind a category's cells, `limit` rows from `offset`, with the full count in column n_total."""
    params: list = [category]
    where = " AND f.category = ?" + _in("f.region_id", regions, params) + _in("f.period", periods, params)
    return _figure_page(con, """f.figure_id, f.period, f.period_zh, f.period_en, f.region_id, f.region_zh, f.region_en,
               f.metric_id, f.metric_zh, f.metric_en, f.value_base, f.qualifier, f.number_text,
               m.display_unit_zh, m.display_unit_en, m.decimals, f.quote,
               coalesce(f.plan_id, f.upload_file) AS source""", where, params,
                        "f.period_sort, f.region_sort, m.sort, f.figure_id", limit, offset)


# --- tasks -----------------------------------------------------------------------------------

def task_plans(con) -> pd.DataFrame:
    return _df(con, """SELECT plan_id, title, title_en FROM plans WHERE plan_id IN (SELECT plan_id FROM tasks)
                       ORDER BY plan_id""")


def plan_titles(con) -> pd.DataFrame:
    """Every plan's id with its Chinese and English title (for source lines)."""
    return _df(con, "SELECT plan_id, title, title_en FROM plans ORDER BY plan_id")


def _task_where(plan_id: str | None, params: list) -> str:
    if plan_id:
        params.append(plan_id)
        return " AND plan_id = ?"
    return ""


def tasks_by_type(con, plan_id: str | None = None) -> pd.DataFrame:
    params: list = []
    return _df(con, f"""SELECT plan_id, coalesce(task_type, '—') AS task_type,
                               count(DISTINCT task_no) AS tasks, count(*) AS assignments
                        FROM tasks WHERE 1=1 {_task_where(plan_id, params)}
                        GROUP BY plan_id, coalesce(task_type, '—') ORDER BY plan_id, min(span_start)""", params)


def tasks_by_section(con, plan_id: str | None = None) -> pd.DataFrame:
    params: list = []
    return _df(con, f"""SELECT plan_id, split_part(section, ' > ', 2) AS section,
                               count(DISTINCT task_no) AS tasks, count(*) AS assignments
                        FROM tasks WHERE 1=1 {_task_where(plan_id, params)}
                        GROUP BY plan_id, split_part(section, ' > ', 2) ORDER BY plan_id, min(span_start)""", params)


def tasks_by_unit(con, plan_id: str | None = None) -> pd.DataFrame:
    """Which units carry most tasks: as lead (listed first) and in total."""
    params: list = []
    return _df(con, f"""SELECT coalesce(unit, '（未列明）') AS unit, min(unit_city) AS unit_city,
                               count(DISTINCT plan_id || task_no) AS tasks,
                               count(DISTINCT CASE WHEN unit_order = 1 THEN plan_id || task_no END) AS lead_tasks
                        FROM tasks WHERE 1=1 {_task_where(plan_id, params)}
                        GROUP BY 1 ORDER BY tasks DESC, lead_tasks DESC, unit""", params)


def tasks_list(con, plan_id: str | None = None, search: str | None = None) -> pd.DataFrame:
    """One row per task with its units joined; shared tasks are those with more than one unit."""
    params: list = []
    where = _task_where(plan_id, params)
    if search:
        where += " AND (text ILIKE ? OR unit ILIKE ? OR section ILIKE ? OR task_type ILIKE ?)"
        params.extend([f"%{search}%"] * 4)
    return _df(con, f"""
        SELECT plan_id, task_no, min(task_type) AS task_type, min(section) AS section, min(text) AS text,
               string_agg(coalesce(unit, ''), '、' ORDER BY unit_order) AS units,
               count(DISTINCT unit) AS n_units, min(span_start) AS span_start
        FROM tasks WHERE plan_id || task_no IN (SELECT plan_id || task_no FROM tasks WHERE 1=1 {where})
        GROUP BY plan_id, task_no ORDER BY plan_id, span_start""", params)


# --- sources ---------------------------------------------------------------------------------

FIGURE_COLUMNS = ("figure_id", "period", "region_id", "region_zh", "region_en", "metric_id", "metric_zh",
                  "metric_en", "value", "unit", "qualifier", "number_text", "value_base", "base_unit",
                  "display_unit_zh", "display_unit_en", "decimals", "source_kind", "plan_id", "upload_file",
                  "sheet", "row_number", "section", "quote", "review_status")


def _figure_where(search, metrics, periods, regions, source_kind, params: list) -> str:
    where = (_in("f.metric_id", metrics, params) + _in("f.period", periods, params)
             + _in("f.region_id", regions, params) + _in("f.source_kind", source_kind, params))
    if search:
        where += " AND (f.quote ILIKE ? OR f.number_text ILIKE ? OR f.region_zh ILIKE ? OR f.metric_zh ILIKE ?" \
                 " OR f.region_en ILIKE ? OR f.metric_en ILIKE ? OR f.figure_id = ?)"
        params.extend([f"%{search}%"] * 6 + [search.strip()])
    return where


def figure_search(con, search: str | None = None, metrics: list[str] | None = None,
                  periods: list[str] | None = None, regions: list[str] | None = None,
                  source_kind: str | None = None, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """Current figures matching the filters, in period / region / metric order; `limit` rows from `offset`
    (None: all of them, for downloads)."""
    params: list = []
    where = _figure_where(search, metrics, periods, regions, source_kind, params)
    cols = ", ".join(f"m.{c}" if c.startswith(("display_unit", "decimals")) else f"f.{c}" for c in FIGURE_COLUMNS)
    order = "f.period_sort, f.region_sort, m.sort, f.figure_id"
    if limit is not None:  # a page: its ids first, then their wide columns (_figure_page)
        if not search and not source_kind and cell_tables.current(con):
            page = _figure_page_by_cells(con, cols, metrics, periods, regions, order, limit, offset)
            if page is not None:
                return page
        return _figure_page(con, cols, where, params, order, limit, offset).drop(columns=["n_total"])
    return _df(con, f"""
        SELECT {cols}
        FROM v_figures f JOIN metrics m USING (metric_id)
        WHERE 1=1 {where}
        ORDER BY {order}""", params)


def _cell_key_where(metrics, periods, regions, params: list) -> str:
    """The sources page's filters on the stored cells `c` (each is a property of a cell's key)."""
    return _in("c.metric_id", metrics, params) + _in("c.period", periods, params) + _in("c.region_id", regions, params)


def _figure_page_by_cells(con, cols: str, metrics, periods, regions, order: str, limit: int,
                          offset: int) -> pd.DataFrame | None:
    """figure_search's page without sorting every figure: the stored cells, in the page order (a figure's period,
    region and metric sort keys are its cell's), say which cells hold rows offset … offset+limit and how many rows
    come before them; only those cells' figures are read and sorted. Cells whose sort keys tie are taken together
    (their figures interleave by id). None (the caller sorts every figure) when the cells' counts do not match the
    figures found, or the page lies past the end."""
    params: list = []
    where = _cell_key_where(metrics, periods, regions, params)
    groups: list[list] = []   # [sort keys, figures, cell keys], in the page order
    for metric_id, period, region_id, n, *sort in con.execute(f"""
            SELECT c.metric_id, c.period, c.region_id, c.n_figures, p.sort, r.sort, m.sort
            FROM cells c JOIN metrics m USING (metric_id) LEFT JOIN periods p USING (period)
                 LEFT JOIN regions r USING (region_id)
            WHERE c.scope = {_scope_sql(con)} AND c.n_figures > 0 {where}
            ORDER BY p.sort, r.sort, m.sort""", params).fetchall():
        if groups and groups[-1][0] == sort:
            groups[-1][1] += int(n)
            groups[-1][2].append((metric_id, period, region_id))
        else:
            groups.append([sort, int(n), [(metric_id, period, region_id)]])
    offset = max(int(offset), 0)
    start, before, in_page, keys = 0, None, 0, []
    for _, n, cell_keys in groups:
        if start >= offset + limit:
            break
        if start + n > offset:
            before = start if before is None else before
            in_page += n
            keys.extend(cell_keys)
        start += n
    if not keys:
        return None
    clauses, key_params = [], []
    for key in keys:
        parts = []
        for column, value in zip(("metric_id", "period", "region_id"), key):
            parts.append(f"f.{column} IS NULL" if value is None else f"f.{column} = ?")
            key_params += [] if value is None else [value]
        clauses.append("(" + " AND ".join(parts) + ")")
    page = _figure_page(con, cols, f"AND ({' OR '.join(clauses)})", key_params, order, limit, offset - before)
    if not len(page) or int(page["n_total"].iloc[0]) != in_page:   # the cells miscount these figures
        return None
    return page.drop(columns=["n_total"])


def figure_count(con, search: str | None = None, metrics: list[str] | None = None,
                 periods: list[str] | None = None, regions: list[str] | None = None,
                 source_kind: str | None = None) -> int:
    """How many current figures match the same filters as figure_search. Without a search or source filter it is
    the stored cells' figure counts (every current figure is in exactly one cell of its scope; metric, period and
    region are the cell's key): a sum over cells instead of a count over every figure."""
    params: list = []
    if not search and not source_kind and cell_tables.current(con):
        where = _cell_key_where(metrics, periods, regions, params)
        row = con.execute(f"SELECT sum(c.n_figures) FROM cells c WHERE c.scope = {_scope_sql(con)} {where}",
                          params).fetchone()
        return int(row[0] or 0)
    where = _figure_where(search, metrics, periods, regions, source_kind, params)
    return int(con.execute(f"SELECT count(*) FROM v_figures f WHERE 1=1 {where}", params).fetchone()[0])


def figure_context(con, figure_id: str, margin: int = 300) -> dict:
    """A figure with the plan text around its quote, split so the span can be highlighted."""
    df = _df(con, """SELECT f.*, p.title, p.text FROM v_figures f LEFT JOIN plans p USING (plan_id)
                     WHERE f.figure_id = ?""", [figure_id])
    if df.empty:
        return {}
    r = df.iloc[0].to_dict()
    text = r.pop("text")
    if not isinstance(text, str) or pd.isna(r.get("span_start")):
        return {**r, "before": "", "span": r.get("number_text") or "", "after": "", "quote_before": "",
                "quote_after": ""}
    s, e = int(r["span_start"]), int(r["span_end"])
    qs = int(r["quote_start"]) if not pd.isna(r.get("quote_start")) else s
    qe = int(r["quote_end"]) if not pd.isna(r.get("quote_end")) else e
    return {**r, "before": text[max(0, qs - margin):qs], "quote_before": text[qs:s], "span": text[s:e],
            "quote_after": text[e:qe], "after": text[qe:qe + margin]}


def data_status(con) -> dict[str, pd.DataFrame]:
    """What is loaded: plans with their figure counts, upload batches, build info."""
    plans = _df(con, """SELECT p.plan_id, p.title, p.issuer, p.doc_number, p.date, p.period, p.kind,
                               (SELECT count(*) FROM v_figures f WHERE f.plan_id = p.plan_id) AS figures,
                               (SELECT count(DISTINCT task_no) FROM tasks t WHERE t.plan_id = p.plan_id) AS tasks
                        FROM plans p ORDER BY p.period, p.plan_id""")
    batches = _df(con, """SELECT batch_id, file_name, n_rows, n_added, n_replaced, uploader, created_at, undone_at
                          FROM batches ORDER BY batch_id DESC""")
    info = _df(con, "SELECT key, value FROM build_info")
    return {"plans": plans, "batches": batches, "build_info": info}
