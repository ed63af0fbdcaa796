"""Golden tests for the time model (metrics.queries.period_cells / period_totals): a five-year period's value is
its stated total, else the sum of its years present with their coverage; qualifiers carry; per-year values divide
by the years covered; stated totals and sums of years that disagree become a check row."""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from conftest import bar_cells

from common import dictionaries as d
from metrics import checks
from metrics import formatting as fmt
from metrics import queries as q
from store import cells
from store import engine as sql_engine

DALIAN, KARAMAY, AKSU = "liaoning_dalian", "xinjiang_karamay", "xinjiang_aksu"  # no plan funding in 十三五/十四五


def _add(con, period: str, region: str, value_base: float, qualifier: str | None = None,
         metric: str = "aid_funding", n: list | None = None) -> None:
    """One current figure, as an upload stores it (the periods table gains the period's row if new, the aggregated
    cells of its region and metric are refreshed)."""
    have = {r[0] for r in con.execute("SELECT period FROM periods").fetchall()}
    if period not in have:
        frame = d.periods_frame([period])
        frame = frame[frame["period"] == period]
        con.register("_p", frame)
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO periods ({cols}) SELECT {cols} FROM _p")
        con.unregister("_p")
    n = n if n is not None else [0]
    i = con.execute("SELECT count(*) FROM figures").fetchone()[0]
    info = d.period_info(period)
    con.execute("""INSERT INTO figures (figure_id, source_kind, upload_file, period, year, region_id, metric_id,
                   value, unit, qualifier, value_base, base_unit, number_text)
                   VALUES (?, 'upload', 'golden.xlsx', ?, ?, ?, ?, ?, '元', ?, ?, '元', ?)""",
                [f"g{i}", period, info["start_year"] if info["kind"] == "year" else None, region, metric,
                 value_base, qualifier, value_base, f"{value_base / 1e8:g}亿{qualifier or ''}元"])
    cells.refresh(con, [(region, metric)])


ENGINES = ("duckdb", "postgres")  # every test with `path` runs on both stores


@pytest.fixture
def con(path):
    """A read-write session on the test's store (figures are added straight into it)."""
    c = sql_engine.connect_direct(path) if sql_engine.is_url(path) else duckdb.connect(str(path))
    yield c
    c.close()


def _cell(con, period: str, region: str, metric: str = "aid_funding") -> pd.Series:
    df = q.period_totals(con, metric, period, region)
    assert len(df) == 1, df
    return df.iloc[0]


def test_stated_only(con):
    r = _cell(con, "十二五", "xinjiang_kashgar")
    assert r.value_base == pytest.approx(92.34e8)
    assert (r.basis, r.years_covered, r.n_years_covered, r.years_in_period) == (
        "stated", "2011,2012,2013,2014,2015", 5, 5)
    assert bool(r.complete) and r.base_unit == "元"


def test_years_only_partial(con):
    _add(con, "2021", DALIAN, 3e8)
    _add(con, "2022", DALIAN, 2e8)
    r = _cell(con, "十四五", DALIAN)
    assert r.value_base == 5e8
    assert (r.basis, r.years_covered, r.n_years_covered, r.years_in_period) == ("sum_of_years", "2021,2022", 2, 5)
    assert not bool(r.complete)
    assert fmt.coverage(r.years_covered, r.n_years_covered, r.years_in_period, "en") == "2021–2022 only, 2 of 5 years"
    assert fmt.coverage(r.years_covered, r.n_years_covered, r.years_in_period, "zh") == "仅含2021–2022年，5年中的2年"
    # the year itself is still asked for by its own name
    y = _cell(con, "2022", DALIAN)
    assert (y.value_base, y.basis, y.years_covered, y.years_in_period) == (2e8, "stated", "2022", 1)


def test_years_only_complete(con):
    for year, v in zip(range(2016, 2021), (1, 2, 3, 4, 5)):
        _add(con, str(year), KARAMAY, v * 1e8)
    r = _cell(con, "十三五", KARAMAY)
    assert (r.value_base, r.basis, r.n_years_covered) == (15e8, "sum_of_years", 5)
    assert bool(r.complete)
    assert fmt.coverage(r.years_covered, r.n_years_covered, r.years_in_period) == ""


