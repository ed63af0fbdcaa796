"""Extraction on prose nobody tuned the rules to: the golden set in tests/golden/ (news, work reports, other
provinces' 援疆/援藏/东西部协作 reports, county recipients, several periods, traditional characters), read as new
documents are (sidecar drafted from the text). Passages named ho_… were written after the rules and never
used to tune them. The thresholds are the issue's bar: value ≥ 0.90, region ≥ 0.75, period ≥ 0.75,
precision ≥ 0.95."""
from __future__ import annotations

import pytest

from bench.bench_extract_quality import HELD_OUT, load_golden, score
from loaders.drafting import context_for, draft_sidecar
from loaders.extract import extract

PASSAGES, ROWS = load_golden()


def test_the_golden_set_is_large_and_well_formed():
    figures = [r for r in ROWS if r["expect"] == "figure"]
    assert len(figures) >= 150
    assert len([r for r in ROWS if r["expect"] == "none"]) >= 10
    assert any(c.startswith(HELD_OUT) for c in PASSAGES)
    for r in ROWS:
        assert r["case"] in PASSAGES
        assert PASSAGES[r["case"]].count(r["anchor"]) == 1, r  # an anchor names one place in its passage


@pytest.mark.parametrize("which", ["all", "held_out"])
def test_quality_meets_the_bar(which):
    s = score(which=which)
    assert s.expected > 0
    assert s.value / s.expected >= 0.90, s.line()
    assert s.region / s.expected >= 0.75, s.line()
    assert s.period / s.expected >= 0.75, s.line()
    assert s.correct / s.extracted >= 0.95, s.line()


# held-out rows only count towards the thresholds above: they measure, they are not fixed one by one
MUST_NOT = [r for r in ROWS if r["expect"] == "none" and not r["case"].startswith(HELD_OUT)]


@pytest.mark.parametrize("row", MUST_NOT, ids=[f"{r['case']}:{r['anchor']}" for r in MUST_NOT])
def test_not_a_figure_in_other_styles(row):
    text = PASSAGES[row["case"]]
    figures = extract(context_for(draft_sidecar(text, row["case"])), text).figures
    a = text.index(row["anchor"])
    b = a + len(row["anchor"])
    assert not [f.number_text for f in figures if f.span_start < b and f.span_end > a]
