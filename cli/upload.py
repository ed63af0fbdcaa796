"""Command line for uploads: python -m loaders import FILE [--dry-run] | template --out FILE | undo ID."""
from __future__ import annotations

import sys
from pathlib import Path

from common.safe_csv import escape_formulas
from loaders.upload.read import UploadError
from loaders.upload.store import REPLACE, SKIP, commit, prepare, undo
from loaders.upload.template import template_bytes
from store.db import DatabaseBusy, DatabaseMissing


def cmd_import(args) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"无法读取文件 {path}: {exc}", file=sys.stderr)
        return 2
    try:
        preview = prepare(data, path.name, args.db)
    except (UploadError, DatabaseMissing, DatabaseBusy) as exc:
        print(f"导入失败，未做任何更改: {exc}", file=sys.stderr)
        return 1
    for note in preview.notes:
        print(f"提示: {note}")
    if not preview.errors.empty:
        print(f"发现 {len(preview.errors)} 处错误，未导入任何数据:", file=sys.stderr)
        _print_table(preview.errors)
        return 1
    if preview.duplicate_of is not None:
        print(f"同一个文件已经作为批次 {preview.duplicate_of} 导入过，未重复导入。", file=sys.stderr)
        return 1
    print(f"{preview.file_name}: {preview.n_rows} 行；新增 {preview.count('add')}，"
          f"与现有数据冲突 {preview.count('conflict')}，与现有数据相同 {preview.count('same')}")
    conflicts = preview.rows[preview.rows["status"] == "conflict"]
    if len(conflicts):
        print("冲突(现有 -> 文件):")
        for r in conflicts.itertuples():
            print(f"  {r.sheet}!{r.row_number} {r.period} {r.region_id} {r.metric_id}: {r.old} -> {r.number_text}"
                  f"{'' if str(r.number_text).endswith(r.unit) else r.unit}")
        print("  --replace 替换这些数值；默认跳过。")
    if args.dry_run:
        print("试运行(--dry-run)：未写入数据库。")
        return 0
    try:
        result = commit(preview, args.db, REPLACE if args.replace else SKIP, args.uploader)
    except (UploadError, DatabaseBusy) as exc:
        print(f"导入失败，未做任何更改: {exc}", file=sys.stderr)
        return 1
    print(f"已导入批次 {result.batch_id}: 新增 {result.n_added}，替换 {result.n_replaced}，"
          f"跳过冲突 {result.n_skipped}，相同未导入 {result.n_same}")
    return 0


def cmd_template(args) -> int:
    Path(args.out).write_bytes(template_bytes())
    print(f"模板已保存: {args.out}")
    return 0


def cmd_undo(args) -> int:
    try:
        undo(args.batch_id, args.db, args.uploader)
    except (UploadError, DatabaseBusy) as exc:
        print(f"撤销失败: {exc}", file=sys.stderr)
        return 1
    print(f"批次 {args.batch_id} 已撤销。")
    return 0


def _print_table(df) -> None:
    out = escape_formulas(df.fillna(""))
    try:
        out.to_csv(sys.stdout, index=False)
    except BrokenPipeError:
        pass


def register(sub) -> None:
    i = sub.add_parser("import", help="import figures from an .xlsx/.xls/.csv file (one batch)")
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    i.add_argument("--uploader", default=None, help="name recorded with the batch (default: login name)")
    i.add_argument("--replace", action="store_true", help="replace current figures that differ (default: skip)")
    i.add_argument("--db", default=None)
    i.set_defaults(func=cmd_import)

    t = sub.add_parser("template", help="write the upload template (.xlsx)")
    t.add_argument("--out", required=True)
    t.set_defaults(func=cmd_template)

    u = sub.add_parser("undo", help="undo an upload batch")
    u.add_argument("batch_id", type=int)
    u.add_argument("--uploader", default=None)
    u.add_argument("--db", default=None)
    u.set_defaults(func=cmd_undo)
