"""Review-queue queries: plan figures awaiting or carrying a staff decision, per-plan counts (v_figures_all)."""
from __future__ import annotations

import duckdb
import pandas as pd

from store import cells as cell_tables

STATUSES = ("extracted", "confirmed", "corrected", "rejected")
# figures the queue shows: those of plans marked for review, and any figure someone decided on
_IN_QUEUE = "(f.plan_id IN (SELECT plan_id FROM plans WHERE review = 'pending') OR f.review_status IN " \
            "('confirmed', 'corrected', 'rejected'))"


def review_plans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Plans in the queue with how many of their figures are in each status, pending plans first."""
    return con.execute(f"""
        SELECT f.plan_id, min(p.title) AS title, min(p.review) AS review,
               count(*) FILTER (WHERE review_status = 'extracted') AS extracted,
               count(*) FILTER (WHERE review_status = 'confirmed') AS confirmed,
               count(*) FILTER (WHERE review_status = 'corrected') AS corrected,
               count(*) FILTER (WHERE review_status = 'rejected') AS rejected,
               count(*) AS figures
        FROM v_figures_all f JOIN plans p USING (plan_id)
        WHERE f.source_kind = 'plan' AND {_IN_QUEUE}
        GROUP BY f.plan_id ORDER BY coalesce(min(p.review), '') = 'pending' DESC, f.plan_id""").df()


def review_queue(con: duckdb.DuckDBPyConnection, plan_id: str | None = None,
                 statuses: list[str] | None = None, limit: int | None = None) -> pd.DataFrame:
    """Queue figures in text order, with labels, the sentence and where the number sits in it, and the decision
    (reviewer, time, note) if any; the extracted values beside the current ones."""
    params: list = []
    where = ""
    if plan_id:
        where += " AND f.plan_id = ?"
        params.append(plan_id)
    if statuses:
        where += f" AND f.review_status IN ({', '.join('?' for _ in statuses)})"
        params.extend(statuses)
    cap = ""
    if limit is not None:
        cap = " LIMIT ?"
        params.append(int(limit))
    return con.execute(f"""
        SELECT f.figure_id, f.plan_id, f.span_start, f.span_end, f.quote_start, f.quote_end, f.quote, f.section,
               f.review_status, f.reviewer, f.reviewed_at, f.review_note,
               f.period, f.region_id, f.metric_id, f.value, f.unit, f.qualifier, f.value_base, f.number_text,
               f.region_zh, f.region_en, f.metric_zh, f.metric_en, f.period_zh, f.period_en,
               m.display_unit_zh, m.display_unit_en, m.decimals,
               f.extracted_period, f.extracted_region_id, f.extracted_metric_id, f.extracted_value,
               f.extracted_unit, f.extracted_number_text, count(*) OVER () AS n_total
        FROM v_figures_all f LEFT JOIN metrics m USING (metric_id)
        WHERE f.source_kind = 'plan' AND {_IN_QUEUE} {where}
        ORDER BY f.plan_id, f.span_start{cap}""", params).df()


def unreviewed_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many current figures nobody has reviewed yet (whatever the reader's hide switch says). Every page asks
    (the frame's review badge): from the aggregated cells when they are current (every current figure that is not
    rejected counts in exactly one cell of scope 'all'), else counted over the figures."""
    if cell_tables.current(con):
        return int(con.execute("SELECT COALESCE(SUM(n_unreviewed), 0) FROM cells WHERE scope = 'all'").fetchone()[0])
    return unreviewed_count_live(con)


def unreviewed_count_live(con: duckdb.DuckDBPyConnection) -> int:
    """unreviewed_count counted over every figure (the reference, and the reader of a file without current cells)."""
    return int(con.execute("SELECT count(*) FROM v_figures_all WHERE review_status = 'extracted'").fetchone()[0])


def orphan_decisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Latest decisions whose span no longer holds a figure (the text or the extraction changed since): they
    apply to nothing until the figure is back at that span, so the page and the command line list them."""
    return con.execute("""
        SELECT plan_id, span_start, span_end, decision, reviewer, decided_at, number_text, note, text_now FROM (
            SELECT r.plan_id, r.span_start, r.span_end, r.decision, r.reviewer, r.decided_at, r.number_text, r.note,
                   substr(p.text, r.span_start + 1, r.span_end - r.span_start) AS text_now,
                   row_number() OVER (PARTITION BY r.plan_id, r.span_start, r.span_end
                                      ORDER BY r.decided_at DESC, r.review_id DESC) AS decision_rank
            FROM figure_reviews r LEFT JOIN plans p USING (plan_id)
            WHERE NOT EXISTS (SELECT 1 FROM figures f WHERE f.source_kind = 'plan' AND f.plan_id = r.plan_id
                              AND f.span_start = r.span_start AND f.span_end = r.span_end)) latest
        WHERE decision_rank = 1
        ORDER BY plan_id, span_start""").df()


def split_quote(row: dict | pd.Series) -> tuple[str, str, str]:
    """The sentence cut around the number: (before, number, after), from the stored quote and offsets."""
    quote = row["quote"] if isinstance(row["quote"], str) else ""
    try:
        s = int(row["span_start"]) - int(row["quote_start"])
        e = int(row["span_end"]) - int(row["quote_start"])
    except (TypeError, ValueError):
        return quote, "", ""
    if not 0 <= s <= e <= len(quote):
        return quote, "", ""
    return quote[:s], quote[s:e], quote[e:]
