"""工作任务: tasks of the work plans by type, section and responsible unit, shared tasks, and a searchable list."""
from __future__ import annotations

import streamlit as st

from common.pages import param_prefix
from ui import charts, data, frame, state, views_panel
from ui.i18n import t
from ui.theme import presenting
from ui.widgets import empty_state, source_name, table

PAGE = param_prefix("tasks")  # prefix of this page's filters in the URL and session state


def _hbar(plan: str, df, y: str, x: str, title: str, key: str, source: str, color: str = "#0072B2") -> None:
    # df is the plan's counts (data.tasks_by_*, cached per snapshot): the plan decides it
    charts.draw(lambda: charts.hbar(df, y, x, title, color), [plan, len(df)], source=source, key=key)


def render() -> None:
    views_panel.render("tasks")
    st.title(t("nav_tasks"))
    plans = data.task_plans()
    if plans.empty:
        empty_state(t("no_tasks"))
        return
    options = list(plans["plan_id"])
    titles = {p: source_name(p) for p in options}  # plan titles in the user's language
    defaults = {"plan": options[0], "search": ""}
    state.page_state(PAGE, defaults, {"plan": options})
    if state.show_filters():
        st.selectbox(t("tasks_plan"), options, key=f"{PAGE}_plan", format_func=lambda p: titles.get(p, p))
    s = state.sync(PAGE, defaults)
    plan = s["plan"]
    source = f"{t('source')}: {titles.get(plan, plan)}"

    if presenting():  # the slide: who carries the tasks (as the deck's tasks slide)
        units = data.tasks_by_unit(plan_id=plan)
        _hbar(plan, units.head(15), "unit", "tasks", f"{t('tasks_by_unit')} ({t('tasks_count')})", "tasks_unit_chart",
              source, "#D55E00")
        return
    c1, c2 = charts.columns(2)
    with c1:
        by_type = data.tasks_by_type(plan_id=plan)
        _hbar(plan, by_type, "task_type", "tasks", f"{t('tasks_by_type')} ({t('tasks_count')})", "tasks_type_chart",
              source)
    with c2:
        by_sec = data.tasks_by_section(plan_id=plan)
        _hbar(plan, by_sec, "section", "tasks", f"{t('tasks_by_section')} ({t('tasks_count')})", "tasks_section_chart",
              source, "#009E73")

    st.subheader(t("tasks_by_unit"))
    units = data.tasks_by_unit(plan_id=plan)
    _hbar(plan, units.head(15), "unit", "tasks", f"{t('tasks_by_unit')} ({t('tasks_count')})", "tasks_unit_chart", source,
          "#D55E00")
    table(units, {"unit": "responsible_unit", "tasks": "tasks_count", "lead_tasks": "lead_tasks"},
          key="tasks_unit_table")

    all_tasks = data.tasks_list(plan_id=plan)
    shared = all_tasks[all_tasks["n_units"] > 1]
    st.subheader(f"{t('tasks_shared')} ({len(shared)} / {len(all_tasks)})")
    table(shared, {"task_no": "task_no", "task_type": "task_type", "units": "task_units", "n_units": "n_units",
                   "text": "task_text"}, key="tasks_shared_table")

    if state.show_filters():
        st.text_input(t("tasks_search"), key=f"{PAGE}_search")
    s = state.sync(PAGE, defaults)
    found = data.tasks_list(plan_id=plan, search=s["search"] or None)
    st.markdown(t("n_tasks_found", n=len(found)))
    if found.empty:
        empty_state(t("no_tasks"))
    else:
        table(found, {"task_no": "task_no", "task_type": "task_type", "section": "section", "units": "task_units",
                      "text": "task_text"}, key="tasks_table")


frame.show(render)
