"""Plan commands: build (then the consistency checks), export, extract, add-plan."""
from __future__ import annotations

import json
import re
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd

from common import settings
from common.messages import text as msg
from common.safe_csv import print_csv, write_csv
from loaders.build import PlanError, build, check_sidecar, ensure_database
from loaders.drafting import context_for, draft_sidecar
from loaders.extract import extract
from loaders.text import read_plan_text
from metrics.checks import consistency_checks
from metrics.review import orphan_decisions, review_plans
from outputs.export import CSV_COLUMNS, figures_frame
from store import db
from store.db import DatabaseBusy


def _print_summary(result, checks: pd.DataFrame) -> None:
    print(f"数据库已构建 database built: {result.path}")
    for plan in result.plans:
        ex = result.extractions[plan.plan_id]
        by_metric = Counter(f.metric_id for f in ex.figures)
        print(f"  {plan.plan_id}  ({plan.meta['title']})")
        print(f"    figures {len(ex.figures)}: " + ", ".join(f"{m} {n}" for m, n in sorted(by_metric.items())))
        reasons = Counter(r.reason for r in ex.rejects)
        print(f"    rejects {len(ex.rejects)}: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
    print(f"  tasks: {len(result.tasks)} rows, {result.tasks[['plan_id', 'task_no']].drop_duplicates().shape[0]} tasks")
    if len(checks):
        counts = checks["status"].value_counts().to_dict()
        print("  consistency checks: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        for c in checks.itertuples():
            print(f"    [{c.status}] {c.check} {c.plan_id} {c.period} {c.metric_id}: {c.detail}")


def cmd_build(args) -> int:
    try:
        result = build(args.db, args.plans)
    except (PlanError, DatabaseBusy) as exc:
        print(f"构建失败,原数据库未改动 build failed, previous database unchanged: {exc}", file=sys.stderr)
        return 1
    con = db.open_read(result.path)
    try:
        checks = consistency_checks(con)
        review, orphans = review_plans(con), orphan_decisions(con)
    finally:
        con.close()
    _print_summary(result, checks)
    # what the review queue holds after this build (python -m loaders review list)
    for r in review.itertuples():
        print(f"  审核 review {r.plan_id}: extracted {r.extracted}, confirmed {r.confirmed}, "
              f"corrected {r.corrected}, rejected {r.rejected}")
    if len(orphans):
        print(f"  审核 review: {len(orphans)} decisions match no figure now (python -m loaders review list)")
    return 0


def cmd_export(args) -> int:
    ensure_database(args.db)
    con = db.open_read(args.db)
    try:
        df = figures_frame(con)
    finally:
        con.close()
    write_csv(df, args.out)
    print(f"{len(df)} figures -> {args.out}")
    return 0


def _context(path: Path, text: str, args):
    """The extraction context drafted from the text, with what the command line states on top."""
    meta = draft_sidecar(text, path.stem)
    ctx = context_for(meta)
    if args.period:
        ctx = replace(ctx, period=args.period)
    if args.review_period:
        ctx = replace(ctx, review_period=args.review_period)
    if args.default_region:
        ctx = replace(ctx, default_region=args.default_region)
    if args.actors is not None:
        ctx = replace(ctx, actors=tuple(a for a in args.actors.split(",") if a))
    return meta, ctx


def cmd_extract(args) -> int:
    rows = []
    for name in args.files:
        path = Path(name)
        try:
            text = read_plan_text(path)
        except UnicodeDecodeError:
            print(msg("plan_unreadable", file=path.name), file=sys.stderr)
            return 1
        _, ctx = _context(path, text, args)
        for f in extract(ctx, text).figures:
            r = f.as_row()
            rows.append(dict(plan=path.name, period=r["period"], region=r["region_id"], metric=r["metric_id"],
                             value=r["value"], unit=r["unit"], qualifier=r["qualifier"], value_base=r["value_base"],
                             base_unit=r["base_unit"], number_text=r["number_text"], section=r["section"],
                             quote=r["quote"], quote_start=r["quote_start"], quote_end=r["quote_end"],
                             span_start=r["span_start"], span_end=r["span_end"]))
    print_csv(pd.DataFrame(rows, columns=CSV_COLUMNS[:16]))
    return 0


PREVIEW_ROWS = 15


def cmd_add_plan(args) -> int:
    """Copies a new document into the plans folder with a sidecar drafted from its text; never asks anything."""
    src = Path(args.file)
    plans = Path(args.plans or settings.get("plans_dir"))
    plan_id = args.id or src.stem
    if not re.fullmatch(r"[A-Za-z0-9_-]+", plan_id):
        print(msg("plan_bad_id", plan_id=plan_id), file=sys.stderr)
        return 1
    txt, sidecar = plans / f"{plan_id}.txt", plans / f"{plan_id}.json"
    if txt.exists() or sidecar.exists():
        print(msg("plan_exists", plans=str(plans), plan_id=plan_id), file=sys.stderr)
        return 1
    try:
        text = read_plan_text(src)
    except UnicodeDecodeError:
        print(msg("plan_unreadable", file=src.name), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{src}: {exc.strerror}", file=sys.stderr)
        return 1
    meta = draft_sidecar(text, plan_id)
    meta["source_file"] = src.name
    try:
        meta = check_sidecar(meta, sidecar.name, plan_id)
    except PlanError as exc:
        print(exc, file=sys.stderr)
        return 1
    figures = extract(context_for(meta), text).figures
    plans.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, txt)  # verbatim, as received (UTF-8 or GBK); offsets count characters
    sidecar.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(msg("plan_added", plan_id=plan_id, txt=str(txt), sidecar=str(sidecar)))
    print("推断 inferred:")
    for key in ("title", "issuer", "doc_number", "date", "as_of", "kind", "period", "review_period",
                "default_region", "actors", "notes"):
        print(f"  {key:15} {meta.get(key)!r}")
    by_metric = Counter(f.metric_id for f in figures)
    print(f"数据预览 figures: {len(figures)} (" + ", ".join(f"{m} {n}" for m, n in sorted(by_metric.items())) + ")")
    for f in figures[:PREVIEW_ROWS]:
        print(f"  {f.number_text:>12}  {f.metric_id:18} {f.region_id:18} {f.period:10} {f.quote[:40]}")
    if len(figures) > PREVIEW_ROWS:
        print(f"  … {len(figures) - PREVIEW_ROWS} more: python -m loaders extract {txt}")
    return 0


def register(sub) -> None:
    b = sub.add_parser("build", help="(re)build the database from data/plans/, then run the consistency checks")
    b.add_argument("--db", default=None, help="database file (default: setting db_path)")
    b.add_argument("--plans", default=None, help="plans folder (default: setting plans_dir)")
    b.set_defaults(func=cmd_build)

    e = sub.add_parser("export", help="write every figure as CSV")
    e.add_argument("--out", required=True)
    e.add_argument("--db", default=None)
    e.set_defaults(func=cmd_export)

    x = sub.add_parser("extract", help="print the figures found in plan texts as CSV (no database)")
    x.add_argument("files", nargs="+")
    x.add_argument("--period", default=None, help="period the text covers (default: read off the text)")
    x.add_argument("--review-period", default=None, help="period its review section describes")
    x.add_argument("--default-region", default=None, help="recipient when a sentence names none (default: read "
                   "off the headline and opening)")
    x.add_argument("--actors", default=None, help="comma-separated region ids of the giving side (default: read "
                   "off the text; an empty string means no givers)")
    x.set_defaults(func=cmd_extract)

    a = sub.add_parser("add-plan", help="add a document to the plans folder with a sidecar drafted from its text")
    a.add_argument("file", help="the document as plain text (UTF-8 or GBK)")
    a.add_argument("--plans", default=None, help="plans folder (default: setting plans_dir)")
    a.add_argument("--id", default=None, help="plan id (default: the file name without extension)")
    a.set_defaults(func=cmd_add_plan)
