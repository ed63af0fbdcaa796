"""Consistency checks over stored figures: region parts against stated totals, stated ratios, cross-plan agreement."""
from __future__ import annotations

import duckdb
import pandas as pd

from common.numbers import APPROX, AT_LEAST
from metrics.formatting import factor, number, years_text
from metrics.queries import RECIPIENT_ROLE, TOTAL_REGION, period_cells

PART_METRICS = ("aid_funding", "aid_projects")
# a sentence opening with 此外/另外 adds to, rather than breaks down, the total before it
ADDITIONAL = ("此外", "另外")

COLUMNS = ["check", "plan_id", "period", "region_id", "metric_id", "stated", "stated_text", "computed",
           "low", "high", "status", "detail", "figure_ids"]


def _last_digit_unit(value: float, number_text: str | None) -> float:
    """Half the unit of the last written digit: 21.96 -> 0.005 (in the written unit)."""
    digits = "".join(c for c in (number_text or "") if c.isdigit() or c == ".")
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1].rstrip())
    return 0.5


def _bounds(value: float, qualifier: str | None, half_unit: float) -> tuple[float, float]:
    """The range a stated value allows: 135亿余 -> [135, 136); 约7.5 -> ±5%; exact -> rounding."""
    q = qualifier if isinstance(qualifier, str) else ""
    if any(a in q for a in AT_LEAST):
        step = 2 * half_unit  # 135余 -> up to 136; 50多 -> up to 60; 2300多 -> up to 2400
        if value == int(value) and value > 0:
            n = int(value)
            step = 1
            while n % 10 == 0:
                n //= 10
                step *= 10
        return value, value + step
    if any(a in q for a in APPROX):
        return value * 0.95, value * 1.05
    return value - half_unit, value + half_unit


def _money_or_count(value_base: float, metric_id: str) -> str:
    """135.05亿元 for money, 3,423个 for counts (the detail text officials read)."""
    if metric_id == "aid_funding":
        return f"{number(value_base / factor('亿元'), 2)}亿元"
    return f"{number(value_base, 0)}个"


def parts_against_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each stated total of all counterpart regions against the sum of the regions the same plan lists."""
    df = con.execute(f"""
        WITH totals AS (
            SELECT figure_id, plan_id, period, metric_id, value, qualifier, value_base, number_text, span_start
            FROM figures WHERE source_kind = 'plan' AND region_id = ? AND metric_id IN {PART_METRICS}),
        parts AS (
            SELECT f.plan_id, f.period, f.metric_id, f.figure_id, f.value_base, f.span_start
            FROM figures f JOIN regions r USING (region_id)
            WHERE f.source_kind = 'plan' AND f.metric_id IN {PART_METRICS}
              AND r.role LIKE '%{RECIPIENT_ROLE}%'
              AND NOT (starts_with(f.quote, '{ADDITIONAL[0]}') OR starts_with(f.quote, '{ADDITIONAL[1]}')))
        SELECT t.figure_id, t.plan_id, t.period, t.metric_id, t.value, t.qualifier, t.value_base, t.number_text, t.span_start,
               count(*) AS n_parts, sum(p.value_base) AS computed,
               string_agg(p.figure_id, ',' ORDER BY p.span_start) AS part_ids
        FROM totals t JOIN parts p USING (plan_id, period, metric_id)
        GROUP BY t.figure_id, t.plan_id, t.period, t.metric_id, t.value, t.qualifier, t.value_base, t.number_text,
                 t.span_start
        ORDER BY t.plan_id, t.span_start""", [TOTAL_REGION]).df()
    rows = []
    for t in df.itertuples():
        scale = t.value_base / t.value if t.value else 1
        half_w = _last_digit_unit(t.value, t.number_text)
        low, high = (b * scale for b in _bounds(t.value, t.qualifier, half_w))
        slack = half_w * scale * t.n_parts  # each part was rounded too
        computed = float(t.computed)
        ok = low - slack <= computed < high + slack
        rows.append(dict(
            check="parts_vs_total", plan_id=t.plan_id, period=t.period, region_id=TOTAL_REGION,
            metric_id=t.metric_id, stated=t.value_base, stated_text=t.number_text, computed=computed,
            low=low - slack, high=high + slack, status="pass" if ok else "fail",
            detail=f"{t.n_parts}个地区之和 {_money_or_count(computed, t.metric_id)} 对比 合计 {t.number_text}",
            figure_ids=",".join([t.figure_id, t.part_ids]),
        ))
    return pd.DataFrame(rows, columns=COLUMNS)


def stated_ratios(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A stated ratio (是“十一五”期间的6倍多) against the ratio of the two periods' stated funding totals."""
    df = con.execute("""
        WITH ranked AS (  -- per region and period, the funding total of the first plan (by id) stating it
            SELECT region_id, period, value_base, figure_id,
                   row_number() OVER (PARTITION BY region_id, period ORDER BY plan_id, figure_id) AS rn
            FROM figures WHERE source_kind = 'plan' AND metric_id = 'aid_funding'),
        tot AS (SELECT region_id, period, value_base AS v, figure_id AS id FROM ranked WHERE rn = 1)
        SELECT r.figure_id, r.plan_id, r.period, r.ref_period, r.region_id, r.value, r.qualifier, r.number_text,
               a.v AS now, a.id AS now_id, b.v AS then_, b.id AS then_id
        FROM figures r
        LEFT JOIN tot a ON a.region_id = r.region_id AND a.period = r.period
        LEFT JOIN tot b ON b.region_id = r.region_id AND b.period = r.ref_period
        WHERE r.metric_id = 'ratio_to_earlier' AND r.ref_period IS NOT NULL
        ORDER BY r.plan_id, r.span_start""").df()
    rows = []
    for r in df.itertuples():
        base = dict(check="stated_ratio", plan_id=r.plan_id, period=r.period, region_id=r.region_id,
                    metric_id="aid_funding", stated=r.value, stated_text=r.number_text)
        if pd.isna(r.now) or pd.isna(r.then_) or r.then_ == 0:
            rows.append(dict(base, computed=None, low=None, high=None, status="n/a",
                             detail=f"缺少 {r.period} 或 {r.ref_period} 的资金合计", figure_ids=r.figure_id))
            continue
        computed = r.now / r.then_
        low, high = _bounds(r.value, r.qualifier, 0.5)
        if isinstance(r.qualifier, str) and any(a in r.qualifier for a in AT_LEAST):
            high = r.value + 1
        ok = low <= computed < high
        rows.append(dict(base, computed=round(computed, 4), low=low, high=high, status="pass" if ok else "fail",
                         detail=f"{r.period}资金 ÷ {r.ref_period}资金 = {computed:.2f}倍, 文中称“{r.number_text}”",
                         figure_ids=",".join([r.figure_id, r.now_id, r.then_id])))
    return pd.DataFrame(rows, columns=COLUMNS)


