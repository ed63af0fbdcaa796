"""Preview an upload against the current figures, commit it as one batch, list and undo batches.

Replacing: a committed row that replaces key K (period, region, metric) records a supersession for
every figure of K already in the table, current or not. So undoing batch A after a later batch B also
replaced K leaves B current (A's supersession of the plan figure no longer applies, but B's does);
undoing B then brings back A's figure if A is live, otherwise the plan figure.
Undo keeps the batch's rows (v_figures hides figures of undone batches) so the history stays auditable.
"""
from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from common import dictionaries as d
from loaders.upload.read import ReadResult, UploadError, read_upload
from loaders.upload.validate import validate
from store import db

KEY = ["period", "region_id", "metric_id"]
REPLACE, SKIP = "replace", "skip"


class DuplicateUpload(UploadError):
    """The same file (same sha256) is already a live batch."""


@dataclass
class Preview:
    file_name: str
    sha256: str
    n_rows: int                      # data rows read (valid or not)
    rows: pd.DataFrame               # valid rows + status add|conflict|same + old figures
    errors: pd.DataFrame             # 工作表 行 列 值 问题 建议
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    duplicate_of: int | None = None  # live batch with the same sha256

    @property
    def ok(self) -> bool:
        return self.errors.empty and self.duplicate_of is None and len(self.rows) > 0

    def count(self, status: str) -> int:
        return int((self.rows["status"] == status).sum()) if len(self.rows) else 0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def classify(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> pd.DataFrame:
    """rows + status (add | conflict | same), old (current figures of the key as text), old_ids."""
    out = rows.copy()
    if out.empty:
        return out.assign(status=pd.Series(dtype=str), old=pd.Series(dtype=str), old_ids=pd.Series(dtype=object))
    keys = out[KEY].drop_duplicates()
    con.register("_upload_keys", keys)
    try:
        cur = con.execute("""
            SELECT f.figure_id, f.period, f.region_id, f.metric_id, f.value, f.unit, f.qualifier, f.value_base,
                   coalesce(f.plan_id, '批次 ' || f.batch_id::VARCHAR) AS source
            FROM v_figures f JOIN _upload_keys k USING (period, region_id, metric_id)
            ORDER BY f.figure_id""").df()
    finally:
        con.unregister("_upload_keys")
    if cur.empty:
        return out.assign(status="add", old=None, old_ids=[[] for _ in range(len(out))])
    cur["text"] = [f"{(q or '') if isinstance(q, str) else ''}{v:g}{u} ({s})"
                   for q, v, u, s in zip(cur["qualifier"], cur["value"], cur["unit"], cur["source"])]
    grouped = cur.groupby(KEY, sort=False).agg(old=("text", "; ".join), old_ids=("figure_id", list),
                                               old_bases=("value_base", list)).reset_index()
    out = out.merge(grouped, on=KEY, how="left")

    def status(r) -> str:
        if not isinstance(r.old_ids, list):
            return "add"
        if any(abs(b - r.value_base) <= 1e-9 * max(1.0, abs(b)) for b in r.old_bases):
            return "same"
        return "conflict"

    out["status"] = [status(r) for r in out.itertuples()]
    out["old_ids"] = [x if isinstance(x, list) else [] for x in out["old_ids"]]
    return out.drop(columns="old_bases")


def live_batch_with_sha(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    r = con.execute("SELECT min(batch_id) FROM batches WHERE sha256 = ? AND undone_at IS NULL", [digest]).fetchall()
    return r[0][0] if r else None


def prepare(data: bytes, file_name: str, path=None, max_mb: float | None = None) -> Preview:
    """Read + validate + compare with the live database; raises UploadError for an unusable file."""
    read: ReadResult = read_upload(data, file_name, max_mb)
    rows, errors = validate(read)
    n_rows = sum(len(s.cells) for s in read.sheets)
    if n_rows == 0 and errors.empty:
        raise UploadError("文件中没有数据行(只有表头)。请在“数据”工作表中逐行填写后再上传。")
    digest = sha256(data)
    con = db.open_read(path)
    try:
        rows = classify(con, rows)
        dup = live_batch_with_sha(con, digest)
    finally:
        con.close()
    return Preview(file_name, digest, n_rows, rows, errors, read.notes, [s.name for s in read.sheets], dup)


@dataclass
class CommitResult:
    batch_id: int
    n_added: int        # rows for keys that had no current figure
    n_replaced: int     # rows that replaced a different current figure
    n_skipped: int      # conflicts skipped by choice
    n_same: int         # rows equal to a current figure, not stored again


FIGURE_COLUMNS = ["figure_id", "source_kind", "batch_id", "upload_file", "sheet", "row_number", "period", "year",
                  "region_id", "metric_id", "value", "unit", "qualifier", "value_base", "base_unit",
                  "number_text", "note"]


def commit(preview: Preview, path=None, conflicts: str = SKIP, uploader: str | None = None,
           note: str | None = None) -> CommitResult:
    """One write transaction: the batch row, its figures, and supersessions for what it replaces.

    Conflicts are classified again inside the transaction, so a batch committed since the preview is
    taken into account. Raises UploadError if the file has errors, DuplicateUpload for a file that is
    already a live batch.
    """
    if conflicts not in (REPLACE, SKIP):
        raise ValueError(conflicts)
    if not preview.errors.empty:
        raise UploadError(f"文件有 {len(preview.errors)} 处错误，请改正后再上传；未做任何更改。")
    if preview.rows.empty:
        raise UploadError("文件中没有可导入的数据行。")
    uploader = uploader or _default_user()
    base = preview.rows[[c for c in preview.rows.columns if c not in ("status", "old", "old_ids")]]
    with db.write_transaction(path) as con:
        dup = live_batch_with_sha(con, preview.sha256)
        if dup is not None:
            raise DuplicateUpload(f"同一个文件已经作为批次 {dup} 导入过(内容完全相同)，未重复导入。"
                                  f"如需重新导入，请先撤销批次 {dup}。")
        rows = classify(con, base)
        take = rows["status"].eq("add") | (rows["status"].eq("conflict") & (conflicts == REPLACE))
        new = rows[take].copy()
        batch_id = int(con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0])
        n_added = int(new["status"].eq("add").sum())
        n_replaced = int(new["status"].eq("conflict").sum())
        n_skipped = int((rows["status"].eq("conflict") & ~take).sum())
        n_same = int(rows["status"].eq("same").sum())
        note_parts = [note] if note else []
        if n_skipped:
            note_parts.append(f"跳过冲突 {n_skipped} 行")
        if n_same:
            note_parts.append(f"与现有数据相同未导入 {n_same} 行")
        con.execute("INSERT INTO batches (batch_id, file_name, sha256, sheets, n_rows, n_added, n_replaced, uploader,"
                    " created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [batch_id, preview.file_name, preview.sha256, "|".join(preview.sheets), preview.n_rows,
                     n_added, n_replaced, uploader, datetime.now(), "；".join(note_parts) or None])
        if len(new):
            new["figure_id"] = [f"b{batch_id}:{s}:{r}" for s, r in zip(new["sheet"], new["row_number"])]
            new["source_kind"] = "upload"
            new["batch_id"] = batch_id
            new["upload_file"] = preview.file_name
            _insert(con, "figures", new[FIGURE_COLUMNS])
            _add_periods(con, sorted(set(new["period"])))
            replaced = new.loc[new["status"].eq("conflict"), KEY].drop_duplicates()
            if len(replaced):
                # every figure of a replaced key, current or not (see the module docstring)
                con.register("_replaced", replaced)
                con.execute("""INSERT INTO supersessions
                               SELECT DISTINCT ?, f.figure_id FROM figures f JOIN _replaced k
                               USING (period, region_id, metric_id)
                               WHERE f.batch_id IS DISTINCT FROM ?""", [batch_id, batch_id])
                con.unregister("_replaced")
    return CommitResult(batch_id, n_added, n_replaced, n_skipped, n_same)


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    con.register("_upload_rows", df)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(df.columns)}) SELECT {', '.join(df.columns)} FROM _upload_rows")
    finally:
        con.unregister("_upload_rows")


