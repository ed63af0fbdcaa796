"""合作交流: cooperation projects and agreed amounts (西部, 东北和中部, 安徽); enterprises inbound vs outbound; chambers."""
from __future__ import annotations

from functools import partial

import streamlit as st

from common import settings
from common.pages import page as catalogue_page
from common.pages import param_prefix
from metrics.queries import COOPERATION_REGIONS, ENTERPRISE_REGIONS
from ui import charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.theme import presenting
from ui.widgets import empty_state, figures_table, page_caption, paged

PAGE = param_prefix("cooperation")  # prefix of this page's filters in the URL and session state


def _chart(df, metric_id: str, key: str, periods) -> None:
    sub = df[df["metric_id"] == metric_id]
    if sub.empty:
        return
    first = sub.iloc[0]
    title = first[f"metric_{lang()}"]
    # kept per snapshot, language and periods (the frames are data.cooperation / enterprise_flows of the periods)
    charts.draw(lambda: charts.bars_by_region(sub, title, first["display_unit_zh"], first["display_unit_en"],
                                              first["decimals"]), [metric_id, periods], key=key,
                on_select=partial(_drill_from_chart, key))


def _pair(df, left: tuple[str, str], right: tuple[str, str], periods) -> None:
    """Two metrics of df side by side, each (metric_id, widget key)."""
    c1, c2 = charts.columns(2)
    with c1:
        _chart(df, *left, periods)
    with c2:
        _chart(df, *right, periods)


def _drill_from_chart(key: str) -> None:
    """A bar selected on a chart narrows the figures below to its period and region (?coop_drill= in the link)."""
    event = st.session_state.get(key)
    points = event.get("selection", {}).get("points", []) if event else []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and len(custom) >= 2:
            st.session_state[f"{PAGE}_drill"] = f"{custom[1]}|{custom[0]}"
            return


def _clear_drill() -> None:
    st.session_state[f"{PAGE}_drill"] = ""


def _figures(category: str, regions, periods, key: str) -> None:
    """The figures behind the charts, a page of `table_rows` at a time (count and paging in SQL: the sources page
    lists and downloads all of them); narrowed to the selected bar's period and region when one is selected."""
    drill = st.session_state.get(f"{PAGE}_drill") or ""
    if "|" in drill:
        period, region = drill.split("|", 1)
        if region in regions:
            regions, periods = [region], [period]
    size = int(settings.get("table_rows"))
    figs = paged(lambda limit, offset: data.category_figures(category=category, regions=list(regions),
                                                             periods=periods, limit=limit, offset=offset),
                 f"{key}_page", size, scope=(category, list(regions), periods))
    if figs.empty:
        return
    figures_table(figs, key=key)
    page_caption(figs, f"{key}_page", size)


def render() -> None:
    views_panel.render("cooperation")
    st.title(t("nav_cooperation"))
    if presenting():  # the slide already runs as a fragment (ui.frame)
        _body()
    else:  # a filter change reruns this block only, not the frame and the saved-views panel
        st.fragment(_body)()


def _body() -> None:
    per = data.periods()
    options = list(per["period"])
    defaults = {"periods": [], "drill": ""}
    state.page_state(PAGE, defaults, {"periods": options})
    names = dict(zip(per["period"], per[f"label_{lang()}"]))
    if state.show_filters():
        st.multiselect(t("periods") + f" ({t('all')})", options, key=f"{PAGE}_periods",
                       format_func=lambda p: names.get(p, p), placeholder=t("choose_all"))
    s = state.sync(PAGE, defaults)
    periods = s["periods"] or None
    if s["drill"] and not presenting():
        period, _, region = s["drill"].partition("|")
        regs = data.regions()
        rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        c1.caption(t("drill_selected", cell=f"{names.get(period, period)} · {rnames.get(region, region)}"))
        c2.button(t("drill_clear"), key="coop_drill_clear", on_click=_clear_drill)
    elif not presenting():
        st.caption(t("drill_hint_table"))

    coop = data.cooperation(periods=periods)
    if presenting():  # the slide: agreed amounts by region (as the deck's cooperation slide)
        if coop.empty:
            empty_state(t("no_data"))
        else:
            _chart(coop, catalogue_page("cooperation").default_metric, "coop_amount_chart", periods)
        return
    st.subheader(t("coop_projects"))
    if coop.empty:
        empty_state(t("no_data"))
    else:
        _pair(coop, ("econ_coop_projects", "coop_projects_chart"), ("agreement_amount", "coop_amount_chart"), periods)
        st.caption(t("cell_rule"))
        _figures("cooperation", COOPERATION_REGIONS, periods, "coop_table")

    st.subheader(t("enterprise_flows"))
    ent = data.enterprise_flows(periods=periods)
    if ent.empty:
        empty_state(t("no_data"))
    else:
        _pair(ent, ("enterprises", "coop_enterprises_chart"), ("registered_capital", "coop_capital_chart"), periods)
        st.subheader(t("chambers"))
        ch = ent[ent["metric_id"] == "chambers"]
        if ch.empty:
            empty_state(t("no_data"))
        else:
            _chart(ent, "chambers", "coop_chambers_chart", periods)
        st.caption(t("cell_rule"))
        _figures("enterprise", ENTERPRISE_REGIONS, periods, "coop_enterprise_table")


frame.show(render)
