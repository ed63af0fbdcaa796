"""Period recall of jionlp's Chinese time-expression parser against loaders/time_expressions.py, on the golden rows.

jionlp (Apache-2.0) is not a dependency of the app; install it somewhere to run this comparison, e.g.
    pip install --target /tmp/jiolib jionlp && PYTHONPATH=/tmp/jiolib python bench/bench_time_jionlp.py
Only the recogniser is swapped (in extraction and in drafting the sidecar): every time expression jionlp finds in a sentence (resolved against the
document's date) becomes a mark of the same three period forms; carrying through the paragraph, the document
period and everything else stay as they are, so the difference is the recogniser's.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_extract_quality import score  # noqa: E402

from loaders import extract as ex  # noqa: E402
from loaders import time_expressions as te  # noqa: E402


def jionlp_marks(jio):
    def marks(norm, start, end, doc_year, doc_month=None, carried_start=None, period_start=None,
              untied_years=False):
        base = time.mktime(((doc_year or 2025), (doc_month or 6), 15, 0, 0, 0, 0, 0, -1))
        out = []
        try:
            found = jio.ner.extract_time(norm[start:end], time_base=base)
        except Exception:  # jionlp raises on some inputs; count them as nothing found
            return []
        for item in found:
            span = item["detail"].get("time")
            if not isinstance(span, list) or not span:
                continue  # durations and periodic times (每年) are no period
            a, b = span[0], span[-1]
            if not isinstance(a, str) or not a[:4].isdigit():
                continue
            y0 = int(a[:4])
            y1 = int(b[:4]) if isinstance(b, str) and b[:4].isdigit() else (doc_year or y0)
            s, e = item["offset"]
            kind = "year" if y0 == y1 else "range"
            out.append(te.TimeMark(start + s, start + e, te.as_period(y0, y1), item["text"], kind))
        return out
    return marks


def main() -> int:
    try:
        import jionlp as jio
    except ImportError:
        print("jionlp is not installed: nothing to compare (see the module docstring)")
        return 0
    rules = {w: score(which=w) for w in ("dev", "held_out", "all")}
    ex.te.marks = jionlp_marks(jio)
    try:
        lib = {w: score(which=w) for w in ("dev", "held_out", "all")}
    finally:
        ex.te.marks = te.marks
    for w in ("dev", "held_out", "all"):
        r, j = rules[w], lib[w]
        print(f"[{w}] period recall: rules {r.ratio(r.period, r.expected):.2f}, jionlp {j.ratio(j.period, j.expected):.2f}"
              f" ({r.expected} figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