def test_restated_year_counts_once(con):
    _add(con, "2021", DALIAN, 3e8)
    _add(con, "2021", DALIAN, 2.5e8)  # a second statement of the same year: the larger wins, not added
    _add(con, "2022", DALIAN, 1e8)
    assert _cell(con, "十四五", DALIAN).value_base == 4e8


def test_stated_and_years_agree(con):
    _add(con, "十四五", DALIAN, 10e8)
    for year in range(2021, 2026):
        _add(con, str(year), DALIAN, 2e8)
    r = _cell(con, "十四五", DALIAN)
    assert (r.value_base, r.basis, r.stated_value_base, r.years_value_base) == (10e8, "stated", 10e8, 10e8)
    rows = checks.stated_vs_years(con)
    row = rows[(rows["region_id"] == DALIAN) & (rows["period"] == "十四五")].iloc[0]
    assert row.status == "pass" and row.stated == 10e8 and row.computed == 10e8


def test_stated_and_years_disagree(con):
    _add(con, "十四五", DALIAN, 10e8)
    for year in range(2021, 2026):
        _add(con, str(year), DALIAN, 3e8)
    r = _cell(con, "十四五", DALIAN)
    assert (r.value_base, r.basis) == (10e8, "stated")  # the plan's statement is the period's value
    rows = checks.consistency_checks(con)
    row = rows[(rows["check"] == "stated_vs_years") & (rows["region_id"] == DALIAN)].iloc[0]
    assert row.status == "fail" and (row.stated, row.computed) == (10e8, 15e8)
    assert "10亿元" in row.detail and "15亿元" in row.detail and "2021–2025" in row.detail


def test_partial_years_above_stated_total_fail(con):
    _add(con, "十四五", DALIAN, 4e8)
    _add(con, "2021", DALIAN, 3e8)
    _add(con, "2022", DALIAN, 2e8)
    rows = checks.stated_vs_years(con)
    row = rows[rows["region_id"] == DALIAN].iloc[0]
    assert row.status == "fail" and row.computed == 5e8  # two years already exceed the five-year total
    _add(con, "十四五", KARAMAY, 9e8)
    _add(con, "2021", KARAMAY, 3e8)
    rows = checks.stated_vs_years(con)
    assert rows[rows["region_id"] == KARAMAY].iloc[0].status == "pass"


@pytest.mark.parametrize("quals,expected", [(("余", None), "余"), (("约", None), "约"), ((None, "超过"), "余"),
                                            ((None, None), None)])
def test_sum_keeps_at_least_qualifier(con, quals, expected):
    _add(con, "2021", DALIAN, 3e8, quals[0])
    _add(con, "2023", DALIAN, 2e8, quals[1])
    r = _cell(con, "十四五", DALIAN)
    assert (r.qualifier if isinstance(r.qualifier, str) else None) == expected
    assert r.years_covered == "2021,2023"
    if expected == "余":
        assert fmt.with_unit(r.value_base, r.qualifier, "亿元", "CNY 100m", 2, "zh") == "5亿余元"  # the plan's own qualifier word and place


def test_annualised_divides_by_years_covered(con):
    _add(con, "2021", DALIAN, 3e8)
    _add(con, "2022", DALIAN, 1e8)
    an = q.annualised(con, "aid_funding", ["十四五", "十二五"], [DALIAN, "xinjiang_kashgar"]).set_index("region_id")
    assert an.loc[DALIAN, "per_year_base"] == 2e8  # 4亿 over 2 years, not over 5
    assert an.loc["xinjiang_kashgar", "per_year_base"] == pytest.approx(92.34e8 / 5)


def test_ranges_inside_a_period(con):
    _add(con, "2021-2022", DALIAN, 4e8)  # a stated partial total over two years
    _add(con, "2022", DALIAN, 1e8)       # restates part of the range: not added
    _add(con, "2023", DALIAN, 1e8)
    r = _cell(con, "十四五", DALIAN)
    assert (r.value_base, r.basis, r.years_covered, r.n_years_covered) == (5e8, "sum_of_years", "2021,2022,2023", 3)
    # a range equal to the whole period is the period's stated total
    _add(con, "2016-2020", KARAMAY, 7e8)
    r = _cell(con, "十三五", KARAMAY)
    assert (r.value_base, r.basis, r.n_years_covered) == (7e8, "stated", 5)


