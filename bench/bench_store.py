"""The two stores side by side: page queries and writes on DuckDB and PostgreSQL at the same sizes, and a 10-row
write on PostgreSQL at the largest size against the same write at 1k figures.

Prints, per size, the median and min–max of wall and CPU time per operation on each engine and the ratio
PostgreSQL / DuckDB, all measured in one interleaved run (engine A, engine B, A, B … per repeat). CPU on PostgreSQL is
this process plus the server's processes (read from /proc: the bench starts a throwaway server as the postgres user,
or uses AID_BENCH_DATABASE_URL's server if it runs on this machine). The goal: a 10-row write at 10M figures costs
≤ 2x the same write at 1k.
Run: python bench/bench_store.py [--sizes 1000,1000000] [--big 10000000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PAGE_QUERIES = [  # (name, function name in metrics.queries, kwargs): what the pages ask first
    ("cells funding", "cells", {"metric_id": "aid_funding"}),
    ("period_cells funding", "period_cells", {"metric_id": "aid_funding"}),
    ("headline_cards 十二五", "headline_cards", {"period": "十二五"}),
    ("region_summary", "region_summary", {}),
    ("figure_search page 1", "figure_search", {"limit": 50}),
    ("figure_count", "figure_count", {}),
    ("periods", "periods", {}),
]
WRITES = ["commit 10 rows", "undo", "save view", "review decision"]


def _server_cpu(postmaster: int | None) -> float:
    """CPU seconds of the PostgreSQL server's processes (children of the postmaster), 0 when not visible."""
    if not postmaster:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster or int(pid) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


class Clock:
    def __init__(self, postmaster: int | None):
        self.postmaster = postmaster

    def measure(self, fn, pg: bool) -> tuple[float, float]:
        c0, s0, w0 = time.process_time(), _server_cpu(self.postmaster) if pg else 0.0, time.perf_counter()
        fn()
        wall = time.perf_counter() - w0
        cpu = time.process_time() - c0 + ((_server_cpu(self.postmaster) - s0) if pg else 0.0)
        return wall, cpu


