"""数据与来源: current figures filtered and paged in SQL, downloads built on click, a figure in its plan text, checks."""
from __future__ import annotations

import html
import math

import pandas as pd
import streamlit as st

from common.pages import param_prefix
from common.safe_csv import to_csv_bytes, to_xlsx_bytes
from metrics import formatting as fmt
from metrics import queries
from ui import access, data, frame, state, views_panel
from ui.data import connection
from ui.i18n import STRINGS, lang, t
from ui.theme import presenting
from ui.widgets import blank, empty_state, source_name, table

PAGE = param_prefix("sources")  # prefix of this page's filters in the URL and session state
PAGE_SIZE = 50
PRESENT_ROWS = 11  # a slide's table: what fits under the title at 1280x720
EXCEL_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one of them the header
CHECKS_AUTO_MAX = 50_000  # above this many figures the checks run only when their section is opened
CHECKS_SHOWN = 500
TABLE_COLUMNS = {"figure_id": "figure_id", "period": "period", "region": "region", "metric": "metric",
                 "display": "value", "number_text": "number_text", "source": "source", "section": "section",
                 "quote": "quote", "review": "review_status"}
CHECK_COLUMNS = {"check_name": "check", "status_name": "status", "plan_name": "plan", "period": "period",
                 "region": "region", "metric": "metric", "stated_text": "stated", "computed_text": "computed",
                 "detail": "detail", "figure_ids": "figure_ids"}


def _export(filters: dict, excel: bool) -> bytes:
    """Every figure for the filters, built only when a download button is clicked (and not kept in the cache:
    it can be a million rows)."""
    con = connection()
    try:
        df = queries.figure_search(con, **filters)
    finally:
        con.close()
    return to_xlsx_bytes({"figures": df}) if excel else to_csv_bytes(df)


def _downloads(filters: dict, n: int) -> None:
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv"), lambda: _export(filters, False), "figures.csv", "text/csv",
                       key="sources_csv", icon=":material/download:")
    too_big = n > EXCEL_MAX_ROWS
    d2.download_button(t("download_xlsx"), lambda: _export(filters, True), "figures.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sources_xlsx",
                       icon=":material/download:", disabled=too_big)
    if too_big:
        st.warning(t("xlsx_too_big", n=f"{n:,}"))
    else:
        st.caption(t("download_note", n=f"{n:,}"))


def _context(figure_id: str) -> None:
    ctx = data.figure_context(figure_id=figure_id)
    if not ctx:
        st.caption(t("figure_not_found", i=access.md(figure_id)))  # typed by the visitor: text
        return
    e = html.escape
    # an uploaded file's name and the section are text from outside: shown as text
    source = source_name(ctx.get("plan_id")) or blank(ctx.get("upload_file"))
    st.caption(f"{t('source')}: {access.md(source)} · {access.md(blank(ctx.get('section')))}")
    st.html(f'<div class="aid-context">…{e(ctx["before"])}<span class="aid-quote">{e(ctx["quote_before"])}'
            f'<mark class="aid-span">{e(ctx["span"])}</mark>{e(ctx["quote_after"])}</span>{e(ctx["after"])}…</div>')
    if isinstance(ctx.get("reviewer"), str) and ctx["reviewer"]:  # who confirmed or corrected it, and when
        when = pd.Timestamp(ctx["reviewed_at"]).strftime("%Y-%m-%d %H:%M")
        st.caption(t("review_decided", s=t(f"review_status_{ctx['review_status']}"), who=access.md(ctx["reviewer"]), when=when)
                   + (f" · {t('review_extracted')}: {access.md(ctx['extracted_number_text'])}"
                      if ctx["review_status"] == "corrected" else ""))


def _checks(total: int, rnames: dict, mnames: dict, units: dict) -> None:
    box = st.expander(t("checks"), expanded=total <= CHECKS_AUTO_MAX, key="sources_checks_open", on_change="rerun")
    with box:
        if not box.open:
            return
        if total > CHECKS_AUTO_MAX:
            st.caption(t("checks_lazy", n=f"{total:,}"))
        checks = data.consistency_checks()
        counts = checks["status"].value_counts() if len(checks) else pd.Series(dtype=int)
        st.markdown(t("checks_summary", p=int(counts.get("pass", 0)), f=int(counts.get("fail", 0)),
                      n=int(counts.get("n/a", 0))))
        if not len(checks):
            return
        shown = checks.assign(_order=checks["status"].map({"fail": 0, "n/a": 1}).fillna(2)) \
            .sort_values("_order", kind="stable").head(CHECKS_SHOWN)
        if len(checks) > CHECKS_SHOWN:
            st.caption(t("checks_shown", k=CHECKS_SHOWN, n=f"{len(checks):,}"))
        pnames = dict(zip(data.periods()["period"], data.periods()[f"label_{lang()}"]))
        shown = shown.assign(
            period=[pnames.get(p, blank(p)) for p in shown["period"]],
            check_name=[t(f"check_{c}") if f"check_{c}" in STRINGS else c for c in shown["check"]],
            status_name=[t(f"status_{s}") if f"status_{s}" in STRINGS else s for s in shown["status"]],
            region=[rnames.get(r, r) for r in shown["region_id"]],
            plan_name=[t("list_sep").join(source_name(p) for p in blank(ids).split(",") if p)
                       for ids in shown["plan_id"]],
            metric=[mnames.get(m, m) for m in shown["metric_id"]],
            computed_text=[_computed(r, units) for r in shown.itertuples()])
        table(shown, CHECK_COLUMNS, key="sources_checks")


