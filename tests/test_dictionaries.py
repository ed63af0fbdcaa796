"""Schema tests over the metric dictionary, the plan sidecars and the periods."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from common import dictionaries as d

ROOT = Path(__file__).resolve().parent.parent
METRIC_HEADER = ["metric_id", "name_zh", "name_en", "unit_family", "base_unit", "display_unit_zh", "display_unit_en",
                 "category", "cues", "units", "decimals", "headline", "sort", "description"]


def test_metric_dictionary_schema():
    df = pd.read_csv(ROOT / "data/dictionaries/metrics.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == METRIC_HEADER
    assert df.metric_id.is_unique and df.metric_id.str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert set(df.unit_family) <= {"money", "count", "people", "percent", "ratio"}
    assert set(df.category) <= {"aid", "cooperation", "enterprise", "people", "other", "context"}
    assert set(df.headline) <= {"true", "false"}
    from common.numbers import UNITS

    for row in df.itertuples():
        assert row.name_zh and row.name_en and row.cues, row.metric_id
        units = d.split_list(row.units)
        assert units and all(u in UNITS or u.lstrip("万亿") in UNITS for u in units), row.metric_id
        assert all(UNITS[u] == row.unit_family for u in units if u in UNITS), row.metric_id
        int(row.decimals), int(row.sort)


def test_no_cue_is_shared_by_two_metrics():
    cues = [(c.lstrip("!"), m) for m, row in d.metric_index().rows.items() for c in d.split_list(row["cues"])]
    seen = {}
    for cue, mid in cues:
        assert seen.setdefault(cue, mid) == mid, f"cue {cue} used by {seen[cue]} and {mid}"


@pytest.mark.parametrize("sidecar", sorted((ROOT / "data/plans").glob("*.json")), ids=lambda p: p.stem)
def test_plan_sidecar(sidecar):
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert meta["plan_id"] == sidecar.stem
    assert (ROOT / "data/plans" / f"{sidecar.stem}.txt").exists()
    for key in ("title", "kind", "period", "default_region", "source_file", "origin"):
        assert meta.get(key), key
    assert meta["kind"] in ("five_year_plan", "work_plan", "action_plan")
    d.period_info(meta["period"])
    if meta["kind"] == "five_year_plan":
        # a five-year plan's review describes the period before its own
        assert d.period_info(meta["review_period"])["end_year"] + 1 == d.period_info(meta["period"])["start_year"]
    for key in ("date", "page_updated"):
        if meta.get(key):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", meta[key])
    regions = set(d.regions().region_id)
    assert meta["default_region"] in regions and set(meta.get("actors", [])) <= regions


@pytest.mark.parametrize("period,start,end,n", [
    ("十一五", 2006, 2010, 5), ("十四五", 2021, 2025, 5), ("2020", 2020, 2020, 1), ("2020-2022", 2020, 2022, 3),
    ("“十二五”", 2011, 2015, 5), ("2021年", 2021, 2021, 1),
])
def test_periods(period, start, end, n):
    info = d.period_info(period)
    assert (info["start_year"], info["end_year"], info["n_years"]) == (start, end, n)


@pytest.mark.parametrize("bad", ["十九五", "2022-2020", "abc", "", "20201"])
def test_bad_periods(bad):
    with pytest.raises(ValueError):
        d.period_info(bad)


def test_region_lookup_and_suggestions():
    idx = d.region_index()
    assert idx.resolve("喀什地区") == "xinjiang_kashgar"
    assert idx.resolve("日喀則") == "tibet_shigatse"  # traditional characters
    assert idx.resolve("火星") is None
    assert "新疆喀什" in idx.suggest("喀什市")


def test_every_setting_is_documented_in_the_readme():
    from common.settings import SETTINGS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert f"`{s.name}`" in readme, s.name


def test_readme_commands_match_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = "python -m pytest -q"
    assert test_cmd in readme and ci.strip().splitlines()[-1] == test_cmd
