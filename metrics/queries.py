"""Dashboard queries: plain functions (con, **filters) -> DataFrame aggregating current figures (v_figures) in SQL."""
from __future__ import annotations

import duckdb
import pandas as pd

from common.numbers import APPROX, AT_LEAST

TOTAL_REGION = "all_counterpart"
HEADLINE_METRICS = ("aid_funding", "aid_projects", "agreement_amount", "trained")
COOPERATION_REGIONS = ("west", "northeast_central", "anhui")
ENTERPRISE_REGIONS = ("inbound", "outbound")
# places that receive aid; scope rows (全部对口地区, 西部地区…) and members of a group are not parts
RECIPIENT_SQL = """region_level IN ('prefecture', 'county', 'group', 'province')
                   AND region_id NOT IN (SELECT member_id FROM region_members)"""
_AT_LEAST_SQL = "(" + ", ".join(f"'{q}'" for q in sorted(AT_LEAST)) + ")"
_APPROX_SQL = "(" + ", ".join(f"'{q}'" for q in sorted(APPROX)) + ")"


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def hide_unreviewed(con: duckdb.DuckDBPyConnection, hide: bool = True) -> None:
    """Every query on this connection leaves out figures nobody has reviewed yet (v_figures reads the variable)."""
    con.execute("SET VARIABLE hide_unreviewed = ?", [bool(hide)])


def _in(column: str, values, params: list) -> str:
    """An `AND column IN (?, ?)` clause for a non-empty filter; empty or None means no filter."""
    if not values:
        return ""
    values = [values] if isinstance(values, str) else list(values)
    params.extend(values)
    return f" AND {column} IN ({', '.join('?' for _ in values)})"


# --- dictionaries -----------------------------------------------------------------------------

def periods(con, with_figures: bool = True) -> pd.DataFrame:
    where = "WHERE period IN (SELECT period FROM v_figures)" if with_figures else ""
    return _df(con, f"SELECT * FROM periods {where} ORDER BY sort")


def five_year_periods(con) -> pd.DataFrame:
    """Every five-year period a plan covers or describes (十四五 stays even with no funding figures yet)."""
    return _df(con, """SELECT * FROM periods WHERE kind = 'five_year' AND (period IN (SELECT period FROM plans)
                       OR period IN (SELECT review_period FROM plans) OR period IN (SELECT period FROM v_figures))
                       AND period <> '十五' ORDER BY sort""")


def metrics(con, category: str | None = None) -> pd.DataFrame:
    params: list = []
    return _df(con, f"SELECT * FROM metrics WHERE metric_id IN (SELECT metric_id FROM v_figures)"
                    f"{_in('category', category, params)} ORDER BY sort", params)


def metric_info(con, metric_id: str) -> dict:
    df = _df(con, "SELECT * FROM metrics WHERE metric_id = ?", [metric_id])
    return df.iloc[0].to_dict() if len(df) else {}


def regions(con, with_figures: bool = True) -> pd.DataFrame:
    where = "WHERE region_id IN (SELECT region_id FROM v_figures)" if with_figures else ""
    return _df(con, f"SELECT * FROM regions {where} ORDER BY sort")


def region_members(con, region_id: str) -> pd.DataFrame:
    return _df(con, """SELECT r.* FROM region_members m JOIN regions r ON r.region_id = m.member_id
                       WHERE m.group_id = ? ORDER BY r.sort""", [region_id])


# --- cells: one value per period x region x metric --------------------------------------------

