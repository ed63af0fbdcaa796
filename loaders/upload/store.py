"""Preview an upload against the current figures, commit it as one batch, list and undo batches.

Replacing: a committed row that replaces key K (period, region, metric) records a supersession for
every figure of K already in the table, current or not. So undoing batch A after a later batch B also
replaced K leaves B current (A's supersession of the plan figure no longer applies, but B's does);
undoing B then brings back A's figure if A is live, otherwise the plan figure.
Undo keeps the batch's rows (v_figures hides figures of undone batches) so the history stays auditable.

Stating a figure again: a row equal to a current figure of a live batch is not stored twice; the new batch
records an assertion of that figure instead, so the figure stays until the last batch stating it is undone.
A batch that would add, replace and assert nothing is not committed at all (commit() returns batch_id None).
"""
from __future__ import annotations

import getpass
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from common import dictionaries as d
from common.messages import text
from loaders.upload.read import ReadResult, UploadError, read_upload
from loaders.upload.validate import error_table, validate_records
from store import cells, db

KEY = ["period", "region_id", "metric_id"]
REPLACE, SKIP = "replace", "skip"
LATERAL_KEYS = 5000  # up to this many keys an upload looks its current figures up key by key on PostgreSQL


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
    error_records: list[dict] = field(default_factory=list)   # coded, for error_table(records, lang)
    note_codes: list[tuple[str, dict]] = field(default_factory=list)

    def error_table(self, lang: str = "zh") -> pd.DataFrame:
        return error_table(self.error_records, lang)

    def note_texts(self, lang: str = "zh") -> list[str]:
        return [text(code, lang, **params) for code, params in self.note_codes]

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
        return out.assign(status=pd.Series(dtype=str), old=pd.Series(dtype=str), old_ids=pd.Series(dtype=object),
                          same_ids=pd.Series(dtype=object))
    keys = out[KEY].drop_duplicates()
    con.register("_upload_keys", keys)
    # PostgreSQL cannot push a join's keys into v_figures (a UNION ALL with an anti-join): for a few keys, one
    # index lookup per key (LATERAL; OFFSET 0 keeps the subquery apart) instead of a scan of every figure
    per_key = db.engine_of(con) == "postgres" and len(keys) <= LATERAL_KEYS
    source = ("""_upload_keys k CROSS JOIN LATERAL (
                     SELECT * FROM v_figures v WHERE v.period = k.period AND v.region_id = k.region_id
                     AND v.metric_id = k.metric_id OFFSET 0) f""" if per_key
              else "v_figures f JOIN _upload_keys k USING (period, region_id, metric_id)")
    try:
        cur = con.execute(f"""
            SELECT f.figure_id, f.period, f.region_id, f.metric_id, f.value, f.unit, f.qualifier, f.value_base,
                   f.batch_id, coalesce(f.plan_id, '批次 ' || CAST(f.batch_id AS VARCHAR)) AS source
            FROM {source}
            ORDER BY f.figure_id""").df()
    finally:
        con.unregister("_upload_keys")
    none: list = []  # one empty list shared by the rows without ids (never mutated): 100k new lists cost GC time
    if cur.empty:
        return out.assign(status="add", old=None, old_ids=[none] * len(out), same_ids=[none] * len(out))
    cur["text"] = [f"{(q or '') if isinstance(q, str) else ''}{v:g}{u} ({s})"
                   for q, v, u, s in zip(cur["qualifier"], cur["value"], cur["unit"], cur["source"])]
    cur["from_batch"] = cur["batch_id"].notna()
    grouped = cur.groupby(KEY, sort=False).agg(old=("text", "; ".join), old_ids=("figure_id", list),
                                               old_bases=("value_base", list),
                                               old_batch=("from_batch", list)).reset_index()
    out = out.merge(grouped, on=KEY, how="left")

    def status(r) -> str:
        if not isinstance(r.old_ids, list):
            return "add"
        if any(abs(b - r.value_base) <= 1e-9 * max(1.0, abs(b)) for b in r.old_bases):
            return "same"
        return "conflict"

    def same_ids(r) -> list[str]:
        """Current batch figures equal to the row: the row asserts them (see the module docstring)."""
        if not isinstance(r.old_ids, list):
            return []
        return [i for i, b, from_batch in zip(r.old_ids, r.old_bases, r.old_batch)
                if from_batch and abs(b - r.value_base) <= 1e-9 * max(1.0, abs(b))]

    out["status"] = [status(r) for r in out.itertuples()]
    out["same_ids"] = [same_ids(r) if s == "same" else none for r, s in zip(out.itertuples(), out["status"])]
    out["old_ids"] = [x if isinstance(x, list) else none for x in out["old_ids"]]
    return out.drop(columns=["old_bases", "old_batch"])


