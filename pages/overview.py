"""总览 Overview: headline cards for a period, funding by period and region, stated changes, what is loaded."""
from __future__ import annotations

import streamlit as st

from common import dictionaries as d
from common.pages import page as catalogue_page
from common.pages import param_prefix
from metrics import formatting as fmt
from metrics import ranking
from ui import charts, data, frame, state, views_panel
from ui.i18n import STRINGS, lang, t
from ui.theme import presenting
from ui.widgets import coverage_note, coverage_text, empty_state, source_name, table

PAGE = param_prefix("overview")  # prefix of this page's filters in the URL and session state
SPEC = catalogue_page("overview")  # its default metric: data/dictionaries/pages.csv
STATED_SHOWN = 20  # the plans state a handful; a big upload could add thousands
UNREVIEWED_ICON = ":material/rate_review:"  # a card's mark for figures nobody has reviewed yet


VIEWS = ("period_view", "year_view")  # the funding chart's two views: message keys and ?overview_view=


def render() -> None:
    views_panel.render("overview")
    st.title(t("nav_overview"))
    per = data.five_year_periods()
    options = list(per["period"])
    defaults = {"period": d.default_period() if d.default_period() in options else options[-1],
                "view": VIEWS[0]}
    state.page_state(PAGE, defaults, {"period": options, "view": VIEWS})
    names = dict(zip(per["period"], per[f"label_{lang()}"]))
    if presenting():  # the slide: title and headline cards (the slide already runs as a fragment: ui.frame)
        _headline(defaults, per)
        return
    # the period changes the cards only, the view the chart only: each reruns its own block
    st.fragment(_headline)(defaults, per)
    st.fragment(_funding_chart)(defaults)
    _rest(names)


def _headline(defaults: dict, per) -> None:
    """The period's headline cards, with the period picker (a change reruns this block only)."""
    names = dict(zip(per["period"], per[f"label_{lang()}"]))
    short = {p: fmt.period_short(p, en, lang()) for p, en in zip(per["period"], per["label_en"])}
    if state.show_filters():
        st.selectbox(t("period"), list(per["period"]), key=f"{PAGE}_period", format_func=lambda p: names.get(p, p))
    period = state.sync(PAGE, defaults)["period"]

    st.subheader(t("headline"))
    cards = data.headline_cards(period=period)
    cols = st.columns(len(cards))
    missing = []
    for c, r in zip(cols, cards.to_dict("records")):
        name = r[f"metric_{lang()}"]
        value = fmt.with_unit(r["value_base"], r["qualifier"], r["display_unit_zh"], r["display_unit_en"],
                              r["decimals"], lang())
        delta, arrow, unreviewed = None, "off", []
        if r["n_unreviewed"]:
            unreviewed.append(t("card_unreviewed", n=r["n_unreviewed"]))
        if r["basis"] != "missing" and r["prev_value_base"] == r["prev_value_base"] and r["prev_value_base"] \
                and r["complete"] and r["prev_complete"]:  # a partial period is not compared with a whole one
            change = r["value_base"] / r["prev_value_base"]
            delta = f"{t('vs_prev', p=short.get(r['prev_period'], r['prev_period']))} {fmt.ratio(change, lang())}"
            arrow = fmt.direction(change)  # 0.88x is a decrease: the arrow points down
            if r["prev_n_unreviewed"]:  # the change is only as reviewed as both its values
                unreviewed.append(t("card_prev_unreviewed", n=r["prev_n_unreviewed"],
                                    p=short.get(r["prev_period"], r["prev_period"])))
        basis = {"stated": t("stated_total"), "sum": t("sum_of_regions", n=r["n_parts"])}.get(r["basis"], "")
        cover = coverage_text(r)
        if cover:
            basis = f"{basis} · {cover}"
        c.metric(name, value, delta=delta, delta_color="off", delta_arrow=arrow, help=basis or None)
        if unreviewed:  # as the charts hatch such bars: nobody has checked these figures yet (0 when hidden)
            c.badge(" · ".join(unreviewed), icon=UNREVIEWED_ICON, color="orange", help=t("card_unreviewed_help"))
        if basis:
            c.caption(basis)
        if r["basis"] == "missing":
            missing.append(name)
    if missing:
        empty_state(t("no_data_period", period=names.get(period, period), metric=t("list_sep").join(missing)))


