"""Pages do only the work the user sees: one chart per view, headline cards from one read of the cells, charts from
narrow frames, finished figures reused on a warm rerun of the same snapshot and filters (issue 12)."""
from __future__ import annotations

import importlib.util
import json

import pandas as pd
import pytest
from conftest import app_settings, bar_cells

from metrics import queries as q
from store import db

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
FUNDING_TABS = ("grouped", "year_view", "across", "shares", "per_project", "annualised")


# --- headline cards: one read of the cells equals the per-metric reads it replaced ---------------------------

def _headline_per_metric(con, period: str) -> pd.DataFrame:
    """The headline cards as they were computed before (two period_cells reads, then totals() re-reading the
    periods and metric_info() per metric): the reference the one-read version must equal."""
    rows = []
    both = (q.period_cells(con, list(q.HEADLINE_METRICS), regions=[q.TOTAL_REGION]),
            q.period_cells(con, list(q.HEADLINE_METRICS), recipients_only=True))
    for metric_id in q.HEADLINE_METRICS:
        info = q.metric_info(con, metric_id)
        tot = q.totals(con, metric_id, _cells=both).reset_index(drop=True)
        idx = tot.index[tot["period"] == period]
        cur = tot.iloc[int(idx[0])] if len(idx) else None
        prev = tot.iloc[int(idx[0]) - 1] if len(idx) and int(idx[0]) > 0 else None
        rows.append(dict(
            years_covered="" if cur is None else cur["years_covered"],
            n_years_covered=0 if cur is None else int(cur["n_years_covered"]),
            years_in_period=None if cur is None else int(cur["years_in_period"]),
            complete=False if cur is None else bool(cur["complete"]),
            prev_complete=False if prev is None else bool(prev["complete"]),
            metric_id=metric_id, metric_zh=info.get("name_zh"), metric_en=info.get("name_en"),
            display_unit_zh=info.get("display_unit_zh"), display_unit_en=info.get("display_unit_en"),
            decimals=info.get("decimals"), period=period,
            value_base=None if cur is None else cur["value_base"],
            qualifier=None if cur is None else cur["qualifier"],
            basis="missing" if cur is None else cur["basis"],
            n_parts=0 if cur is None else cur["n_parts"],
            prev_period=None if prev is None else prev["period"],
            prev_value_base=None if prev is None else prev["value_base"],
            prev_qualifier=None if prev is None else prev["qualifier"],
            n_unreviewed=0 if cur is None else int(cur["n_unreviewed"]),
            prev_n_unreviewed=0 if prev is None else int(prev["n_unreviewed"])))
    out = pd.DataFrame(rows)
    for c in ("value_base", "prev_value_base"):
        out[c] = out[c].astype("float64")
    return out


def _assert_headline_equal(db_path) -> int:
    con = db.open_read(db_path)
    try:
        checked = 0
        for hide in (False, True):
            q.hide_unreviewed(con, hide)
            for period in list(q.five_year_periods(con)["period"]) + ["二十五"]:  # and a period nobody has
                new, old = q.headline_cards(con, period), _headline_per_metric(con, period)
                pd.testing.assert_frame_equal(new, old, check_exact=True)
                checked += 1
        return checked
    finally:
        con.close()


def _upload(path, tmp_path, rows) -> None:
    from test_upload_helpers import write_xlsx

    from loaders.upload import commit, prepare

    f = write_xlsx(tmp_path / "speed.xlsx", rows)
    pv = prepare(f.read_bytes(), f.name, path)
    assert pv.ok, pv.errors
    commit(pv, path, uploader="test")


def test_headline_one_read_equals_per_metric_reads_on_the_built_db(built):
    assert _assert_headline_equal(built) >= 6