def live_batch_with_sha(con: duckdb.DuckDBPyConnection, digest: str) -> int | None:
    r = con.execute("SELECT min(batch_id) FROM batches WHERE sha256 = ? AND undone_at IS NULL", [digest]).fetchall()
    return r[0][0] if r else None


def prepare(data: bytes, file_name: str, path=None, max_mb: float | None = None) -> Preview:
    """Read + validate + compare with the live database; raises UploadError for an unusable file."""
    read: ReadResult = read_upload(data, file_name, max_mb)
    rows, records = validate_records(read)
    errors = error_table(records, "zh")
    n_rows = sum(len(s.cells) for s in read.sheets)
    if n_rows == 0 and errors.empty:
        raise UploadError("upload_only_headers")
    digest = sha256(data)
    con = db.open_read(path)
    try:
        rows = classify(con, rows)
        dup = live_batch_with_sha(con, digest)
    finally:
        con.close()
    return Preview(file_name, digest, n_rows, rows, errors, read.notes, [s.name for s in read.sheets], dup,
                   records, list(read.note_codes))


@dataclass
class CommitResult:
    batch_id: int | None  # None: nothing to write, no batch created
    n_added: int        # rows for keys that had no current figure
    n_replaced: int     # rows that replaced a different current figure
    n_skipped: int      # conflicts skipped by choice
    n_same: int         # rows equal to a current figure, not stored again
    n_asserted: int = 0  # of n_same: equal to a live batch's figure, recorded as stated again

    @property
    def committed(self) -> bool:
        return self.batch_id is not None

    def message(self, lang: str = "zh") -> str:
        if not self.committed:
            return text("upload_nothing_new", lang, same=self.n_same, skipped=self.n_skipped)
        return text("upload_committed", lang, batch=self.batch_id, added=self.n_added, replaced=self.n_replaced,
                    skipped=self.n_skipped, same=self.n_same)


FIGURE_COLUMNS = ["figure_id", "source_kind", "batch_id", "upload_file", "sheet", "row_number", "period", "year",
                  "region_id", "metric_id", "value", "unit", "qualifier", "value_base", "base_unit",
                  "number_text", "note"]


def commit(preview: Preview, path=None, conflicts: str = SKIP, uploader: str | None = None,
           note: str | None = None) -> CommitResult:
    try:
        return _commit(preview, path, conflicts, uploader, note)
    except _NothingNew as nothing:  # raised inside the transaction so it rolls back; not an error
        return nothing.result


def _commit(preview: Preview, path=None, conflicts: str = SKIP, uploader: str | None = None,
            note: str | None = None) -> CommitResult:
    """One write transaction: the batch row, its figures, and supersessions for what it replaces.

    Conflicts are classified again inside the transaction, so a batch committed since the preview is
    taken into account. Raises UploadError if the file has errors, DuplicateUpload for a file that is
    already a live batch.
    """
    if conflicts not in (REPLACE, SKIP):
        raise ValueError(conflicts)
    if not preview.errors.empty:
        raise UploadError("upload_has_errors", n=len(preview.errors))
    if preview.rows.empty:
        raise UploadError("upload_no_rows")
    uploader = uploader or _default_user()
    base = preview.rows[[c for c in preview.rows.columns if c not in ("status", "old", "old_ids", "same_ids")]]
    with db.write_transaction(path) as con:
        rows = classify(con, base)
        n_conflict = int(rows["status"].eq("conflict").sum())
        dup = live_batch_with_sha(con, preview.sha256)
        # the same file again is refused, unless it is brought back to replace figures that differ from it
        if dup is not None and not (conflicts == REPLACE and n_conflict):
            raise DuplicateUpload("upload_duplicate", batch=dup)
        take = rows["status"].eq("add") | (rows["status"].eq("conflict") & (conflicts == REPLACE))
        new = rows[take].copy()
        asserted = sorted({i for ids in rows["same_ids"] for i in ids})
        n_added = int(new["status"].eq("add").sum())
        n_replaced = int(new["status"].eq("conflict").sum())
        n_skipped = int((rows["status"].eq("conflict") & ~take).sum())
        n_same = int(rows["status"].eq("same").sum())
        n_asserted = int(rows["same_ids"].map(bool).sum())
        if new.empty and not asserted:  # a batch that adds nothing is not committed (nothing to undo later)
            raise _NothingNew(CommitResult(None, 0, 0, n_skipped, n_same, 0))
        batch_id = int(con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0])
        note_parts = [note] if note else []
        if n_skipped:
            note_parts.append(f"跳过冲突 {n_skipped} 行")
        if n_same:
            note_parts.append(f"与现有数据相同未导入 {n_same} 行")
        con.execute("INSERT INTO batches (batch_id, file_name, sha256, sheets, n_rows, n_added, n_replaced, uploader,"
                    " created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [batch_id, preview.file_name, preview.sha256, "|".join(preview.sheets), preview.n_rows,
                     n_added, n_replaced, uploader, datetime.now(), "；".join(note_parts) or None])
        if asserted:
            _assert(con, batch_id, asserted)
        if len(new):
            cell = new["cell"] if "cell" in new else pd.Series("", index=new.index)
            new["figure_id"] = [f"b{batch_id}:{s}:{r}" + (f":{c}" if c else "")
                                for s, r, c in zip(new["sheet"], new["row_number"], cell.fillna(""))]
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
        cells.refresh_batch(con, batch_id)  # the aggregated cells of what the batch touched
    return CommitResult(batch_id, n_added, n_replaced, n_skipped, n_same, n_asserted)