def test_range_across_two_periods_belongs_to_neither(con):
    _add(con, "2020-2022", AKSU, 6e8)
    cells = q.period_cells(con, "aid_funding", regions=[AKSU])
    assert set(cells["period"]) == {"十一五"}  # its plan figure only; the range is shown with its own label
    assert len(q.cells(con, "aid_funding", ["2020-2022"], [AKSU])) == 1


def test_totals_and_headline_use_years_with_coverage(con):
    _add(con, "2021", DALIAN, 3e8)
    _add(con, "2022", "xinjiang_kashgar", 2e8, "余")
    tot = q.totals(con, "aid_funding").set_index("period")
    assert tot.loc["十四五", "value_base"] == 5e8 and tot.loc["十四五", "basis"] == "sum"
    assert tot.loc["十四五", "years_covered"] == "2021,2022" and not tot.loc["十四五", "complete"]
    assert tot.loc["十二五", "value_base"] == 135e8 and tot.loc["十二五", "complete"]
    cards = q.headline_cards(con, "十四五").set_index("metric_id")
    assert cards.loc["aid_funding", "value_base"] == 5e8 and cards.loc["aid_funding", "qualifier"] == "余"
    assert cards.loc["aid_funding", "n_years_covered"] == 2
    assert "十四五" not in set(q.growth(con, "aid_funding")["period"])  # a partial period is not compared


def test_latest_period_and_years(con):
    assert q.latest_period(con, "aid_funding") == "十二五"
    _add(con, "2022", DALIAN, 1e8)
    assert q.latest_period(con, "aid_funding") == "十四五"
    assert list(q.years(con, "aid_funding")["period"]) == ["2022"]
    yc = q.year_cells(con, "aid_funding", recipients_only=True)
    assert list(yc["period"]) == ["2022"] and yc.iloc[0]["value_base"] == 1e8


# --- after a real upload: command line ---------------------------------------------------------------

def _upload_two_years(path, tmp_path) -> None:
    """Two years of 十四五 funding for 新疆喀什, through the real upload path (prepare -> commit)."""
    from test_upload_helpers import write_xlsx

    from loaders.upload import commit, prepare

    f = write_xlsx(tmp_path / "2021-2022.xlsx", [["2021", "新疆喀什", "援助资金", 21.5, "亿元", None, "2021年总结"],
                                                ["2022", "新疆喀什", "援助资金", 18, "亿元", "余", "2022年总结"]])
    pv = prepare(f.read_bytes(), f.name, path)
    assert pv.ok, pv.errors
    commit(pv, path, uploader="test")


def test_cli_totals(path, tmp_path):
    import subprocess
    import sys
    from io import StringIO
    from pathlib import Path

    _upload_two_years(path, tmp_path)
    root = Path(__file__).resolve().parent.parent

    def run(*args):
        r = subprocess.run([sys.executable, "-m", "loaders", "totals", *args, "--db", str(path)], cwd=root,
                           capture_output=True, text=True, timeout=120)
        return r.returncode, r.stdout, r.stderr

    code, out, err = run("--metric", "aid_funding", "--period", "十四五", "--region", "xinjiang_kashgar")
    assert code == 0, err
    df = pd.read_csv(StringIO(out), dtype=str)
    assert list(df.columns) == ["period", "region", "metric", "value_base", "base_unit", "basis", "years_covered",
                                "years_in_period"]
    assert df.iloc[0].tolist() == ["十四五", "xinjiang_kashgar", "aid_funding", "3950000000.0", "元",
                                   "sum_of_years", "2021,2022", "5"]
    code, out, _ = run("--metric", "aid_funding", "--period", "十二五")
    df = pd.read_csv(StringIO(out)).set_index("region")
    assert df.loc["xinjiang_kashgar", "value_base"] == 92.34e8 and df.loc["xinjiang_kashgar", "basis"] == "stated"
    assert len(df) == 7  # six regions and the stated total of all of them
    code, out, _ = run("--metric", "aid_funding", "--period", "2022")
    df = pd.read_csv(StringIO(out), dtype=str)
    assert df[["region", "value_base", "years_covered", "years_in_period"]].values.tolist() == [
        ["xinjiang_kashgar", "1800000000.0", "2022", "1"]]
    code, _, err = run("--metric", "aid_funding", "--period", "十九五")
    assert code == 2 and "十九五" in err
    code, out, err = run("--metric", "aid_projects", "--period", "十四五")
    assert code == 0 and out.strip() == ",".join(["period", "region", "metric", "value_base", "base_unit", "basis",
                                                  "years_covered", "years_in_period"])
    assert "十四五没有aid_projects的数据" in err and "loaders import" in err