def test_headline_one_read_equals_per_metric_reads_with_uploads(path, tmp_path):
    # years of a new period (a partial sum), a stated total of every region, a second region's year, projects
    _upload(path, tmp_path, [["2021", "新疆喀什", "援助资金", 21.5, "亿元", None, "2021年总结"],
                             ["2022", "新疆喀什", "援助资金", 18, "亿元", "余", "2022年总结"],
                             ["2022", "西藏日喀则", "援助资金", 3.2, "亿元", "约", "2022年总结"],
                             ["2021", "新疆喀什", "援建项目", 120, "个", None, "2021年总结"]])
    assert _assert_headline_equal(path) >= 6
    con = db.open_read(path)
    try:
        cards = q.headline_cards(con, "十四五").set_index("metric_id")
    finally:
        con.close()
    assert cards.loc["aid_funding", "value_base"] == pytest.approx(42.7e8)  # two regions summed
    assert cards.loc["aid_funding", "basis"] == "sum" and not cards.loc["aid_funding", "complete"]


def test_headline_one_read_equals_per_metric_reads_on_synthetic_figures(tmp_path):
    """Hundreds of synthetic figures (ranges, years, stated totals, many regions) from bench/synthetic.py."""
    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    path = synthetic.synthetic_database(tmp_path / "synthetic.duckdb", 1500, seed=3)
    assert _assert_headline_equal(path) >= 6


def test_headline_reads_the_cells_once(built, monkeypatch):
    calls = []
    real = q.period_cells
    monkeypatch.setattr(q, "period_cells", lambda con, *a, **kw: calls.append((a, kw)) or real(con, *a, **kw))
    con = db.open_read(built)
    try:
        q.headline_cards(con, "十二五")
    finally:
        con.close()
    assert len(calls) == 1  # before: two reads (total region, recipients), and the periods once per metric


# --- charts from narrow frames ------------------------------------------------------------------------------

def test_region_chart_reads_only_its_columns(built, monkeypatch):
    """The long columns (figure-id lists, quotes, parts) are not read: blanking them leaves the figure identical,
    while the columns a chart does read (its sources) still change it."""
    from ui import charts

    app_settings(monkeypatch, built)  # plan titles in the hover come from the app's database
    con = db.open_read(built)
    try:
        df = q.funding_by_period_region(con)
    finally:
        con.close()
    base = charts.bars_by_region(df, "T", "亿元", "100m yuan", 2).to_json()
    blanked = df.copy()
    for c in ("figure_ids", "year_figure_ids", "parts", "stated_text", "years_value_base", "stated_value_base"):
        blanked[c] = None
    assert charts.bars_by_region(blanked, "T", "亿元", "100m yuan", 2).to_json() == base
    other = df.copy()
    other["source"] = "另一个文件.xlsx"
    # decoded: plotly escapes non-ASCII in to_json() unless orjson happens to be installed
    hover = json.dumps(json.loads(charts.bars_by_region(other, "T", "亿元", "100m yuan", 2).to_json()),
                       ensure_ascii=False)
    assert "另一个文件.xlsx" in hover
    kashgar = bar_cells(json.loads(base))["新疆喀什"]["十二五"]
    assert kashgar["customdata"] == ["xinjiang_kashgar", "十二五"]  # the drill-down still knows its cell
    assert "92.34亿元" in kashgar["hovertext"] and "来源" in kashgar["hovertext"]


def test_no_iterrows_in_charts_and_chart_pages():
    files = [ROOT / "ui" / "charts.py", ROOT / "pages" / "funding.py", ROOT / "pages" / "overview.py"]
    assert [f.name for f in files if ".iterrows(" in f.read_text(encoding="utf-8")] == []


# --- only the chart the user sees is built ------------------------------------------------------------------

def _chart_keys(at) -> list[str]:
    return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]


