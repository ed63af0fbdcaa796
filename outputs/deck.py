"""Presentation deck from saved views: one native, editable PowerPoint chart per view, with its source.

view_chart_data() turns a saved view into the numbers of its chart (SQL over v_figures / tasks, reading
the same filter names the pages keep in ui/state.py); build_deck() lays them out with python-pptx.
A chart cell follows the dashboard's rule (metrics.queries.cells): where several figures state the same
period x region x metric, they restate rather than add, so the largest is shown and the footnote says so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import duckdb
import pandas as pd

from common import messages
from common.numbers import format_qualified
from common.pages import deck_pages
from metrics import formatting as fmt
from metrics import queries
from outputs.views import view_url

# page key -> what its chart shows; other pages get a slide with the view's link and no chart
CHART_PAGES = deck_pages()  # the page catalogue says which pages become chart slides
REGIONS_DEFAULT = ("xinjiang_kashgar", "aid_funding")  # the regions page's defaults (pick, metric)
TASKS_TOP = 15
FOOTNOTE_NOTES = 5
FONT_EA = "Microsoft YaHei"
# Okabe–Ito, for series without a colour of their own (metrics, tasks)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")

T = {  # interface text
    "zh": dict(no_data="数据暂缺", source="来源", restated="{cell}: {n} 处表述同一数字，取最大值 {top}{unit} (另有 {others})",
               as_written="文中为“{text}”", tasks="任务数", unknown="未识别的参数值", no_chart="此页面没有图表",
               link="视图链接", views="个视图", other_sources="另有来源未采用",
               page_names=dict(funding="资金", overview="总览", regions="地区", cooperation="合作交流",
                               tasks="任务", sources="来源")),
    "en": dict(no_data="No data", source="Source", restated="{cell}: {n} statements of one figure, largest shown: {top} {unit} (also {others})",
               as_written="written as “{text}”", tasks="Tasks", unknown="Unrecognised filter values",
               no_chart="This page has no chart", link="View link", views="views",
               other_sources="also stated by", page_names={}),
}


@dataclass
class Series:
    name: str
    values: list[float | None]
    color: str | None = None          # "#RRGGBB"


@dataclass
class ViewChart:
    """The numbers and words of one view's slide."""
    view_id: int | None
    name: str
    page: str
    lang: str
    title_zh: str
    title_en: str
    categories: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    unit_label: str = ""
    number_format: str = "General"
    sources: list[str] = field(default_factory=list)      # plan titles / uploaded files the figures came from
    notes: list[str] = field(default_factory=list)        # qualifiers, sums, unknown filter values
    chartable: bool = True
    url: str = ""

    @property
    def title(self) -> str:
        return self.title_zh if self.lang == "zh" else self.title_en

    @property
    def chart_title(self) -> str:
        return f"{self.title}({self.unit_label})" if self.lang == "zh" and self.unit_label else (
            f"{self.title} ({self.unit_label})" if self.unit_label else self.title)

    @property
    def empty(self) -> bool:
        return not any(v is not None for s in self.series for v in s.values)

    def footnote(self) -> str:
        t = T[self.lang]
        sep = ";" if self.lang == "zh" else "; "
        lines = []
        if self.sources:
            titles = sep.join(f"《{s}》" if self.lang == "zh" else s for s in self.sources)
            lines.append(f"{t['source']}: {titles}")
        shown = self.notes[:FOOTNOTE_NOTES]  # the footnote box holds about six lines
        lines.extend(shown)
        if len(self.notes) > len(shown):
            more = len(self.notes) - len(shown)
            lines.append(f"……另有 {more} 条说明" if self.lang == "zh" else f"… {more} more notes")
        return "\n".join(lines)


# --- figures -------------------------------------------------------------------------------------

def _list(params: Mapping[str, Any], key: str) -> list[str]:
    v = params.get(key)
    if v is None or v == "":
        return []
    return [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]


def _one(params: Mapping[str, Any], *keys: str) -> str | None:
    for k in keys:
        vals = _list(params, k)
        if vals:
            return vals[0]
    return None


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


