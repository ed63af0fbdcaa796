"""资金与项目: aid funding / projects by period and region, across periods, shares, per project, per year, drill-down."""
from __future__ import annotations

import streamlit as st

from common.pages import param_prefix
from metrics import formatting as fmt
from ui import charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.widgets import coverage_note, empty_state, figures_table

PAGE = param_prefix("funding")  # prefix of this page's filters in the URL and session state
METRICS = ("aid_funding", "aid_projects")
DRILL_ROWS = 200


def render() -> None:
    views_panel.render("funding")
    st.title(t("nav_funding"))
    mets = data.metrics()
    mets = mets[mets["metric_id"].isin(METRICS)]
    per = data.five_year_periods()
    regs = data.regions()
    recipients = data.funding_by_period_region()  # all recipient cells, to offer only regions that have figures
    region_opts = [r for r in regs["region_id"] if r in set(recipients["region_id"])]
    period_opts = list(per["period"])
    with_data = set(recipients["period"])  # five-year periods with a stated total or years of the default metric
    defaults = {"metric": "aid_funding", "periods": [p for p in period_opts if p in with_data] or period_opts,
                "regions": []}
    state.page_state(PAGE, defaults, {"metric": list(mets["metric_id"]), "periods": period_opts,
                                      "regions": region_opts})
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

    empty_periods = [p for p in periods if p not in set(df["period"])]
    if empty_periods:
        empty_state(t("no_data_period", period="、".join(pnames.get(p, p) for p in empty_periods), metric=mname))
    if df.empty:
        return

    yearly = data.year_cells(metric_id=s["metric"], regions=s["regions"] or None, recipients_only=True)
    grouped, by_year, across, shares, per_project, annualised = st.tabs(
        [t("grouped"), t("year_view"), t("across"), t("shares"), t("per_project"), t("annualised")])
    with grouped:
        charts.show(charts.bars_by_region(df, f"{mname} · {t('grouped')}", unit_zh, unit_en, dec),
                    key="funding_grouped")
        coverage_note(df)
    with by_year:  # the year view beside the period view, in the same region colours
        if yearly.empty:
            empty_state(t("no_year_data", metric=mname))
        else:
            charts.show(charts.bars_by_region(yearly, f"{mname} · {t('year_view')}", unit_zh, unit_en, dec),
                        key="funding_years")
            st.caption(t("year_view_note"))
    with across:
        fig = charts.bars_by_region(df, f"{mname} · {t('across')}", unit_zh, unit_en, dec, kind="line")
        charts.show(fig, key="funding_across")
    with shares:
        sh = data.shares(metric_id=s["metric"], periods=periods, regions=s["regions"] or None)
        charts.show(charts.share_bars(sh, f"{mname} · {t('share_of_period')}"), key="funding_shares")
    with per_project:
        pp = data.per_project(periods=periods, regions=s["regions"] or None)
        pp = pp[pp["region_level"] != "scope"]
        if pp.empty:
            empty_state(t("no_data"))
        else:
            pp["value_base"] = pp["per_project_base"]
            pp["qualifier"] = pp["qualifier_funding"]
            unit = t("per_project_unit")
            charts.show(charts.bars_by_region(pp, f"{t('per_project')} ({unit})", "万元", unit, 1,
                                              y_unit=unit), key="funding_per_project")
    with annualised:
        an = data.annualised(metric_id=s["metric"], periods=periods, regions=s["regions"] or None)
        an = an[an["region_level"] != "scope"]
        unit = t("per_year", unit=fmt.unit_label(unit_zh, unit_en, lang()))
        charts.show(charts.bars_by_region(an, f"{mname} · {t('annualised')} ({unit})", unit_zh, unit_en, dec,
                                          value_col="per_year_base", y_unit=unit), key="funding_annualised")

    st.subheader(t("drilldown"))
    cells = {f"{r.period}|{r.region_id}": f"{pnames.get(r.period, r.period)} · {rnames.get(r.region_id)}"
             for r in df.itertuples()}
    pick = st.selectbox(t("drill_pick"), list(cells), key=f"{PAGE}_drill", format_func=lambda k: cells[k])
    if pick:
        period, region = pick.split("|")
        # the figures behind the cell: the period's own and those of its years and ranges
        detail = data.figure_search(periods=data.period_members(period=period), regions=[region], limit=DRILL_ROWS)
        detail["source"] = detail["plan_id"].fillna(detail["upload_file"])
        detail["period_zh"] = detail["period_en"] = detail["period"]
        coverage_note(df[(df["period"] == period) & (df["region_id"] == region)])
        figures_table(detail, key="funding_drill_table")


frame.show(render)
