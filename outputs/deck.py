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

from common import dictionaries as d
from common import settings
from common.messages import LANGS, CodedError, text
from common.pages import deck_pages
from common.pages import page as catalogue_page
from metrics import formatting as fmt
from metrics import queries, ranking
from outputs.views import view_url

# page key -> what its chart shows; other pages get a slide with the view's link and no chart
CHART_PAGES = deck_pages()  # the page catalogue says which pages become chart slides
TASKS_TOP = 15
FOOTNOTE_NOTES = 5
FONT_EA = "Microsoft YaHei"
# Okabe–Ito, for series without a colour of their own (metrics, tasks)
UNREVIEWED_MARK, UNREVIEWED_COLOR = "⚠ ", "#B35900"  # a headline card's mark (the page: an orange badge)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")

@dataclass
class Series:
    name: str
    values: list[float | None]
    color: str | None = None          # "#RRGGBB"
    folded_color: str | None = None   # the folded "N other regions" category's bar, when the chart has one


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
    cards: list[dict] = field(default_factory=list)        # headline cards: name, value, change, arrow, basis,
    #                                                        unreviewed (the card's mark, "" when all reviewed)
    sources: list[str] = field(default_factory=list)      # plan titles / uploaded files the figures came from
    notes: list[str] = field(default_factory=list)        # qualifiers, sums, unknown filter values
    n_unreviewed: int = 0                                  # figures behind the slide's values nobody has reviewed
    chartable: bool = True
    url: str = ""

    @property
    def title(self) -> str:
        return getattr(self, f"title_{self.lang}")

    @property
    def chart_title(self) -> str:
        return text("deck_chart_title", self.lang, title=self.title, unit=self.unit_label) if self.unit_label \
            else self.title

    @property
    def empty(self) -> bool:
        return not self.cards and not any(v is not None for s in self.series for v in s.values)

    def footnote(self) -> str:
        lines = []
        if self.sources:
            titles = text("deck_source_sep", self.lang).join(text("deck_source_title", self.lang, title=s)
                                                             for s in self.sources)
            lines.append(text("deck_source", self.lang, titles=titles))
        if self.n_unreviewed:  # its own line, never folded into "… more notes"
            lines.append(text("deck_unreviewed", self.lang, n=self.n_unreviewed))
        shown = self.notes[:FOOTNOTE_NOTES]  # the footnote box holds about six lines
        lines.extend(shown)
        if len(self.notes) > len(shown):
            more = len(self.notes) - len(shown)
            lines.append(text("deck_more_notes", self.lang, n=more))
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
           lang: str, label, units: tuple[str, str] = ("", "")) -> tuple[dict[tuple[str, str], float], list[str],
                                                                      list[str]]:
    """(period, key) -> display value of the cells a metrics.queries function returned (the pages' rule: one
    value per cell, the largest statement kept; a period's stated total, else its years' sum); the sources used;
    footnote notes (restatements, qualifiers, years covered), numbers written as the language writes them."""
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
        cell_name = f"{label(r)} {r['period'] if lang == 'zh' else r['period_en']}"  # 十二五 is its own label
        top = fmt.with_unit(r["value_base"], None, units[0], units[1], decimals, lang)
        n = int(r.get("n_figures") or 1)
        others = r.get("others_text")
        if n > 1 and isinstance(others, str) and others:
            notes.append(text("deck_restated", lang, cell=cell_name, n=n, top=top, others=others))
        cover = fmt.coverage(r.get("years_covered"), r.get("n_years_covered"), r.get("years_in_period"), lang)
        q = r.get("qualifier")
        if isinstance(q, str) and q:
            shown = fmt.with_unit(r["value_base"], q, units[0], units[1], decimals, lang)
            written = r.get("number_text")
            if isinstance(written, str) and written:
                notes.append(text("deck_as_written", lang, cell=cell_name, value=shown, text=written))
            else:
                notes.append(text("deck_sum_of_years", lang, cell=cell_name, value=shown,
                                  years=fmt.years_text(r.get("years_covered"), lang)))
        if cover:
            notes.append(f"{cell_name}: {cover}")
    return values, sources, notes


