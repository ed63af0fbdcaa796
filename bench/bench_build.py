"""Times the database build over the real plans and extraction over a synthetic corpus, as ratios.

Baseline, measured in the same run: reading the same texts and normalising them with
common.numbers.normalize (the first thing extraction does). The ratio says how much extraction
costs over merely reading the text, which is what stays comparable across machines.

    python bench/bench_build.py                 # 5 build repeats, 1,000 synthetic texts
    python bench/bench_build.py --texts 50      # a quick run (CI)
    python bench/bench_build.py --profile       # also cProfile the synthetic extraction, top 15
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import settings  # noqa: E402
from common.numbers import normalize  # noqa: E402
from loaders.build import build, extract_all, load_plans  # noqa: E402
from synthetic import synthetic_plans  # noqa: E402


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def read_and_normalise(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        n += len(normalize(p.read_text(encoding="utf-8")))
    return n


def n_figures(extractions) -> int:
    return sum(len(ex.figures) for ex in extractions.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="builds of the five real plans (median reported)")
    ap.add_argument("--texts", type=int, default=1000, help="synthetic plan-sized texts to extract")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="cProfile the synthetic extraction")
    args = ap.parse_args(argv)

    plans = load_plans()
    plan_files = sorted(Path(settings.get("plans_dir")).glob("*.txt"))
    chars = sum(len(p.text) for p in plans)
    print(f"five real plans: {len(plans)} texts, {chars:,} characters")

    read_and_normalise(plan_files)  # warm: opencc dictionaries, regex compilation, region index
    extract_all(plans)
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "warm.duckdb")
        base_t, build_t, ext_t = [], [], []
        figs = 0
        for i in range(args.repeats):
            base_t.append(timed(read_and_normalise, plan_files)[0])
            t, ex = timed(extract_all, plans)
            ext_t.append(t)
            figs = n_figures(ex)
            build_t.append(timed(build, Path(tmp) / f"b{i}.duckdb")[0])
    base, ext, bld = (statistics.median(x) for x in (base_t, ext_t, build_t))
    print(f"  baseline read+normalise   median {base * 1000:8.1f} ms")
    print(f"  extract_all               median {ext * 1000:8.1f} ms  = {ext / base:6.1f}x baseline"
          f"   {figs / ext:,.0f} figures/s ({figs} figures)")
    print(f"  build() (extract+DuckDB)  median {bld * 1000:8.1f} ms  = {bld / base:6.1f}x baseline"
          f"   {figs / bld:,.0f} figures/s   [{args.repeats} repeats]")

    if args.texts <= 0:
        return 0
    t_gen, syn = timed(synthetic_plans, args.texts, args.seed)
    syn_chars = sum(len(p.text) for p in syn)
    print(f"\nsynthetic corpus: {len(syn)} texts, {syn_chars:,} characters "
          f"(mean {syn_chars / len(syn):,.0f}; generated in {t_gen:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for p in syn:
            f = Path(tmp) / f"{p.plan_id}.txt"
            f.write_text(p.text, encoding="utf-8")
            files.append(f)
        base = timed(read_and_normalise, files)[0]
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
    ext, ex = timed(extract_all, syn)
    if args.profile:
        prof.disable()
    figs = n_figures(ex)
    rejects = sum(len(e.rejects) for e in ex.values())
    print(f"  baseline read+normalise   {base:8.2f} s")
    print(f"  extract_all               {ext:8.2f} s  = {ext / base:6.1f}x baseline"
          f"   {figs / ext:,.0f} figures/s ({figs:,} figures, {rejects:,} rejects)"
          f"   {syn_chars / ext / 1000:,.0f}k chars/s   {ext / len(syn) * 1000:.0f} ms/text")
    if args.profile:
        print("\nprofile of the synthetic extraction (tottime):")
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
