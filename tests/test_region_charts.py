"""Region charts stay readable and cheap however many regions have figures: a trace per period (not per region), the
page catalogue's top N regions and one folded "N other regions" bar whose value is the sum of what it folds, a
show-all switch, drill-down from any bar including the folded one, and the deck's slide equal to the page (issue 12)."""
from __future__ import annotations

import dataclasses
import importlib.util
import json

import pandas as pd
import pytest
from conftest import bar_cells

from common import pages as catalogue
from common.messages import text
from metrics import queries as q
from metrics import ranking
from outputs.deck import view_chart_data
from store import db

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
TOP = catalogue.page("funding").top_regions
ENGINES = ("duckdb", "postgres")  # the drill-down test runs on both stores


@pytest.fixture(scope="module")
def many_regions(tmp_path_factory):
    """The real plans plus synthetic figures (bench/synthetic.py) spread over dozens of recipient regions."""
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    return synthetic.synthetic_database(tmp_path_factory.mktemp("regions") / "many.duckdb", 1500, seed=5)


def _cells(path, **kw) -> pd.DataFrame:
    con = db.open_read(path)
    try:
        return q.funding_by_period_region(con, **kw)
    finally:
        con.close()


def _chart(at, key: str) -> dict:
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    return json.loads(chart.proto.spec)


def _shown_cells(path, at) -> pd.DataFrame:
    """The cells of the periods the page shows (its default periods: those with figures on the dashboard)."""
    return _cells(path, periods=at.multiselect(key="funding_periods").value)


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_catalogue_sets_how_many_regions_a_chart_names():
    assert TOP and TOP >= 3  # data/dictionaries/pages.csv, funding's top_regions


def test_many_regions_draw_a_trace_per_period_and_a_bounded_bar_count(many_regions, make_app):
    at = _ok(make_app(many_regions, "funding"))
    df = _shown_cells(many_regions, at)
    n_regions, periods = df["region_id"].nunique(), df["period"].nunique()
    assert n_regions > 3 * TOP  # the point of the fixture: far more regions than the chart names
    spec = _chart(at, "funding_grouped")
    # before: one trace per region (46 at 1k figures, 97 at 1M)
    assert [tr["name"] for tr in spec["data"]] == list(dict.fromkeys(df.sort_values("period_sort")["period"]))  # 十二五
    assert len(spec["data"]) == periods
    cats = spec["layout"]["xaxis"]["categoryarray"]
    assert len(cats) == TOP + 1 and cats[-1] == text("other_regions", n=n_regions - TOP)
    assert sum(len(tr["x"]) for tr in spec["data"]) <= (TOP + 1) * periods
    # largest first over the periods shown, the folded bar last
    shown = bar_cells(spec)
    totals = [sum(c["y"] for c in shown[r].values()) for r in cats[:-1]]
    assert totals == sorted(totals, reverse=True)
    assert any(text("top_regions_note", k=TOP, n=n_regions - TOP) == c.value for c in at.caption)

    # the lines across periods: one per region shown (their folded sum would flatten them; the caption says so)
    at.segmented_control(key="funding_tab").set_value("across").run(timeout=60)
    lines = _chart(_ok(at), "funding_across")["data"]
    assert [tr["name"] for tr in lines] == cats[:-1]
    assert any(text("top_regions_note_lines", k=TOP, n=n_regions - TOP) == c.value for c in at.caption)
    for tab, key in (("shares", "funding_shares"), ("per_project", "funding_per_project"),
                     ("annualised", "funding_annualised")):
        at.segmented_control(key="funding_tab").set_value(tab).run(timeout=60)
        data = _chart(_ok(at), key)["data"]
        names = {x for tr in data for x in (tr["x"] if key != "funding_shares" else [tr["name"]])}
        assert len(names) <= TOP + 1, (tab, len(names))


def test_the_overview_chart_names_its_top_regions_and_folds_the_rest(many_regions, make_app):
    """The overview's funding chart is a summary: the catalogue's top N regions and one folded bar (the funding page
    lists every region)."""
    top = catalogue.page("overview").top_regions
    assert top and top >= 3
    at = _ok(make_app(many_regions, "overview"))
    df = _cells(many_regions)  # what the page reads: every period and region of the default metric
    spec = _chart(at, "overview_chart")
    cats = spec["layout"]["xaxis"]["categoryarray"]
    n_regions = len(ranking.rank_regions(df))
    assert n_regions > 3 * top and len(cats) == top + 1
    assert cats[-1] == text("other_regions", n=n_regions - top)
    assert len(spec["data"]) == df["period"].nunique()  # a trace per period
    assert any(text("top_regions_note_overview", k=top, n=n_regions - top) == c.value for c in at.caption)


def test_show_all_regions_is_a_switch_in_the_link(many_regions, make_app):
    at = _ok(make_app(many_regions, "funding"))
    shown = _shown_cells(many_regions, at)
    n_regions = shown["region_id"].nunique()
    at.toggle(key="funding_all").set_value(True).run(timeout=60)
    spec = _chart(_ok(at), "funding_grouped")
    # every region, no folded bar: a row per region, largest first
    assert len(spec["layout"]["yaxis"]["categoryarray"]) == len(bar_cells(spec)) == n_regions
    assert {tr["orientation"] for tr in spec["data"]} == {"h"}
    assert len(spec["data"]) == shown["period"].nunique()  # still a trace per period
    assert at.query_params.get("funding_all") in ("1", ["1"])
    again = _ok(make_app(many_regions, "funding", {"funding_all": "1"}, params_first=True))
    assert len(_chart(again, "funding_grouped")["layout"]["yaxis"]["categoryarray"]) == n_regions