def test_aggregation_sql_is_portable():
    """The statement a later issue will run at write time (and on PostgreSQL): no DuckDB-only constructs."""
    import re

    for sql in (q._PERIOD_CELLS_SQL,):
        for construct in (r"GROUP BY ALL", r"\bQUALIFY\b", r"\barg_(max|min)\(", r"\bany_value\(", r"\blist\(",
                          r"\]\s*AS", r"::", r"\bUSING\s*\("):
            assert not re.search(construct, sql, re.I), construct


# --- after a real upload: the pages ------------------------------------------------------------------

def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


COVER = "仅含2021–2022年，5年中的2年"


def test_pages_show_uploaded_years_with_coverage(path, tmp_path, make_app):
    _upload_two_years(path, tmp_path)

    at = make_app(path, "funding")  # 十四五 now has data, so the default periods include it
    assert "十四五" in at.multiselect(key="funding_periods").value
    text = _text(at)
    assert f"新疆喀什 39.5亿余元: {COVER}" in text
    charts = {}

    def read_charts():
        for c in at.get("plotly_chart"):
            charts[c.proto.id.rsplit("-", 1)[-1]] = bar_cells(json.loads(c.proto.spec))

    read_charts()
    at.segmented_control(key="funding_tab").set_value("year_view").run(timeout=30)  # only the view shown is built
    read_charts()
    period_bar, year_bar = charts["funding_grouped"]["新疆喀什"], charts["funding_years"]["新疆喀什"]
    assert period_bar["十四五"]["y"] == pytest.approx(39.5)
    # the bar itself says it is partial
    assert period_bar["十四五"]["text"] == "39.5余（2/5年）"
    assert period_bar["十二五"]["text"] == "92.34"
    assert {y: c["y"] for y, c in year_bar.items()} == {"2021年": pytest.approx(21.5), "2022年": pytest.approx(18)}
    # the region is the category in both views; colours tell the series (periods, years) apart, oldest lightest
    assert year_bar["2021年"]["color"] != year_bar["2022年"]["color"]
    at.selectbox(key="funding_drill").set_value("十四五|xinjiang_kashgar").run(timeout=30)
    text = " ".join([_text(at)] + [d.value.to_string() for d in at.dataframe])
    assert "21.5亿元" in text and COVER in text
    at.selectbox(key="funding_drill").set_value("十二五|xinjiang_kashgar").run(timeout=30)
    assert "92.34亿元" in " ".join(d.value.to_string() for d in at.dataframe)

    at = make_app(path, "overview", {"overview_period": "十四五"}, params_first=True)
    cards = {m.label: m.value for m in at.metric}
    assert cards["援助资金"] == "39.5亿余元"
    assert f"1个地区之和 · {COVER}" in _text(at)
    assert "援建项目" in " ".join(i.value for i in at.info)  # still missing for 十四五: said, with what to do
    at.selectbox(key="overview_period").set_value("十二五").run(timeout=30)
    assert {m.label: m.value for m in at.metric}["援助资金"] == "135亿余元"

    at = make_app(path, "regions")  # defaults to the latest period with data: 十四五
    assert at.selectbox(key="region_period").value == "十四五"
    cards = {m.label: m.value for m in at.metric}
    assert cards["新疆喀什"] == "39.5亿余元" and "西藏日喀则" not in cards  # no other region mixed in from 十二五
    text = _text(at)
    assert COVER in text and "各地区 · “十四五”(2021–2025)" in text
    at.selectbox(key="region_period").set_value("十二五").run(timeout=30)
    cards = {m.label: m.value for m in at.metric}
    assert cards["新疆喀什"] == "92.34亿元" and cards["西藏日喀则"] == "15.08亿元"
    at.selectbox(key="region_period").set_value("2022").run(timeout=30)
    assert {m.label: m.value for m in at.metric} == {"新疆喀什": "18亿余元"}

    at = make_app(path, "regions", {"lang": "en"}, params_first=True)
    assert {m.label: m.value for m in at.metric} == {"Kashgar, Xinjiang": "3.95 bn yuan or more"}
    text = _text(at)
    assert "2021–2022 only, 2 of 5 years" in text and "Regions · 14th FYP (2021–2025)" in text


