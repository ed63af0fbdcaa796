"""Small shared page pieces: empty states pointing at the upload page, value labels, tables with readable columns."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from ui.i18n import lang, t
from ui.theme import presenting

UPLOAD_PAGE = Path(__file__).resolve().parent.parent / "pages" / "upload.py"


def upload_available() -> bool:
    return UPLOAD_PAGE.exists()


def empty_state(message: str, key: str | None = None) -> None:
    """Says what is missing and what to do; links the upload page when it is installed.

    In presentation mode it is one quiet line: the audience needs to know a period is missing, the
    presenter does not upload mid-meeting, and the chart must still fit a 1280x720 screen.
    """
    if presenting():
        st.caption(message.split("。")[0] + "。")
        return
    st.info(message, icon="ℹ️")
    if upload_available():
        try:
            st.page_link("pages/upload.py", label=t("go_upload"), icon=":material/upload_file:")
        except Exception:  # page not registered in this navigation (e.g. a page run on its own)
            pass


def label(row, base: str) -> str:
    return row[f"{base}_{lang()}"]


def coverage_text(row) -> str:
    """'仅含2021–2022年，5年中的2年' for a period value that does not cover all its years, else ''."""
    return fmt.coverage(row.get("years_covered"), row.get("n_years_covered"), row.get("years_in_period"), lang())


def coverage_note(df: pd.DataFrame) -> None:
    """Under a period chart: which of its values do not cover their whole period, and which years they do."""
    if df.empty or "complete" not in df.columns:
        return
    partial = df[~df["complete"].astype(bool)]
    if partial.empty:
        return
    sep = "；" if lang() == "zh" else "; "
    cells = sep.join(f"{r[f'period_{lang()}']} {r[f'region_{lang()}']} {value_text(r)}: {coverage_text(r)}"
                     for r in partial.to_dict("records"))
    st.caption(t("partial_cells", cells=cells))


def value_text(row, value_col: str = "value_base") -> str:
    return fmt.with_unit(row[value_col], row.get("qualifier"), row.get("display_unit_zh"),
                         row.get("display_unit_en"), row.get("decimals"), lang())


def table(df: pd.DataFrame, columns: dict[str, str], key: str | None = None, **config) -> None:
    """A dataframe showing only `columns` ({column: i18n key}) under their display names, blanks for missing
    values; config adds or overrides st.column_config entries (e.g. a date format)."""
    cc = {c: st.column_config.Column(t(k)) for c, k in columns.items()}
    cc.update(config)
    st.dataframe(df, hide_index=True, key=key, width="stretch", column_order=list(columns), column_config=cc,
                 placeholder="")


def figures_table(df: pd.DataFrame, key: str | None = None, with_region: bool = True) -> None:
    """Figures as a readable table: period, region, metric, value with unit and qualifier, source, quote."""
    if df.empty:
        return
    rows = df.to_dict("records")  # callers pass capped frames; records are cheaper than iterrows
    out = pd.DataFrame({
        t("period"): [label(r, "period") for r in rows],
        **({t("region"): [label(r, "region") for r in rows]} if with_region else {}),
        t("metric"): [label(r, "metric") for r in rows],
        t("value"): [value_text(r) for r in rows],
        t("source"): df["source"] if "source" in df else df.get("plan_id"),
        t("quote"): df["quote"],
    })
    st.dataframe(out, hide_index=True, key=key, width="stretch", placeholder="")
