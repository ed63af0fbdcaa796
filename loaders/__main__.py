"""Command line: python -m loaders build | export | extract | import | template | deck."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

CSV_COLUMNS = ["plan", "period", "region", "metric", "value", "unit", "qualifier", "value_base", "base_unit",
               "number_text", "section", "quote", "quote_start", "quote_end", "span_start", "span_end",
               "region_zh", "metric_zh", "source_kind", "batch_id", "sheet", "row_number", "figure_id"]


def _print_summary(result) -> None:
    from collections import Counter

    print(f"数据库已构建 database built: {result.path}")
    for plan in result.plans:
        ex = result.extractions[plan.plan_id]
        by_metric = Counter(f.metric_id for f in ex.figures)
        print(f"  {plan.plan_id}  ({plan.meta['title']})")
        print(f"    figures {len(ex.figures)}: " + ", ".join(f"{m} {n}" for m, n in sorted(by_metric.items())))
        reasons = Counter(r.reason for r in ex.rejects)
        print(f"    rejects {len(ex.rejects)}: " + ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())))
    print(f"  tasks: {len(result.tasks)} rows, {result.tasks[['plan_id', 'task_no']].drop_duplicates().shape[0]} tasks")
    checks = result.checks
    if len(checks):
        counts = checks["status"].value_counts().to_dict()
        print("  consistency checks: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        for c in checks.itertuples():
            print(f"    [{c.status}] {c.check} {c.plan_id} {c.period} {c.metric_id}: {c.detail}")


def cmd_build(args) -> int:
    from loaders.build import PlanError, build
    from loaders.db import DatabaseBusy

    try:
        result = build(args.db, args.plans)
    except (PlanError, DatabaseBusy) as exc:
        print(f"构建失败,原数据库未改动 build failed, previous database unchanged: {exc}", file=sys.stderr)
        return 1
    _print_summary(result)
    return 0


def figures_frame(con) -> pd.DataFrame:
    df = con.execute("SELECT * FROM v_figures ORDER BY source_kind, plan_id, span_start, batch_id, row_number").df()
    df = df.rename(columns={"plan_id": "plan", "region_id": "region", "metric_id": "metric"})
    return df.reindex(columns=CSV_COLUMNS)


def cmd_export(args) -> int:
    from loaders import db
    from loaders.build import ensure_database
    from loaders.safe_csv import write_csv

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
    from loaders.extract import PlanContext, extract

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
    from loaders.safe_csv import escape_formulas

    out = escape_formulas(pd.DataFrame(rows, columns=CSV_COLUMNS[:16]))
    try:
        out.to_csv(sys.stdout, index=False)
    except BrokenPipeError:  # piped into head
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="对口支援与合作交流数据 loaders")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="(re)build the database from data/plans/")
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

    for extra in ("loaders.upload.cli", "loaders.deck_cli"):
        try:
            module = __import__(extra, fromlist=["register"])
        except ImportError:
            continue
        module.register(sub)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
