"""Small shared page pieces: empty states pointing at the upload page, value labels, tables with readable columns."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import streamlit as st

from metrics import formatting as fmt
from ui import data
from ui.i18n import lang, t
from ui.theme import presenting

UPLOAD_PAGE = Path(__file__).resolve().parent.parent / "pages" / "upload.py"


def upload_available() -> bool:
    return UPLOAD_PAGE.exists()


def first_sentence(message: str) -> str:
    """The first sentence of a Chinese (ends in 。！？) or English (ends in . ! ? before a space) message."""
    return re.split(r"(?<=[。！？])|(?<=[.!?])\s+", message.strip(), maxsplit=1)[0]


def empty_state(message: str, key: str | None = None) -> None:
    """Says what is missing and what to do; links the upload page when it is installed.

    In presentation mode it is one quiet line: the audience needs to know a period is missing, the
    presenter does not upload mid-meeting, and the chart must still fit a 1280x720 screen.
    """
    if presenting():
        st.caption(first_sentence(message))
        return
    st.info(message, icon="ℹ️")
    if upload_available():
        try:
            st.page_link("pages/upload.py", label=t("go_upload"), icon=":material/upload_file:")
        except Exception:  # page not registered in this navigation (e.g. a page run on its own)
            pass


def blank(value) -> str:
    """A cell's text, or '' for a missing value: never "nan" or "None" on a page."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def source_name(source, titles: dict | None = None, language: str | None = None) -> str:
    """A plan id as the plan's title in the user's language; an uploaded file's name as it is. titles
    (plan_titles()) and language: looked up once by a caller naming many sources."""
    text = blank(source)
    if not text:
        return ""
    hit = (plan_titles() if titles is None else titles).get(text)
    if hit is None:
        return text
    title = hit[1] if (language or lang()) == "en" else None
    return str(title if isinstance(title, str) and title else hit[0])


def plan_titles() -> dict[str, tuple]:
    """plan_id -> (title, title_en) of the current database snapshot."""
    return _plan_titles(*data.snapshot())


@st.cache_resource(max_entries=4, show_spinner=False)
def _plan_titles(path: str, token) -> dict[str, tuple]:
    """plan_id -> (title, title_en) per database snapshot: a dict look-up per source line and hover, not a filtered
    frame (the regions page names a source per figure)."""
    titles: dict[str, tuple] = {}
    for r in data.plan_titles().to_dict("records"):
        titles.setdefault(r["plan_id"], (r["title"], r["title_en"]))
    return titles


def period_names(language: str | None = None) -> dict[str, str]:
    per = data.periods()
    return dict(zip(per["period"], per[f"label_{language or lang()}"]))


def label(row, base: str, language: str | None = None, periods: dict | None = None) -> str:
    language = language or lang()
    value = row.get(f"{base}_{language}")
    if blank(value):
        return str(value)
    if base == "period":  # figure_search rows carry the period id only
        names = period_names(language) if periods is None else periods
        return names.get(row.get("period"), blank(row.get("period")))
    return blank(row.get(f"{base}_id"))


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


def table(df: pd.DataFrame, columns: dict[str, str], key: str | None = None, height="auto", **config) -> None:
    """A dataframe showing only `columns` ({column: i18n key}) under their display names, blanks for missing
    values; config adds or overrides st.column_config entries (e.g. a date format)."""
    cc = {c: st.column_config.Column(t(k)) for c, k in columns.items()}
    cc.update(config)
    st.dataframe(df, hide_index=True, key=key, width="stretch", column_order=list(columns), column_config=cc,
                 placeholder="", height=height)


def figures_table(df: pd.DataFrame, key: str | None = None, with_region: bool = True) -> None:
    """Figures as a readable table: period, region, metric, value with unit and qualifier, plan title, sentence."""
    if df.empty:
        return
    rows = df.to_dict("records")  # callers pass capped frames; records are cheaper than iterrows
    lg, titles = lang(), plan_titles()  # once per table, not once per cell
    periods = period_names(lg)
    out = pd.DataFrame({
        t("period"): [label(r, "period", lg, periods) for r in rows],
        **({t("region"): [label(r, "region", lg) for r in rows]} if with_region else {}),
        t("metric"): [label(r, "metric", lg) for r in rows],
        t("value"): [fmt.with_unit(r["value_base"], r.get("qualifier"), r.get("display_unit_zh"),
                                   r.get("display_unit_en"), r.get("decimals"), lg) for r in rows],
        t("source"): [source_name(next((v for v in (r.get("source"), r.get("plan_id"), r.get("upload_file"))
                                        if blank(v)), None), titles, lg) for r in rows],
        t("quote"): [blank(r.get("quote")) for r in rows],
    })
    st.dataframe(out, hide_index=True, key=key, width="stretch", placeholder="")


def paged(fetch, key: str, size: int, scope=None) -> pd.DataFrame:
    """One page of a table paged in SQL: fetch(limit, offset) returns the rows with the full count in column
    n_total; a page-number box (key) when there is more than one page, then the rows. The page goes back to the
    first when `scope` (what the table shows: region, filters) differs from the last run's, and when it is past
    the end."""
    scope_key = f"{key}__scope"
    if st.session_state.get(scope_key) != repr(scope):
        st.session_state[scope_key] = repr(scope)
        st.session_state[key] = 1
    page = int(st.session_state.get(key) or 1)
    df = fetch(size, (page - 1) * size)
    if df.empty and page > 1:
        page, df = 1, fetch(size, 0)
    total = int(df["n_total"].iloc[0]) if len(df) else 0
    pages = max(1, math.ceil(total / size))
    if not 1 <= page <= pages:
        page = 1
    st.session_state[key] = page
    if pages > 1 and not presenting():
        st.number_input(t("page_no"), min_value=1, max_value=pages, step=1, key=key)
    return df


def page_caption(df: pd.DataFrame, key: str, size: int) -> None:
    """Page p of n · k per page · total, under a table paged by paged()."""
    total = int(df["n_total"].iloc[0]) if len(df) else 0
    if total > len(df):
        page = int(st.session_state.get(key) or 1)
        st.caption(t("page_of", p=page, n=f"{max(1, math.ceil(total / size)):,}", k=size, total=f"{total:,}"))