def _unreviewed(df: pd.DataFrame) -> int:
    """How many figures nobody has reviewed yet lie behind the cells a slide shows (every cell with a value is
    drawn, folded into "N other regions" or not), as the charts' hatching counts them."""
    if "n_unreviewed" not in df.columns or df.empty:
        return 0
    shown = df[df["value_base"].notna()]
    return int(shown["n_unreviewed"].fillna(0).sum())


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


def _shows_all(params: Mapping[str, Any]) -> bool:
    """?<page>_all=1: the view shows every region rather than the page's top ones."""
    return str(_one(params, "all") or "").lower() in ("1", "true", "yes")


def _by_region(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, metric_id: str,
               default_regions: Sequence[str] | None, chart: ViewChart, cells_of, top: int | None = None) -> ViewChart:
    """Clustered bars as the page draws them (ui.charts.bars_by_region): regions as categories, largest first, the
    page's top N and the rest folded into one "N other regions" category (metrics.ranking), one series per period;
    one metric; the cells come from the page's own query, cells_of(con, metric_id, periods, regions)."""
    params = view.get("params") or {}
    m = _metric(con, metric_id)
    if m is None:
        chart.notes.append(text("deck_unknown", lang, values=f"metric={metric_id}"))
        chart.title_zh, chart.title_en = metric_id, metric_id
        return chart
    asked = _list(params, "periods") or _list(params, "period")  # the regions page picks one period (?region_period=)
    periods, bad_p = _known(con, "periods", "period", asked)
    regions, bad_r = _known(con, "regions", "region_id", _list(params, "regions") or list(default_regions or []))
    if bad_p or bad_r:
        chart.notes.append(text("deck_unknown", lang, values=", ".join(bad_p + bad_r)))
    scale = fmt.factor(m["display_unit_zh"])
    unit = m[f"display_unit_{lang}"]
    chart.title_zh, chart.title_en = m["name_zh"], m["name_en"]
    chart.unit_label, chart.number_format = unit, _number_format(int(m["decimals"]))
    if (_list(params, "periods") and not periods) or (_list(params, "regions") and not regions):
        return chart  # every filter value unknown: nothing matches
    df = cells_of(con, metric_id, periods, regions)
    if df.empty:
        return chart
    region_col = f"region_{lang}"
    values, chart.sources, notes = _cells(con, df, "region_id", int(m["decimals"]), scale, unit, lang,
                                          lambda r: r[region_col], (m["display_unit_zh"], m["display_unit_en"]))
    chart.notes.extend(notes)
    chart.n_unreviewed = _unreviewed(df)
    ps = _ordered_periods(con, periods, df)
    kept, rest = ranking.split_top(df, None if _shows_all(params) else top)
    for r in ranking.fold(df, rest).to_dict("records"):
        values[(r["period"], ranking.OTHER)] = round(float(r["value_base"]) / scale, 10)
    names = dict(zip(df["region_id"], df[region_col]))
    order = kept + ([ranking.OTHER] if rest else [])
    chart.categories = [names[r] for r in kept] + ([text("other_regions", lang, n=len(rest))] if rest else [])
    for label, p, color, grey in zip(_period_labels(con, ps, lang), ps, ranking.period_colors(ps),
                                     ranking.period_colors(ps, folded=True)):
        chart.series.append(Series(label, [values.get((p, r)) for r in order], color, grey if rest else None))
    return chart


