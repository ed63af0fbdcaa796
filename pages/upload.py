"""上传数据: staff upload figures from Excel/CSV — check, preview, commit as a batch, list and undo batches."""
from __future__ import annotations

import hmac

import pandas as pd
import streamlit as st

from common import settings
from common.safe_csv import to_csv_bytes, to_xlsx_bytes
from loaders.upload import REPLACE, SKIP, UploadError, commit, history, prepare, template_bytes, undo
from store import db
from ui import frame
from ui.data import connection

CHOICES = {"替换": REPLACE, "跳过": SKIP}
PREVIEW_COLUMNS = {"sheet": "工作表", "row_number": "行", "period": "期间", "region_zh": "地区", "metric_zh": "指标",
                   "number_text": "数值(文件)", "unit": "单位", "qualifier": "限定词", "old": "现有数值", "note": "来源或备注"}


def _gate() -> bool:
    """True when the visitor may upload: the configured password, or none configured (with a warning)."""
    password = settings.get("uploader_password")
    if not password:
        st.warning("未配置上传口令：任何能打开本页的人都可以上传和撤销数据。请在部署时设置 AID_UPLOADER_PASSWORD。")
        return True
    typed = st.text_input("上传口令", type="password", key="upload_password")
    if not typed:
        st.info("请输入上传口令。")
        return False
    if not hmac.compare_digest(typed.encode("utf-8"), password.encode("utf-8")):
        st.error("口令不正确。")
        return False
    return True


def _preview(data: bytes, name: str):
    """Validation is the slow part; keep the result for this file and this database snapshot."""
    path = str(db.db_path())
    key = (name, len(data), hash(data), db.snapshot_token(path))
    cached = st.session_state.get("_upload_preview")
    if cached and cached[0] == key:
        return cached[1]
    pv = prepare(data, name, path)
    st.session_state["_upload_preview"] = (key, pv)
    return pv


def _labelled(rows: pd.DataFrame) -> pd.DataFrame:
    from common import dictionaries as d

    out = rows.copy()
    out["region_zh"] = out["region_id"].map(dict(zip(d.regions()["region_id"], d.regions()["name_zh"])))
    out["metric_zh"] = out["metric_id"].map(dict(zip(d.metrics()["metric_id"], d.metrics()["name_zh"])))
    out["unit"] = [u if not str(t).endswith(u) else "" for t, u in zip(out["number_text"], out["unit"])]
    return out.reindex(columns=list(PREVIEW_COLUMNS)).rename(columns=PREVIEW_COLUMNS)


def _show_preview(pv) -> None:
    for note in pv.notes:
        st.caption(note)
    if not pv.errors.empty:
        st.error(f"发现 {len(pv.errors)} 处错误，整个文件未导入。请改正后重新上传。")
        st.dataframe(pv.errors, hide_index=True, key="upload_errors")
        c1, c2 = st.columns(2)
        c1.download_button("下载错误表 (CSV)", to_csv_bytes(pv.errors), "上传错误.csv", "text/csv",
                           key="upload_errors_csv")
        c2.download_button("下载错误表 (Excel)", to_xlsx_bytes({"错误": pv.errors}), "上传错误.xlsx",
                           key="upload_errors_xlsx")
        return
    if pv.duplicate_of is not None:
        st.error(f"这个文件(内容完全相同)已经作为批次 {pv.duplicate_of} 导入过，不能重复导入。"
                 f"如需重新导入，请先在下方撤销批次 {pv.duplicate_of}。")
        return
    n_add, n_conf, n_same = pv.count("add"), pv.count("conflict"), pv.count("same")
    c1, c2, c3 = st.columns(3)
    c1.metric("新增", n_add)
    c2.metric("与现有数值不同(需选择)", n_conf)
    c3.metric("与现有数值相同(不再导入)", n_same)
    labelled = _labelled(pv.rows)
    status = pv.rows["status"].to_numpy()
    tabs = st.tabs(["新增", "将更改(现有 → 文件)", "相同"])
    with tabs[0]:
        st.dataframe(labelled[status == "add"].drop(columns="现有数值"), hide_index=True, key="upload_add")
    with tabs[1]:
        st.dataframe(labelled[status == "conflict"], hide_index=True, key="upload_change")
    with tabs[2]:
        st.dataframe(labelled[status == "same"], hide_index=True, key="upload_same")
    choice = SKIP
    if n_conf:
        picked = st.radio(f"{n_conf} 行与系统中现有数值不同，如何处理？", list(CHOICES), index=1,
                          key="upload_conflicts", horizontal=True)
        choice = CHOICES[picked]
    if n_add == 0 and (n_conf == 0 or choice == SKIP):
        st.info("没有需要写入的数据。")
        return
    if st.button("确认导入", type="primary", key="upload_commit"):
        try:
            result = commit(pv, None, choice, st.session_state.get("upload_uploader") or None)
        except (UploadError, db.DatabaseBusy) as exc:
            st.error(str(exc))
            return
        st.session_state.pop("_upload_preview", None)
        st.session_state["upload_last"] = (f"已导入批次 {result.batch_id}：新增 {result.n_added} 行，替换 "
                                           f"{result.n_replaced} 行，跳过 {result.n_skipped} 行。数据已在各页面生效。")
        st.rerun()


def _history() -> None:
    st.subheader("上传历史")
    con = connection()  # the app's cached snapshot connection: opening the file each rerun grows with its size
    try:
        hist = history(con)
    finally:
        con.close()
    if hist.empty:
        st.caption("还没有上传过数据。")
        return
    st.dataframe(hist, hide_index=True, key="upload_history")
    live = hist.loc[hist["状态"] == "有效", "批次"].tolist()
    if not live:
        return
    names = dict(zip(hist["批次"], hist["文件"]))
    batch = st.selectbox("撤销批次", live, key="undo_batch", format_func=lambda b: f"批次 {b} · {names[b]}")
    if st.button("撤销所选批次", key="undo_confirm"):
        try:
            undo(int(batch), None, st.session_state.get("upload_uploader") or None)
        except (UploadError, db.DatabaseBusy) as exc:
            st.error(str(exc))
            return
        st.session_state.pop("_upload_preview", None)
        st.session_state["upload_last"] = f"批次 {batch} 已撤销，它替换掉的数值已恢复。"
        st.rerun()


def render() -> None:
    st.title("上传数据")
    st.caption("从 Excel 或 CSV 文件批量导入数值。每次导入是一个批次，可在下方撤销。")
    if not _gate():
        return
    if msg := st.session_state.pop("upload_last", None):
        st.success(msg)
    st.download_button("下载上传模板 (Excel)", template_bytes(), "对口支援数据上传模板.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload_template")
    st.text_input("上传人", key="upload_uploader", placeholder="姓名(记录在上传历史中)")
    limit = settings.get_float("max_upload_mb")
    up = st.file_uploader(f"选择文件(.xlsx / .xls / .csv，不超过 {limit:g} MB)", type=["xlsx", "xls", "csv"],
                          key="upload_file")
    if up is not None:
        try:
            pv = _preview(up.getvalue(), up.name)
        except (UploadError, db.DatabaseBusy, db.DatabaseMissing) as exc:
            st.error(str(exc))
        else:
            _show_preview(pv)
    _history()


frame.show(render)
