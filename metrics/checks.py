"""Consistency checks over stored figures: region parts against stated totals, stated ratios, cross-plan agreement."""
from __future__ import annotations

import duckdb
import pandas as pd

from loaders.numbers import APPROX, AT_LEAST

PART_METRICS = ("aid_funding", "aid_projects")
TOTAL_REGION = "all_counterpart"
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


def parts_against_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    totals = con.execute(f"""
        SELECT figure_id, plan_id, period, metric_id, value, unit, qualifier, value_base, number_text
        FROM figures WHERE source_kind = 'plan' AND region_id = ? AND metric_id IN {PART_METRICS}
        ORDER BY plan_id, span_start""", [TOTAL_REGION]).df()
    rows = []
    for t in totals.itertuples():
        parts = con.execute("""
            SELECT f.figure_id, f.region_id, f.value_base, f.quote
            FROM figures f JOIN regions r USING (region_id)
            WHERE f.source_kind = 'plan' AND f.plan_id = ? AND f.period = ? AND f.metric_id = ?
              AND r.level IN ('prefecture', 'county', 'group', 'province')
              AND f.region_id NOT IN (SELECT member_id FROM region_members)
            ORDER BY f.span_start""", [t.plan_id, t.period, t.metric_id]).df()
        parts = parts[~parts["quote"].str.startswith(ADDITIONAL)]
        if parts.empty:
            continue
        scale = t.value_base / t.value if t.value else 1
        half_w = _last_digit_unit(t.value, t.number_text)
        low, high = (b * scale for b in _bounds(t.value, t.qualifier, half_w))
        half = half_w * scale
        slack = half * len(parts)  # each part was rounded too
        computed = float(parts["value_base"].sum())
        ok = low - slack <= computed < high + slack
        rows.append(dict(
            check="parts_vs_total", plan_id=t.plan_id, period=t.period, region_id=TOTAL_REGION,
            metric_id=t.metric_id, stated=t.value_base, stated_text=t.number_text, computed=computed,
            low=low - slack, high=high + slack, status="pass" if ok else "fail",
            detail=f"{len(parts)}个地区之和 {computed:,.6g} 对比 合计 {t.number_text}",
            figure_ids=",".join([t.figure_id, *parts["figure_id"]]),
        ))
    return pd.DataFrame(rows, columns=COLUMNS)


def stated_ratios(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    ratios = con.execute("""
        SELECT figure_id, plan_id, period, ref_period, region_id, value, qualifier, number_text
        FROM figures WHERE metric_id = 'ratio_to_earlier' AND ref_period IS NOT NULL""").df()
    rows = []
    for r in ratios.itertuples():
        def total(period):
            got = con.execute("""
                SELECT value_base, figure_id FROM figures
                WHERE source_kind = 'plan' AND metric_id = 'aid_funding' AND region_id = ? AND period = ?
                ORDER BY plan_id LIMIT 1""", [r.region_id, period]).fetchone()
            return got if got else (None, None)
        now, now_id = total(r.period)
        then, then_id = total(r.ref_period)
        if now is None or then is None or then == 0:
            rows.append(dict(check="stated_ratio", plan_id=r.plan_id, period=r.period, region_id=r.region_id,
                             metric_id="aid_funding", stated=r.value, stated_text=r.number_text, computed=None,
                             low=None, high=None, status="n/a",
                             detail=f"缺少 {r.period} 或 {r.ref_period} 的资金合计", figure_ids=r.figure_id))
            continue
        computed = now / then
        low, high = _bounds(r.value, r.qualifier, 0.5)
        if isinstance(r.qualifier, str) and any(a in r.qualifier for a in AT_LEAST):
            high = r.value + 1
        ok = low <= computed < high
        rows.append(dict(
            check="stated_ratio", plan_id=r.plan_id, period=r.period, region_id=r.region_id,
            metric_id="aid_funding", stated=r.value, stated_text=r.number_text, computed=round(computed, 4),
            low=low, high=high, status="pass" if ok else "fail",
            detail=f"{r.period}资金 ÷ {r.ref_period}资金 = {computed:.2f}倍, 文中称“{r.number_text}”",
            figure_ids=",".join([r.figure_id, now_id, then_id]),
        ))
    return pd.DataFrame(rows, columns=COLUMNS)


def cross_plan_agreement(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The same period, region and metric stated by two plans must agree (e.g. 十一五末 member cities)."""
    df = con.execute("""
        SELECT period, region_id, metric_id,
               list(DISTINCT plan_id ORDER BY plan_id) AS plans, min(value_base) AS lo, max(value_base) AS hi,
               string_agg(figure_id, ',' ORDER BY figure_id) AS ids, string_agg(number_text, ' / ') AS texts
        FROM figures WHERE source_kind = 'plan'
        GROUP BY period, region_id, metric_id HAVING count(DISTINCT plan_id) > 1""").df()
    rows = [dict(check="cross_plan", plan_id=",".join(r.plans), period=r.period, region_id=r.region_id,
                 metric_id=r.metric_id, stated=r.lo, stated_text=r.texts, computed=r.hi, low=r.lo, high=r.hi,
                 status="pass" if r.lo == r.hi else "fail",
                 detail=f"{len(r.plans)}份规划对同一数字的表述: {r.texts}", figure_ids=r.ids)
            for r in df.itertuples()]
    return pd.DataFrame(rows, columns=COLUMNS)


def consistency_checks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every check, one row each, with pass / fail / n/a and the numbers behind it."""
    frames = [f for f in (parts_against_totals(con), stated_ratios(con), cross_plan_agreement(con)) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
