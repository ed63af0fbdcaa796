"""The presentation deck: saved views on a real built database become native charts with their sources."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from metrics import ranking
from outputs.deck import build_deck, view_chart_data
from outputs.views import list_views, save_view
from store import db

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("duckdb", "postgres")  # every test with `path` runs on both stores
AID_12 = {"新疆喀什": 92.34, "西藏日喀则": 15.08, "青海果洛": 9.36, "云南四州市": 13.42, "贵州遵义": 1.62, "三峡库区": 3.23}
AID_11 = {"西藏日喀则": 6.27, "新疆阿克苏": 4.15, "云南四州市": 8.55, "三峡库区": 2.99, "四川都江堰": 82.5}
PLAN_12 = "上海市对口支援与合作交流“十二五”规划"
PLAN_13 = "上海市国内合作交流“十三五”规划"


@pytest.fixture
def with_views(path) -> tuple[Path, list[int]]:
    ids = [
        save_view(path, "援助资金 十一五与十二五", "funding", {"metric": "aid_funding", "periods": ["十一五", "十二五"]}),
        save_view(path, "全部对口地区", "regions", {"pick": "all_counterpart", "metric": "aid_funding"}),
        save_view(path, "任务分工", "tasks", {}),
        save_view(path, "十五期间", "funding", {"periods": ["十五"]}),  # no figures: 数据暂缺
    ]
    return path, ids


def _chart(slide):
    charts = [s for s in slide.shapes if s.has_chart]
    assert len(charts) <= 1
    return charts[0].chart if charts else None


def _texts(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def _series(chart) -> dict[str, dict]:
    """A region slide's chart as {region: {period: value}} (regions are its categories, periods its series, as on
    the page)."""
    cats = list(chart.plots[0].categories)
    out: dict[str, dict] = {c: {} for c in cats}
    for s in chart.plots[0].series:
        for c, v in zip(cats, s.values):
            out[c][s.name] = v
    return out


def _by_series(chart) -> dict[str, dict]:
    """A chart as {series: {category: value}} (the regions page's slide: periods as categories, metrics as series)."""
    cats = list(chart.plots[0].categories)
    return {s.name: dict(zip(cats, s.values)) for s in chart.plots[0].series}


def _by_region(c) -> dict[str, dict]:
    """view_chart_data()'s region chart as {region: {period: value}}."""
    return {cat: {s.name: s.values[i] for s in c.series} for i, cat in enumerate(c.categories)}


def test_chart_data_funding(with_views):
    path, ids = with_views
    con = db.open_read(path)
    try:
        views = list_views(con)
        c = view_chart_data(con, views.iloc[0])
    finally:
        con.close()
    # as the page draws it: regions as categories (largest first), one series per period, oldest first
    assert [s.name for s in c.series] == ["十一五", "十二五"]
    got = _by_region(c)
    for region, v in AID_12.items():
        assert got[region]["十二五"] == pytest.approx(v)
    for region, v in AID_11.items():
        assert got[region]["十一五"] == pytest.approx(v)
    assert got["新疆喀什"]["十一五"] is None  # not stated, not zero
    assert "全部对口地区" not in got  # totals only when asked for: they are not a region beside the others
    totals = [sum(v or 0 for v in got[r].values()) for r in c.categories]
    assert totals == sorted(totals, reverse=True)
    assert len({s.color for s in c.series}) == 2  # the periods told apart by colour
    assert c.unit_label == "亿元" and "亿元" in c.chart_title
    assert PLAN_12 in c.sources and PLAN_13 in c.sources


def test_chart_data_english(with_views):
    path, _ = with_views
    con = db.open_read(path)
    try:
        c = view_chart_data(con, list_views(con).iloc[0], lang="en")
    finally:
        con.close()
    assert c.chart_title == "Aid funding (bn yuan)"  # never "CNY 100m"
    assert c.series[1].name.startswith("12th FYP")
    assert _by_region(c)["Kashgar, Xinjiang"][c.series[1].name] == pytest.approx(9.23)


def test_chart_data_cooperation_and_regions(path):
    con = db.open_read(path)
    try:
        coop = view_chart_data(con, {"name": "合作", "page": "cooperation", "params": {}})
        kashgar = view_chart_data(con, {"name": "喀什", "page": "regions", "params": {"region": "xinjiang_kashgar"}})
        unknown = view_chart_data(con, {"name": "?", "page": "funding", "params": {"regions": ["atlantis"]}})
    finally:
        con.close()
    got = _by_region(coop)
    assert [s.name for s in coop.series] == ["十一五"]
    assert got["安徽"] == {"十一五": pytest.approx(3649.2)} and got["东北和中部地区"] == {"十一五": pytest.approx(426.4)}
    # two statements of one cell: the largest is shown (as on the dashboard) and the footnote says so
    assert got["西部地区"] == {"十一五": pytest.approx(1266.6)}
    assert any("2 处表述同一数字" in n and "360" in n for n in coop.notes)
    assert [s.name for s in kashgar.series] == ["援助资金"]
    assert kashgar.series[0].values == [pytest.approx(92.34)]
    assert unknown.empty and any("atlantis" in n for n in unknown.notes)


def test_build_deck(with_views, tmp_path):
    path, ids = with_views
    out = tmp_path / "deck.pptx"
    con = db.open_read(path)
    try:
        build_deck(con, list_views(con), out, title="对口支援工作汇报")
    finally:
        con.close()
    prs = Presentation(str(out))
    assert prs.slide_width > prs.slide_height and abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    assert len(slides) == len(ids) + 1

    title = _texts(slides[0])
    assert "对口支援工作汇报" in title and "4" in title and _chart(slides[0]) is None

    # 1: funding by region, a native clustered column chart
    chart = _chart(slides[1])
    assert chart is not None
    from pptx.enum.chart import XL_CHART_TYPE
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert [s.name for s in chart.plots[0].series] == ["十一五", "十二五"]
    series = _series(chart)
    for region, v in AID_12.items():
        assert series[region]["十二五"] == pytest.approx(v)
    for region, v in AID_11.items():
        assert series[region]["十一五"] == pytest.approx(v)
    assert "亿元" in chart.chart_title.text_frame.text and "援助资金" in chart.chart_title.text_frame.text
    assert chart.has_legend
    assert chart.value_axis.tick_labels.number_format == "#,##0"  # ticks read 100, not 100.00
    newest = chart.plots[0].series[1]  # the series coloured as the page colours the periods
    assert f"#{newest.format.fill.fore_color.rgb}".lower() == ranking.period_colors(["十二五"])[0]  # periods.csv colour
    text = _texts(slides[1])
    assert "援助资金 十一五与十二五" in text
    assert f"《{PLAN_12}》" in text and f"《{PLAN_13}》" in text

    # 2: the stated total keeps its qualifier in the footnote
    series = _by_series(_chart(slides[2]))
    assert series["援助资金"] == {"十一五": pytest.approx(21.96), "十二五": pytest.approx(135)}
    assert "135亿余元：文中为“135亿余元”" in _texts(slides[2])

    # 3: tasks by responsible unit
    chart = _chart(slides[3])
    cats = list(chart.plots[0].categories)
    assert len(cats) == 15 and cats[0] == "区金融办"
    assert chart.plots[0].series[0].values[0] == 39
    assert "黄浦区加快推进长江三角洲区域一体化发展国家战略行动方案" in _texts(slides[3])

    # 4: no figures -> a message, not an empty chart
    assert _chart(slides[4]) is None and "数据暂缺" in _texts(slides[4])

    # every run carries the East-Asian typeface, so Chinese shows in YaHei
    for slide in slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for p in shape.text_frame.paragraphs:
                    for r in p.runs:
                        ea = r._r.find(qn("a:rPr")).find(qn("a:ea"))
                        assert ea is not None and ea.get("typeface") == "Microsoft YaHei"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", "deck", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_deck(with_views, tmp_path):
    path, ids = with_views
    out = tmp_path / "out" / "x.pptx"
    r = _cli("--out", str(out), "--db", str(path))
    assert r.returncode == 0, r.stderr
    assert len(Presentation(str(out)).slides) == len(ids) + 1

    out2 = tmp_path / "y.pptx"
    r = _cli("--out", str(out2), "--db", str(path), "--views", f"{ids[2]},{ids[0]}", "--lang", "en",
             "--title", "Briefing")
    assert r.returncode == 0, r.stderr
    slides = list(Presentation(str(out2)).slides)
    assert len(slides) == 3 and "Briefing" in _texts(slides[0])
    assert "Tasks" in [s.name for s in _chart(slides[1]).plots[0].series]
    assert "Kashgar, Xinjiang" in _series(_chart(slides[2]))

    r = _cli("--out", str(tmp_path / "z.pptx"), "--db", str(path), "--views", "999")
    assert r.returncode != 0 and "999" in r.stderr


def test_cli_without_views_fails(path, tmp_path):
    out = tmp_path / "x.pptx"
    r = _cli("--out", str(out), "--db", str(path))
    assert r.returncode != 0
    assert "没有已保存的视图" in r.stderr
    assert not out.exists()


def test_cli_missing_database(tmp_path):
    r = _cli("--out", str(tmp_path / "x.pptx"), "--db", str(tmp_path / "nope.duckdb"))
    assert r.returncode != 0 and "数据库不存在" in r.stderr


def test_region_slide_honours_the_period_the_regions_page_picked(built):
    """The regions page keeps one period (?region_period=); its slide shows that period, not every period."""
    con = db.open_read(built)
    try:
        one = view_chart_data(con, {"name": "日喀则十二五", "page": "regions",
                                    "params": {"pick": "tibet_shigatse", "metric": "aid_funding", "period": "十二五"}})
        every = view_chart_data(con, {"name": "日喀则", "page": "regions",
                                      "params": {"pick": "tibet_shigatse", "metric": "aid_funding"}})
    finally:
        con.close()
    assert len(one.categories) == 1 and "十二五" in one.categories[0]
    assert [s.values for s in one.series] == [[15.08]]
    assert len(every.categories) == 2  # 十一五 6.27 and 十二五 15.08