class _NothingNew(Exception):
    def __init__(self, result: CommitResult):
        super().__init__("nothing new")
        self.result = result


def _assert(con: duckdb.DuckDBPyConnection, batch_id: int, figure_ids: list[str]) -> None:
    """The batch states these figures again; it also keeps hidden what is hidden now for their keys, so
    undoing the batch that first stored a figure changes nothing while this one is live."""
    ids = pd.DataFrame({"figure_id": figure_ids})
    con.register("_asserted", ids)
    try:
        con.execute("INSERT INTO assertions SELECT ?, figure_id FROM _asserted", [batch_id])
        con.execute("""INSERT INTO supersessions
                       SELECT DISTINCT ?, f.figure_id
                       FROM figures f JOIN (SELECT DISTINCT g.period, g.region_id, g.metric_id
                                            FROM figures g JOIN _asserted a USING (figure_id)) k
                            USING (period, region_id, metric_id)
                       WHERE f.figure_id NOT IN (SELECT figure_id FROM _asserted)
                         AND NOT EXISTS (SELECT 1 FROM v_figures v WHERE v.figure_id = f.figure_id)""", [batch_id])
    finally:
        con.unregister("_asserted")


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
            raise UploadError("upload_no_batch", batch=batch_id)
        if r[0] is not None:
            raise UploadError("upload_already_undone", batch=batch_id, at=f"{r[0]:%Y-%m-%d %H:%M}")
        con.execute("UPDATE batches SET undone_at = ?, undone_by = ? WHERE batch_id = ?",
                    [datetime.now(), by, int(batch_id)])
        cells.refresh_batch(con, int(batch_id))


HISTORY_STATUS = {"有效": "live", "已撤销": "undone"}
HISTORY_COLUMNS_EN = {"batch_id": "Batch", "file_name": "File", "sheets": "Sheets", "n_rows": "Rows",
                      "n_added": "Added", "n_replaced": "Replaced", "n_current": "Current", "uploader": "Uploaded by",
                      "created_at": "Uploaded at", "status": "Status", "undone_by": "Undone by",
                      "undone_at": "Undone at", "note": "Note"}
HISTORY_COLUMNS = {"batch_id": "批次", "file_name": "文件", "sheets": "工作表", "n_rows": "行数",
                   "n_added": "新增", "n_replaced": "替换", "n_current": "当前有效", "uploader": "上传人",
                   "created_at": "上传时间", "status": "状态", "undone_by": "撤销人", "undone_at": "撤销时间",
                   "note": "备注"}


def history(con: duckdb.DuckDBPyConnection, lang: str = "zh") -> pd.DataFrame:
    """Every batch, newest first, with column names in `lang` and how many of its figures are current."""
    df = con.execute("""
        SELECT b.*, (SELECT count(*) FROM v_figures v WHERE v.batch_id = b.batch_id) AS n_current,
               CASE WHEN b.undone_at IS NULL THEN '有效' ELSE '已撤销' END AS status
        FROM batches b ORDER BY b.batch_id DESC""").df()
    df = df.reindex(columns=list(HISTORY_COLUMNS))
    if lang == "en":
        df["status"] = df["status"].map(HISTORY_STATUS)
        df["note"] = df["note"].map(_note_en)
        return df.rename(columns=HISTORY_COLUMNS_EN)
    return df.rename(columns=HISTORY_COLUMNS)


_NOTE_EN = ((re.compile(r"跳过冲突 (\d+) 行"), r"\1 conflicts skipped"),
            (re.compile(r"与现有数据相同未导入 (\d+) 行"), r"\1 equal to current figures, not stored again"),
            (re.compile("；"), "; "))


def _note_en(note):
    """The notes commit() writes, in English (a note someone typed stays as typed)."""
    if not isinstance(note, str):
        return note
    for pattern, repl in _NOTE_EN:
        note = pattern.sub(repl, note)
    return note


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