def _add_periods(con: duckdb.DuckDBPyConnection, periods: list[str]) -> None:
    """Periods new to the database (a year such as 2023) get their row, so v_figures can label them."""
    have = {r[0] for r in con.execute("SELECT period FROM periods").fetchall()}
    missing = [p for p in periods if p not in have]
    if missing:
        frame = d.periods_frame(missing)
        frame = frame[frame["period"].isin(missing)]
        _insert(con, "periods", frame)


def undo(batch_id: int, path=None, by: str | None = None) -> None:
    """Marks a batch undone in one transaction; its figures leave v_figures and what it replaced returns."""
    by = by or _default_user()
    with db.write_transaction(path) as con:
        r = con.execute("SELECT undone_at FROM batches WHERE batch_id = ?", [int(batch_id)]).fetchall()
        r = r[0] if r else None
        if r is None:
            raise UploadError(f"没有批次 {batch_id}。")
        if r[0] is not None:
            raise UploadError(f"批次 {batch_id} 已于 {r[0]:%Y-%m-%d %H:%M} 撤销过。")
        con.execute("UPDATE batches SET undone_at = ?, undone_by = ? WHERE batch_id = ?",
                    [datetime.now(), by, int(batch_id)])


HISTORY_COLUMNS = {"batch_id": "批次", "file_name": "文件", "sheets": "工作表", "n_rows": "行数",
                   "n_added": "新增", "n_replaced": "替换", "n_current": "当前有效", "uploader": "上传人",
                   "created_at": "上传时间", "status": "状态", "undone_by": "撤销人", "undone_at": "撤销时间",
                   "note": "备注"}


def history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every batch, newest first, with Chinese column names and how many of its figures are current."""
    df = con.execute("""
        SELECT b.*, (SELECT count(*) FROM v_figures v WHERE v.batch_id = b.batch_id) AS n_current,
               CASE WHEN b.undone_at IS NULL THEN '有效' ELSE '已撤销' END AS status
        FROM batches b ORDER BY b.batch_id DESC""").df()
    return df.reindex(columns=list(HISTORY_COLUMNS)).rename(columns=HISTORY_COLUMNS)


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
