"""工作任务: tasks of the work plans by type, section and responsible unit, shared tasks, and a searchable list."""
from __future__ import annotations

import streamlit as st

from common.pages import param_prefix
from ui import charts, data, frame, state, views_panel
from ui.i18n import lang, t
from ui.widgets import empty_state

PAGE = param_prefix("tasks")  # prefix of this page's filters in the URL and session state


def _hbar(df, y: str, x: str, title: str, key: str, source: str, color: str = "#0072B2") -> None:
    charts.show(charts.hbar(df, y, x, title, color), source=source, key=key)


def render() -> None:
    views_panel.render("tasks")
    st.title(t("nav_tasks"))
    plans = data.task_plans()
    if plans.empty:
        empty_state(t("no_tasks"))
        return
    options = list(plans["plan_id"])
    titles = dict(zip(plans["plan_id"], plans["title"] if lang() == "zh" else plans["title_en"].fillna(plans["title"])))
    defaults = {"plan": options[0], "search": ""}
    state.page_state(PAGE, defaults, {"plan": options})
    if state.show_filters():
        st.selectbox(t("tasks_plan"), options, key=f"{PAGE}_plan", format_func=lambda p: titles.get(p, p))
    s = state.sync(PAGE, defaults)
    plan = s["plan"]
    source = f"{t('source')}: {titles.get(plan, plan)}"

    c1, c2 = charts.columns(2)
    with c1:
        by_type = data.tasks_by_type(plan_id=plan)
        _hbar(by_type, "task_type", "tasks", f"{t('tasks_by_type')} ({t('tasks_count')})", "tasks_type_chart",
              source)
    with c2:
        by_sec = data.tasks_by_section(plan_id=plan)
        _hbar(by_sec, "section", "tasks", f"{t('tasks_by_section')} ({t('tasks_count')})", "tasks_section_chart",
              source, "#009E73")

    st.subheader(t("tasks_by_unit"))
    units = data.tasks_by_unit(plan_id=plan)
    _hbar(units.head(15), "unit", "tasks", f"{t('tasks_by_unit')} ({t('tasks_count')})", "tasks_unit_chart", source,
          "#D55E00")
    st.dataframe(units.rename(columns={"unit": t("unit"), "tasks": t("tasks_count"), "lead_tasks": t("lead_tasks")}),
                 hide_index=True, key="tasks_unit_table", width="stretch")

    all_tasks = data.tasks_list(plan_id=plan)
    shared = all_tasks[all_tasks["n_units"] > 1]
    st.subheader(f"{t('tasks_shared')} ({len(shared)} / {len(all_tasks)})")
    st.dataframe(shared[["task_no", "task_type", "units", "n_units", "text"]], hide_index=True,
                 key="tasks_shared_table", width="stretch")

    if state.show_filters():
        st.text_input(t("tasks_search"), key=f"{PAGE}_search")
    s = state.sync(PAGE, defaults)
    found = data.tasks_list(plan_id=plan, search=s["search"] or None)
    st.markdown(t("n_tasks_found", n=len(found)))
    if found.empty:
        empty_state(t("no_tasks"))
    else:
        st.dataframe(found[["task_no", "task_type", "section", "units", "text"]], hide_index=True,
                     key="tasks_table", width="stretch")


frame.show(render)