def _fmt(value: float, decimals: int) -> str:
    s = f"{value:,.{max(decimals, 0)}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _metric(con: duckdb.DuckDBPyConnection, metric_id: str) -> dict | None:
    return queries.metric_info(con, metric_id) or None


def _known(con: duckdb.DuckDBPyConnection, table: str, key: str, values: list[str]) -> tuple[list[str], list[str]]:
    """The values the dictionary (periods or regions) knows, and those it does not."""
    if not values:
        return [], []
    frame = queries.periods(con, with_figures=False) if table == "periods" else queries.regions(con, with_figures=False)
    have = set(frame[key])
    return [v for v in values if v in have], [v for v in values if v not in have]


def _source_labels(con: duckdb.DuckDBPyConnection, lang: str) -> dict[str, str]:
    """plan_id -> its title (English where there is one and lang is en); uploads are named by their file."""
    plans = queries.plan_titles(con)
    return {r.plan_id: (r.title_en if lang == "en" and isinstance(r.title_en, str) and r.title_en else r.title)
            for r in plans.itertuples()}


def _cells(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, key: str, decimals: int, scale: float, unit: str,
           lang: str, label) -> tuple[dict[tuple[str, str], float], list[str], list[str]]:
    """(period, key) -> display value of the cells a metrics.queries function returned (the pages' rule: one
    value per cell, the largest statement kept; a period's stated total, else its years' sum); the sources used;
    footnote notes (restatements, qualifiers, years covered)."""
    t = T[lang]
    titles = _source_labels(con, lang)
    values: dict[tuple[str, str], float] = {}
    sources: list[str] = []
    notes: list[str] = []
    for r in df.to_dict("records"):
        if r["value_base"] is None or r["value_base"] != r["value_base"]:
            continue
        values[(r["period"], r[key])] = round(float(r["value_base"]) / scale, 10)  # 9.234e9 / 1e8 -> 92.34
        for src in str(r.get("source") or "").split(","):
            name = titles.get(src, src)
            if name and name not in sources:
                sources.append(name)
        cell_name = f"{label(r)} {r['period'] if lang == 'zh' else r['period_en']}"
        top = _fmt(r["value_base"] / scale, decimals)
        n = int(r.get("n_figures") or 1)
        others = r.get("others_text")
        if n > 1 and isinstance(others, str) and others:
            notes.append(t["restated"].format(cell=cell_name, n=n, top=top, others=others, unit=unit))
        cover = fmt.coverage(r.get("years_covered"), r.get("n_years_covered"), r.get("years_in_period"), lang)
        q = r.get("qualifier")
        if isinstance(q, str) and q:
            shown = format_qualified(top, q, lang)
            written = r.get("number_text")
            how = t["as_written"].format(text=written) if isinstance(written, str) and written else \
                messages.text("sum_of_years", lang, years=fmt.years_text(r.get("years_covered"), lang))
            notes.append(f"{cell_name} {shown} {unit}: {how}")
        if cover:
            notes.append(f"{cell_name}: {cover}")
    return values, sources, notes


def _period_labels(con: duckdb.DuckDBPyConnection, periods: list[str], lang: str) -> list[str]:
    if lang == "zh":
        return list(periods)
    per = queries.periods(con, with_figures=False)
    lab = dict(zip(per["period"], per["label_en"]))
    return [lab.get(p, p) for p in periods]


def _ordered_periods(con: duckdb.DuckDBPyConnection, wanted: list[str], found: pd.DataFrame) -> list[str]:
    """The periods asked for (or those with data), oldest first."""
    per = queries.periods(con, with_figures=False)
    sort = dict(zip(per["period"], per["sort"]))
    ps = wanted or list(dict.fromkeys(found["period"]))
    return sorted(ps, key=lambda p: (sort.get(p, 1 << 30), p))


