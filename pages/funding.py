"""资金与项目: aid funding / projects by period and region, across periods, shares, per project, per year, drill-down."""
from __future__ import annotations

import streamlit as st

from common.pages import page as catalogue_page
from common.pages import param_prefix
from metrics import formatting as fmt
from metrics import ranking
from ui import charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.theme import presenting
from ui.widgets import coverage_note, empty_state, figures_table

PAGE = param_prefix("funding")  # prefix of this page's filters in the URL and session state
SPEC = catalogue_page("funding")  # offered metrics and defaults: data/dictionaries/pages.csv
TABS = ("grouped", "year_view", "across", "shares", "per_project", "annualised")  # tab ids: message keys and ?funding_tab=
DRILL_ROWS = 200


def render() -> None:
    views_panel.render("funding")
    st.title(t("nav_funding"))
    if presenting():  # the slide already runs as a fragment (ui.frame)
        _body()
    else:  # a filter, view or drill-down change reruns this block only, not the frame and the saved-views panel
        st.fragment(_body)()


def _body() -> None:
    mets = data.metrics()
    mets = mets[mets["metric_id"].isin(SPEC.metrics)]
    per = data.five_year_periods()
    regs = data.regions()
    recipients = data.funding_by_period_region()  # all recipient cells, to offer only regions that have figures
    have = set(recipients["region_id"])  # once: a set per region was a scan of every cell per region
    region_opts = [r for r in regs["region_id"] if r in have]
    period_opts = list(per["period"])
    with_data = set(recipients["period"])  # five-year periods with a stated total or years of the default metric
    defaults = _defaults(period_opts, with_data)
    state.page_state(PAGE, defaults, {"metric": list(mets["metric_id"]), "periods": period_opts,
                                      "regions": region_opts, "tab": TABS})
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    pnames = dict(zip(per["period"], per[f"label_{lang()}"]))
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    if state.show_filters():
        c1, c2, c3 = st.columns([1, 2, 3])
        c1.selectbox(t("metric"), list(mets["metric_id"]), key=f"{PAGE}_metric",
                     format_func=lambda m: mnames.get(m, m))
        c2.multiselect(t("periods"), period_opts, key=f"{PAGE}_periods", format_func=lambda p: pnames.get(p, p),
                       placeholder=t("choose_all"))
        c3.multiselect(t("regions") + f" ({t('all')})", region_opts, key=f"{PAGE}_regions",
                       format_func=lambda r: rnames.get(r, r), placeholder=t("choose_all"))
    s = state.sync(PAGE, defaults)

    info = data.metric_info(metric_id=s["metric"])
    unit_zh, unit_en, dec = info["display_unit_zh"], info["display_unit_en"], info["decimals"]
    mname = info[f"name_{lang()}"]
    periods = s["periods"] or period_opts
    df = data.funding_by_period_region(metric_id=s["metric"], periods=periods, regions=s["regions"] or None)

    shown = set(df["period"])
    empty_periods = [p for p in periods if p not in shown]
    if empty_periods:
        empty_state(t("no_data_period", period=t("list_sep").join(pnames.get(p, p) for p in empty_periods),
                      metric=mname))
    if df.empty:
        return

    # the chart names the page catalogue's top_regions regions and folds the rest into one bar, unless ?funding_all=1
    n_regions = df["region_id"].nunique()
    foldable = bool(SPEC.top_regions) and n_regions > SPEC.top_regions + 1
    # the view the user sees, and only it, is built: one chart per rerun (the others cost nothing until chosen)
    if not presenting():
        # the view's choice is the filter itself (?funding_tab=, saved views, the deck): never empty; the full
        # width, so its six views fit at 1280 px in English too (the show-all switch goes on the line below)
        st.segmented_control(t("funding_view"), TABS, key=f"{PAGE}_tab", format_func=t, required=True,
                             label_visibility="collapsed")
        if foldable or s["all"]:
            st.toggle(t("all_regions", n=n_regions), key=f"{PAGE}_all")
        s = state.sync(PAGE, defaults)
    top = None if s["all"] else SPEC.top_regions
    kept, rest = ranking.split_top(df, top)
    inputs = dict(metric=s["metric"], periods=periods, regions=s["regions"], top=top)
    view = {
        "grouped": lambda: (charts.draw(lambda: charts.bars_by_region(
                                df, f"{mname} · {t('grouped')}", unit_zh, unit_en, dec, top=top), inputs,
                                key="funding_grouped", on_select=_drill_from_chart), coverage_note(df)),
        "year_view": lambda: _years(s, mname, unit_zh, unit_en, dec, top),
        "across": lambda: charts.draw(lambda: charts.bars_by_region(
                              df, f"{mname} · {t('across')}", unit_zh, unit_en, dec, kind="line", top=top), inputs,
                              key="funding_across", on_select=_drill_from_chart),
        "shares": lambda: _shares(s, periods, mname, top),
        "per_project": lambda: _per_project(periods, s, top),
        "annualised": lambda: _annualised(s, periods, mname, unit_zh, unit_en, dec, top),
    }
    view[s["tab"]]()
    if presenting():  # the slide: the view's one chart
        return
    if rest:
        note = "top_regions_note_lines" if s["tab"] == "across" else "top_regions_note"
        st.caption(t(note, k=len(kept), n=len(rest)))

    st.subheader(t("drilldown"))
    cells = {f"{r.period}|{r.region_id}": f"{pnames.get(r.period, r.period)} · {rnames.get(r.region_id)}"
             for r in df[["period", "region_id"]].itertuples()}
    other = t("other_regions", n=len(rest))
    for p in dict.fromkeys(df.loc[df["region_id"].isin(rest), "period"]):  # the folded bar of each period
        cells[f"{p}|{ranking.OTHER}"] = f"{pnames.get(p, p)} · {other}"
    if s["drill"] and s["drill"] not in cells:
        cells[s["drill"]] = s["drill"]
    st.caption(t("drill_hint"))
    pick = st.selectbox(t("drill_pick"), [""] + list(cells), key=f"{PAGE}_drill",
                        format_func=lambda k: cells.get(k, t("choose")) if k else t("choose"))
    state.sync(PAGE, defaults)
    if pick:
        period, region = pick.split("|", 1)
        regions = rest if region == ranking.OTHER else [region]  # the folded bar: every region it holds
        # the figures behind the cell: the period's own and those of its years and ranges
        detail = data.figure_search(periods=data.period_members(period=period), regions=regions, limit=DRILL_ROWS)
        coverage_note(df[(df["period"] == period) & df["region_id"].isin(regions)])
        figures_table(detail, key="funding_drill_table")


