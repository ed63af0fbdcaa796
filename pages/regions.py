"""地区: map (local geometry) or tiles of the counterpart regions, then one region's figures across periods."""
from __future__ import annotations

import streamlit as st

from common import settings
from common.pages import page as catalogue_page
from common.pages import param_prefix
from metrics import formatting as fmt
from ui import access, charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.theme import presenting
from ui.widgets import coverage_text, empty_state, page_caption, paged, plan_titles, source_name

PAGE = param_prefix("regions")  # prefix of this page's filters in the URL and session state
TILES_SHOWN = 24  # the map shows every place; the tiles below it the first ones (a tile per place is 100 at most)
SPEC = catalogue_page("regions")  # offered metrics and defaults: data/dictionaries/pages.csv


def _period_options(metric_ids) -> tuple[list[str], dict[str, str]]:
    """Five-year periods with figures of these metrics (their years' included), then the single years."""
    per = data.five_year_periods()
    have = set(data.period_cells(metric_id=list(metric_ids))["period"])  # one read for all the metrics
    yrs = data.years()
    yrs = yrs[yrs["period"].isin(set(data.year_cells(metric_id=list(metric_ids))["period"]))]
    options = [p for p in per["period"] if p in have] + list(yrs["period"])
    names = dict(zip(per["period"], per[f"label_{lang()}"])) | dict(zip(yrs["period"], yrs[f"label_{lang()}"]))
    return options, names


def render() -> None:
    views_panel.render("regions")
    st.title(t("nav_regions"))
    if presenting():  # the slide already runs as a fragment (ui.frame)
        _body()
    else:  # a filter change reruns this block only, not the frame and the saved-views panel
        st.fragment(_body)()


def _body() -> None:
    mets = data.metrics()
    mets = mets[mets["metric_id"].isin(SPEC.metrics)]
    regs = data.regions()
    pick_opts = [r for r in regs["region_id"]]
    metric_opts = list(mets["metric_id"])
    # the period's default is the latest period with data for the metric the page will show
    chosen = st.session_state.get(f"{PAGE}_metric") or st.query_params.get(f"{PAGE}_metric") or SPEC.default_metric
    chosen = chosen if chosen in metric_opts else SPEC.default_metric
    period_opts, pnames = _period_options(metric_opts)
    latest = data.latest_period(metric_id=chosen)
    defaults = {"metric": SPEC.default_metric,
                "pick": SPEC.default_region if SPEC.default_region in pick_opts else pick_opts[0],
                "period": latest if latest in period_opts else (period_opts[-1] if period_opts else "")}
    state.page_state(PAGE, defaults, {"metric": metric_opts, "pick": pick_opts, "period": period_opts})
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    if state.show_filters():
        c1, c2, c3 = st.columns([1, 1, 2])
        c1.selectbox(t("metric"), metric_opts, key=f"{PAGE}_metric", format_func=lambda m: mnames.get(m, m))
        c2.selectbox(t("period"), period_opts, key=f"{PAGE}_period", format_func=lambda p: pnames.get(p, p))
        c3.selectbox(t("pick_region"), pick_opts, key=f"{PAGE}_pick", format_func=lambda r: rnames.get(r, r))
    s = state.sync(PAGE, defaults)
    info = data.metric_info(metric_id=s["metric"])
    unit_zh, unit_en, dec = info["display_unit_zh"], info["display_unit_en"], info["decimals"]
    mname = info[f"name_{lang()}"]
    period = s["period"]
    plabel = pnames.get(period, period)
    summary = data.region_summary(metric_id=s["metric"], period=period) if period else None
    summary = summary[summary["level"] != "scope"] if summary is not None else None

    if summary is None or summary.empty:
        empty_state(t("no_data_region_period", period=plabel or "—", metric=mname))
    elif settings.get_bool("show_map"):
        unit = fmt.chart_unit(unit_zh, unit_en, lang(), summary["value_base"].abs().max())[1]
        title = t("map_period", metric=mname, unit=unit, period=plabel)
        charts.draw(lambda: charts.china_map(summary, title, unit_zh, unit_en, dec, highlight=s["pick"]),
                    [s["metric"], period, s["pick"]], source=charts.map_caption() + " · " + t("source_plans"),
                    caption=None if presenting() else charts.map_caption(), key="region_map",
                    on_select=_pick_from_map)
    if not settings.get_bool("show_map"):
        st.caption(t("map_hidden"))
    if presenting():  # the slide: the map (or, hidden, the region's figures below are not a slide)
        return

    st.subheader(t("tiles_period", period=plabel))
    cols = st.columns(4)
    tiles = summary.head(TILES_SHOWN).to_dict("records") if summary is not None else []
    for i, r in enumerate(tiles):
        value = fmt.with_unit(r["value_base"], r["qualifier"], unit_zh, unit_en, dec, lang())
        cover = coverage_text(r)
        cols[i % 4].metric(r[f"name_{lang()}"], value, help=cover or plabel)
        cols[i % 4].caption(cover or plabel)
    if summary is not None and len(summary) > TILES_SHOWN:
        st.caption(t("shown_first", k=TILES_SHOWN, n=f"{len(summary):,}"))

    region = s["pick"]
    st.subheader(t("region_figures", r=rnames.get(region, region)))
    members = data.region_members(region_id=region)
    if len(members):
        st.markdown(t("members", m=t("list_sep").join(members[f"name_{lang()}"])))
    size = int(settings.get("table_rows"))  # the plans state a few per region; uploads can add thousands
    detail = paged(lambda limit, offset: data.region_detail(region_id=region, limit=limit, offset=offset),
                   f"{PAGE}_detail_page", size, scope=region)
    if detail.empty:
        empty_state(t("no_data"))
        return
    titles = plan_titles()  # once for the list below
    for period, sub in detail.groupby("period", sort=False):
        st.markdown(f"**{sub.iloc[0][f'period_{lang()}']}**")
        for r in sub.to_dict("records"):
            value = fmt.with_unit(r["value_base"], r["qualifier"], r["display_unit_zh"], r["display_unit_en"],
                                  r["decimals"], lang())
            # plan titles, not ids; an uploaded file's name and a sentence are outside text: shown as text
            st.markdown(f"- {r[f'metric_{lang()}']}: **{value}** — {access.md(source_name(r['source'], titles))}")
            if isinstance(r["quote"], str) and r["quote"]:  # uploaded rows have no sentence
                st.caption(f"“{access.md(r['quote'])}”")
    page_caption(detail, f"{PAGE}_detail_page", size)


def _pick_from_map() -> None:
    """A region clicked on the map becomes the picked region (and lands in the URL as ?region_pick=)."""
    event = st.session_state.get("region_map")
    points = event.get("selection", {}).get("points", []) if event else []
    for point in points:
        custom = point.get("customdata")
        region = custom[0] if isinstance(custom, (list, tuple)) else custom
        if isinstance(region, str) and region:
            st.session_state[f"{PAGE}_pick"] = region
            return


frame.show(render)