def _by_region(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, metric_id: str,
               default_regions: Sequence[str] | None, chart: ViewChart, cells_of) -> ViewChart:
    """Clustered bars: periods as categories, one series per region, one metric; the cells come from the page's
    own query, cells_of(con, metric_id, periods, regions)."""
    params = view.get("params") or {}
    m = _metric(con, metric_id)
    if m is None:
        chart.notes.append(f"{T[lang]['unknown']}: metric={metric_id}")
        chart.title_zh, chart.title_en = metric_id, metric_id
        return chart
    periods, bad_p = _known(con, "periods", "period", _list(params, "periods"))
    regions, bad_r = _known(con, "regions", "region_id", _list(params, "regions") or list(default_regions or []))
    if bad_p or bad_r:
        chart.notes.append(f"{T[lang]['unknown']}: {', '.join(bad_p + bad_r)}")
    scale = fmt.factor(m["display_unit_zh"])
    unit = m["display_unit_zh"] if lang == "zh" else m["display_unit_en"]
    chart.title_zh, chart.title_en = m["name_zh"], m["name_en"]
    chart.unit_label, chart.number_format = unit, _number_format(int(m["decimals"]))
    if (_list(params, "periods") and not periods) or (_list(params, "regions") and not regions):
        return chart  # every filter value unknown: nothing matches
    df = cells_of(con, metric_id, periods, regions)
    if df.empty:
        return chart
    region_col = "region_zh" if lang == "zh" else "region_en"
    values, chart.sources, notes = _cells(con, df, "region_id", int(m["decimals"]), scale, unit, lang,
                                          lambda r: r[region_col])
    chart.notes.extend(notes)
    ps = _ordered_periods(con, periods, df)
    chart.categories = _period_labels(con, ps, lang)
    regs = df.drop_duplicates("region_id").sort_values(["region_sort", "region_id"])
    for r in regs.itertuples():
        chart.series.append(Series(getattr(r, region_col), [values.get((p, r.region_id)) for p in ps],
                                   r.region_color or None))
    return chart


def _region_metrics(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, chart: ViewChart) -> ViewChart:
    """One region (?pick=) across periods: one series per metric (?metric=, or ?metrics= sharing a unit)."""
    params = view.get("params") or {}
    region = _one(params, "pick", "region", "regions") or REGIONS_DEFAULT[0]
    regs = queries.regions(con, with_figures=False).set_index("region_id")
    reg = tuple(regs.loc[region, ["name_zh", "name_en", "color"]]) if region in regs.index else None
    if reg is None:
        chart.title_zh, chart.title_en = "地区", "Region"
        if region:
            chart.notes.append(f"{T[lang]['unknown']}: {region}")
        return chart
    wanted = _list(params, "metrics") or _list(params, "metric")
    periods, bad_p = _known(con, "periods", "period", _list(params, "periods"))
    if bad_p:
        chart.notes.append(f"{T[lang]['unknown']}: {', '.join(bad_p)}")
    wanted = wanted or [REGIONS_DEFAULT[1]]
    mets = pd.DataFrame([m for m in (queries.metric_info(con, w) for w in wanted) if m])
    mets = mets.sort_values("sort", kind="stable").reset_index(drop=True) if len(mets) else mets
    chart.title_zh, chart.title_en = reg[0], reg[1]
    if mets.empty:
        return chart
    first = mets.iloc[0]
    same = mets[mets["display_unit_zh"] == first["display_unit_zh"]]
    dropped = mets[mets["display_unit_zh"] != first["display_unit_zh"]]
    if len(dropped):
        names = ", ".join(dropped["name_zh" if lang == "zh" else "name_en"])
        chart.notes.append(("单位不同未绘出: " if lang == "zh" else "Other units, not drawn: ") + names)
    scale = fmt.factor(first["display_unit_zh"])
    decimals = int(same["decimals"].max())
    unit = first["display_unit_zh"] if lang == "zh" else first["display_unit_en"]
    chart.unit_label, chart.number_format = unit, _number_format(decimals)
    df = queries.period_cells(con, list(same["metric_id"]), periods or None, [region])
    if df.empty or (_list(params, "periods") and not periods):
        return chart
    name_col = "name_zh" if lang == "zh" else "name_en"
    mnames = dict(zip(same["metric_id"], same[name_col]))
    values, chart.sources, notes = _cells(con, df, "metric_id", decimals, scale, unit, lang,
                                          lambda r: mnames[r["metric_id"]])
    chart.notes.extend(notes)
    ps = _ordered_periods(con, periods, df)
    chart.categories = _period_labels(con, ps, lang)
    drawn = [mid for mid in same["metric_id"] if mid in set(df["metric_id"])]
    for i, mid in enumerate(drawn):
        color = reg[2] if len(drawn) == 1 and reg[2] else PALETTE[i % len(PALETTE)]
        chart.series.append(Series(mnames[mid], [values.get((p, mid)) for p in ps], color))
    return chart


