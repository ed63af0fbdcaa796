"""Exports: every current figure (plans and uploads) as one table with its provenance, for CSV and Excel."""
from __future__ import annotations

import pandas as pd

CSV_COLUMNS = ["plan", "period", "region", "metric", "value", "unit", "qualifier", "value_base", "base_unit",
               "number_text", "section", "quote", "quote_start", "quote_end", "span_start", "span_end",
               "region_zh", "metric_zh", "source_kind", "batch_id", "sheet", "row_number", "figure_id",
               "review_status", "reviewer", "reviewed_at", "extracted_number_text"]


def figures_frame(con) -> pd.DataFrame:
    df = con.execute("SELECT * FROM v_figures ORDER BY source_kind, plan_id, span_start, batch_id, row_number").df()
    df = df.rename(columns={"plan_id": "plan", "region_id": "region", "metric_id": "metric"})
    return df.reindex(columns=CSV_COLUMNS)