def _defaults(period_opts: list[str], with_data: set) -> dict:
    return {"metric": SPEC.default_metric, "periods": [p for p in period_opts if p in with_data] or period_opts,
            "regions": [], "tab": TABS[0], "all": False, "drill": ""}


def _years(s: dict, mname: str, unit_zh, unit_en, dec, top) -> None:
    """The year view beside the period view, in the same region colours."""
    yearly = data.year_cells(metric_id=s["metric"], regions=s["regions"] or None, recipients_only=True)
    if yearly.empty:
        empty_state(t("no_year_data", metric=mname))
        return
    charts.draw(lambda: charts.bars_by_region(yearly, f"{mname} · {t('year_view')}", unit_zh, unit_en, dec, top=top),
                dict(metric=s["metric"], regions=s["regions"], top=top), key="funding_years")
    st.caption(t("year_view_note"))


def _drill_from_chart() -> None:
    """A bar or point selected on the chart opens its figures below (and lands in the URL as ?funding_drill=)."""
    for key in ("funding_grouped", "funding_across"):
        event = st.session_state.get(key)
        points = (event or {}).get("selection", {}).get("points", []) if event else []
        for point in points:
            custom = point.get("customdata")
            if isinstance(custom, (list, tuple)) and len(custom) >= 2:
                st.session_state[f"{PAGE}_drill"] = f"{custom[1]}|{custom[0]}"
                return


def _shares(s: dict, periods: list[str], mname: str, top) -> None:
    sh = data.shares(metric_id=s["metric"], periods=periods, regions=s["regions"] or None)
    charts.draw(lambda: charts.share_bars(sh, f"{mname} · {t('share_of_period')}", top=top),
                dict(metric=s["metric"], periods=periods, regions=s["regions"], top=top), key="funding_shares")


def _per_project(periods: list[str], s: dict, top) -> None:
    pp = data.per_project(periods=periods, regions=s["regions"] or None)
    pp = pp[pp["region_level"] != "scope"]
    if pp.empty:
        empty_state(t("no_data"))
        return
    pp["value_base"] = pp["per_project_base"]
    pp["qualifier"] = pp["qualifier_funding"]
    unit = t("per_project_unit")
    charts.draw(lambda: charts.bars_by_region(pp, f"{t('per_project')} ({unit})", "万元", "10k yuan", 1,
                                              y_unit=unit, top=top, combine=_per_project_of, extra=_PER_PROJECT),
                dict(periods=periods, regions=s["regions"], top=top), key="funding_per_project")


_PER_PROJECT = ("value_base_funding", "value_base_projects")


def _per_project_of(rows) -> float:
    """The folded regions' funding per project: their funding over their projects (not a sum of ratios)."""
    return float(rows["value_base_funding"].sum() / rows["value_base_projects"].sum())


def _annualised(s: dict, periods: list[str], mname: str, unit_zh, unit_en, dec, top) -> None:
    an = data.annualised(metric_id=s["metric"], periods=periods, regions=s["regions"] or None)
    an = an[an["region_level"] != "scope"]
    factor, base_unit = fmt.chart_unit(unit_zh, unit_en, lang(), an["per_year_base"].abs().max() if len(an) else None)
    unit = t("per_year", unit=base_unit)
    charts.draw(lambda: charts.bars_by_region(an, f"{mname} · {t('annualised')} ({unit})", unit_zh, unit_en, dec,
                                              value_col="per_year_base", y_unit=unit, factor=factor, top=top),
                dict(metric=s["metric"], periods=periods, regions=s["regions"], top=top), key="funding_annualised")


frame.show(render)