def test_every_region_on_a_slide_keeps_to_one_screen(many_regions, make_app):
    """Presentation mode at 1280x720: every region's rows narrow to the slide's chart height (as the deck's slide
    does); the page itself grows a row per region."""
    page = _chart(_ok(make_app(many_regions, "funding", {"funding_all": "1"}, params_first=True)), "funding_grouped")
    slide = _chart(_ok(make_app(many_regions, "funding", {"funding_all": "1", "present": "1"}, params_first=True)),
                   "funding_grouped")
    assert len(slide["layout"]["yaxis"]["categoryarray"]) == len(page["layout"]["yaxis"]["categoryarray"]) > 3 * TOP
    assert slide["layout"]["height"] <= 470 < page["layout"]["height"]


def test_the_folded_bar_is_the_sum_of_what_it_folds(many_regions, make_app):
    at = _ok(make_app(many_regions, "funding"))
    df = _shown_cells(many_regions, at)
    kept, rest = ranking.split_top(df, TOP)
    shown = bar_cells(_chart(at, "funding_grouped"))
    other = shown[text("other_regions", n=len(rest))]
    for period, part in df[df["region_id"].isin(rest)].groupby("period"):
        bar = other[period]
        assert bar["y"] == pytest.approx(part["value_base"].sum() / 1e8)  # 亿元
        assert bar["customdata"] == [ranking.OTHER, period]  # a click opens the folded regions' figures
        assert "包括" in bar["hovertext"] and bar["color"] == ranking.period_colors([period], folded=True)[0]
    # and the regions it names are exactly the ones not shown
    names = dict(zip(df["region_id"], df["region_zh"]))
    assert set(shown) - {text("other_regions", n=len(rest))} == {names[r] for r in kept}


def test_a_slide_shows_what_its_page_shows(many_regions, make_app, tmp_path):
    at = _ok(make_app(many_regions, "funding"))
    shown = bar_cells(_chart(at, "funding_grouped"))
    cats = _chart(at, "funding_grouped")["layout"]["xaxis"]["categoryarray"]
    con = db.open_read(many_regions)
    try:
        periods = at.multiselect(key="funding_periods").value  # a saved view keeps the page's filters
        slide = view_chart_data(con, {"name": "资金", "page": "funding", "params": {"periods": periods}})
        every = view_chart_data(con, {"name": "资金", "page": "funding", "params": {"periods": periods, "all": True}})
    finally:
        con.close()
    assert slide.categories == cats  # the same regions in the same order, the folded one last
    df = _shown_cells(many_regions, at)
    for s in slide.series:
        for region, v in zip(slide.categories, s.values):
            if v is not None:
                assert shown[region][s.name]["y"] == pytest.approx(v)
    assert len(every.categories) == df["region_id"].nunique()
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE

    from outputs.deck import build_deck

    con = db.open_read(many_regions)
    try:
        out = build_deck(con, [{"name": "前十", "page": "funding", "params": {"periods": periods}},
                               {"name": "全部", "page": "funding", "params": {"periods": periods, "all": True}}],
                         tmp_path / "deck.pptx")
    finally:
        con.close()
    top, every_chart = [next(s.chart for s in slide.shapes if s.has_chart)
                        for slide in list(Presentation(str(out)).slides)[1:]]
    assert top.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED and list(top.plots[0].categories) == cats
    greys = ranking.period_colors(periods, folded=True)
    for ser, grey in zip(top.plots[0].series, greys):  # the folded bar in grey, as on the page
        assert f"#{ser.points[len(cats) - 1].format.fill.fore_color.rgb}".lower() == grey
    assert every_chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED  # every region: rows, as on the page
    # value labels only where they can be read: not on a slide of every region (they would overprint)
    n_top = sum(v is not None for s in slide.series for v in s.values)
    assert top.plots[0].has_data_labels == (n_top <= ranking.BAR_LABELS_LEVEL)
    assert not every_chart.plots[0].has_data_labels


@pytest.fixture
def top3(monkeypatch):
    """The funding page naming 3 regions (the built plans have 8 with funding)."""
    specs = tuple(dataclasses.replace(p, top_regions=3) if p.page_id == "funding" else p
                  for p in catalogue.catalogue())
    monkeypatch.setattr(catalogue, "catalogue", lambda: specs)


def test_the_folded_bar_drills_down_to_its_regions_figures(path, make_app, top3):
    """On both engines: ?funding_drill=<period>|_other (what a click on the folded bar writes) lists the figures of
    every folded region in that period, and only theirs."""
    df = _cells(path, periods=["十二五"])
    kept, rest = ranking.split_top(_cells(path), 3)
    assert len(rest) >= 2
    at = _ok(make_app(path, "funding", {"funding_drill": f"十二五|{ranking.OTHER}"}, params_first=True))
    assert at.selectbox(key="funding_drill").value == f"十二五|{ranking.OTHER}"
    (table,) = [d.value for d in at.dataframe]
    names = {r: n for r, n in zip(df["region_id"], df["region_zh"])}
    folded_here = {names[r] for r in rest if r in names}
    region_col = next(c for c in table.columns if table[c].astype(str).isin(folded_here).any())
    assert set(table[region_col]) <= folded_here and len(set(table[region_col])) == len(folded_here)
    # and a kept region's bar still drills to that region alone
    at.selectbox(key="funding_drill").set_value(f"十二五|{kept[0]}").run(timeout=60)
    (table,) = [d.value for d in _ok(at).dataframe]
    assert set(table[region_col]) == {names[kept[0]]}
