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
    git worktree add --detach /tmp/pages-base main
    python bench/bench_pages.py --base /tmp/pages-base          # and main, in the same rounds ("before")
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


def run_isolated(page: str, db_path: Path, reruns: int, budget: float, root: Path = ROOT) -> dict:
    """time_page() from a child process (the bench of checkout `root`, so a base checkout runs its own code);
    {"error": reason} when it fails or exceeds the budget."""
    import json
    import subprocess

    cmd = [sys.executable, str(root / "bench" / "bench_pages.py"), "--child", page, str(db_path), "--reruns",
           str(reruns), "--timeout", str(budget)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=root)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {budget:.0f} s budget (stopped)"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"child failed: {tail[:160]}"}


def base_database(base: Path, n: int, cache: Path, seed: int) -> Path:
    """The database of size n as the base checkout generates it (its own schema, cells and generator)."""
    import subprocess

    code = (f"import sys; sys.path[:0] = [{str(base / 'bench')!r}, {str(base)!r}]\n"
            "from pathlib import Path\nfrom bench_pages import database\n"
            f"print(database({n}, Path({str(cache)!r}), {seed}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=base, check=True)
    return Path(proc.stdout.strip().splitlines()[-1])


def _spread(values: list[float], scale: float = 1000.0, fmt: str = "{:.0f}") -> str:
    """median [min–max] of the rounds."""
    if not values:
        return "n/a"
    v = [x * scale for x in values]
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}–{fmt.format(max(v))}]"


def _ratios(runs_lo: list[dict], runs_hi: list[dict], key: str) -> list[float]:
    """hi / lo paired by round."""
    return [b[key] / a[key] for a, b in zip(runs_lo, runs_hi) if a[key] > 0]