def _region_metrics(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, chart: ViewChart) -> ViewChart:
    """One region (?pick=) across periods: one series per metric (?metric=, or ?metrics= sharing a unit)."""
    params = view.get("params") or {}
    region = _one(params, "pick", "region", "regions") or catalogue_page("regions").default_region
    regs = queries.regions(con, with_figures=False).set_index("region_id")
    reg = tuple(regs.loc[region, ["name_zh", "name_en", "color"]]) if region in regs.index else None
    if reg is None:
        chart.title_zh, chart.title_en = "地区", "Region"
        if region:
            chart.notes.append(text("deck_unknown", lang, values=region))
        return chart
    wanted = _list(params, "metrics") or _list(params, "metric")
    asked = _list(params, "periods") or _list(params, "period")  # the regions page picks one period (?region_period=)
    periods, bad_p = _known(con, "periods", "period", asked)
    if bad_p:
        chart.notes.append(text("deck_unknown", lang, values=", ".join(bad_p)))
    wanted = wanted or [catalogue_page("regions").default_metric]
    mets = pd.DataFrame([m for m in (queries.metric_info(con, w) for w in wanted) if m])
    mets = mets.sort_values("sort", kind="stable").reset_index(drop=True) if len(mets) else mets
    chart.title_zh, chart.title_en = reg[0], reg[1]
    if mets.empty:
        return chart
    first = mets.iloc[0]
    same = mets[mets["display_unit_zh"] == first["display_unit_zh"]]
    dropped = mets[mets["display_unit_zh"] != first["display_unit_zh"]]
    if len(dropped):
        chart.notes.append(text("deck_other_units", lang, names=text("list_sep", lang).join(dropped[f"name_{lang}"])))
    scale = fmt.factor(first["display_unit_zh"])
    decimals = int(same["decimals"].max())
    unit = first[f"display_unit_{lang}"]
    chart.unit_label, chart.number_format = unit, _number_format(decimals)
    df = queries.period_cells(con, list(same["metric_id"]), periods or None, [region])
    if df.empty or (asked and not periods):
        return chart
    name_col = f"name_{lang}"
    mnames = dict(zip(same["metric_id"], same[name_col]))
    values, chart.sources, notes = _cells(con, df, "metric_id", decimals, scale, unit, lang,
                                          lambda r: mnames[r["metric_id"]],
                                          (first["display_unit_zh"], first["display_unit_en"]))
    chart.notes.extend(notes)
    chart.n_unreviewed = _unreviewed(df)
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
    chart.title_zh, chart.title_en = text("deck_tasks_title", "zh", n=top), text("deck_tasks_title", "en", n=top)
    chart.unit_label = text("deck_tasks_unit", lang)
    chart.number_format = "#,##0"
    if plan not in plans:
        if plan:
            chart.notes.append(text("deck_unknown", lang, values=plan))
        return chart
    df = queries.tasks_by_unit(con, plan).head(top)  # the tasks page's own query
    if df.empty:
        return chart
    chart.categories = list(df["unit"])
    chart.series = [Series(text("tasks_count", lang), [float(v) for v in df["tasks"]], PALETTE[0])]
    chart.sources = [_source_labels(con, lang).get(plan, plan)]
    return chart


def _headline(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any], lang: str, chart: ViewChart) -> ViewChart:
    """The overview's headline cards for the view's period (as the page shows them), as big numbers."""
    params = view.get("params") or {}
    per = queries.five_year_periods(con)
    options = list(per["period"])
    default = d.default_period()  # the overview page's default period
    period = _one(params, "period") or (default if default in options else (options[-1] if options else None))
    labels = dict(zip(per["period"], per[f"label_{lang}"]))
    short = {p: fmt.period_short(p, en, lang) for p, en in zip(per["period"], per["label_en"])}  # 十一五 / 11th FYP
    chart.title_zh = chart.title_en = chart.name
    if period is None:
        return chart
    if period not in options:
        chart.notes.append(text("deck_unknown", lang, values=period))
        return chart
    chart.unit_label = ""
    cards = queries.headline_cards(con, period)
    for r in cards.to_dict("records"):
        card = dict(name=r[f"metric_{lang}"], value="—", change="", arrow="off", basis="", unreviewed="")
        marks = []
        if r["n_unreviewed"]:
            marks.append(text("card_unreviewed", lang, n=r["n_unreviewed"]))
            chart.n_unreviewed += int(r["n_unreviewed"])
        if r["basis"] != "missing":
            card["value"] = fmt.with_unit(r["value_base"], r["qualifier"], r["display_unit_zh"], r["display_unit_en"],
                                          r["decimals"], lang)
            card["basis"] = text("stated_total", lang) if r["basis"] == "stated" else \
                text("sum_of_regions", lang, n=r["n_parts"])
            prev = r["prev_value_base"]
            if prev == prev and prev:
                change = r["value_base"] / prev
                card["change"] = f"{text('vs_prev', lang, p=short.get(r['prev_period'], r['prev_period']))} " \
                                 f"{fmt.ratio(change, lang)}"
                card["arrow"] = fmt.direction(change)
                if r["prev_n_unreviewed"]:  # the change is only as reviewed as both its values
                    marks.append(text("card_prev_unreviewed", lang, n=r["prev_n_unreviewed"],
                                      p=short.get(r["prev_period"], r["prev_period"])))
                    chart.n_unreviewed += int(r["prev_n_unreviewed"])
        card["unreviewed"] = "\n".join(marks)
        chart.cards.append(card)
    chart.notes.insert(0, text("deck_period", lang, period=labels.get(period, period)))
    chart.notes.append(text("source_plans", lang))
    return chart