def test_empty_states_per_period_and_year(built, make_app):
    at = make_app(built, "regions", {"region_metric": "aid_projects"}, params_first=True)
    assert at.selectbox(key="region_period").value == "十二五"
    at = make_app(built, "funding", {"funding_tab": "year_view"}, params_first=True)  # only the view shown is built
    infos = " ".join(i.value for i in at.info)
    assert "暂无单一年份的数据" in infos and "2021" in infos  # the year view says what is missing and what to do
    at.multiselect(key="funding_periods").set_value(["十三五"]).run(timeout=30)
    infos = " ".join(i.value for i in at.info)
    assert "十三五" in infos and "上传" in infos


def test_deck_follows_the_time_model(path, tmp_path):
    from pptx import Presentation

    from outputs.deck import build_deck, view_chart_data
    from outputs.views import list_views, save_view
    from store import db

    _upload_two_years(path, tmp_path)
    save_view(path, "十四五援助资金", "funding", {"metric": "aid_funding", "periods": ["十四五", "十二五"]})
    save_view(path, "喀什", "regions", {"pick": "xinjiang_kashgar", "metric": "aid_funding", "period": "十四五"})
    con = db.open_read(path)
    try:
        views = list_views(con)
        funding = view_chart_data(con, views.iloc[0])
        kashgar = view_chart_data(con, views.iloc[1])
        page = q.funding_by_period_region(con, "aid_funding", ["十四五", "十二五"])  # what the page draws
        build_deck(con, views, tmp_path / "deck.pptx")
    finally:
        con.close()
    # regions are the categories and periods the series, as on the page (oldest period first)
    assert [s.name for s in funding.series] == ["十二五", "十四五"]
    got = {region: {s.name: s.values[i] for s in funding.series if s.values[i] is not None}
           for i, region in enumerate(funding.categories)}
    for r in page.itertuples():  # the slide equals its page, cell for cell
        assert got[r.region_zh][r.period] == pytest.approx(r.value_base / 1e8)
    assert got["新疆喀什"] == {"十二五": pytest.approx(92.34), "十四五": pytest.approx(39.5)}
    assert any(n.endswith(COVER) and "新疆喀什" in n for n in funding.notes)
    assert any("39.5亿余元：2021–2022年各年之和" in n for n in funding.notes)
    # the regions view picked 十四五: its slide shows that period, as the page does
    assert dict(zip(kashgar.categories, kashgar.series[0].values)) == {"十四五": pytest.approx(39.5)}
    slides = list(Presentation(str(tmp_path / "deck.pptx")).slides)
    text = "\n".join(s.text_frame.text for s in slides[1].shapes if s.has_text_frame)
    assert COVER in text  # a 十四五 view shows the coverage note on its slide


def test_older_database_is_rebuilt_once_keeping_uploads(path, tmp_path):
    """A file built before periods knew their five-year period is rebuilt on first use; uploads stay."""
    from test_upload_helpers import scalar

    from loaders.build import ensure_database
    from store import db

    _upload_two_years(path, tmp_path)
    with db.write_transaction(path) as con:
        con.execute("UPDATE build_info SET value = '1' WHERE key = 'schema_version'")
        con.execute("UPDATE periods SET five_year = NULL")
    ensure_database(path)
    assert scalar(path, "SELECT value FROM build_info WHERE key = 'schema_version'") == db.SCHEMA_VERSION
    assert scalar(path, "SELECT five_year FROM periods WHERE period = '2021'") == "十四五"
    assert scalar(path, "SELECT count(*) FROM v_figures WHERE source_kind = 'upload'") == 2
