"""上传数据 / Upload data: staff upload figures from Excel/CSV — check, preview, commit as a batch, list and undo batches."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from common import dictionaries as d
from common import settings
from common.messages import CodedError
from common.safe_csv import to_csv_bytes, to_xlsx_bytes
from loaders.upload import REPLACE, SKIP, UploadError, commit, history, prepare, template_bytes, undo
from loaders.upload.store import HISTORY_COLUMNS, HISTORY_COLUMNS_EN
from store import db
from ui import access, frame
from ui.data import connection
from ui.i18n import lang, t

PREVIEW_FIELDS = ["sheet", "row_number", "cell", "period", "region", "metric", "number_text", "unit", "qualifier",
                  "old", "note"]
_DONE = "_upload_done"      # (sha256, batch) of the file just committed: its state replaces the duplicate warning
_ASK_UNDO = "_upload_ask_undo"
_ERRORS = (UploadError, access.AccessDenied, *db.WRITE_ERRORS)


def _say(exc: Exception) -> str:
    """An error in the user's language: coded errors by their code, the store's by their own text."""
    if isinstance(exc, (CodedError, db.DiskFull)):
        return exc.message(lang())
    return str(exc)


def _preview(data: bytes, name: str):
    """Reading and validation are the slow part; keep the result for this file and this database snapshot."""
    path = str(db.location())
    key = (name, len(data), hashlib.sha256(data).hexdigest(), db.snapshot_token(path))
    cached = st.session_state.get("_upload_preview")
    if cached and cached[0] == key:
        return cached[1]
    pv = prepare(data, name, path)
    st.session_state["_upload_preview"] = (key, pv)
    return pv


def _text_table(df: pd.DataFrame) -> pd.DataFrame:
    """Blank, not None/nan/NaT, wherever a cell is missing (tables show text, staff read them)."""
    out = df.astype(object)
    return out.where(out.notna(), "")


def _labelled(rows: pd.DataFrame) -> pd.DataFrame:
    language = lang()
    out = rows.copy()
    regions, metrics = d.regions(), d.metrics()
    out["region"] = out["region_id"].map(dict(zip(regions["region_id"], regions[f"name_{language}"])))
    out["metric"] = out["metric_id"].map(dict(zip(metrics["metric_id"], metrics[f"name_{language}"])))
    if language == "en":
        labels = {p: d.period_info(p)["label_en"] for p in set(out["period"])}
        out["period"] = out["period"].map(labels)
    out["unit"] = [u if not str(tx).endswith(str(u)) else "" for tx, u in zip(out["number_text"], out["unit"])]
    if "cell" not in out:
        out["cell"] = ""
    fields = [f for f in PREVIEW_FIELDS if f != "cell" or out["cell"].fillna("").astype(bool).any()]
    out = out.reindex(columns=fields)
    return _text_table(out.rename(columns={f: t(f"up_col_{f}") for f in fields}))


def _errors(pv) -> None:
    table = pv.error_table(lang())
    st.error(t("up_errors", n=len(table)))
    st.dataframe(table.astype(object).where(table.notna(), ""), hide_index=True, key="upload_errors")
    c1, c2 = st.columns(2)
    c1.download_button(t("up_errors_csv"), to_csv_bytes(table), t("up_errors_file") + ".csv", "text/csv",
                       key="upload_errors_csv")
    c2.download_button(t("up_errors_xlsx"), to_xlsx_bytes({t("up_errors_sheet"): table}),
                       t("up_errors_file") + ".xlsx", key="upload_errors_xlsx")


def _show_preview(pv) -> None:
    for note in pv.note_texts(lang()):
        st.caption(access.md(note))
    if not pv.errors.empty:
        _errors(pv)
        return
    done = st.session_state.get(_DONE)
    if done and done[0] == pv.sha256:
        st.info(t("up_just_done", batch=done[1]))  # the success state of this file, not a duplicate warning
        return
    n_add, n_conf, n_same = pv.count("add"), pv.count("conflict"), pv.count("same")
    if pv.duplicate_of is not None and not n_conf:
        st.error(t("upload_duplicate", batch=pv.duplicate_of))
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("up_n_add"), f"{n_add:,}")   # 100,000 rather than 100000
    c2.metric(t("up_n_conflict"), f"{n_conf:,}")
    c3.metric(t("up_n_same"), f"{n_same:,}")
    labelled = _labelled(pv.rows)
    status = pv.rows["status"].to_numpy()
    old = t("up_col_old")
    tabs = st.tabs([t("up_tab_add"), t("up_tab_change"), t("up_tab_same")])
    with tabs[0]:
        st.dataframe(labelled[status == "add"].drop(columns=old), hide_index=True, key="upload_add")
    with tabs[1]:
        st.dataframe(labelled[status == "conflict"], hide_index=True, key="upload_change")
    with tabs[2]:
        st.dataframe(labelled[status == "same"], hide_index=True, key="upload_same")
    choice = SKIP
    if n_conf:
        choices = {t("up_replace"): REPLACE, t("up_skip"): SKIP}
        if pv.duplicate_of is not None:
            st.warning(t("up_duplicate_replace", batch=pv.duplicate_of))
        picked = st.radio(t("up_conflict_q", n=n_conf), list(choices), index=1, key="upload_conflicts",
                          horizontal=True)
        choice = choices.get(picked, SKIP)
    asserted = int(pv.rows["same_ids"].map(bool).sum()) if "same_ids" in pv.rows else 0
    if (n_add == 0 and (n_conf == 0 or choice == SKIP) and not asserted) or (
            pv.duplicate_of is not None and choice == SKIP):
        st.info(t("upload_nothing_new", same=n_same, skipped=n_conf if choice == SKIP else 0))
        return
    if st.button(t("up_commit"), type="primary", key="upload_commit"):
        try:
            who = access.require_write("upload")
            result = commit(pv, None, choice, who)
        except _ERRORS as exc:
            st.error(_say(exc))
            return
        st.session_state.pop("_upload_preview", None)
        if result.committed:
            st.session_state[_DONE] = (pv.sha256, result.batch_id)
        st.session_state["upload_last"] = ("success" if result.committed else "info", result.message(lang()))
        st.rerun()


def _history() -> None:
    st.subheader(t("up_history"))
    con = connection()  # the app's cached snapshot connection: opening the file each rerun grows with its size
    try:
        hist = history(con, lang())
    finally:
        con.close()
    if hist.empty:
        st.caption(t("up_no_history"))
        return
    labels = HISTORY_COLUMNS_EN if lang() == "en" else HISTORY_COLUMNS
    counts = [labels[k] for k in ("n_rows", "n_added", "n_replaced", "n_current")]   # 100,000 rather than 100000
    st.dataframe(_text_table(hist.assign(**{c: hist[c].map("{:,}".format) for c in counts})), hide_index=True,
                 key="upload_history")
    batch_col, file_col, status_col = hist.columns[0], hist.columns[1], t("up_col_status")
    live = hist.loc[hist[status_col] == t("up_status_live"), batch_col].tolist()
    if not live:
        return
    names = dict(zip(hist[batch_col], hist[file_col]))
    batch = st.selectbox(t("up_undo_pick"), live, key="undo_batch",
                         format_func=lambda b: t("up_batch_label", batch=b, file=names[b]))
    asked = st.session_state.get(_ASK_UNDO)
    if asked != batch:
        if st.button(t("up_undo"), key="undo_ask"):
            st.session_state[_ASK_UNDO] = batch
            st.rerun()
        return
    st.warning(t("up_undo_confirm_q", batch=batch, file=access.md(names[batch])))
    c1, c2 = st.columns(2)
    cancel = c2.button(t("up_undo_no"), key="undo_cancel")
    if c1.button(t("up_undo_yes", batch=batch), type="primary", key="undo_confirm"):
        st.session_state.pop(_ASK_UNDO, None)
        try:
            who = access.require_write("undo")
            undo(int(batch), None, who)
        except _ERRORS as exc:
            st.error(_say(exc))
            return
        st.session_state.pop("_upload_preview", None)
        st.session_state.pop(_DONE, None)
        st.session_state["upload_last"] = ("success", t("up_undone", batch=batch))
        st.rerun()
    if cancel:
        st.session_state.pop(_ASK_UNDO, None)
        st.rerun()


def render() -> None:
    st.title(t("nav_upload"))
    st.caption(t("up_intro"))
    if not access.gate(key="upload_password"):
        return
    if flash := st.session_state.pop("upload_last", None):
        kind, message = flash if isinstance(flash, tuple) else ("success", flash)
        (st.success if kind == "success" else st.info)(message)
    st.download_button(t("up_template"), template_bytes(), t("up_template_file"),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload_template")
    access.person_input(key="upload_uploader")
    st.caption(t("up_rule"))
    limit = settings.get_float("max_upload_mb")
    up = st.file_uploader(t("up_choose", mb=f"{limit:g}"), type=["xlsx", "xlsm", "xls", "csv"], key="upload_file")
    if up is not None:
        try:
            pv = _preview(up.getvalue(), up.name)
        except (UploadError, db.DatabaseBusy, db.DatabaseMissing) as exc:
            st.error(_say(exc))
        else:
            _show_preview(pv)
    else:
        st.session_state.pop(_DONE, None)
    _history()


frame.show(render)