def _presentable(chart: ViewChart) -> ViewChart:
    """What a slide can show: no category without a value (an empty 十三五 column), English money in bn / m yuan."""
    if chart.series and chart.categories:
        keep = [i for i in range(len(chart.categories)) if any(s.values[i] is not None for s in chart.series)]
        if len(keep) < len(chart.categories):
            chart.categories = [chart.categories[i] for i in keep]
            for s in chart.series:
                s.values = [s.values[i] for i in keep]
        chart.series = [s for s in chart.series if any(v is not None for v in s.values)]
    if chart.lang == "en" and chart.unit_label == "CNY 100m":  # values in 亿元 (1e8 yuan)
        top = max((abs(v) for s in chart.series for v in s.values if v is not None), default=0.0) * 1e8
        size, unit = fmt.chart_unit("亿元", "CNY 100m", "en", top)
        for s in chart.series:
            s.values = [None if v is None else round(v * 1e8 / size, 2) for v in s.values]
        chart.unit_label = unit
    return chart


def view_chart_data(con: duckdb.DuckDBPyConnection, view: Mapping[str, Any] | pd.Series,
                    lang: str = "zh") -> ViewChart:
    """The chart of a saved view (a get_view() dict or list_views() row)."""

    if lang not in LANGS:
        raise CodedError("deck_err_lang", got=repr(lang))
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
    return _presentable(_view_chart(con, view, params, page, lang, chart))


def _view_chart(con, view: dict, params: Mapping[str, Any], page: str, lang: str, chart: ViewChart) -> ViewChart:
    # each page's slide reads the query its page draws (metrics.queries), so a slide equals its page
    if page not in CHART_PAGES:  # pages.csv in_deck=0: a link slide, no chart
        chart.chartable = False
        return chart
    if page == "funding":
        return _by_region(con, view, lang, _one(params, "metric") or catalogue_page("funding").default_metric, None,
                          chart,
                          lambda c, m, p, r: queries.funding_by_period_region(c, m, p or None, r or None),
                          catalogue_page("funding").top_regions)
    if page == "overview":
        return _headline(con, view, lang, chart)
    if page == "cooperation":
        def coop(c, m, p, r):
            df = queries.cooperation(c, regions=r or None, periods=p or None)
            return df[df["metric_id"] == m]
        return _by_region(con, view, lang, _one(params, "metric") or catalogue_page("cooperation").default_metric,
                          queries.COOPERATION_REGIONS,
                          chart, coop, catalogue_page("cooperation").top_regions)
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
    """A text box, one paragraph per line of `text`, all in one size and colour."""
    return _lines(slide, left, top, width, height, [(line, size, color) for line in text.split("\n")], align, bold)


def _lines(slide, left, top, width, height, lines: list[tuple[str, int, str | None]], align=None,
           bold: bool = False, bottom: bool = False):
    """A text box of paragraphs, each (text, size, colour or None), anchored at its top (or its bottom edge)."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    if bottom:
        tf.vertical_anchor = MSO_ANCHOR.BOTTOM
    for i, (line, size, color) in enumerate(lines):
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


def _axis_format(chart: ViewChart) -> tuple[str, str]:
    """(value axis, data labels) number formats by unit: whole ticks from 10 up (never "100.00"), labels with the
    metric's decimals only where a value has them."""
    values = [abs(v) for s in chart.series for v in s.values if v is not None]
    top = max(values, default=0.0)
    axis = "#,##0" if top >= 10 else "#,##0.0"
    has_fraction = any(abs(v - round(v)) > 1e-9 for v in values)
    return axis, ("General" if has_fraction else "#,##0")  # 92.34 and 82.5, not 82.50


