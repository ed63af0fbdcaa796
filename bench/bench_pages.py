"""Server-side run time of every dashboard page under AppTest, on synthetic databases of growing size.

For each size the database is the real build plus N synthetic figures (bench/synthetic.py), cached under --cache
(default /tmp/aid-bench) and reused while the plans, schema and generator are unchanged. Each page runs through
app.py in a child process: first cold (Streamlit caches cleared), then --reruns warm reruns. Wall and CPU time
(the whole process: AppTest runs the script on its own thread) are both recorded.

The machine is shared and noisy, so sizes are interleaved: every --repeats round runs every size and page once,
the order of sizes alternating between rounds, and each cell reports median and min–max over the rounds.

Two ratios per page:
  * scale     = time at the largest size / time at the smallest (paired within a round; goal <= 1.5x at 1M/1k)
  * framework = warm rerun / the bare queries the page needs: every metrics function the page called (recorded on
                its cold run through ui.data) re-run directly on a DuckDB connection, warm, no Streamlit (goal <= 3x)

    python bench/bench_pages.py                                 # 1k and 1M figures, 3 rounds
    python bench/bench_pages.py --sizes 1000 20000 --repeats 2  # quick run
    python bench/bench_pages.py --pages funding overview --reruns 5
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALE_GOAL = 1.5  # a page at the largest size vs itself at the smallest
FRAMEWORK_GOAL = 3.0  # a warm rerun vs the bare queries it needs


def page_files() -> list[str]:
    """Page modules of the page catalogue (data/dictionaries/pages.csv), in navigation order: every page."""
    from common.pages import catalogue

    return [p.file for p in catalogue()]


def _fingerprint() -> str:
    """Changes when the plans, the schema or the generator change, so a stale cached DB is rebuilt."""
    h = hashlib.sha256()
    files = sorted((ROOT / "data").glob("plans/*")) + sorted((ROOT / "data" / "dictionaries").glob("*.csv"))
    files += [ROOT / "store" / "db.py", ROOT / "store" / "cells.py", ROOT / "bench" / "synthetic.py",
              ROOT / "loaders" / "extract.py"]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


def database(n: int, cache: Path, seed: int = 0) -> Path:
    from synthetic import synthetic_database

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"figures-{n}-s{seed}-{_fingerprint()}.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        tmp = path.with_name(path.name + ".partial")
        synthetic_database(tmp, n, seed)
        os.replace(tmp, path)
        Path(str(tmp) + ".lock").unlink(missing_ok=True)  # the writer lock beside the temporary name
        print(f"  generated {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


class Clock:
    """Wall and process CPU time of a block (CPU counts every thread: AppTest runs the script on its own)."""

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w0, time.process_time() - self.c0


def _record_queries() -> list[tuple]:
    """Wraps every cached query in ui.data so a cache miss records (function, filters); returns the record."""
    from ui import data

    calls: list[tuple] = []
    for name, fn in list(data._QUERIES.items()):
        def recording(con, _fn=fn, **kw):
            calls.append((_fn, kw))
            return _fn(con, **kw)
        data._QUERIES[name] = recording
    return calls


def bare_queries(calls: list[tuple], db_path: str, repeats: int = 3) -> tuple[float, float]:
    """(wall, cpu) of running the recorded metrics calls directly on a read connection, warm: median of repeats."""
    from store import db

    con = db.open_read(db_path)
    try:
        for fn, kw in calls:  # warm DuckDB's own caches as the app's long-lived connection has them
            fn(con, **kw)
        walls, cpus = [], []
        for _ in range(repeats):
            with Clock() as c:
                for fn, kw in calls:
                    fn(con, **kw)
            walls.append(c.wall)
            cpus.append(c.cpu)
        return statistics.median(walls), statistics.median(cpus)
    finally:
        con.close()


def time_page(page: str, reruns: int, timeout: float, db_path: str) -> dict:
    """Cold and median warm (wall, cpu) seconds for one page run through app.py, the bare queries, first error."""
    from streamlit.testing.v1 import AppTest

    _clear_caches()
    calls = _record_queries()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    with Clock() as cold:
        at.run()
    error = None
    if at.exception:
        error = str(at.exception[0].message).splitlines()[0][:160]
    walls, cpus = [], []
    for _ in range(reruns):
        with Clock() as c:
            at.run()
        walls.append(c.wall)
        cpus.append(c.cpu)
        if at.exception and error is None:
            error = str(at.exception[0].message).splitlines()[0][:160]
    bare_wall, bare_cpu = bare_queries(calls, db_path)
    return {"cold_wall": cold.wall, "cold_cpu": cold.cpu, "warm_wall": statistics.median(walls),
            "warm_cpu": statistics.median(cpus), "bare_wall": bare_wall, "bare_cpu": bare_cpu,
            "queries": len(calls), "error": error}


def _child(page: str, db_path: str, reruns: int, timeout: float) -> None:
    """Runs in a subprocess so a page that takes too long can be stopped (AppTest cannot stop a script)."""
    import importlib
    import json
    import logging

    os.environ["AID_DB_PATH"] = db_path
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit import logger as st_logger

    st_logger.set_log_level("error")
    for module in ("plotly.graph_objects", "pandas", "ui.charts", "ui.data"):  # imports are not what we measure
        importlib.import_module(module)
    result = time_page(page, reruns, timeout, db_path)
    print("RESULT " + json.dumps(result), flush=True)


def run_isolated(page: str, db_path: Path, reruns: int, budget: float) -> dict:
    """time_page() from a child process; {"error": reason} when it fails or exceeds the budget."""
    import json
    import subprocess

    cmd = [sys.executable, __file__, "--child", page, str(db_path), "--reruns", str(reruns),
           "--timeout", str(budget)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {budget:.0f} s budget (stopped)"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"child failed: {tail[:160]}"}


def _spread(values: list[float], scale: float = 1000.0, fmt: str = "{:.0f}") -> str:
    """median [min–max] of the rounds."""
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}–{fmt.format(max(v))}]"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        ap = argparse.ArgumentParser()
        ap.add_argument("--child", nargs=2)
        ap.add_argument("--reruns", type=int, default=3)
        ap.add_argument("--timeout", type=float, default=300)
        a = ap.parse_args(argv)
        os.chdir(ROOT)
        _child(a.child[0], a.child[1], a.reruns, a.timeout)
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000],
                    help="synthetic figures added to the real build")
    ap.add_argument("--pages", nargs="*", help="page ids to run (default: every page of the catalogue but upload)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds over all sizes and pages")
    ap.add_argument("--reruns", type=int, default=3, help="warm reruns per page run (median)")
    ap.add_argument("--budget", type=float, default=240,
                    help="seconds one page may take at one size (cold run + reruns) before it is stopped")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/aid-bench"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    os.chdir(ROOT)
    pages = page_files()
    if args.pages:
        pages = [p for p in pages if Path(p).stem in args.pages]
    sizes = sorted(args.sizes)
    paths = {n: database(n, args.cache, args.seed) for n in sizes}
    print(f"pages: {', '.join(Path(p).stem for p in pages)}")
    print(f"sizes: {', '.join(f'{n:,}' for n in sizes)} synthetic figures; {args.repeats} interleaved rounds; "
          f"{args.reruns} warm reruns per run (median); budget {args.budget:.0f} s per page and size")

    runs: dict[tuple[str, int], list[dict]] = {(p, n): [] for p in pages for n in sizes}
    errors: dict[tuple[str, int], str] = {}
    for r in range(args.repeats):
        order = sizes if r % 2 == 0 else sizes[::-1]  # alternate so drift does not favour one size
        for n in order:
            for page in pages:
                res = run_isolated(page, paths[n], args.reruns, args.budget)
                if res.get("error"):
                    errors[page, n] = res["error"]
                if "warm_wall" in res:
                    runs[page, n].append(res)
                w = res.get("warm_wall")
                print(f"  round {r + 1}  {n:>9,}  {Path(page).stem:<12} "
                      + (f"warm {w * 1000:7.0f} ms wall {res['warm_cpu'] * 1000:7.0f} ms cpu" if w else "")
                      + (f"   ERROR {res['error']}" if res.get("error") else ""), flush=True)

    lo, hi = sizes[0], sizes[-1]
    print("\nms, median [min–max] over rounds")
    for kind in ("warm", "cold"):
        for clock in ("wall", "cpu"):
            print(f"\n{kind} {clock}\n{'page':<12}" + "".join(f"{f'{n:,}':>26}" for n in sizes)
                  + f"{'scale ' + f'{hi:,}/{lo:,}':>28}")
            for page in pages:
                cells = "".join(f"{_spread([x[f'{kind}_{clock}'] for x in runs[page, n]]):>26}" for n in sizes)
                pairs = [b[f"{kind}_{clock}"] / a[f"{kind}_{clock}"] for a, b in zip(runs[page, lo], runs[page, hi])]
                ratio = _spread(pairs, 1, "{:.2f}") + "x" if pairs else "n/a"
                flag = "  > goal" if pairs and statistics.median(pairs) > SCALE_GOAL else ""
                print(f"{Path(page).stem:<12}{cells}{ratio:>28}{flag}")
    print(f"\nframework overhead: warm rerun / bare queries it needs (goal <= {FRAMEWORK_GOAL:g}x)")
    print(f"{'page':<12}{'size':>10}{'queries':>9}{'bare wall ms':>24}{'ratio wall':>22}{'ratio cpu':>22}")
    for page in pages:
        for n in sizes:
            rs = runs[page, n]
            if not rs:
                continue
            rw = [x["warm_wall"] / x["bare_wall"] for x in rs if x["bare_wall"] > 0]
            rc = [x["warm_cpu"] / x["bare_cpu"] for x in rs if x["bare_cpu"] > 0]
            flag = "  > goal" if rw and statistics.median(rw) > FRAMEWORK_GOAL else ""
            print(f"{Path(page).stem:<12}{n:>10,}{rs[0]['queries']:>9}{_spread([x['bare_wall'] for x in rs]):>24}"
                  f"{_spread(rw, 1, '{:.1f}') + 'x':>22}{_spread(rc, 1, '{:.1f}') + 'x':>22}{flag}")
    print(f"\ngoals per page (median of the paired ratios; scale {hi:,}/{lo:,} <= {SCALE_GOAL:g}x, "
          f"framework at {hi:,} <= {FRAMEWORK_GOAL:g}x), wall / cpu")
    print(f"{'page':<12}{'warm scale':>18}{'cold scale':>18}{'framework':>18}  verdict")
    for page in pages:
        cols, ok = [], True
        for kind in ("warm", "cold"):
            pair = []
            for clock in ("wall", "cpu"):
                rs = [b[f"{kind}_{clock}"] / a[f"{kind}_{clock}"] for a, b in zip(runs[page, lo], runs[page, hi])
                      if a[f"{kind}_{clock}"] > 0]
                pair.append(statistics.median(rs) if rs else float("nan"))
            ok &= all(x <= SCALE_GOAL for x in pair if x == x)
            cols.append(pair)
        fw = []
        for clock in ("wall", "cpu"):
            rs = [x[f"warm_{clock}"] / x[f"bare_{clock}"] for x in runs[page, hi] if x[f"bare_{clock}"] > 0]
            fw.append(statistics.median(rs) if rs else float("nan"))
        ok &= all(x <= FRAMEWORK_GOAL for x in fw if x == x)
        cols.append(fw)
        print(f"{Path(page).stem:<12}" + "".join(f"{f'{a:.2f} / {b:.2f}x':>18}" for a, b in cols)
              + ("  ok" if ok else "  over a goal"))
    if errors:
        print("\npages that raised or ran over budget:")
        for (page, n), err in errors.items():
            print(f"  {Path(page).stem} @ {n:,}: {err}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
