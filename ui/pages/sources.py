"""数据与来源: every current figure, filterable and downloadable, a figure shown inside its plan text, and checks."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from loaders.safe_csv import to_csv_bytes, to_xlsx_bytes
from metrics import formatting as fmt
from ui import state, views_panel
from ui.data import q
from ui.i18n import lang, t
from ui.widgets import empty_state

PAGE = "sources"


def render() -> None:
    views_panel.render("sources")
    st.title(t("nav_sources"))
    mets, per, regs = q("metrics"), q("periods"), q("regions")
    defaults = {"search": "", "metrics": [], "periods": [], "regions": [], "figure": ""}
    state.page_state(PAGE, defaults, {"metrics": list(mets["metric_id"]), "periods": list(per["period"]),
                                      "regions": list(regs["region_id"])})
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    pnames = dict(zip(per["period"], per[f"label_{lang()}"]))
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    if state.show_filters():
        st.text_input(t("search"), key=f"{PAGE}_search")
        c1, c2, c3 = st.columns(3)
        c1.multiselect(t("metric"), list(mets["metric_id"]), key=f"{PAGE}_metrics",
                       format_func=lambda m: mnames.get(m, m))
        c2.multiselect(t("periods"), list(per["period"]), key=f"{PAGE}_periods",
                       format_func=lambda p: pnames.get(p, p))
        c3.multiselect(t("regions"), list(regs["region_id"]), key=f"{PAGE}_regions",
                       format_func=lambda r: rnames.get(r, r))
    s = state.current(PAGE, defaults)

    st.subheader(t("figures_table"))
    df = q("figure_search", search=s["search"] or None, metrics=s["metrics"] or None,
           periods=s["periods"] or None, regions=s["regions"] or None)
    st.markdown(t("n_figures", n=len(df)))
    if df.empty:
        empty_state(t("no_data"))
    else:
        df["display"] = [fmt.with_unit(r.value_base, r.qualifier, r.display_unit_zh, r.display_unit_en, r.decimals,
                                       lang()) for r in df.itertuples()]
        show = df[["figure_id", "period", f"region_{lang()}", f"metric_{lang()}", "display", "number_text",
                   "source_kind", "plan_id", "upload_file", "section", "quote"]]
        st.dataframe(show, hide_index=True, key="sources_table", width="stretch")
        export = df.drop(columns=["display"])
        d1, d2 = st.columns(2)
        d1.download_button(t("download_csv"), to_csv_bytes(export), "figures.csv", "text/csv", key="sources_csv")
        d2.download_button(t("download_xlsx"), to_xlsx_bytes({"figures": export}), "figures.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sources_xlsx")

        ids = list(df["figure_id"])
        labels = {r.figure_id: f"{r.number_text or r.value} · {getattr(r, 'region_' + lang())} · "
                               f"{getattr(r, 'metric_' + lang())} · {r.period}" for r in df.itertuples()}
        if st.session_state.get(f"{PAGE}_figure") not in ids:
            st.session_state[f"{PAGE}_figure"] = ids[0]
        if state.show_filters():
            st.selectbox(t("pick_figure"), ids, key=f"{PAGE}_figure", format_func=lambda i: labels.get(i, i))
        ctx = q("figure_context", figure_id=st.session_state[f"{PAGE}_figure"])
        if ctx:
            e = html.escape
            st.caption(f"{t('source')}: {ctx.get('title') or ctx.get('upload_file') or ''} · {ctx.get('section') or ''}")
            st.html(f'<div class="aid-context">…{e(ctx["before"])}<span class="aid-quote">{e(ctx["quote_before"])}'
                    f'<mark class="aid-span">{e(ctx["span"])}</mark>{e(ctx["quote_after"])}</span>{e(ctx["after"])}…</div>')
    state.sync(PAGE, defaults)

    st.subheader(t("checks"))
    checks = q("consistency_checks")
    counts = checks["status"].value_counts() if len(checks) else pd.Series(dtype=int)
    st.markdown(t("checks_summary", p=int(counts.get("pass", 0)), f=int(counts.get("fail", 0)),
                  n=int(counts.get("n/a", 0))))
    if len(checks):
        st.dataframe(checks, hide_index=True, key="sources_checks", width="stretch")
    st.caption(t("source_plans"))