def _tasks(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, chart: ViewChart) -> ViewChart:
    """Tasks per responsible unit (top N) in one plan (?plan=, default the page's: first plan with tasks),
    each task counted once per unit, as metrics.queries.tasks_by_unit counts them."""
    params = view.get("params") or {}
    try:
        top = max(1, int(_one(params, "top") or TASKS_TOP))
    except ValueError:
        top = TASKS_TOP
    with_tasks = queries.task_plans(con)
    plans = list(with_tasks["plan_id"])
    plan = _one(params, "plan", "plans") or (plans[0] if plans else None)
    chart.title_zh, chart.title_en = f"各责任单位承担任务数(前{top})", f"Tasks by responsible unit (top {top})"
    chart.unit_label = "项" if lang == "zh" else "tasks"
    chart.number_format = "#,##0"
    if plan not in plans:
        if plan:
            chart.notes.append(f"{T[lang]['unknown']}: {plan}")
        return chart
    df = queries.tasks_by_unit(con, plan).head(top)  # the tasks page's own query
    if df.empty:
        return chart
    chart.categories = list(df["unit"])
    chart.series = [Series(T[lang]["tasks"], [float(v) for v in df["tasks"]], PALETTE[0])]
    chart.sources = [_source_labels(con, lang).get(plan, plan)]
    return chart


def view_chart_data(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any] | pd.Series,
                    lang: str = "zh") -> ViewChart:
    """The chart of a saved view (a get_view() dict or list_views() row)."""

    if lang not in T:
        raise ValueError(f"语言只能是 zh 或 en: {lang!r}")
    view = dict(view)
    if isinstance(view.get("params"), str):
        import json
        view["params"] = json.loads(view["params"])
    params = view.get("params") or {}
    page = view["page"]
    vid = view.get("view_id")
    chart = ViewChart(view_id=int(vid) if vid is not None and not pd.isna(vid) else None, name=str(view["name"]),
                      page=page, lang=lang, title_zh=str(view["name"]), title_en=str(view["name"]),
                      url=view_url(view))
    # each page's slide reads the query its page draws (metrics.queries), so a slide equals its page
    if page == "funding":
        return _by_region(con, view, lang, _one(params, "metric") or "aid_funding", None, chart,
                          lambda c, m, p, r: queries.funding_by_period_region(c, m, p or None, r or None))
    if page == "overview":
        return _by_region(con, view, lang, "aid_funding", None, chart,
                          lambda c, m, p, r: queries.funding_by_period_region(c, m, p or None, r or None))
    if page == "cooperation":
        def coop(c, m, p, r):
            df = queries.cooperation(c, regions=r or None, periods=p or None)
            return df[df["metric_id"] == m]
        return _by_region(con, view, lang, _one(params, "metric") or "agreement_amount", queries.COOPERATION_REGIONS,
                          chart, coop)
    if page == "regions":
        return _region_metrics(con, view, lang, chart)
    if page == "tasks":
        return _tasks(con, view, lang, chart)
    chart.chartable = False
    return chart


# --- slides --------------------------------------------------------------------------------------

