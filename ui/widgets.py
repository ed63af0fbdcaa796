"""Small shared page pieces: empty states pointing at the upload page, value labels, tables with readable columns."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from ui.i18n import lang, t

UPLOAD_PAGE = Path(__file__).resolve().parent.parent / "pages" / "upload.py"


def upload_available() -> bool:
    return UPLOAD_PAGE.exists()


def empty_state(message: str, key: str | None = None) -> None:
    """Says what is missing and what to do; links the upload page when it is installed."""
    st.info(message, icon="ℹ️")
    if upload_available():
        try:
            st.page_link("pages/upload.py", label=t("go_upload"), icon=":material/upload_file:")
        except Exception:  # page not registered in this navigation (e.g. a page run on its own)
            pass


def label(row, base: str) -> str:
    return row[f"{base}_{lang()}"]


def value_text(row, value_col: str = "value_base") -> str:
    return fmt.with_unit(row[value_col], row.get("qualifier"), row.get("display_unit_zh"),
                         row.get("display_unit_en"), row.get("decimals"), lang())


def figures_table(df: pd.DataFrame, key: str | None = None, with_region: bool = True) -> None:
    """Figures as a readable table: period, region, metric, value with unit and qualifier, source, quote."""
    if df.empty:
        return
    out = pd.DataFrame({
        t("period"): [label(r, "period") for _, r in df.iterrows()],
        **({t("region"): [label(r, "region") for _, r in df.iterrows()]} if with_region else {}),
        t("metric"): [label(r, "metric") for _, r in df.iterrows()],
        t("value"): [value_text(r) for _, r in df.iterrows()],
        t("source"): df["source"] if "source" in df else df.get("plan_id"),
        t("quote"): df["quote"],
    })
    st.dataframe(out, hide_index=True, key=key, width="stretch")
