"""地区: map (local geometry) or tiles of the counterpart regions, then one region's figures across periods."""
from __future__ import annotations

import streamlit as st

from common import settings
from common.pages import param_prefix
from metrics import formatting as fmt
from ui import access, charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.widgets import empty_state

PAGE = param_prefix("regions")  # prefix of this page's filters in the URL and session state
DETAIL_ROWS = 60  # the plans state a few per region; the rest are on the sources page


def render() -> None:
    views_panel.render("regions")
    st.title(t("nav_regions"))
    mets = data.metrics()
    mets = mets[mets["metric_id"].isin(["aid_funding", "aid_projects"])]
    regs = data.regions()
    pick_opts = [r for r in regs["region_id"]]
    defaults = {"metric": "aid_funding", "pick": "xinjiang_kashgar" if "xinjiang_kashgar" in pick_opts else pick_opts[0]}
    state.page_state(PAGE, defaults, {"metric": list(mets["metric_id"]), "pick": pick_opts})
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    if state.show_filters():
        c1, c2 = st.columns([1, 2])
        c1.selectbox(t("metric"), list(mets["metric_id"]), key=f"{PAGE}_metric",
                     format_func=lambda m: mnames.get(m, m))
        c2.selectbox(t("pick_region"), pick_opts, key=f"{PAGE}_pick", format_func=lambda r: rnames.get(r, r))
    s = state.sync(PAGE, defaults)
    info = data.metric_info(metric_id=s["metric"])
    unit_zh, unit_en, dec = info["display_unit_zh"], info["display_unit_en"], info["decimals"]
    summary = data.region_summary(metric_id=s["metric"])
    summary = summary[summary["level"] != "scope"]

    if settings.get_bool("show_map"):
        if summary.empty:
            empty_state(t("no_data"))
        else:
            title = f"{info[f'name_{lang()}']} ({fmt.unit_label(unit_zh, unit_en, lang())})"
            charts.show(charts.china_map(summary, title, unit_zh, unit_en, dec, highlight=s["pick"]),
                        source=charts.map_caption() + " · " + t("source_plans"), caption=charts.map_caption(),
                        key="region_map")
    else:
        st.caption(t("map_hidden"))

    st.subheader(t("tiles"))
    cols = st.columns(4)
    for i, r in enumerate(summary.itertuples()):
        value = fmt.with_unit(r.value_base, r.qualifier, unit_zh, unit_en, dec, lang())
        cols[i % 4].metric(getattr(r, f"name_{lang()}"), value, help=r.period)
        cols[i % 4].caption(r.period)

    region = s["pick"]
    st.subheader(t("region_figures", r=rnames.get(region, region)))
    members = data.region_members(region_id=region)
    if len(members):
        st.markdown(t("members", m="、".join(members[f"name_{lang()}"])))
    detail = data.region_detail(region_id=region, limit=DETAIL_ROWS)
    if detail.empty:
        empty_state(t("no_data"))
        return
    total = int(detail["n_total"].iloc[0])
    if total > len(detail):
        st.caption(t("shown_first", k=len(detail), n=f"{total:,}"))
    for period, sub in detail.groupby("period", sort=False):
        st.markdown(f"**{sub.iloc[0][f'period_{lang()}']}**")
        for r in sub.to_dict("records"):
            value = fmt.with_unit(r["value_base"], r["qualifier"], r["display_unit_zh"], r["display_unit_en"],
                                  r["decimals"], lang())
            st.markdown(f"- {r[f'metric_{lang()}']}: **{value}** — {access.md(r['source'])}")  # file names: text
            st.caption(f"“{access.md(r['quote'])}”")


frame.show(render)