def test_funding_builds_only_the_chosen_view(built, make_app, monkeypatch):
    from ui import charts

    built_figures = []
    real = charts.bars_by_region
    monkeypatch.setattr(charts, "bars_by_region", lambda *a, **kw: built_figures.append(a[1]) or real(*a, **kw))
    at = make_app(built, "funding")
    assert _chart_keys(at) == ["funding_grouped"]  # one chart, not six tabs' worth
    want = {"grouped": "funding_grouped", "year_view": None, "across": "funding_across",
            "shares": "funding_shares", "per_project": "funding_per_project", "annualised": "funding_annualised"}
    for tab in FUNDING_TABS:
        at.segmented_control(key="funding_tab").set_value(tab).run(timeout=30)
        assert not at.exception, [e.value for e in at.exception]
        assert _chart_keys(at) == ([want[tab]] if want[tab] else []), tab  # the built DB has no single years
        if tab != "grouped":  # the default is left out of links
            assert at.query_params.get("funding_tab") in (tab, [tab])
    # a warm rerun of a view already drawn reuses its finished figure: nothing is built again
    n = len(built_figures)
    at.segmented_control(key="funding_tab").set_value("grouped").run(timeout=30)
    at.run(timeout=30)
    assert len(built_figures) == n and _chart_keys(at) == ["funding_grouped"]


def test_the_views_tab_opens_from_the_link(built, make_app):
    at = make_app(built, "funding", {"funding_tab": "shares"}, params_first=True)
    assert at.segmented_control(key="funding_tab").value == "shares"
    assert _chart_keys(at) == ["funding_shares"]


def test_overview_builds_one_funding_chart(path, tmp_path, make_app):
    _upload(path, tmp_path, [["2021", "新疆喀什", "援助资金", 21.5, "亿元", None, "2021年总结"]])
    at = make_app(path, "overview")
    assert _chart_keys(at) == ["overview_chart"]
    at.segmented_control(key="overview_view").set_value("year_view").run(timeout=30)
    assert _chart_keys(at) == ["overview_year_chart"]
    assert at.query_params.get("overview_view") in ("year_view", ["year_view"])
    assert {m.label: m.value for m in at.metric}["援助资金"] == "135亿余元"  # the cards stay beside it


def test_cached_figure_follows_language_and_snapshot(path, tmp_path, make_app):
    """The finished figure is reused only for the same snapshot, language and filters: an upload or a language
    change draws the new numbers and words."""
    at = make_app(path, "funding", {"funding_periods": "十四五,十二五"}, params_first=True)

    def kashgar():
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return {region: {p: c["y"] for p, c in by_period.items()} for region, by_period in bar_cells(spec).items()}

    assert "新疆喀什" in kashgar() and "十四五" not in kashgar()["新疆喀什"]
    _upload(path, tmp_path, [["2021", "新疆喀什", "援助资金", 21.5, "亿元", None, "2021年总结"]])
    at.run(timeout=30)
    assert kashgar()["新疆喀什"]["十四五"] == pytest.approx(21.5)
    at.query_params["lang"] = "en"
    at.session_state["lang"] = "en"
    at.run(timeout=30)
    assert kashgar()["Kashgar, Xinjiang"]["14th FYP"] == pytest.approx(2.15)  # bn yuan


def test_a_finished_figure_sends_what_was_built(built, monkeypatch):
    """The cached figure serialises once (st.plotly_chart's to_dict() is its frozen copy): the same JSON as the
    figure it was made from, map outlines (numpy arrays) included."""
    import plotly.io

    from ui import charts

    app_settings(monkeypatch, built)
    con = db.open_read(built)
    try:
        df = q.funding_by_period_region(con)
        summary = q.region_summary(con, "aid_funding", "十二五")
    finally:
        con.close()
    for fig in (charts.bars_by_region(df, "T", "亿元", "100m yuan", 2),
                charts.china_map(summary[summary["level"] != "scope"], "M", "亿元", "100m yuan", 2)):
        finished = charts._Finished(fig).freeze()
        sent = json.loads(plotly.io.to_json(finished.to_dict(), validate=False))
        assert sent == json.loads(plotly.io.to_json(fig.to_dict(), validate=False))
        assert finished.layout.title.text == fig.layout.title.text  # what plotly_config reads
