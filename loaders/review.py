"""Review decisions on extracted plan figures: confirm, correct or reject, stored as overrides tied to plan and span.

A decision is a row of figure_reviews keyed by (plan_id, span_start, span_end), the figure's identity across
rebuilds; the table is carried over by every rebuild and v_figures applies the latest decision per span (store/db.py),
so a decision shows at once and survives `build`. Rows are only ever added: the table is the audit trail of who
decided what and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from common import dictionaries as d
from common.messages import CodedError
from common.numbers import UNITS, NumberError, parse_quantity
from store import cells, db

CONFIRMED, CORRECTED, REJECTED = "confirmed", "corrected", "rejected"
DECISIONS = (CONFIRMED, CORRECTED, REJECTED)


@dataclass(frozen=True)
class Correction:
    """Corrected values; None keeps what was extracted. value is text as staff write it: 12.5亿元, 约300人次, 42."""
    region_id: str | None = None
    period: str | None = None
    metric_id: str | None = None
    value: str | None = None
    note: str | None = None

    def is_empty(self) -> bool:
        return not any((self.region_id, self.period, self.metric_id, self.value))


def figure_key(con: duckdb.DuckDBPyConnection, figure_id: str) -> tuple[str, int, int]:
    """(plan_id, span_start, span_end) of a plan figure by its id (plan:offset); raises CodedError."""
    row = con.execute("""SELECT plan_id, span_start, span_end FROM figures
                         WHERE figure_id = ? AND source_kind = 'plan'""", [figure_id]).fetchone()
    if row is None:
        raise CodedError("review_no_figure", i=figure_id)
    return row[0], int(row[1]), int(row[2])


def _figure(con, plan_id: str, span_start: int, span_end: int) -> dict:
    df = con.execute("""SELECT f.figure_id, f.unit, f.base_unit, f.metric_id, f.region_id, f.period
                        FROM figures f WHERE f.source_kind = 'plan' AND f.plan_id = ? AND f.span_start = ?
                        AND f.span_end = ?""", [plan_id, int(span_start), int(span_end)]).df()
    if df.empty:
        raise CodedError("review_no_figure", i=f"{plan_id}:{span_start}-{span_end}")
    return df.iloc[0].to_dict()


def _corrected_values(con, fig: dict, c: Correction) -> dict:
    """Checks each corrected field against the dictionaries and reads the value; raises CodedError."""
    out: dict = {}
    if c.region_id:
        if c.region_id not in set(d.regions()["region_id"]):
            raise CodedError("review_bad_region", r=c.region_id)
        out["region_id"] = c.region_id
    if c.period:
        try:
            out["period"] = d.period_info(c.period)["period"]
        except ValueError:
            raise CodedError("review_bad_period", p=c.period) from None
    metrics = d.metrics().set_index("metric_id")
    metric_id = c.metric_id or fig["metric_id"]
    if c.metric_id:
        if c.metric_id not in metrics.index:
            raise CodedError("review_bad_metric", m=c.metric_id)
        out["metric_id"] = c.metric_id
    family = metrics.loc[metric_id, "unit_family"] if metric_id in metrics.index else None
    if c.value:
        try:
            q = parse_quantity(c.value, default_unit=fig["unit"])
        except NumberError:
            raise CodedError("review_bad_value", v=c.value) from None
        if family and q.family != family:
            raise CodedError("review_unit_mismatch", v=c.value, m=metric_id)
        out.update(value=q.value, unit=q.unit, qualifier=q.qualifier, value_base=q.value_base,
                   base_unit=q.base_unit, number_text=c.value.strip())
    elif c.metric_id and family and UNITS.get(fig["base_unit"]) != family:
        # a new metric measured in another unit needs the value in that unit too
        raise CodedError("review_unit_mismatch", v=fig["unit"], m=metric_id)
    return out


def _ensure_period(con, period: str) -> None:
    """A corrected period the periods table does not list yet gets its row (labels, years), as a build would."""
    if con.execute("SELECT 1 FROM periods WHERE period = ?", [period]).fetchone() is None:
        frame = d.periods_frame([period])
        row = frame[frame["period"] == period]
        db.insert_frame(con, "periods", row[[c for c in db.columns(con, "periods") if c in row.columns]])


def decide(plan_id: str, span_start: int, span_end: int, decision: str, reviewer: str,
           correction: Correction | None = None, note: str | None = None,
           path: str | Path | None = None) -> int:
    """Records one decision (through the copy-on-write write path) and returns its review_id; raises CodedError
    for an unknown figure, a missing reviewer name, an empty or invalid correction."""
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise CodedError("review_need_name")
    if decision not in DECISIONS:
        raise CodedError("review_bad_decision", d=decision)
    correction = correction or Correction()
    if decision == CORRECTED and correction.is_empty():
        raise CodedError("review_nothing_corrected")
    with db.write_transaction(path) as con:
        fig = _figure(con, plan_id, span_start, span_end)
        values = _corrected_values(con, fig, correction) if decision == CORRECTED else {}
        if "period" in values:
            _ensure_period(con, values["period"])
        review_id = int(con.execute("SELECT coalesce(max(review_id), 0) + 1 FROM figure_reviews").fetchone()[0])
        row = dict(review_id=review_id, plan_id=plan_id, span_start=int(span_start), span_end=int(span_end),
                   decision=decision, reviewer=reviewer, decided_at=datetime.now(),
                   note=(note or correction.note or "").strip() or None, **values)
        cols = list(row)
        con.execute(f"INSERT INTO figure_reviews ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [row[c] for c in cols])
        cells.refresh_figures(con, [fig["figure_id"]])  # the cells it counted in before and counts in now
    return review_id


def decide_figure(figure_id: str, decision: str, reviewer: str, correction: Correction | None = None,
                  note: str | None = None, path: str | Path | None = None) -> int:
    """decide() for a figure named by its id (plan:offset), as the page and the command line know it."""
    con = db.open_read(path)
    try:
        plan_id, start, end = figure_key(con, figure_id)
    finally:
        con.close()
    return decide(plan_id, start, end, decision, reviewer, correction, note, path)


def history(con: duckdb.DuckDBPyConnection, plan_id: str | None = None) -> pd.DataFrame:
    """Every decision, newest first (the audit trail)."""
    where, params = ("WHERE plan_id = ?", [plan_id]) if plan_id else ("", [])
    return con.execute(f"""SELECT review_id, plan_id || ':' || span_start AS figure_id, plan_id, span_start,
                                  span_end, decision, region_id, period, metric_id, number_text, reviewer,
                                  decided_at, note
                           FROM figure_reviews {where} ORDER BY decided_at DESC, review_id DESC""", params).df()
