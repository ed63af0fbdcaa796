"""审核: staff confirm, correct or reject figures extracted from newly added documents (behind the upload credential)."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from common import dictionaries as d
from common.messages import CodedError
from common.pages import param_prefix
from loaders.review import CONFIRMED, CORRECTED, REJECTED, Correction, decide_figure, history
from metrics import formatting as fmt
from metrics.review import STATUSES, split_quote
from store import db
from ui import access, data, frame, state
from ui.data import connection
from ui.i18n import lang, t
from ui.widgets import table

PAGE = param_prefix("review")  # prefix of this page's filters in the URL and session state
SHOW = ("extracted", "all", *STATUSES[1:])
QUEUE_COLUMNS = {"status": "review_status", "number_text": "value", "region": "region", "period": "period",
                 "metric": "metric", "quote": "quote"}
PLAN_COLUMNS = {"plan_id": "plan_id", "title": "review_plan", "extracted": "review_status_extracted",
                "confirmed": "review_status_confirmed", "corrected": "review_status_corrected",
                "rejected": "review_status_rejected"}
LOG_COLUMNS = {"figure_id": "figure_ids", "decision_name": "review_status", "number_text": "value",
               "region_id": "region", "period": "period", "metric_id": "metric", "reviewer": "reviewer",
               "decided_at": "review_time", "note": "review_note"}
_FLASH = "_review_flash"
_FOR = "_review_for"  # the figure the correction widgets were seeded for


def _access() -> bool:
    """The shared credential gate (ui.access, the upload credential) and the reviewer's name field."""
    if not access.gate(key="review_password"):
        return False
    access.person_input(key="review_reviewer", label_key="reviewer")
    return True


def _status(s: str) -> str:
    return t(f"review_status_{s}")


def _value(r) -> str:
    return fmt.with_unit(r["value_base"], r["qualifier"], r["display_unit_zh"], r["display_unit_en"], r["decimals"],
                         lang())


def _sentence(r) -> None:
    """The source sentence with the number highlighted (escaped, as on the sources page)."""
    before, span, after = split_quote(r)
    e = html.escape
    st.html(f'<div class="aid-context"><span class="aid-quote">{e(before)}<mark class="aid-span">{e(span)}</mark>'
            f'{e(after)}</span></div>')
    st.caption(f"{t('source')}: {r['plan_id']} · {r['section'] or ''} · {r['figure_id']}")


def _seed(r) -> None:
    """Correction widgets start from the picked figure's current values (once per figure)."""
    if st.session_state.get(_FOR) == r["figure_id"]:
        return
    st.session_state[_FOR] = r["figure_id"]
    st.session_state["review_region"] = r["region_id"]
    st.session_state["review_period"] = r["period"]
    st.session_state["review_metric"] = r["metric_id"]
    st.session_state["review_value"] = ""
    st.session_state["review_note"] = ""


def _periods(current: str) -> tuple[list[str], dict[str, str]]:
    """Periods a figure may be corrected to: every five-year period, every year they span, those already loaded."""
    loaded = list(data.periods(with_figures=False)["period"])
    first, last = min(d.FIVE_YEAR_PERIODS.values()), max(d.FIVE_YEAR_PERIODS.values()) + 4
    names = [*d.FIVE_YEAR_PERIODS, *map(str, range(first, last + 1)), *loaded, current]
    infos = {}
    for name in dict.fromkeys(names):
        try:
            infos[name] = d.period_info(name)
        except ValueError:  # a period the dictionaries cannot read stays offered as itself
            infos[name] = {"sort": 0, "label_zh": name, "label_en": name}
    order = sorted(infos, key=lambda p: (infos[p]["kind"] != "five_year" if "kind" in infos[p] else True,
                                         infos[p]["sort"]))
    return order, {p: infos[p][f"label_{lang()}"] for p in order}


def _decide(r, decision: str, correction: Correction | None = None) -> None:
    note = st.session_state.get("review_note") or None
    try:
        access.require_write("review")  # the credential, checked again right before the write
        # a review always names its reviewer (decide() refuses an empty name), even where writes are open
        decide_figure(r["figure_id"], decision, access.person() or "", correction, note)
    except CodedError as exc:
        st.error(exc.message(lang()))
        return
    except db.WRITE_ERRORS as exc:
        st.error(exc.message(lang()) if hasattr(exc, "message") else str(exc))
        return
    st.session_state[_FLASH] = t("review_saved", f=r["figure_id"], s=_status(decision))
    st.session_state.pop(_FOR, None)
    st.rerun()