def report(runs: dict, pages: list[str], sizes: list[int], label: str) -> None:
    """Every table for one checkout's runs {(page, size): [round results]}."""
    lo, hi = sizes[0], sizes[-1]
    print(f"\n===== {label}: ms, median [min–max] over rounds")
    for kind in ("warm", "cold"):
        for clock in ("wall", "cpu"):
            print(f"\n{kind} {clock}\n{'page':<12}" + "".join(f"{f'{n:,}':>26}" for n in sizes)
                  + f"{'scale ' + f'{hi:,}/{lo:,}':>28}")
            for page in pages:
                cells = "".join(f"{_spread([x[f'{kind}_{clock}'] for x in runs[page, n]]):>26}" for n in sizes)
                pairs = _ratios(runs[page, lo], runs[page, hi], f"{kind}_{clock}")
                ratio = _spread(pairs, 1, "{:.2f}") + "x" if pairs else "n/a"
                flag = "  > goal" if pairs and statistics.median(pairs) > SCALE_GOAL else ""
                print(f"{Path(page).stem:<12}{cells}{ratio:>28}{flag}")
    print(f"\nframework overhead: warm rerun / bare queries it needs (goal <= {FRAMEWORK_GOAL:g}x; n/a: the page "
          "records no ui.data query)")
    print(f"{'page':<12}{'size':>10}{'queries':>9}{'bare wall ms':>24}{'ratio wall':>22}{'ratio cpu':>22}")
    for page in pages:
        for n in sizes:
            rs = runs[page, n]
            if not rs:
                continue
            measured = [x for x in rs if x["queries"] and x["bare_wall"] > 0 and x["bare_cpu"] > 0]
            rw = [x["warm_wall"] / x["bare_wall"] for x in measured]
            rc = [x["warm_cpu"] / x["bare_cpu"] for x in measured]
            flag = "  > goal" if rw and statistics.median(rw) > FRAMEWORK_GOAL else ""
            print(f"{Path(page).stem:<12}{n:>10,}{rs[0]['queries']:>9}{_spread([x['bare_wall'] for x in rs]):>24}"
                  f"{_spread(rw, 1, '{:.1f}') + 'x':>22}{_spread(rc, 1, '{:.1f}') + 'x':>22}{flag}")
    print(f"\ngoals per page, {label} (median of the paired ratios; scale {hi:,}/{lo:,} <= {SCALE_GOAL:g}x, "
          f"framework at {hi:,} <= {FRAMEWORK_GOAL:g}x), wall / cpu")
    print(f"{'page':<12}{'warm scale':>18}{'cold scale':>18}{'framework':>18}  verdict")
    for page in pages:
        cols, ok = [], True
        for kind in ("warm", "cold"):
            pair = []
            for clock in ("wall", "cpu"):
                rs = _ratios(runs[page, lo], runs[page, hi], f"{kind}_{clock}")
                pair.append(statistics.median(rs) if rs else float("nan"))
            ok &= all(x <= SCALE_GOAL for x in pair if x == x)
            cols.append(pair)
        fw = []
        for clock in ("wall", "cpu"):
            rs = [x[f"warm_{clock}"] / x[f"bare_{clock}"] for x in runs[page, hi]
                  if x["queries"] and x[f"bare_{clock}"] > 0]
            fw.append(statistics.median(rs) if rs else float("nan"))
        ok &= all(x <= FRAMEWORK_GOAL for x in fw if x == x)
        cols.append(fw)
        print(f"{Path(page).stem:<12}" + "".join(f"{f'{a:.2f} / {b:.2f}x' if a == a else 'n/a':>18}" for a, b in cols)
              + ("  ok" if ok else "  over a goal"))


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
    ap.add_argument("--pages", nargs="*", help="page ids to run (default: every page of the catalogue)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds over all sizes and pages")
    ap.add_argument("--reruns", type=int, default=3, help="warm reruns per page run (median)")
    ap.add_argument("--budget", type=float, default=240,
                    help="seconds one page may take at one size (cold run + reruns) before it is stopped")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/aid-bench"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", type=Path, default=None,
                    help="another checkout (e.g. a detached worktree of main) run in the same rounds: 'before'")
    args = ap.parse_args(argv)

    os.chdir(ROOT)
    pages = page_files()
    if args.pages:
        pages = [p for p in pages if Path(p).stem in args.pages]
    sizes = sorted(args.sizes)
    variants = {"after": (ROOT, {n: database(n, args.cache, args.seed) for n in sizes})}
    if args.base:
        base = args.base.resolve()
        variants = {"before": (base, {n: base_database(base, n, args.cache, args.seed) for n in sizes}), **variants}
    print(f"pages: {', '.join(Path(p).stem for p in pages)}")
    print(f"sizes: {', '.join(f'{n:,}' for n in sizes)} synthetic figures; {args.repeats} interleaved rounds; "
          f"{args.reruns} warm reruns per run (median); budget {args.budget:.0f} s per page and size")
    for label, (root, paths) in variants.items():
        print(f"{label}: {root} ({', '.join(p.name for p in paths.values())})")

    runs = {v: {(p, n): [] for p in pages for n in sizes} for v in variants}
    errors: dict[tuple[str, str, int], str] = {}
    for r in range(args.repeats):
        order = sizes if r % 2 == 0 else sizes[::-1]  # alternate so drift does not favour one size
        labels = list(variants) if r % 2 == 0 else list(variants)[::-1]  # nor one checkout
        for n in order:
            for page in pages:
                for label in labels:
                    root, paths = variants[label]
                    res = run_isolated(page, paths[n], args.reruns, args.budget, root)
                    if res.get("error"):
                        errors[label, page, n] = res["error"]
                    if "warm_wall" in res:
                        runs[label][page, n].append(res)
                    w = res.get("warm_wall")
                    print(f"  round {r + 1}  {n:>9,}  {Path(page).stem:<12} {label:<7}"
                          + (f"warm {w * 1000:7.0f} ms wall {res['warm_cpu'] * 1000:7.0f} ms cpu   "
                             f"cold {res['cold_wall'] * 1000:7.0f} wall {res['cold_cpu'] * 1000:7.0f} cpu" if w else "")
                          + (f"   ERROR {res['error']}" if res.get("error") else ""), flush=True)

    for label in variants:
        report(runs[label], pages, sizes, label)
    if args.base:
        print("\nafter / before, CPU, paired by round: median [min–max]")
        print(f"{'page':<12}{'size':>10}{'warm':>22}{'cold':>22}")
        for page in pages:
            for n in sizes:
                a, b = runs["before"][page, n], runs["after"][page, n]
                cells = "".join(f"{_spread([y[k] / x[k] for x, y in zip(a, b) if x[k] > 0], 1, '{:.2f}') + 'x':>22}"
                                for k in ("warm_cpu", "cold_cpu"))
                print(f"{Path(page).stem:<12}{n:>10,}{cells}")
    if errors:
        print("\npages that raised or ran over budget:")
        for (label, page, n), err in errors.items():
            print(f"  {label} {Path(page).stem} @ {n:,}: {err}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
