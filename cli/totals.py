"""Command line: python -m loaders totals --metric METRIC_ID --period PERIOD [--region REGION_ID] [--db FILE] —
how much, by the same rule as the pages and the deck (metrics.queries.period_totals), as CSV on stdout."""
from __future__ import annotations

import sys

import pandas as pd

from common import dictionaries as d
from common.messages import text
from common.safe_csv import print_csv
from metrics.queries import metric_info, period_totals
from store import db

COLUMNS = ["period", "region", "metric", "value_base", "base_unit", "basis", "years_covered", "years_in_period"]


def cmd_totals(args) -> int:
    try:
        d.period_info(args.period)
    except ValueError:
        print(text("cli_bad_period", "zh", p=args.period) + " / " + text("cli_bad_period", "en", p=args.period),
              file=sys.stderr)
        return 2
    try:
        con = db.open_read(args.db)
    except (db.DatabaseMissing, db.DatabaseBusy) as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        if not metric_info(con, args.metric):
            print(text("cli_bad_metric", "zh", m=args.metric) + " / " + text("cli_bad_metric", "en", m=args.metric),
                  file=sys.stderr)
            return 2
        df = period_totals(con, args.metric, args.period, args.region)
    finally:
        con.close()
    out = pd.DataFrame({"period": df["period"], "region": df["region_id"], "metric": df["metric_id"],
                        "value_base": df["value_base"], "base_unit": df["base_unit"], "basis": df["basis"],
                        "years_covered": df["years_covered"], "years_in_period": df["years_in_period"]},
                       columns=COLUMNS)
    if out.empty:  # the header alone on stdout; what is missing and what to do on stderr
        print(text("cli_no_totals", "zh", m=args.metric, p=args.period) + " / "
              + text("cli_no_totals", "en", m=args.metric, p=args.period), file=sys.stderr)
    print_csv(out)
    return 0


def register(sub) -> None:
    t = sub.add_parser("totals", help="how much: a metric for a five-year period (十四五) or a year, per region, as CSV")
    t.add_argument("--metric", required=True, help="metric id (metrics.csv), e.g. aid_funding")
    t.add_argument("--period", required=True, help="a five-year period id (十四五) or a year (2021)")
    t.add_argument("--region", default=None, help="one region id (default: every region with a value)")
    t.add_argument("--db", default=None, help="database file (default: setting db_path)")
    t.set_defaults(func=cmd_totals)