def cells(con, metric_id: str | None = None, periods: list[str] | None = None, regions: list[str] | None = None,
          recipients_only: bool = False, category: str | None = None) -> pd.DataFrame:
    """One row per metric, period and region; where two sentences state the same cell the larger is kept
    (they restate, they do not add), with how many figures said it and what the others said (others_text)."""
    params: list = []
    where = (_in("metric_id", metric_id, params) + _in("period", periods, params) + _in("region_id", regions, params)
             + _in("category", category, params))
    if recipients_only:
        where += f" AND {RECIPIENT_SQL}"
    return _df(con, f"""
        WITH c AS (SELECT metric_id, period, region_id,
               max(value_base) AS value_base,
               arg_max(qualifier, value_base) AS qualifier,
               arg_max(number_text, value_base) AS number_text,
               arg_max(quote, value_base) AS quote,
               arg_max(coalesce(plan_id, upload_file), value_base) AS source,
               count(*) AS n_figures,
               count(*) FILTER (WHERE review_status = 'extracted') AS n_unreviewed,
               string_agg(figure_id, ',' ORDER BY figure_id) AS figure_ids,
               any_value(region_zh) AS region_zh, any_value(region_en) AS region_en,
               any_value(region_color) AS region_color, any_value(region_sort) AS region_sort,
               any_value(region_level) AS region_level,
               any_value(metric_zh) AS metric_zh, any_value(metric_en) AS metric_en,
               any_value(period_zh) AS period_zh, any_value(period_en) AS period_en,
               any_value(period_sort) AS period_sort, any_value(n_years) AS n_years,
               -- the figures that were not kept, largest first, for a note beside the chart (capped: a note)
               list(number_text ORDER BY value_base DESC, figure_id)[2:6] AS others
        FROM v_figures WHERE 1=1 {where}
        GROUP BY metric_id, period, region_id)
        SELECT c.*, m.display_unit_zh, m.display_unit_en, m.decimals, m.sort AS metric_sort,
               array_to_string(c.others, ' / ') AS others_text
        FROM c JOIN metrics m USING (metric_id)
        ORDER BY period_sort, region_sort, metric_sort""", params).drop(columns=["others"])


def _sum_qualifier(quals: pd.Series) -> str | None:
    qs = [q for q in quals if isinstance(q, str) and q]
    if any(q in AT_LEAST for q in qs):
        return "余"
    if any(q in APPROX for q in qs):
        return "约"
    return None


def totals(con, metric_id: str, periods: list[str] | None = None) -> pd.DataFrame:
    """Per period: the stated all-counterpart total, else the sum over recipient regions (basis says which)."""
    per = five_year_periods(con) if periods is None else _df(
        con, f"SELECT * FROM periods WHERE period IN ({', '.join('?' for _ in periods)}) ORDER BY sort", list(periods))
    stated = cells(con, metric_id, regions=[TOTAL_REGION]).set_index("period")
    parts = cells(con, metric_id, recipients_only=True)
    rows = []
    for p in per.itertuples():
        if p.period in stated.index:
            s = stated.loc[p.period]
            rows.append(dict(period=p.period, value_base=s.value_base, qualifier=s.qualifier,
                             number_text=s.number_text, basis="stated", n_parts=1, figure_ids=s.figure_ids))
        else:
            sub = parts[parts["period"] == p.period]
            if len(sub):
                rows.append(dict(period=p.period, value_base=float(sub["value_base"].sum()),
                                 qualifier=_sum_qualifier(sub["qualifier"]), number_text=None, basis="sum",
                                 n_parts=len(sub), figure_ids=",".join(sub["figure_ids"])))
            else:
                rows.append(dict(period=p.period, value_base=None, qualifier=None, number_text=None,
                                 basis="missing", n_parts=0, figure_ids=""))
        rows[-1].update(period_zh=p.label_zh, period_en=p.label_en, period_sort=p.sort, n_years=p.n_years)
    out = pd.DataFrame(rows, columns=["period", "value_base", "qualifier", "number_text", "basis", "n_parts",
                                      "figure_ids", "period_zh", "period_en", "period_sort", "n_years"])
    out["metric_id"] = metric_id
    out["value_base"] = out["value_base"].astype("float64")
    return out


def headline_cards(con, period: str) -> pd.DataFrame:
    """The headline metrics for one period, each with the previous period's value for comparison."""
    rows = []
    for metric_id in HEADLINE_METRICS:
        info = metric_info(con, metric_id)
        tot = totals(con, metric_id).reset_index(drop=True)
        idx = tot.index[tot["period"] == period]
        if not len(idx):
            cur, prev = None, None
        else:
            i = int(idx[0])
            cur = tot.iloc[i]
            prev = tot.iloc[i - 1] if i > 0 else None
        rows.append(dict(
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
        ))
    out = pd.DataFrame(rows)
    for c in ("value_base", "prev_value_base"):
        out[c] = out[c].astype("float64")
    return out