def _set_ea(font, typeface: str = FONT_EA) -> None:
    """East-Asian typeface on a run / default run properties (a:ea), so Chinese renders in YaHei."""
    from pptx.oxml.ns import qn

    rPr = font._rPr
    for old in rPr.findall(qn("a:ea")):
        rPr.remove(old)
    ea = rPr.makeelement(qn("a:ea"), {"typeface": typeface})
    # schema order: ... latin, ea, cs, sym, hlinkClick, hlinkMouseOver, rtl, extLst
    successors = [qn(t) for t in ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")]
    for i, child in enumerate(rPr):
        if child.tag in successors:
            rPr.insert(i, ea)
            return
    rPr.append(ea)


def _text(slide, left, top, width, height, text: str, size: int, bold: bool = False,
          color: str | None = None, align=None):
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        if color:
            run.font.color.rgb = RGBColor.from_string(color.lstrip("#"))
        _set_ea(run.font)
    return box


def _rgb(color: str | None):
    from pptx.dml.color import RGBColor

    if not color or not isinstance(color, str) or len(color.lstrip("#")) != 6:
        return None
    try:
        return RGBColor.from_string(color.lstrip("#").upper())
    except ValueError:
        return None


def _chart_slide(prs, chart: ViewChart) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    t = T[chart.lang]
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    W = prs.slide_width
    _text(slide, Inches(0.5), Inches(0.3), W - Inches(1.0), Inches(0.8), chart.name, 26, bold=True)
    foot = chart.footnote()
    if chart.url:
        foot = (foot + "\n" if foot else "") + f"{t['link']}: {chart.url}"
    if not chart.chartable:
        _text(slide, Inches(0.5), Inches(3.0), W - Inches(1.0), Inches(1.0), t["no_chart"], 24,
              color="#666666", align=PP_ALIGN.CENTER)
    elif chart.empty:
        _text(slide, Inches(0.5), Inches(1.2), W - Inches(1.0), Inches(0.5), chart.chart_title, 16)
        _text(slide, Inches(0.5), Inches(3.0), W - Inches(1.0), Inches(1.0), t["no_data"], 32,
              color="#666666", align=PP_ALIGN.CENTER)
    else:
        data = CategoryChartData(number_format=chart.number_format)
        data.categories = chart.categories
        for s in chart.series:
            data.add_series(s.name, s.values, number_format=chart.number_format)
        gf = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.1),
                                    W - Inches(1.0), Inches(4.9), data)
        c = gf.chart
        c.font.size = Pt(12)
        _set_ea(c.font)
        c.has_title = True
        c.chart_title.text_frame.text = chart.chart_title
        for p in c.chart_title.text_frame.paragraphs:
            for run in p.runs:
                run.font.size = Pt(16)
                run.font.bold = True
                _set_ea(run.font)
        c.has_legend = len(chart.series) > 1
        if c.has_legend:
            c.legend.position = XL_LEGEND_POSITION.BOTTOM
            c.legend.include_in_layout = False
        va = c.value_axis
        va.tick_labels.number_format = chart.number_format
        va.tick_labels.number_format_is_linked = False
        va.has_major_gridlines = True
        plot = c.plots[0]
        plot.gap_width = 80
        plot.has_data_labels = True
        dl = plot.data_labels
        dl.number_format = chart.number_format
        dl.number_format_is_linked = False
        dl.font.size = Pt(10)
        for s, ser in zip(chart.series, plot.series):
            rgb = _rgb(s.color)
            if rgb is not None:
                ser.format.fill.solid()
                ser.format.fill.fore_color.rgb = rgb
    if foot:
        _text(slide, Inches(0.5), Inches(6.1), W - Inches(1.0), Inches(1.3), foot, 10, color="#555555")


def build_deck(con: duckdb.DuckDBPyConnection, views: Sequence[Mapping[str, Any]] | pd.DataFrame,
               out_path: str | os.PathLike, title: str | None = None, lang: str = "zh") -> Path:
    """A 16:9 deck: a title slide, then one slide per view in the given order. Returns the file written."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    if isinstance(views, pd.DataFrame):
        views = views.to_dict("records")
    charts = [view_chart_data(con, v, lang) for v in views]
    t = T[lang]
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    W = prs.slide_width
    title = title or ("上海市对口支援与合作交流" if lang == "zh" else "Shanghai counterpart support and cooperation")
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _text(s, Inches(0.8), Inches(2.4), W - Inches(1.6), Inches(1.4), title, 36, bold=True, align=PP_ALIGN.CENTER)
    sub = f"{date.today().isoformat()}  ·  {len(charts)} {t['views']}" if lang == "en" else \
        f"{date.today():%Y年%m月%d日}  ·  共 {len(charts)} {t['views']}"
    _text(s, Inches(0.8), Inches(4.0), W - Inches(1.6), Inches(0.8), sub, 18, color="#555555", align=PP_ALIGN.CENTER)
    for chart in charts:
        _chart_slide(prs, chart)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        prs.save(str(tmp))
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out