def _postmaster(url: str) -> int | None:
    from store import engine

    con = engine.connect_direct(url)
    try:
        backend = con.execute("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        con.close()
    try:
        with open(f"/proc/{backend}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def duck_store(n: int, tmp: Path) -> Path:
    from bench.synthetic import synthetic_database

    return synthetic_database(tmp / f"s{n}.duckdb", n)


def pg_store(server_url: str, duck: Path, n: int, tmp: Path) -> str:
    """The same rows as the DuckDB store: built from the plans, then its synthetic figures COPYed in (CSV)."""
    import duckdb
    import pg_server as pg

    from loaders.build import build
    from store import engine

    url = pg.create_database(server_url, prefix=f"aid_bench_{n}")
    build(url)
    if n:
        csv = tmp / f"s{n}.csv"
        with duckdb.connect(str(duck), read_only=True) as con:
            cols = ", ".join(c[0] for c in con.execute("DESCRIBE figures").fetchall())
            con.execute(f"COPY (SELECT {cols} FROM figures WHERE note = 'synthetic') TO '{csv}' (HEADER false)")
        raw = engine.connect_direct(url)
        try:
            with raw.raw.cursor() as cur, cur.copy(f"COPY figures ({cols}) FROM STDIN (FORMAT csv)") as cp, \
                    open(csv, "rb") as fh:
                while block := fh.read(1 << 20):
                    cp.write(block)
            raw.execute("ANALYZE")
        finally:
            raw.close()
        csv.unlink()
        _refresh_cells(url)
    return url


def _refresh_cells(url: str) -> None:
    """The aggregated cells a write would have kept (store/cells.py), as synthetic_database keeps them on DuckDB:
    rows COPYed or grown in bypass the writes, and stale cells would send every page query to the live path."""
    from store import cells, db

    with db.write_transaction(url) as con:
        cells.refresh(con)


def grow_pg(url: str, n_target: int) -> int:
    """More synthetic rows generated inside PostgreSQL (copies of the synthetic ones under new ids) up to n_target."""
    from store import engine

    con = engine.connect_direct(url)
    try:
        have = con.execute("SELECT count(*) FROM figures WHERE note = 'synthetic'").fetchone()[0]
        cols = [c for c in ("source_kind", "plan_id", "batch_id", "upload_file", "sheet", "row_number", "period",
                            "year", "region_id", "metric_id", "value", "unit", "qualifier", "value_base", "base_unit",
                            "number_text", "section", "quote", "quote_start", "quote_end", "span_start", "span_end",
                            "ref_period", "note", "time_phrase", "place")]
        k = 1
        while have < n_target:
            take = min(have, n_target - have)
            con.execute(f"""INSERT INTO figures (figure_id, {', '.join(cols)})
                            SELECT 'g{k}:' || figure_id, {', '.join(cols)} FROM figures
                            WHERE note = 'synthetic' AND figure_id LIKE 'syn:%' LIMIT {take}""")
            have += take
            k += 1
        con.execute("ANALYZE")
    finally:
        con.close()
    _refresh_cells(url)
    return have


def _upload_file(tmp: Path, rep: int) -> tuple[bytes, str]:
    from test_upload_helpers import write_xlsx

    rows = [[str(2001 + i), "新疆喀什", "援助资金", rep * 100 + i + 1, "亿元"] for i in range(10)]
    f = write_xlsx(tmp / f"w{rep}.xlsx", rows)
    return f.read_bytes(), f.name


def write_ops(target, tmp: Path, rep: int, plan_figure: tuple) -> dict:
    """The four writes in order; returns name -> callable (each depends on the one before)."""
    from loaders.review import decide
    from loaders.upload import REPLACE, commit, prepare, undo
    from outputs.views import save_view

    data, name = _upload_file(tmp, rep)
    pv = prepare(data, name, target)
    state: dict = {}

    def do_commit():
        state["batch"] = commit(pv, target, REPLACE, "bench").batch_id

    return {"commit 10 rows": do_commit,
            "undo": lambda: undo(state["batch"], target, "bench"),
            "save view": lambda: save_view(target, f"bench {rep} {time.monotonic_ns()}", "funding",
                                           {"metric": "aid_funding"}),
            "review decision": lambda: decide(*plan_figure, "confirmed", "bench", path=target)}


def page_op(con, fn, kw):
    return lambda: fn(con, **kw)


def _stat(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):8.1f} ({min(ms):.1f}–{max(ms):.1f})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,1000000")
    ap.add_argument("--big", type=int, default=10_000_000, help="PostgreSQL-only size for the 10-row write (0: skip)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    from metrics import queries
    from store import cells, db, engine

    sizes = [int(s) for s in args.sizes.split(",")]
    server = None
    server_url = os.environ.get("AID_BENCH_DATABASE_URL")
    if not server_url:
        import pg_server as pg

        server = pg.Server()
        server_url = server.url
    postmaster = _postmaster(server_url)
    clock = Clock(postmaster)
    tmp = Path(tempfile.mkdtemp(prefix="aid-bench-store-"))
    results: dict = {}
    try:
        for n in sizes:
            t0 = time.perf_counter()
            duck = duck_store(n, tmp)
            url = pg_store(server_url, duck, n, tmp)
            for target in (duck, url):   # the page queries read the kept cells on both engines, not the live path
                con = db.open_read(target)
                try:
                    assert cells.current(con), f"stale cells in {target}"
                finally:
                    con.close()
            con = db.open_read(duck)
            total = con.execute("SELECT count(*) FROM figures").fetchone()[0]
            plan_fig = con.execute("SELECT plan_id, span_start, span_end FROM figures WHERE note IS DISTINCT FROM "
                                   "'synthetic' AND source_kind = 'plan' ORDER BY figure_id LIMIT 1").fetchone()
            con.close()
            print(f"\n== {total:,} figures (stores loaded in {time.perf_counter() - t0:.0f} s)", flush=True)
            times = {(e, op): ([], []) for e in ("duckdb", "postgres") for op in
                     [q[0] for q in PAGE_QUERIES] + WRITES}
            for rep in range(args.repeats):
                order = ("duckdb", "postgres") if rep % 2 == 0 else ("postgres", "duckdb")
                for eng in order:
                    target = duck if eng == "duckdb" else url
                    pg = eng == "postgres"
                    # one read connection for the page queries, as the app keeps (DuckDB: its cached snapshot;
                    # PostgreSQL: a pooled session)
                    con = db.open_read(target)
                    try:
                        for label, fname, kw in PAGE_QUERIES:
                            w, c = clock.measure(page_op(con, getattr(queries, fname), kw), pg)
                            times[(eng, label)][0].append(w)
                            times[(eng, label)][1].append(c)
                    finally:
                        con.close()
                    for label, fn in write_ops(target, tmp, rep, plan_fig).items():
                        w, c = clock.measure(fn, pg)
                        times[(eng, label)][0].append(w)
                        times[(eng, label)][1].append(c)
            print(f"{'operation':24} {'DuckDB wall ms':>24} {'PostgreSQL wall ms':>24} {'PG/Duck wall':>12} "
                  f"{'DuckDB cpu ms':>24} {'PostgreSQL cpu ms':>24} {'PG/Duck cpu':>11}")
            for label in [q[0] for q in PAGE_QUERIES] + WRITES:
                dw, dc = times[("duckdb", label)]
                pw, pc = times[("postgres", label)]
                print(f"{label:24} {_stat(dw):>24} {_stat(pw):>24} {statistics.median(pw) / statistics.median(dw):12.2f}"
                      f" {_stat(dc):>24} {_stat(pc):>24} "
                      f"{statistics.median(pc) / max(statistics.median(dc), 1e-9):11.2f}", flush=True)
            results[n] = times
            results[(n, "url")] = url
            for f in tmp.glob("*.duckdb*"):
                f.unlink()
        if args.big:
            small_n = min(sizes)
            small_url = results[(small_n, "url")]
            t0 = time.perf_counter()
            big_url = results[(max(sizes), "url")]
            have = grow_pg(big_url, args.big)
            print(f"\n== 10-row write on PostgreSQL: {have:,} synthetic figures (grown in "
                  f"{time.perf_counter() - t0:.0f} s) vs {small_n:,}", flush=True)
            con = db.open_read(big_url)
            plan_fig = con.execute("SELECT plan_id, span_start, span_end FROM figures WHERE note IS DISTINCT FROM "
                                   "'synthetic' AND source_kind = 'plan' ORDER BY figure_id LIMIT 1").fetchone()
            con.close()
            big = {op: ([], []) for op in WRITES}
            small = {op: ([], []) for op in WRITES}
            for rep in range(args.repeats):
                pairs = ((big_url, big), (small_url, small)) if rep % 2 == 0 else ((small_url, small), (big_url, big))
                for target, store in pairs:
                    for label, fn in write_ops(target, tmp, 100 + rep, plan_fig).items():
                        w, c = clock.measure(fn, True)
                        store[label][0].append(w)
                        store[label][1].append(c)
            print(f"{'write':24} {'small wall ms':>24} {'big wall ms':>24} {'big/small':>10} {'small cpu ms':>24} "
                  f"{'big cpu ms':>24} {'big/small':>10}")
            for label in WRITES:
                sw, sc = small[label]
                bw, bc = big[label]
                print(f"{label:24} {_stat(sw):>24} {_stat(bw):>24} {statistics.median(bw) / statistics.median(sw):10.2f}"
                      f" {_stat(sc):>24} {_stat(bc):>24} {statistics.median(bc) / statistics.median(sc):10.2f}",
                      flush=True)
    finally:
        engine.close_pools()
        if server is not None:
            server.stop()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