def growth(con, metric_id: str = "aid_funding") -> pd.DataFrame:
    """Period-over-period ratio of totals (十二五 ÷ 十一五 …), only where both periods have a value."""
    tot = totals(con, metric_id)
    tot = tot[tot["basis"] != "missing"].reset_index(drop=True)
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
    params: list = []
    cap = ""
    if limit is not None:
        cap = " LIMIT ?"
        params.append(int(limit))
    stated = _df(con, f"""SELECT figure_id, plan_id, period, ref_period, region_id, value, qualifier, number_text,
                                 quote, period_zh, period_en, count(*) OVER () AS n_total FROM v_figures
                          WHERE metric_id = 'ratio_to_earlier'
                          ORDER BY source_kind <> 'plan', period_sort, plan_id, span_start, figure_id{cap}""", params)
    g = growth(con, "aid_funding")[["period", "prev_period", "ratio"]].rename(
        columns={"prev_period": "ref_period", "ratio": "computed"})
    return stated.merge(g, on=["period", "ref_period"], how="left")


def funding_by_period_region(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
                             regions: list[str] | None = None) -> pd.DataFrame:
    """Recipient regions only (no scope totals), for grouped bars period x region."""
    return cells(con, metric_id, periods, regions, recipients_only=True)


def shares(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
           regions: list[str] | None = None) -> pd.DataFrame:
    df = funding_by_period_region(con, metric_id, periods, regions)
    df["share"] = df["value_base"] / df.groupby("period")["value_base"].transform("sum")
    return df


def per_project(con, periods: list[str] | None = None, regions: list[str] | None = None) -> pd.DataFrame:
    """Funding ÷ projects for the same period and region (元 per project)."""
    f = cells(con, "aid_funding", periods, regions)
    p = cells(con, "aid_projects", periods, regions)
    keep = ["period", "region_id", "region_zh", "region_en", "region_color", "region_sort", "region_level",
            "period_zh", "period_en", "period_sort"]
    m = f[keep + ["value_base", "qualifier"]].merge(
        p[["period", "region_id", "value_base", "qualifier"]], on=["period", "region_id"], suffixes=("_funding", "_projects"))
    m = m[m["value_base_projects"] > 0]
    m["per_project_base"] = m["value_base_funding"] / m["value_base_projects"]
    return m.sort_values(["period_sort", "region_sort"]).reset_index(drop=True)


def annualised(con, metric_id: str = "aid_funding", periods: list[str] | None = None,
               regions: list[str] | None = None) -> pd.DataFrame:
    """Value ÷ years in the period (a five-year total as a per-year average)."""
    df = cells(con, metric_id, periods, regions)
    df["per_year_base"] = df["value_base"] / df["n_years"]
    return df


# --- regions ---------------------------------------------------------------------------------

def region_detail(con, region_id: str, limit: int | None = None) -> pd.DataFrame:
    """Every current figure of a region across periods (at most `limit`; n_total counts them all), with its
    quote and source."""
    params: list = [region_id]
    cap = ""
    if limit is not None:
        cap = " LIMIT ?"
        params.append(int(limit))
    return _df(con, f"""
        SELECT f.figure_id, f.period, f.period_zh, f.period_en, f.metric_id, f.metric_zh, f.metric_en,
               f.value, f.unit, f.qualifier, f.value_base, f.number_text, m.display_unit_zh, m.display_unit_en,
               m.decimals, f.quote, f.section, f.source_kind, coalesce(f.plan_id, f.upload_file) AS source,
               count(*) OVER () AS n_total
        FROM v_figures f JOIN metrics m USING (metric_id)
        WHERE f.region_id = ? ORDER BY f.source_kind <> 'plan', f.period_sort, m.sort, f.figure_id{cap}""", params)


def region_summary(con, metric_id: str = "aid_funding", period: str | None = None) -> pd.DataFrame:
    """Per place on the map: value of one metric (latest period with a value when none is given)."""
    params: list = [metric_id]
    where = ""
    if period:
        where = " AND period = ?"
        params.append(period)
    return _df(con, f"""
        WITH c AS (
            SELECT region_id, period, period_sort, max(value_base) AS value_base,
                   arg_max(qualifier, value_base) AS qualifier
            FROM v_figures WHERE metric_id = ? {where} GROUP BY region_id, period, period_sort)
        SELECT r.region_id, r.name_zh, r.name_en, r.level, r.lon, r.lat, r.color, r.sort,
               arg_max(c.value_base, c.period_sort) AS value_base, arg_max(c.qualifier, c.period_sort) AS qualifier,
               arg_max(c.period, c.period_sort) AS period
        FROM regions r JOIN c USING (region_id)
        WHERE r.lon IS NOT NULL
        GROUP BY ALL ORDER BY r.sort""", params)


