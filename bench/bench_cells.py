"""Aggregated cells kept at write time (store/cells.py): what reading cells costs before (computed from the figures
on every call, metrics.queries.*_live) and after (read from the tables), and what keeping them adds to a 10-row
upload, at growing numbers of synthetic figures (bench/synthetic.py databases, cached as bench_pages.py does).

Reads: each query runs on a warm read-only connection, live and from the tables in alternating order, sizes
alternating between rounds; wall and CPU time (process CPU: DuckDB's threads included), median [min–max] over the
rounds, and the live/table ratio paired within a round.
Writes: (1) the refresh alone inside a transaction that is rolled back: the pairs a 10-row upload touches against
every cell; (2) a whole 10-row upload commit (copy-on-write included) with no refresh (before), the keyed refresh
(what commits do) and a full refresh, each undone afterwards (not timed).

    python bench/bench_cells.py                            # 1k and 1M figures, 5 rounds
    python bench/bench_cells.py --sizes 1000 100000 --repeats 3
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import database  # noqa: E402

from loaders.upload import commit, prepare, undo  # noqa: E402
from metrics import queries as q  # noqa: E402
from store import cells, db  # noqa: E402

UPLOAD_REGIONS = ("新疆喀什", "辽宁大连")  # 5 years x 2 regions x 1 metric = 10 rows, 2 (region, metric) pairs
UPLOAD_KEYS = {("xinjiang_kashgar", "aid_funding"), ("liaoning_dalian", "aid_funding")}


def queries(con) -> dict:
    """What the pages read through cells/period_cells, as the pages call them."""
    latest = q.five_year_periods(con)["period"].iloc[-1]
    return {
        "period_cells funding": lambda: q.period_cells(con, "aid_funding", recipients_only=True),
        "period_cells all": lambda: q.period_cells(con),
        "cells cooperation": lambda: q.cooperation(con),
        "cells all": lambda: q.cells(con),
        f"headline {latest}": lambda: q.headline_cards(con, latest),
        "map": lambda: q.region_summary(con, "aid_funding"),
    }


@contextmanager
def live():
    with mock.patch.object(cells, "ready", lambda _con: False):
        yield


def timed(fn, inner: int = 1) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - w) / inner, (time.process_time() - c) / inner


def spread(values: list[float], scale: float = 1000.0, fmt: str = "{:.1f}") -> str:
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}–{fmt.format(max(v))}]"


def upload_bytes(r: int) -> bytes:
    rows = [f"{y},{reg},援助资金,{r * 100 + i + 1},亿元" for i, (y, reg) in
            enumerate((y, reg) for y in range(2021, 2026) for reg in UPLOAD_REGIONS)]
    return ("期间/年份,地区,指标,数值,单位\n" + "\n".join(rows) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    ap.add_argument("--inner", type=int, default=3, help="calls per read sample (mean)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/aid-bench"))
    ap.add_argument("--no-writes", action="store_true")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    sizes = sorted(args.sizes)
    paths = {n: database(n, args.cache) for n in sizes}
    cons = {n: db.open_read(paths[n]) for n in sizes}
    fns = {n: queries(cons[n]) for n in sizes}
    names = list(fns[sizes[0]])
    for n in sizes:  # warm both ways once, and check they agree
        for name, fn in fns[n].items():
            a = fn()
            with live():
                b = fn()
            assert a.equals(b), (n, name)
    reads: dict = {(n, name, v): [] for n in sizes for name in names for v in ("live", "table")}
    print(f"reads: {args.repeats} rounds, {args.inner} calls per sample", flush=True)
    for r in range(args.repeats):
        for n in (sizes if r % 2 == 0 else sizes[::-1]):
            for name in names:
                order = ("live", "table") if r % 2 == 0 else ("table", "live")
                for v in order:
                    if v == "live":
                        with live():
                            reads[n, name, v].append(timed(fns[n][name], args.inner))
                    else:
                        reads[n, name, v].append(timed(fns[n][name], args.inner))
        print(f"  round {r + 1} done", flush=True)
    for c in cons.values():
        c.close()

    print("\nreads, ms per call: median [min–max] over rounds; before = live from the figures, after = the tables")
    for clock, k in (("wall", 0), ("cpu", 1)):
        print(f"\n{clock}\n{'query':<22}{'size':>10}{'before':>26}{'after':>24}{'before/after':>22}")
        for name in names:
            for n in sizes:
                b = [x[k] for x in reads[n, name, "live"]]
                a = [x[k] for x in reads[n, name, "table"]]
                ratio = [x / y for x, y in zip(b, a) if y > 0]
                print(f"{name:<22}{n:>10,}{spread(b):>26}{spread(a):>24}{spread(ratio, 1, '{:.1f}') + 'x':>22}")
        if len(sizes) > 1:
            lo, hi = sizes[0], sizes[-1]
            print(f"scale {hi:,}/{lo:,} (paired by round)")
            for name in names:
                for v in ("live", "table"):
                    pairs = [y[k] / x[k] for x, y in zip(reads[lo, name, v], reads[hi, name, v]) if x[k] > 0]
                    print(f"  {name:<22}{v:>8}{spread(pairs, 1, '{:.2f}') + 'x':>24}")
    if args.no_writes:
        return 0
    writes(sizes, paths, args)
    return 0


def writes(sizes: list[int], paths: dict, args) -> None:
    work = {}
    for n in sizes:
        work[n] = args.cache / f"work-cells-{n}.duckdb"
        shutil.copyfile(paths[n], work[n])
    # (1) the refresh alone, rolled back
    refresh: dict = {(n, v): [] for n in sizes for v in ("keyed", "full")}
    for r in range(args.repeats):
        for n in (sizes if r % 2 == 0 else sizes[::-1]):
            import duckdb

            con = duckdb.connect(str(work[n]))
            try:
                for v in (("keyed", "full") if r % 2 == 0 else ("full", "keyed")):
                    con.execute("BEGIN TRANSACTION")
                    keys = UPLOAD_KEYS if v == "keyed" else None
                    refresh[n, v].append(timed(lambda: cells.refresh(con, keys)))
                    con.execute("ROLLBACK")
            finally:
                con.close()
    print("\nrefresh alone (rolled back), ms: median [min–max]; keyed = the 2 pairs a 10-row upload touches")
    print(f"{'size':>10}{'keyed wall':>24}{'keyed cpu':>24}{'full wall':>26}{'full cpu':>26}{'full/keyed cpu':>20}")
    for n in sizes:
        k, f = refresh[n, "keyed"], refresh[n, "full"]
        ratio = [b[1] / a[1] for a, b in zip(k, f) if a[1] > 0]
        print(f"{n:>10,}{spread([x[0] for x in k]):>24}{spread([x[1] for x in k]):>24}"
              f"{spread([x[0] for x in f]):>26}{spread([x[1] for x in f]):>26}{spread(ratio, 1, '{:.0f}') + 'x':>20}")

    # (2) a whole 10-row upload commit
    variants = {"none": lambda con, batch_id: None, "keyed": cells.refresh_batch,
                "full": lambda con, batch_id: cells.refresh(con)}
    commits: dict = {(n, v): [] for n in sizes for v in variants}
    i = 0
    for r in range(args.repeats):
        for n in (sizes if r % 2 == 0 else sizes[::-1]):
            order = list(variants) if r % 2 == 0 else list(variants)[::-1]
            for v in order:
                i += 1
                pv = prepare(upload_bytes(i), f"bench-{i}.csv", work[n])
                with mock.patch.object(cells, "refresh_batch", variants[v]):
                    res = [None]
                    commits[n, v].append(timed(lambda: res.__setitem__(0, commit(pv, work[n], uploader="bench"))))
                undo(res[0].batch_id, work[n], by="bench")
                if v != "keyed":  # the other variants left the tables stale or did more: make them whole again
                    with db.write_transaction(work[n]) as con:
                        cells.refresh(con)
    print("\n10-row upload commit (copy-on-write, checkpoint and swap included), ms: median [min–max]")
    print(f"{'size':>10}{'clock':>7}{'no refresh (before)':>26}{'keyed':>24}{'full':>26}"
          f"{'keyed/before':>18}{'full/before':>18}")
    for n in sizes:
        for clock, k in (("wall", 0), ("cpu", 1)):
            none, keyed, full = ([x[k] for x in commits[n, v]] for v in ("none", "keyed", "full"))
            rk = [b / a for a, b in zip(none, keyed) if a > 0]
            rf = [b / a for a, b in zip(none, full) if a > 0]
            print(f"{n:>10,}{clock:>7}{spread(none, fmt='{:.0f}'):>26}{spread(keyed, fmt='{:.0f}'):>24}"
                  f"{spread(full, fmt='{:.0f}'):>26}{spread(rk, 1, '{:.2f}') + 'x':>18}"
                  f"{spread(rf, 1, '{:.2f}') + 'x':>18}")
    for n in sizes:
        work[n].unlink(missing_ok=True)
        for extra in (".wal", ".lock"):
            Path(str(work[n]) + extra).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
