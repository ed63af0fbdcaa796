"""Command line for uploads: python -m loaders import FILE [--dry-run] [--replace] [--lang en] | template | undo ID.

Every failure ends in a message (the same coded messages and error table as the upload page), never a traceback.
"""
from __future__ import annotations

import sys
from pathlib import Path

from common.messages import CodedError, text
from common.safe_csv import print_csv
from loaders.upload.store import REPLACE, SKIP, commit, prepare, undo
from loaders.upload.template import template_bytes
from store import db


def _say(lang: str, key: str, err: bool = False, **params) -> None:
    print(text(key, lang, **params), file=sys.stderr if err else sys.stdout)


def _failed(lang: str, exc: BaseException) -> int:
    """The one error path: a coded error in the user's language, anything else by its kind; exit code 1."""
    if isinstance(exc, CodedError) or isinstance(exc, db.DiskFull):
        msg = exc.message(lang)
    elif isinstance(exc, (db.DatabaseBusy, db.DatabaseMissing)):
        msg = str(exc)
    else:
        msg = text("cli_unexpected", lang, kind=type(exc).__name__, detail=str(exc)[:200])
    _say(lang, "cli_import_failed", err=True, e=msg)
    return 1


def cmd_import(args) -> int:
    lang = args.lang
    try:
        return _import(args, lang)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last guard: a message, never a traceback
        return _failed(lang, exc)


def _import(args, lang: str) -> int:
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        _say(lang, "cli_cannot_read", err=True, path=path, e=exc.strerror or type(exc).__name__)
        return 2
    preview = prepare(data, path.name, args.db)
    for note in preview.note_texts(lang):
        _say(lang, "cli_note", n=note)
    if not preview.errors.empty:
        _say(lang, "cli_errors", err=True, n=len(preview.errors))
        _print_table(preview.error_table(lang))
        return 1
    n_conf = preview.count("conflict")
    if preview.duplicate_of is not None and not (args.replace and n_conf):
        _say(lang, "upload_duplicate", err=True, batch=preview.duplicate_of)
        return 1
    _say(lang, "cli_summary", file=preview.file_name, n=preview.n_rows, add=preview.count("add"), conf=n_conf,
         same=preview.count("same"))
    conflicts = preview.rows[preview.rows["status"] == "conflict"]
    if len(conflicts):
        _say(lang, "cli_conflicts")
        for r in conflicts.itertuples():
            print(f"  {r.sheet}!{r.row_number} {r.period} {r.region_id} {r.metric_id}: {r.old} -> {r.number_text}"
                  f"{'' if str(r.number_text).endswith(r.unit) else r.unit}")
        _say(lang, "cli_replace_hint")
    if args.dry_run:
        _say(lang, "cli_dry_run")
        return 0
    result = commit(preview, args.db, REPLACE if args.replace else SKIP, args.uploader)
    print(result.message(lang))
    return 0


def cmd_template(args) -> int:
    try:
        Path(args.out).write_bytes(template_bytes())
    except OSError as exc:
        _say(args.lang, "cli_cannot_write", err=True, path=args.out, e=exc.strerror or type(exc).__name__)
        return 2
    _say(args.lang, "cli_template_saved", path=args.out)
    return 0


def cmd_undo(args) -> int:
    try:
        undo(args.batch_id, args.db, args.uploader)
    except Exception as exc:
        _say(args.lang, "cli_undo_failed", err=True,
             e=exc.message(args.lang) if isinstance(exc, (CodedError, db.DiskFull)) else str(exc))
        return 1
    _say(args.lang, "cli_undone", batch=args.batch_id)
    return 0


def _print_table(df) -> None:
    print_csv(df.astype(object).where(df.notna(), ""))


def register(sub) -> None:
    i = sub.add_parser("import", help="import figures from an .xlsx/.xlsm/.xls/.csv file (one batch)")
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    i.add_argument("--uploader", default=None, help="name recorded with the batch (default: login name)")
    i.add_argument("--replace", action="store_true", help="replace current figures that differ (default: skip)")
    i.add_argument("--db", default=None)
    i.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages (default zh)")
    i.set_defaults(func=cmd_import)

    t = sub.add_parser("template", help="write the upload template (.xlsx)")
    t.add_argument("--out", required=True)
    t.add_argument("--lang", choices=("zh", "en"), default="zh")
    t.set_defaults(func=cmd_template)

    u = sub.add_parser("undo", help="undo an upload batch")
    u.add_argument("batch_id", type=int)
    u.add_argument("--uploader", default=None)
    u.add_argument("--db", default=None)
    u.add_argument("--lang", choices=("zh", "en"), default="zh")
    u.set_defaults(func=cmd_undo)