# --- cooperation -----------------------------------------------------------------------------

def cooperation(con, regions: list[str] | None = None, periods: list[str] | None = None) -> pd.DataFrame:
    """Cooperation cells (projects, agreements, investment) for 西部 / 东北和中部 / 安徽: one value per period,
    region and metric by the cells() rule (the largest figure kept, the others listed in others_text)."""
    return cells(con, periods=periods, regions=list(regions or COOPERATION_REGIONS), category="cooperation")


def enterprise_flows(con, periods: list[str] | None = None) -> pd.DataFrame:
    """Enterprises, registered capital and chambers: 各地来沪 (inbound) against 上海赴各地 (outbound), as cells."""
    return cells(con, periods=periods, regions=list(ENTERPRISE_REGIONS), category="enterprise")


def category_figures(con, category: str, regions: list[str], periods: list[str] | None = None,
                     limit: int = 200) -> pd.DataFrame:
    """The figures behind a category's cells, at most `limit`, with the full count in column n_total."""
    params: list = [category]
    where = _in("f.region_id", regions, params) + _in("f.period", periods, params)
    params.append(int(limit))
    return _df(con, f"""
        SELECT f.figure_id, f.period, f.period_zh, f.period_en, f.region_id, f.region_zh, f.region_en,
               f.metric_id, f.metric_zh, f.metric_en, f.value_base, f.qualifier, f.number_text,
               m.display_unit_zh, m.display_unit_en, m.decimals, f.quote,
               coalesce(f.plan_id, f.upload_file) AS source, count(*) OVER () AS n_total
        FROM v_figures f JOIN metrics m USING (metric_id)
        WHERE f.category = ? {where}
        ORDER BY f.period_sort, f.region_sort, m.sort, f.figure_id LIMIT ?""", params)


# --- tasks -----------------------------------------------------------------------------------

def task_plans(con) -> pd.DataFrame:
    return _df(con, """SELECT plan_id, title, title_en FROM plans WHERE plan_id IN (SELECT plan_id FROM tasks)
                       ORDER BY plan_id""")


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
                        GROUP BY ALL ORDER BY plan_id, min(span_start)""", params)


def tasks_by_section(con, plan_id: str | None = None) -> pd.DataFrame:
    params: list = []
    return _df(con, f"""SELECT plan_id, split_part(section, ' > ', 2) AS section,
                               count(DISTINCT task_no) AS tasks, count(*) AS assignments
                        FROM tasks WHERE 1=1 {_task_where(plan_id, params)}
                        GROUP BY ALL ORDER BY plan_id, min(span_start)""", params)


def tasks_by_unit(con, plan_id: str | None = None) -> pd.DataFrame:
    """Which units carry most tasks: as lead (listed first) and in total."""
    params: list = []
    return _df(con, f"""SELECT coalesce(unit, '（未列明）') AS unit, any_value(unit_city) AS unit_city,
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
        SELECT plan_id, task_no, any_value(task_type) AS task_type, any_value(section) AS section,
               any_value(text) AS text,
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
    page = ""
    if limit is not None:
        page = " LIMIT ? OFFSET ?"
        params += [int(limit), max(int(offset), 0)]
    cols = ", ".join(f"m.{c}" if c.startswith(("display_unit", "decimals")) else f"f.{c}" for c in FIGURE_COLUMNS)
    return _df(con, f"""
        SELECT {cols}
        FROM v_figures f JOIN metrics m USING (metric_id)
        WHERE 1=1 {where}
        ORDER BY f.period_sort, f.region_sort, m.sort, f.figure_id{page}""", params)


def figure_count(con, search: str | None = None, metrics: list[str] | None = None,
                 periods: list[str] | None = None, regions: list[str] | None = None,
                 source_kind: str | None = None) -> int:
    """How many current figures match the same filters as figure_search."""
    params: list = []
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