def _link(slide, left, top, width, height, url: str, lang: str) -> None:
    """The view's absolute address as a clickable line (readable, not percent-encoded)."""
    from urllib.parse import unquote

    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    box.text_frame.word_wrap = True
    p = box.text_frame.paragraphs[0]
    lead = p.add_run()
    lead.text = text("deck_link", lang) + " "
    lead.font.size = Pt(10)
    lead.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    _set_ea(lead.font)
    run = p.add_run()
    run.text = unquote(url)
    run.font.size = Pt(10)
    run.font.color.rgb = RGBColor(0x0B, 0x5C, 0xAD)
    run.hyperlink.address = url
    _set_ea(run.font)


def view_link(chart: ViewChart) -> str:
    """The view's absolute link from the base_url setting; '' when no base URL is configured."""
    base = settings.get("base_url").strip().rstrip("/")
    if not base or not chart.url:
        return ""
    return f"{base}/{chart.url.lstrip('/')}"


def _cards(slide, chart: ViewChart, top, height, W) -> None:
    """Headline cards as big numbers, side by side across the slide."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    n = max(len(chart.cards), 1)
    gap = Inches(0.25)
    left0 = Inches(0.5)
    w = int((W - Inches(1.0) - gap * (n - 1)) / n)
    arrows = {"up": "▲ ", "down": "▼ ", "off": ""}
    for i, card in enumerate(chart.cards):
        left = left0 + i * (w + gap)
        frame = slide.shapes.add_shape(1, left, top, w, height)  # 1: rectangle
        frame.fill.solid()
        frame.fill.fore_color.rgb = _rgb("#F2F3F5")
        frame.line.fill.background()
        _text(slide, left + Inches(0.15), top + Inches(0.3), w - Inches(0.3), Inches(0.6), card["name"], 20,
              color="#333333")
        # the value on one line where it can be: CJK glyphs are about one em wide, Latin about half
        em = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in card["value"])
        size = max(18, min(44, int((w - Inches(0.5)) / 12700 * 0.75 / max(em, 1))))  # box margins, font metrics
        _text(slide, left + Inches(0.15), top + int(height * 0.3), w - Inches(0.3), Inches(1.3), card["value"], size,
              bold=True, color="#111111")
        if card["change"]:
            color = {"up": "#1B7F3B", "down": "#B3261E"}.get(card["arrow"], "#555555")
            _text(slide, left + Inches(0.15), top + int(height * 0.58), w - Inches(0.3), Inches(0.9),
                  arrows[card["arrow"]] + card["change"], 16, color=color)
        # the foot of the card: the unreviewed mark (the page's orange badge: nobody has reviewed some figures behind
        # this value) above the basis, in one box anchored at the bottom, so a long mark grows upwards, never over it
        lines = [(line, 12, UNREVIEWED_COLOR) for line in
                 (UNREVIEWED_MARK + card["unreviewed"]).split("\n") if card.get("unreviewed")]
        lines += [(card["basis"], 14, "#555555")] if card["basis"] else []
        if lines:
            foot_top = top + int(height * 0.68)
            _lines(slide, left + Inches(0.15), foot_top, w - Inches(0.3), top + height - Inches(0.3) - foot_top,
                   lines, align=PP_ALIGN.LEFT, bottom=True)


def _chart_slide(prs, chart: ViewChart) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    lang = chart.lang
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    W, H = prs.slide_width, prs.slide_height
    _text(slide, Inches(0.5), Inches(0.25), W - Inches(1.0), Inches(0.7), chart.name, 28, bold=True)
    foot = chart.footnote()
    link = view_link(chart)
    n_foot = len(foot.split("\n")) if foot else 0
    foot_h = Inches(0.2) * n_foot + (Inches(0.25) if link else 0)  # 9-10 pt lines
    body_top = Inches(1.05)
    body_h = H - body_top - foot_h - Inches(0.3)
    if not chart.chartable:
        _text(slide, Inches(0.5), Inches(3.0), W - Inches(1.0), Inches(1.0), text("deck_no_chart", lang), 24,
              color="#666666", align=PP_ALIGN.CENTER)
    elif chart.cards:
        _cards(slide, chart, body_top + Inches(0.2), body_h - Inches(0.2), W)
    elif chart.empty:
        _text(slide, Inches(0.5), body_top, W - Inches(1.0), Inches(0.5), chart.chart_title, 16)
        _text(slide, Inches(0.5), Inches(3.0), W - Inches(1.0), Inches(1.0), text("deck_no_data", lang), 32,
              color="#666666", align=PP_ALIGN.CENTER)
    else:
        axis_fmt, label_fmt = _axis_format(chart)
        data = CategoryChartData(number_format=label_fmt)
        data.categories = chart.categories
        for s in chart.series:
            data.add_series(s.name, s.values, number_format=label_fmt)
        rows = len(chart.categories) > ranking.UPRIGHT_MAX  # every region of a view: rows, as the page draws them
        gf = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED if rows else XL_CHART_TYPE.COLUMN_CLUSTERED,
                                    Inches(0.4), body_top, W - Inches(0.8), body_h, data)
        c = gf.chart
        if rows:
            c.category_axis.reverse_order = True  # the largest on top
        c.font.size = Pt(14)
        _set_ea(c.font)
        c.has_title = True
        c.chart_title.text_frame.text = chart.chart_title
        for p in c.chart_title.text_frame.paragraphs:
            for run in p.runs:
                run.font.size = Pt(18)
                run.font.bold = True
                _set_ea(run.font)
        c.has_legend = len(chart.series) > 1
        if c.has_legend:
            c.legend.position = XL_LEGEND_POSITION.RIGHT
            c.legend.include_in_layout = False
            c.legend.font.size = Pt(14)
        va = c.value_axis
        va.tick_labels.number_format = axis_fmt
        va.tick_labels.number_format_is_linked = False
        va.has_major_gridlines = True
        va.major_gridlines.format.line.color.rgb = _rgb("#D9D9D9")
        va.format.line.fill.background()
        c.category_axis.tick_labels.font.size = Pt(14)
        plot = c.plots[0]
        plot.gap_width = 60
        plot.overlap = -5
        n_bars = sum(v is not None for ser in chart.series for v in ser.values)
        plot.has_data_labels = n_bars <= ranking.BAR_LABELS_LEVEL  # more would overprint (the page: upright)
        if plot.has_data_labels:
            dl = plot.data_labels
            dl.number_format = label_fmt
            dl.number_format_is_linked = False
            dl.font.size = Pt(12)
        for s, ser in zip(chart.series, plot.series):
            rgb = _rgb(s.color)
            if rgb is not None:
                ser.format.fill.solid()
                ser.format.fill.fore_color.rgb = rgb
            if s.folded_color and chart.categories:  # the folded regions' bar in grey, as on the page
                point = ser.points[len(chart.categories) - 1]
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = _rgb(s.folded_color)
    y = H - foot_h - Inches(0.2)
    if foot:
        _text(slide, Inches(0.5), y, W - Inches(1.0), Inches(0.2) * n_foot, foot, 10, color="#555555")
    if link:
        _link(slide, Inches(0.5), H - Inches(0.45), W - Inches(1.0), Inches(0.3), link, lang)


def build_deck(con: duckdb.DuckDBPyConnection, views: Sequence[Mapping[str, Any]] | pd.DataFrame,
               out_path: str | os.PathLike, title: str | None = None, lang: str = "zh") -> Path:
    """A 16:9 deck: a title slide, then one slide per view in the given order. Returns the file written."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    if isinstance(views, pd.DataFrame):
        views = views.to_dict("records")
    charts = [view_chart_data(con, v, lang) for v in views]
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    W = prs.slide_width
    title = title or text("deck_title", lang)
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _text(s, Inches(0.8), Inches(2.4), W - Inches(1.6), Inches(1.4), title, 36, bold=True, align=PP_ALIGN.CENTER)
    today = date.today()
    sub = text("deck_subtitle", lang, d=text("deck_date", lang, y=today.year, m=today.month, d=today.day),
               n=len(charts))
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