def cross_plan_agreement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The same period, region and metric stated by two plans must agree (e.g. 十一五末 member cities)."""
    df = con.execute("""
        SELECT period, region_id, metric_id,
               string_agg(DISTINCT plan_id, ',' ORDER BY plan_id) AS plans, min(value_base) AS lo,
               max(value_base) AS hi, string_agg(figure_id, ',' ORDER BY figure_id) AS ids,
               string_agg(number_text, ' / ' ORDER BY figure_id) AS texts
        FROM figures WHERE source_kind = 'plan'
        GROUP BY period, region_id, metric_id HAVING count(DISTINCT plan_id) > 1""").df()
    rows = [dict(check="cross_plan", plan_id=r.plans, period=r.period, region_id=r.region_id,
                 metric_id=r.metric_id, stated=r.lo, stated_text=r.texts, computed=r.hi, low=r.lo, high=r.hi,
                 status="pass" if r.lo == r.hi else "fail",
                 detail=f"{len(r.plans.split(','))}份规划对同一数字的表述: {r.texts}", figure_ids=r.ids)
            for r in df.itertuples()]
    return pd.DataFrame(rows, columns=COLUMNS)


def _display(value_base: float, unit_zh: str, decimals) -> str:
    return f"{number(value_base / factor(unit_zh), decimals)}{unit_zh}"


def stated_vs_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A period's stated total against the sum of its years (and ranges) present: with every year there they must
    agree (within the stated number's rounding or qualifier); with some years the sum may not exceed the total."""
    df = period_cells(con, ids=True)
    df = df[df["stated_value_base"].notna() & df["years_value_base"].notna()]
    rows = []
    for r in df.itertuples():
        stated, years = float(r.stated_value_base), float(r.years_value_base)
        q = r.stated_qualifier if isinstance(r.stated_qualifier, str) else ""
        if any(a in q for a in AT_LEAST):
            low, high = stated, stated * 1.1
        elif any(a in q for a in APPROX):
            low, high = stated * 0.95, stated * 1.05
        else:
            low, high = stated * 0.995, stated * 1.005
        full = int(r.n_part_years) >= int(r.years_in_period)
        ok = (low <= years <= high) if full else years <= high
        covered = years_text(",".join(str(y) for y in _part_years(r.parts)))
        dec = int(r.decimals) if r.decimals == r.decimals else 2
        rows.append(dict(
            check="stated_vs_years", plan_id=None, period=r.period, region_id=r.region_id, metric_id=r.metric_id,
            stated=stated, stated_text=r.stated_text, computed=years, low=low if full else None, high=high,
            status="pass" if ok else "fail",
            detail=(f"{r.region_zh} {r.period}: 所述合计 {r.stated_text or _display(stated, r.display_unit_zh, dec)}"
                    f" 对比 {covered}年各年之和 {_display(years, r.display_unit_zh, dec)}"
                    + ("" if full else f"（{int(r.years_in_period)}年中的{int(r.n_part_years)}年，不应超过合计）")),
            figure_ids=",".join(x for x in (r.figure_ids, r.year_figure_ids) if isinstance(x, str) and x),
        ))
    return pd.DataFrame(rows, columns=COLUMNS)


def _part_years(parts: str | None) -> list[int]:
    out: list[int] = []
    for p in str(parts or "").split(","):
        a, _, b = p.partition("-")
        if a.isdigit():
            out.extend(range(int(a), int(b or a) + 1))
    return sorted(set(out))


def consistency_checks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every check, one row each, with pass / fail / n/a and the numbers behind it."""
    frames = [f for f in (parts_against_totals(con), stated_ratios(con), cross_plan_agreement(con),
                          stated_vs_years(con)) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
