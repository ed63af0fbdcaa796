"""Server-side rerun time of every dashboard page under AppTest, on synthetic databases of growing size.

For each size the databases are the real build plus N synthetic figures (synthetic), cached
under --cache (default /tmp/aid-bench) and reused while the plans, schema and generator are unchanged.
Each page runs through app.py (so navigation, theme and first-run checks count), first cold (Streamlit
caches cleared), then --reruns timed reruns with warm caches; the median is reported. The ratio of a
page's time at the largest size to its time at the smallest says how it scales (goal: <= 3x).

    python bench/bench_pages.py                       # 1k, 100k, 1M figures
    python bench/bench_pages.py --sizes 1000 20000    # quick run (CI)
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

GOAL_RATIO = 3.0


def page_files() -> list[str]:
    """Page modules of the page catalogue (data/dictionaries/pages.csv), in navigation order, the upload page aside."""
    from common.pages import catalogue

    return [p.file for p in catalogue() if p.page_id != "upload"]


def _fingerprint() -> str:
    """Changes when the plans, the schema or the generator change, so a stale cached DB is rebuilt."""
    h = hashlib.sha256()
    files = sorted((ROOT / "data").glob("plans/*")) + sorted((ROOT / "data" / "dictionaries").glob("*.csv"))
    files += [ROOT / "store" / "db.py", ROOT / "bench" / "synthetic.py", ROOT / "loaders" / "extract.py"]
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


def time_page(page: str, reruns: int, timeout: float) -> tuple[float, float, str | None]:
    """(cold seconds, median warm seconds, first error or None) for one page run through app.py."""
    from streamlit.testing.v1 import AppTest

    _clear_caches()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    error = None
    if at.exception:
        error = str(at.exception[0].message).splitlines()[0][:160]
    warm = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
        if at.exception and error is None:
            error = str(at.exception[0].message).splitlines()[0][:160]
    return cold, statistics.median(warm), error


def _child(page: str, db_path: str, reruns: int, timeout: float) -> None:
    """Runs in a subprocess so a page that takes too long can be stopped (AppTest cannot stop a script)."""
    import json
    import logging

    os.environ["AID_DB_PATH"] = db_path
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from streamlit import logger as st_logger

    st_logger.set_log_level("error")
    import importlib

    try:  # imports are not what we measure: load the page's module (plotly, pandas, ui) first
        importlib.import_module(f"pages.{Path(page).stem}")
    except ImportError:
        pass
    cold, warm, err = time_page(page, reruns, timeout)
    print("RESULT " + json.dumps({"cold": cold, "warm": warm, "error": err}), flush=True)


def run_isolated(page: str, db_path: Path, reruns: int, budget: float):
    """(cold, warm, error) from a child process; (None, None, reason) when it exceeds the budget."""
    import json
    import subprocess

    cmd = [sys.executable, __file__, "--child", page, str(db_path), "--reruns", str(reruns),
           "--timeout", str(budget)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=budget, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, None, f"over the {budget:.0f} s budget (stopped)"
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[7:])
            return r["cold"], r["warm"], r["error"]
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return None, None, f"child failed: {tail[:160]}"


def _ms(x: float | None) -> str:
    return f"{x * 1000:12.0f}" if x is not None else f"{'timeout':>12}"


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
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000, 1_000_000],
                    help="synthetic figures added to the real build, smallest first")
    ap.add_argument("--pages", nargs="*", help="page stems to run (default: every page in app.py)")
    ap.add_argument("--reruns", type=int, default=3)
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
    print(f"pages: {', '.join(Path(p).stem for p in pages)}")
    print(f"sizes: {', '.join(f'{n:,}' for n in sizes)} synthetic figures; {args.reruns} warm reruns (median);"
          f" budget {args.budget:.0f} s per page and size")

    cold: dict[tuple[str, int], float | None] = {}
    warm: dict[tuple[str, int], float | None] = {}
    errors: dict[tuple[str, int], str] = {}
    for n in sizes:
        path = database(n, args.cache, args.seed)
        for page in pages:
            c, w, err = run_isolated(page, path, args.reruns, args.budget)
            cold[page, n], warm[page, n] = c, w
            if err:
                errors[page, n] = err
            print(f"  {n:>9,}  {Path(page).stem:<12} cold {_ms(c)} ms   warm {_ms(w)} ms"
                  + (f"   ERROR {err}" if err else ""), flush=True)

    lo, hi = sizes[0], sizes[-1]
    head = "".join(f"{f'{n:,}':>12}" for n in sizes)
    for label, table in (("warm rerun, median ms", warm), ("cold first run, ms", cold)):
        print(f"\n{label}\n{'page':<12}{head}{'ratio ' + f'{hi:,}/{lo:,}':>24}")
        for page in pages:
            cells = "".join(_ms(table[page, n]) for n in sizes)
            a, b = table[page, lo], table[page, hi]
            if a and b:
                ratio = b / a
                flag = f"  > {GOAL_RATIO:g}x goal" if ratio > GOAL_RATIO and table is warm else ""
                print(f"{Path(page).stem:<12}{cells}{ratio:23.1f}x{flag}")
            else:
                print(f"{Path(page).stem:<12}{cells}{'n/a':>24}" + ("  > budget" if table is warm else ""))
    if errors:
        print("\npages that raised or ran over budget:")
        for (page, n), err in errors.items():
            print(f"  {Path(page).stem} @ {n:,}: {err}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
