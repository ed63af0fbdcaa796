"""Extraction quality on prose nobody tuned the rules to: value, region and period recall and precision.

The golden set (tests/golden/other_styles*.csv) is news reports, work reports, other provinces' 援疆/援藏/东西部协作
reports, county recipients and traditional characters, written for these tests. Each passage is read as a new
document would be: its sidecar drafted from the text (loaders.drafting), then extracted.

    python bench/bench_extract_quality.py            # the summary line
    python bench/bench_extract_quality.py --misses   # also every row that is missed or wrong
"""
from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders.drafting import context_for, draft_sidecar  # noqa: E402
from loaders.extract import extract  # noqa: E402

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"


def load_golden(folder: Path = GOLDEN) -> tuple[dict[str, str], list[dict]]:
    with (folder / "other_styles_passages.csv").open(encoding="utf-8", newline="") as f:
        passages = {r["case"]: r["text"] for r in csv.DictReader(f)}
    with (folder / "other_styles.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return passages, rows


@dataclass
class Score:
    expected: int = 0
    value: int = 0
    region: int = 0
    period: int = 0
    metric: int = 0
    extracted: int = 0
    correct: int = 0
    must_not: int = 0
    must_not_found: int = 0
    misses: list[str] = field(default_factory=list)

    def ratio(self, n: int, d: int) -> float:
        return n / d if d else 1.0

    def line(self) -> str:
        e = self.expected
        return (f"other styles: {e} figures, {self.must_not} must-not spans | value recall "
                f"{self.ratio(self.value, e):.2f}, region recall {self.ratio(self.region, e):.2f}, period recall "
                f"{self.ratio(self.period, e):.2f}, metric recall {self.ratio(self.metric, e):.2f}, precision "
                f"{self.ratio(self.correct, self.extracted):.2f} ({self.extracted} extracted), "
                f"must-not extracted {self.must_not_found}")


HELD_OUT = ("ho_", "ho2_", "ho3_")  # passages written after the rules (three rounds), never used to tune them


def score(folder: Path = GOLDEN, which: str = "all") -> Score:
    """which: all | dev (the passages the rules were developed on) | held_out (cases named ho_…)."""
    passages, rows = load_golden(folder)
    s = Score()
    for case, text in passages.items():
        if which != "all" and (case.startswith(HELD_OUT)) != (which == "held_out"):
            continue
        meta = draft_sidecar(text, case)
        figures = extract(context_for(meta), text).figures
        by_end = {f.span_end: f for f in figures}
        matched: set[int] = set()
        for r in (r for r in rows if r["case"] == case):
            pos = text.find(r["anchor"])
            assert pos >= 0, f"{case}: anchor not in passage: {r['anchor']}"
            end = pos + len(r["anchor"])
            if r["expect"] == "none":
                s.must_not += 1
                hit = [f for f in figures if f.span_start < end and f.span_end > pos]
                if hit:
                    s.must_not_found += 1
                    matched.update(f.span_end for f in hit)
                    s.misses.append(f"{case}: must not extract {r['anchor']}")
                continue
            s.expected += 1
            f = by_end.get(end)
            if f is None or abs(f.value_base - float(r["value_base"])) > 1e-6 * max(1.0, float(r["value_base"])):
                s.misses.append(f"{case}: value missed {r['anchor']}")
                continue
            matched.add(end)
            s.value += 1
            got = dict(region=f.region_id, period=f.period, metric=f.metric_id)
            for key in ("region", "period", "metric"):
                if got[key] == r[key]:
                    setattr(s, key, getattr(s, key) + 1)
                else:
                    s.misses.append(f"{case}: {key} {got[key]} != {r[key]} at {r['anchor']}")
        s.extracted += len(figures)
        s.correct += len([f for f in figures if f.span_end in matched and f.span_end in
                          {text.find(r["anchor"]) + len(r["anchor"]) for r in rows
                           if r["case"] == case and r["expect"] == "figure"}])
        for f in figures:
            if f.span_end not in matched:
                s.misses.append(f"{case}: extra figure {f.number_text} ({f.metric_id})")
    return s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args(argv)
    for which in ("dev", "held_out", "all"):
        s = score(which=which)
        if args.misses and which != "all":
            print("\n".join(s.misses))
        print(f"[{which}] " + s.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
