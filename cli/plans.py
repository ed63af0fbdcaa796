"""Plan commands: build (then the consistency checks), export, extract."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas as pd

from common.safe_csv import escape_formulas, write_csv
from loaders.build import PlanError, build, ensure_database
from loaders.extract import PlanContext, extract
from metrics.checks import consistency_checks
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
    finally:
        con.close()
    _print_summary(result, checks)
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


def cmd_extract(args) -> int:
    rows = []
    for name in args.files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = path.read_text(encoding="gb18030")
        ctx = PlanContext(path.stem, args.period, args.review_period, args.default_region,
                          tuple(a for a in args.actors.split(",") if a))
        for f in extract(ctx, text).figures:
            r = f.as_row()
            rows.append(dict(plan=path.name, period=r["period"], region=r["region_id"], metric=r["metric_id"],
                             value=r["value"], unit=r["unit"], qualifier=r["qualifier"], value_base=r["value_base"],
                             base_unit=r["base_unit"], number_text=r["number_text"], section=r["section"],
                             quote=r["quote"], quote_start=r["quote_start"], quote_end=r["quote_end"],
                             span_start=r["span_start"], span_end=r["span_end"]))
    out = escape_formulas(pd.DataFrame(rows, columns=CSV_COLUMNS[:16]))
    try:
        out.to_csv(sys.stdout, index=False)
    except BrokenPipeError:  # piped into head
        pass
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
    x.add_argument("--period", default="十三五", help="period the text covers (default 十三五)")
    x.add_argument("--review-period", default=None, help="period its review section describes")
    x.add_argument("--default-region", default="nationwide")
    x.add_argument("--actors", default="shanghai", help="comma-separated region ids of the giving side")
    x.set_defaults(func=cmd_extract)
