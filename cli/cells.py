"""Command line: python -m loaders cells [--refresh] [--db FILE] — checks the aggregated cells the writes keep
(store/cells.py) against computing them from the figures, in both scopes; --refresh recomputes every cell first."""
from __future__ import annotations

import sys

import pandas as pd

from common.messages import text
from metrics import queries as q
from store import cells, db

KEY = ["scope", "period", "region_id", "metric_id"]


def drift(con) -> pd.DataFrame:
    """Cells whose stored row differs from the live one (or exists on one side only), both scopes, one row each."""
    out = []
    try:
        for scope, hide in (("all", False), ("reviewed", True)):
            q.hide_unreviewed(con, hide)
            for table, stored, live in (("cells", q.cells_table, q.cells_live),
                                        ("period_cells", q.period_cells_table, q.period_cells_live)):
                a, b = stored(con, ids=True).assign(scope=scope), live(con, ids=True).assign(scope=scope)
                m = a.merge(b, on=KEY, how="outer", suffixes=("", "_live"), indicator=True)
                cols = [c for c in a.columns if c not in KEY]
                same = m["_merge"].eq("both")
                for c in cols:
                    x, y = m[c], m[c + "_live"]
                    same &= (x == y) | (x.isna() & y.isna())
                out.append(m.loc[~same, KEY].assign(table=table))
    finally:
        q.hide_unreviewed(con, False)
    return pd.concat(out, ignore_index=True)[["table", *KEY]]


def cmd_cells(args) -> int:
    try:
        if args.refresh:
            with db.write_transaction(args.db) as con:
                cells.refresh(con)
            print(text("cli_cells_refreshed", "zh") + " / " + text("cli_cells_refreshed", "en"))
        con = db.open_read(args.db)
    except db.WRITE_ERRORS as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        if not cells.ready(con):
            print(text("cli_cells_missing", "zh") + " / " + text("cli_cells_missing", "en"), file=sys.stderr)
            return 1
        stale = not cells.current(con)
        bad = drift(con)
        n = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cells", "period_cells")]
    finally:
        con.close()
    if stale:  # figures written around the refresh hooks: the pages compute live until a refresh
        print(text("cli_cells_stale", "zh") + " / " + text("cli_cells_stale", "en"), file=sys.stderr)
    if len(bad):
        print(text("cli_cells_drift", "zh", n=len(bad)) + " / " + text("cli_cells_drift", "en", n=len(bad)),
              file=sys.stderr)
        print(bad.head(50).to_string(index=False), file=sys.stderr)
        return 1
    print(text("cli_cells_ok", "zh", cells=n[0], period_cells=n[1]) + " / "
          + text("cli_cells_ok", "en", cells=n[0], period_cells=n[1]))
    return 1 if stale else 0


def register(sub) -> None:
    c = sub.add_parser("cells", help="check the aggregated cells kept at write time against the figures")
    c.add_argument("--refresh", action="store_true", help="recompute every cell first (one write)")
    c.add_argument("--db", default=None, help="database file (default: setting db_path)")
    c.set_defaults(func=cmd_cells)
