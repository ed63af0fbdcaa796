"""Review commands: `review list|confirm|reject|correct`, the review page's queue and decisions from the command line."""
from __future__ import annotations

import sys

import pandas as pd

from common.messages import CodedError, text
from loaders.build import ensure_database
from loaders.review import CONFIRMED, CORRECTED, REJECTED, Correction, decide_figure
from metrics.review import orphan_decisions, review_queue
from store import db
from store.db import DatabaseBusy

LIST_COLUMNS = ["figure_id", "review_status", "number_text", "region_id", "period", "metric_id", "reviewer",
                "reviewed_at", "quote"]


def cmd_list(args) -> int:
    ensure_database(args.db)
    con = db.open_read(args.db)
    try:
        df = review_queue(con, plan_id=args.plan, statuses=None if args.status == "all" else [args.status])
        orphans = orphan_decisions(con)
    finally:
        con.close()
    out = df.reindex(columns=LIST_COLUMNS)
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 200):
        print(out.to_string(index=False) if len(out) else text("review_empty", args.lang))
        if len(orphans):
            print("\n" + text("review_orphans", args.lang, n=len(orphans)))
            print(orphans.drop(columns=["note"]).to_string(index=False))
    return 0


def _decide(args, decision: str, correction: Correction | None = None) -> int:
    done = []
    for figure_id in args.figures:
        try:
            decide_figure(figure_id, decision, args.by, correction, args.note, args.db)
        except CodedError as exc:
            print(f"{figure_id}: {exc.message(args.lang)}", file=sys.stderr)
            return 1
        except DatabaseBusy as exc:
            print(str(exc), file=sys.stderr)
            return 1
        done.append(figure_id)
    print(text("review_cli_done", args.lang, n=len(done), d=text(f"review_status_{decision}", args.lang)))
    return 0


def cmd_confirm(args) -> int:
    return _decide(args, CONFIRMED)


def cmd_reject(args) -> int:
    return _decide(args, REJECTED)


def cmd_correct(args) -> int:
    return _decide(args, CORRECTED, Correction(args.region, args.period, args.metric, args.value))


def register(sub) -> None:
    r = sub.add_parser("review", help="list the review queue; confirm, correct or reject extracted figures")
    rsub = r.add_subparsers(dest="review_command", required=True)

    def common(p, figures: bool = True):
        p.add_argument("--db", default=None, help="database file (default: setting db_path)")
        p.add_argument("--lang", default="zh", choices=("zh", "en"))
        if figures:
            p.add_argument("figures", nargs="+", help="figure ids (plan:offset), as `review list` prints them")
            p.add_argument("--by", required=True, help="reviewer's name, kept with the decision")
            p.add_argument("--note", default=None)

    lst = rsub.add_parser("list", help="figures in the queue")
    common(lst, figures=False)
    lst.add_argument("--plan", default=None)
    lst.add_argument("--status", default="extracted",
                     choices=("extracted", "confirmed", "corrected", "rejected", "all"))
    lst.set_defaults(func=cmd_list)

    c = rsub.add_parser("confirm", help="the figures are right as extracted")
    common(c)
    c.set_defaults(func=cmd_confirm)

    x = rsub.add_parser("reject", help="the figures are not figures (they are not charted)")
    common(x)
    x.set_defaults(func=cmd_reject)

    k = rsub.add_parser("correct", help="set region, period, metric or value of the figures")
    common(k)
    k.add_argument("--region", default=None, help="region id from regions.csv")
    k.add_argument("--period", default=None, help="十四五, 2023, 2021-2023")
    k.add_argument("--metric", default=None, help="metric id from metrics.csv")
    k.add_argument("--value", default=None, help="as written: 12.5亿元, 300人次 (a bare number keeps the unit)")
    k.set_defaults(func=cmd_correct)