def _computed(r, units: dict) -> str:
    """A check's computed side in the same words as the stated side: a ratio, or a value in display units."""
    if r.computed is None or r.computed != r.computed:
        return ""
    if r.check == "stated_ratio":
        return fmt.ratio(r.computed, lang())
    zh, en, dec = units.get(r.metric_id, (None, None, 2))
    return fmt.with_unit(r.computed, None, zh, en, dec, lang())


def render() -> None:
    views_panel.render("sources")
    st.title(t("nav_sources"))
    mets, per, regs = data.metrics(), data.periods(), data.regions()
    defaults = {"search": "", "metrics": [], "periods": [], "regions": [], "page": 1, "figure": ""}
    state.page_state(PAGE, defaults, {"metrics": list(mets["metric_id"]), "periods": list(per["period"]),
                                      "regions": list(regs["region_id"])})
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    pnames = dict(zip(per["period"], per[f"label_{lang()}"]))
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    if state.show_filters():
        st.text_input(t("search"), key=f"{PAGE}_search")
        c1, c2, c3 = st.columns(3)
        c1.multiselect(t("metric"), list(mets["metric_id"]), key=f"{PAGE}_metrics",
                       format_func=lambda m: mnames.get(m, m), placeholder=t("choose_all"))
        c2.multiselect(t("periods"), list(per["period"]), key=f"{PAGE}_periods",
                       format_func=lambda p: pnames.get(p, p), placeholder=t("choose_all"))
        c3.multiselect(t("regions"), list(regs["region_id"]), key=f"{PAGE}_regions",
                       format_func=lambda r: rnames.get(r, r), placeholder=t("choose_all"))
    s = state.current(PAGE, defaults)
    filters = dict(search=s["search"] or None, metrics=s["metrics"] or None, periods=s["periods"] or None,
                   regions=s["regions"] or None)
    # a changed filter starts again at page 1 and the first figure of that page
    signature = state.as_json(filters)
    if st.session_state.get("_sources_filters") not in (None, signature):
        st.session_state[f"{PAGE}_page"] = 1
        st.session_state[f"{PAGE}_figure"] = ""
    st.session_state["_sources_filters"] = signature

    n = data.figure_count(**filters)
    if not presenting():
        st.subheader(t("figures_table"))
        st.markdown(t("n_figures", n=n))
    if n == 0:
        empty_state(t("no_data"))
    else:
        pages = max(1, math.ceil(n / PAGE_SIZE))
        if not 1 <= int(st.session_state.get(f"{PAGE}_page") or 1) <= pages:
            st.session_state[f"{PAGE}_page"] = 1
        if state.show_filters() and pages > 1:
            st.number_input(t("page_no"), min_value=1, max_value=pages, step=1, key=f"{PAGE}_page")
        page_no = int(st.session_state.get(f"{PAGE}_page") or 1)
        df = data.figure_search(**filters, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        df["display"] = [fmt.with_unit(r.value_base, r.qualifier, r.display_unit_zh, r.display_unit_en, r.decimals,
                                       lang()) for r in df.itertuples()]
        df["region"] = df[f"region_{lang()}"]
        df["metric"] = df[f"metric_{lang()}"]
        df["period"] = [pnames.get(p, p) for p in df["period"]]
        df["source"] = [source_name(p if blank(p) else f) for p, f in zip(df["plan_id"], df["upload_file"])]
        df["number_text"] = [blank(v) for v in df["number_text"]]
        df["quote"] = [blank(v) for v in df["quote"]]
        df["section"] = [blank(v) for v in df["section"]]
        df["review"] = [t(f"review_status_{x}") if x != "reviewed" else "" for x in df["review_status"]]
        if presenting():  # the slide: the first figures of the view, one screen tall
            shown = {k: v for k, v in TABLE_COLUMNS.items() if k != "figure_id"}  # ids are for look-ups, not slides
            table(df.head(PRESENT_ROWS), shown, key="sources_table", height=PRESENT_ROWS * 35 + 40)
            st.caption(t("page_of", p=page_no, n=f"{pages:,}", k=PAGE_SIZE, total=f"{n:,}") + " · " + t("source_plans"))
            return
        table(df, TABLE_COLUMNS, key="sources_table")
        st.caption(t("page_of", p=page_no, n=f"{pages:,}", k=PAGE_SIZE, total=f"{n:,}"))
        if state.show_filters():
            _downloads(filters, n)

        ids = list(df["figure_id"])
        labels = {r.figure_id: f"{r.number_text or r.value} · {r.region} · {r.metric} · {r.period}"
                  for r in df.itertuples()}
        chosen = st.session_state.get(f"{PAGE}_figure") or ""
        if state.show_filters():
            c1, c2 = st.columns([3, 1])
            # the picker offers this page's figures; any other figure is reached by its ID
            pick = c1.selectbox(t("pick_figure_page", k=len(ids)), ids, format_func=lambda i: labels.get(i, i),
                                index=ids.index(chosen) if chosen in ids else 0, key="sources_pick")
            typed = c2.text_input(t("figure_id_input"), value=chosen if chosen and chosen not in ids else "",
                                  key="sources_figure_id").strip()
            chosen = typed or pick
            st.session_state[f"{PAGE}_figure"] = "" if chosen == ids[0] else chosen
        _context(chosen or ids[0])
    state.sync(PAGE, defaults)

    total = data.figure_count() if any(filters.values()) else n  # n already counts every figure
    units = {r.metric_id: (r.display_unit_zh, r.display_unit_en, r.decimals) for r in mets.itertuples()}
    _checks(total, rnames, mnames, units)
    st.caption(t("source_plans"))


frame.show(render)