def _actions(r) -> None:
    _seed(r)
    c1, c2, c3 = st.columns([1, 1, 2])
    c3.text_input(t("review_note"), key="review_note")  # read by _decide from session state
    if c1.button(t("review_confirm"), key="review_confirm", type="primary", icon=":material/check:"):
        _decide(r, CONFIRMED)
    if c2.button(t("review_reject"), key="review_reject", icon=":material/block:"):
        _decide(r, REJECTED)

    st.markdown(f"**{t('review_correction')}**")
    regs, mets = d.regions(), d.metrics()  # any place or metric of the dictionaries, not only those charted
    rnames = dict(zip(regs["region_id"], regs[f"name_{lang()}"]))
    mnames = dict(zip(mets["metric_id"], mets[f"name_{lang()}"]))
    period_opts, pnames = _periods(r["period"])
    c1, c2, c3, c4 = st.columns(4)
    region = c1.selectbox(t("region"), list(rnames), key="review_region", format_func=lambda x: rnames.get(x, x))
    period = c2.selectbox(t("period"), period_opts, key="review_period", format_func=lambda x: pnames.get(x, x))
    metric = c3.selectbox(t("metric"), list(mnames), key="review_metric", format_func=lambda x: mnames.get(x, x))
    value = c4.text_input(t("value"), key="review_value", help=t("review_value_help", u=r["unit"]),
                          placeholder=str(r["number_text"] or ""))
    if st.button(t("review_correct"), key="review_correct", icon=":material/edit:"):
        correction = Correction(region_id=region if region != r["region_id"] else None,
                                period=period if period != r["period"] else None,
                                metric_id=metric if metric != r["metric_id"] else None,
                                value=value.strip() or None)
        _decide(r, CORRECTED, correction)


def _log(plan_id: str) -> None:
    with st.expander(t("review_log"), expanded=False):
        con = connection()
        try:
            log = history(con, plan_id)
        finally:
            con.close()
        log["decision_name"] = [_status(x) for x in log["decision"]]
        table(log, LOG_COLUMNS, key="review_log_table")


def _orphans() -> None:
    orphans = data.orphan_decisions()
    if orphans.empty:
        return
    st.warning(t("review_orphans", n=len(orphans)))
    orphans["figure_id"] = orphans["plan_id"] + ":" + orphans["span_start"].astype(str)
    orphans["decision_name"] = [_status(x) for x in orphans["decision"]]
    table(orphans, {**LOG_COLUMNS, "text_now": "quote"}, key="review_orphans_table")


def render() -> None:
    st.title(t("nav_review"))
    st.caption(t("review_intro"))
    if not _access():
        return
    if msg := st.session_state.pop(_FLASH, None):
        st.success(msg)
    _orphans()
    plans = data.review_plans()
    if plans.empty:
        st.info(t("review_empty"))
        return
    titles = dict(zip(plans["plan_id"], plans["title"]))
    defaults = {"plan": str(plans["plan_id"].iloc[0]), "show": "extracted"}
    state.page_state(PAGE, defaults, {"plan": list(plans["plan_id"]), "show": list(SHOW)})
    st.subheader(t("review_plans"))
    table(plans, PLAN_COLUMNS, key="review_plans_table")
    c1, c2 = st.columns([3, 1])
    c1.selectbox(t("review_plan"), list(plans["plan_id"]), key=f"{PAGE}_plan",
                 format_func=lambda p: f"{titles.get(p, p)} ({p})")
    c2.selectbox(t("review_show"), list(SHOW), key=f"{PAGE}_show",
                 format_func=lambda s: t("all") if s == "all" else _status(s))
    s = state.sync(PAGE, defaults)

    queue = data.review_queue(plan_id=s["plan"], statuses=None if s["show"] == "all" else [s["show"]])
    st.markdown(t("review_figures", n=len(queue)))
    if queue.empty:
        _log(s["plan"])
        return
    queue["status"] = [_status(x) for x in queue["review_status"]]
    queue["region"] = queue[f"region_{lang()}"]
    queue["metric"] = queue[f"metric_{lang()}"]
    queue["period"] = queue[f"period_{lang()}"].fillna(queue["period"])
    table(queue, QUEUE_COLUMNS, key="review_queue_table")

    ids = list(queue["figure_id"])
    labels = {r.figure_id: f"{r.status} · {r.number_text} · {r.region} · {r.metric} · {r.period}"
              for r in queue.itertuples()}
    if st.session_state.get("review_figure") not in ids:  # decided and gone from the list: the next one
        st.session_state["review_figure"] = ids[0]
    fid = st.selectbox(t("review_pick"), ids, key="review_figure", format_func=lambda i: labels.get(i, i))
    r = queue.set_index("figure_id").loc[fid].to_dict() | {"figure_id": fid}
    _sentence(r)
    c1, c2 = st.columns(2)
    c1.markdown(f"**{t('review_current')}**: {_value(r)} · {r['region']} · {r['period']} · {r['metric']}")
    if r["review_status"] == "corrected":
        c2.markdown(f"**{t('review_extracted')}**: {r['extracted_number_text']} · {r['extracted_region_id']} · "
                    f"{r['extracted_period']} · {r['extracted_metric_id']}")
    if isinstance(r.get("reviewer"), str) and r["reviewer"]:
        when = pd.Timestamp(r["reviewed_at"]).strftime("%Y-%m-%d %H:%M")
        st.caption(t("review_decided", s=_status(r["review_status"]), who=access.md(r["reviewer"]), when=when))
    _actions(r)
    _log(s["plan"])


frame.show(render)