def _funding_chart(defaults: dict) -> None:
    """Funding by period and region, or by year: only the view shown is built."""
    df = data.funding_by_period_region(metric_id=SPEC.default_metric)
    money = data.metric_info(metric_id=SPEC.default_metric)
    unit_zh, unit_en, dec = money["display_unit_zh"], money["display_unit_en"], money["decimals"]
    yearly = data.year_cells(metric_id=SPEC.default_metric, recipients_only=True)
    top = SPEC.top_regions or None  # the chart names this many regions and folds the rest into one bar
    # the chart carries its own title (it goes into PNG exports); the control names the two views when there are two
    view = VIEWS[0]
    if len(yearly):
        st.segmented_control(t("funding_view"), VIEWS, key=f"{PAGE}_view", format_func=t, required=True,
                             label_visibility="collapsed")
        view = state.sync(PAGE, defaults)["view"]
    if view == "period_view":
        if df.empty:
            empty_state(t("no_data"))
        else:
            charts.draw(lambda: charts.bars_by_region(df, t("funding_by_period"), unit_zh, unit_en, dec, top=top),
                        [SPEC.default_metric, top], key="overview_chart")
            coverage_note(df)
            _fold_note(df, top)
    else:
        charts.draw(lambda: charts.bars_by_region(yearly, f"{t('funding_by_period')} · {t('year_view')}", unit_zh,
                                                  unit_en, dec, top=top), [SPEC.default_metric, top],
                    key="overview_year_chart")
        st.caption(t("year_view_note"))
        _fold_note(yearly, top)


def _fold_note(df, top: int | None) -> None:
    """Says which regions the chart names and how many it folds into its "other" bar (the page catalogue's
    top_regions); the funding page shows them all."""
    kept, rest = ranking.split_top(df, top)
    if rest:
        st.caption(t("top_regions_note_overview", k=len(kept), n=len(rest)))


def _rest(names: dict) -> None:
    """Stated changes and what is loaded: the same for every period."""
    money = data.metric_info(metric_id=SPEC.default_metric)
    unit_zh, unit_en, dec = money["display_unit_zh"], money["display_unit_en"], money["decimals"]
    st.subheader(t("stated_changes"))
    g = data.growth(metric_id=SPEC.default_metric)
    for r in g.to_dict("records"):
        a = fmt.with_unit(r["prev_value_base"], r["prev_qualifier"], unit_zh, unit_en, dec, lang())
        b = fmt.with_unit(r["value_base"], r["qualifier"], unit_zh, unit_en, dec, lang())
        st.markdown("- " + t("computed_growth", p=names.get(r["period"], r["period"]),
                             ref=names.get(r["prev_period"], r["prev_period"]),
                             ratio=fmt.ratio(r["ratio"], lang()), a=a, b=b))
    stated = data.stated_changes(limit=STATED_SHOWN)
    for r in stated.itertuples():
        st.markdown("- " + t("stated_ratio", p=names.get(r.period, r.period), ref=names.get(r.ref_period, r.ref_period),
                             text=r.number_text, calc=fmt.ratio(r.computed, lang())))
        st.caption(f"{t('quote')}: {r.quote}")
    if len(stated) and int(stated["n_total"].iloc[0]) > len(stated):
        st.caption(t("shown_first", k=len(stated), n=f"{int(stated['n_total'].iloc[0]):,}"))
    if g.empty:
        empty_state(t("no_data"))

    st.subheader(t("loaded_data"))
    status = data.data_status()
    info = dict(zip(status["build_info"]["key"], status["build_info"]["value"]))
    st.caption(t("built_at", t=info.get("built_at", "—")))
    plans = status["plans"].copy()
    plans["kind_name"] = [t(f"kind_{k}") if f"kind_{k}" in STRINGS else k for k in plans["kind"]]
    all_names = dict(zip(data.periods()["period"], data.periods()[f"label_{lang()}"]))
    plans["period_name"] = [all_names.get(p, p) for p in plans["period"]]
    plans["title"] = [source_name(p) for p in plans["plan_id"]]  # in the user's language
    table(plans, {"title": "title", "period_name": "period", "kind_name": "kind", "date": "date",
                  "figures": "n_figures_col", "tasks": "tasks_count"}, key="overview_plans",
          date=st.column_config.DateColumn(t("date"), format="YYYY-MM-DD"),
          title=st.column_config.TextColumn(t("title"), width="large"))
    batches = status["batches"]
    st.markdown(f"**{t('batches')}**")
    if batches.empty:
        st.caption(t("no_batches"))
    else:
        st.caption(t("last_upload", t=str(batches["created_at"].max())))
        table(batches, {"batch_id": "batches", "file_name": "upload_file", "n_rows": "n_batches_col",
                        "uploader": "uploader", "created_at": "upload_time", "undone_at": "undone_time"},
              key="overview_batches")


frame.show(render)
