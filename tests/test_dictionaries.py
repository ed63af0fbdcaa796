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


PERIOD_HEADER = ["period", "label_zh", "label_en", "short_zh", "short_en", "start_year", "end_year", "dashboard", "default",
                 "color", "color_folded"]


def test_period_dictionary_schema():
    df = pd.read_csv(ROOT / "data/dictionaries/periods.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == PERIOD_HEADER
    assert df.period.is_unique and df.period.str.fullmatch(r"十[一二三四五六七八九]?五").all()
    assert set(df.dashboard) <= {"0", "1"} and set(df.default) <= {"0", "1"}
    assert (df.default == "1").sum() == 1 and df[df.default == "1"].dashboard.eq("1").all()
    starts, ends = df.start_year.astype(int), df.end_year.astype(int)
    assert ((ends - starts) == 4).all()                       # five years each
    assert (starts.iloc[1:].values == ends.iloc[:-1].values + 1).all()  # back to back, oldest first, no gaps
    for r in df.itertuples():
        assert r.period in r.label_zh and f"{r.start_year}–{r.end_year}" in r.label_zh
        assert "FYP" in r.label_en and f"{r.start_year}–{r.end_year}" in r.label_en
        assert r.short_zh == r.period and r.label_en.startswith(r.short_en)
        assert re.fullmatch(r"#[0-9a-f]{6}", r.color) and re.fullmatch(r"#[0-9a-f]{6}", r.color_folded)
    assert df.color.is_unique  # a period's colour tells it apart from every other period    assert d.default_period() == df[df.default == "1"].period.iloc[0]


def test_period_membership():
    assert d.five_year_of(2021) == "十四五" and d.five_year_of(2021, 2022) == "十四五"
    assert d.five_year_of(2016, 2020) == "十三五"
    assert d.five_year_of(2020, 2022) is None  # across two periods: neither
    frame = d.periods_frame(["2022", "2020-2022", "2026-2027"]).set_index("period")
    assert frame.loc["2022", "five_year"] == "十四五" and frame.loc["十二五", "five_year"] == "十二五"
    assert pd.isna(frame.loc["2020-2022", "five_year"]) and frame.loc["2026-2027", "five_year"] == "十五五"
    assert bool(frame.loc["十四五", "dashboard"]) and not bool(frame.loc["十五", "dashboard"])


def test_region_roles():
    df = d.regions()
    roles = {role for v in df.role for role in d.region_roles(v)}
    assert roles <= {"total", "cooperation", "enterprise", "recipient"}
    assert len(d.regions_with_role("total")) == 1
    members = {m for v in df.members[df.level == "group"] for m in d.split_list(v)}
    for r in df.itertuples():
        if "recipient" in d.region_roles(r.role):
            # a recipient is a place (or a named group of places) and not counted again inside its group
            assert r.level in {"prefecture", "county", "group", "province"} and r.region_id not in members, r
        if {"total", "cooperation", "enterprise"} & d.region_roles(r.role) and r.level == "scope":
            assert "recipient" not in d.region_roles(r.role), r
    assert set(d.regions_with_role("cooperation")) == {"west", "northeast_central", "anhui"}
    assert set(d.regions_with_role("enterprise")) == {"inbound", "outbound"}


def test_headline_metrics_come_from_the_dictionary():
    df = d.metrics()
    assert list(d.headline_metrics()) == list(df[df.headline].sort_values("sort").metric_id)
    assert 1 <= len(d.headline_metrics()) <= 6  # the overview shows them side by side


@pytest.mark.parametrize("sidecar", sorted((ROOT / "data/plans").glob("*.json")), ids=lambda p: p.stem)
def test_plan_task_settings(sidecar):
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    cfg = meta.get("tasks")
    if cfg is None:
        return
    assert set(cfg) <= {"cities", "default_city"}, cfg
    assert isinstance(cfg.get("cities", []), list) and all(isinstance(c, str) and c for c in cfg.get("cities", []))
    assert cfg.get("default_city") is None or isinstance(cfg["default_city"], str)
    assert meta["kind"] in ("work_plan", "action_plan")  # only these are read for tasks


def test_one_display_factor():
    from metrics import formatting as fmt

    assert (fmt.factor("亿元"), fmt.factor("万元"), fmt.factor("万人次"), fmt.factor("个"), fmt.factor(None)) == (
        1e8, 1e4, 1e4, 1.0, 1.0)
    for unit in set(d.metrics().display_unit_zh):  # every display unit of the dictionary has a factor by rule
        assert fmt.factor(unit) in (1.0, 1e4, 1e8, 1e12), unit


def test_page_catalogue_schema():
    """pages.csv: unique ids and URL paths, one default page, a module per page, and every default metric, offered
    metric and default region defined in the dictionaries."""
    from common.pages import catalogue
    from common.paths import ROOT

    pages = catalogue()
    assert len({p.page_id for p in pages}) == len(pages) == len({p.url_path for p in pages})
    assert sum(p.default for p in pages) == 1
    metric_ids = set(d.metrics()["metric_id"])
    region_ids = set(d.regions()["region_id"])
    for p in pages:
        assert (ROOT / p.file).is_file(), p.file
        assert not p.default_metric or p.default_metric in metric_ids, p
        assert set(p.metrics) <= metric_ids, p
        assert not p.metrics or p.default_metric in p.metrics, p
        assert not p.default_region or p.default_region in region_ids, p
        assert p.top_regions is None or p.top_regions >= 1, p  # how many regions a chart names before "other"


def test_period_colours_stay_when_another_period_is_added():
    from metrics import ranking

    two = dict(zip(["十三五", "十四五"], ranking.period_colors(["十三五", "十四五"])))
    three = dict(zip(["十二五", "十三五", "十四五"], ranking.period_colors(["十二五", "十三五", "十四五"])))
    assert two["十三五"] == three["十三五"] and two["十四五"] == three["十四五"]
    assert len(set(three.values())) == 3
    assert ranking.period_colors(["2021"]) == ranking.period_colors(["2021", "2022"])[:1]  # a year keeps its colour too
    assert ranking.period_colors(["十四五"], folded=True) != ranking.period_colors(["十四五"])
