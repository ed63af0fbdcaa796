"""Plotly figure builders: titled, with units, region colours and hover showing value, qualifier and source."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from common import settings
from common.paths import GEO
from metrics import formatting as fmt
from metrics import ranking
from ui import data, state
from ui.i18n import STRINGS as _STRINGS
from ui.i18n import lang, t
from ui.theme import FONT_STACK, presenting
from ui.widgets import plan_titles, source_name

FALLBACK_COLOR = "#888888"


# projector theme: white, near-black text, light grid; region colours come from regions.color untouched
INK = "#111111"
GRID = "#e3e3e3"
AXIS = "#444444"
SOURCE_INK = "#444444"
# modebar: keep the PNG download, pan/zoom and reset; drop selection tools and hover toggles nobody uses
MODEBAR_REMOVE = ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "hoverClosestCartesian",
                  "hoverCompareCartesian", "zoomIn2d", "zoomOut2d"]


# plotly.js's zh-CN locale (its lib/locales/zh-cn.js), registered inline through the chart config: the plotly.js
# bundled with Streamlit has no locales of its own, and nothing may come from a CDN
PLOTLY_ZH_CN = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选择", "Compare data on hover": "悬停时比较数据",
        "Double-click on legend to isolate one trace": "双击图例来突显对应轨迹", "Double-click to zoom back out":
        "双击返回缩放", "Download plot as a png": "下载图表为PNG格式", "Download plot as a PNG": "下载图表为PNG格式",
        "Download plot": "下载图表", "Fullscreen": "全屏", "Exit fullscreen": "退出全屏",
        "Lasso Select": "套索选择", "Pan": "平移", "Produced with Plotly.js": "由Plotly.js生成", "Reset": "重置",
        "Reset axes": "重置轴", "Reset view": "重置视图", "Reset views": "重置视图",
        "Show closest data on hover": "悬停时显示最近的数据", "Snapshot succeeded": "生成快照成功",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，下载快照出现问题！",
        "Taking snapshot - this may take a few seconds": "正在生成快照 - 可能需要几秒钟",
        "Toggle Spike Lines": "切换尖峰线", "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小",
        "close:": "关闭：", "trace": "轨迹", "lat:": "纬度：", "lon:": "经度：",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",",
    },
}


def style() -> dict:
    """Sizes for the current mode: presentation mode draws for a projector at 1280x720."""
    if presenting():
        return dict(font=19, title=26, text=17, height=470, line=4, marker=14, scale=3, map_height=540, row=25)
    return dict(font=14, title=18, text=13, height=420, line=3, marker=10, scale=2, map_height=560, row=28)


def columns(n: int):
    """Side-by-side charts normally; one under another in presentation mode, so each gets the full width."""
    if presenting():
        return [st.container() for _ in range(n)]
    return st.columns(n)


def _layout(fig: go.Figure, title: str, y_title: str = "", height: int | None = None) -> go.Figure:
    sz = style()
    fig.update_layout(
        title=dict(text=title, font=dict(size=sz["title"], color=INK), x=0, xanchor="left",
                   y=1, yref="container", yanchor="top", pad=dict(t=8), automargin=True),
        font=dict(family=FONT_STACK, size=sz["font"], color=INK), height=height or sz["height"],
        paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=10, r=10, t=sz["title"] * 2 + 10, b=10),
        # legend on the right: at the top it collides with the title once it wraps to two rows
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top", font=dict(size=sz["font"]),
                    itemsizing="constant"),
        hoverlabel=dict(font=dict(family=FONT_STACK, size=sz["font"])),
        bargap=0.15, bargroupgap=0.05, template="plotly_white",
    )
    fig.update_xaxes(showgrid=False, linecolor=AXIS, tickcolor=AXIS, tickfont=dict(color=INK), ticks="outside")
    # ticks in the unit the axis names (亿元, 万家): never plotly's SI suffixes ("80k 亿元")
    fig.update_yaxes(gridcolor=GRID, zerolinecolor="#bdbdbd", linecolor=AXIS, tickfont=dict(color=INK),
                     exponentformat="none", separatethousands=True)
    fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_traces(textfont=dict(size=sz["text"], color=INK), selector=dict(type="bar", textposition="outside"))
    if y_title:
        # the unit written level above the value axis: a rotated axis title turns a one-character unit (个, 家)
        # into what reads as a stray glyph
        fig.add_annotation(text=t("unit_axis", u=y_title), xref="paper", yref="paper", x=0, y=1, xanchor="left",
                           yanchor="bottom",
                           yshift=6, showarrow=False, font=dict(size=max(sz["font"] - 2, 10), color=AXIS))
    return fig


def _safe_name(text: str) -> str:
    """A file name from a chart title and filters: no path or shell characters, short enough for any disk."""
    text = re.sub(r"<[^>]+>", "", str(text))
    text = re.sub(r'[\\/:*?"<>|\s·,，()（）]+', "_", text).strip("_")
    return text[:90] or "chart"


def export_name(title: str) -> str:
    """资金与项目_aid_funding_十二五: the page, then the page's filter values, else the chart title."""
    page = st.session_state.get("_charts_page")
    parts = [t(f"nav_{page}")] if page and f"nav_{page}" in _STRINGS else []
    prefix = st.session_state.get("_charts_prefix")
    values = []
    for value in (state.filters_of(prefix) if prefix else {}).values():
        if isinstance(value, (list, tuple)):
            values.append("-".join(str(v) for v in value))
        elif value not in (None, ""):
            values.append(str(value))
    parts.append(_safe_name(title) if title else "")
    parts += values
    return _safe_name("_".join(p for p in parts if p))


def set_page(page: str, prefix: str) -> None:
    """Which page is drawing (for chart file names); called by ui.views_panel.render."""
    st.session_state["_charts_page"] = page
    st.session_state["_charts_prefix"] = prefix


def _with_source(fig: go.Figure, source: str) -> go.Figure:
    """The source line drawn inside the figure, so a downloaded PNG carries it too."""
    sz = style()
    lines = [w for x in source.split(" · ") if x.strip() for w in _wrap(x.strip(), SOURCE_LINE_EMS)]
    small = max(sz["font"] - 3, 10)
    tick_lines = 1 + max((str(v).count("<br>") for v in (fig.layout.xaxis.ticktext or ())), default=0)
    below = sz["font"] * (tick_lines + 1) + 6 + (tick_lines - 1) * 4 if fig.layout.xaxis.visible is not False else 4
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-below, showarrow=False, align="left",
                       font=dict(size=small, color=SOURCE_INK))
    b = below + int(len(lines) * small * 1.35) + 8
    fig.update_layout(margin=dict(b=max(fig.layout.margin.b or 0, b)))
    return fig


SOURCE_LINE_EMS = 58  # a source line wraps before it runs past a 1280-wide chart (the map caption was cut off)


def _wrap(text: str, ems: float) -> list[str]:
    """Splits a line where it would pass `ems` em widths (a CJK glyph is one em, a Latin one about half)."""
    lines, line, width = [], "", 0.0
    for word in re.findall(r"[\u2e80-\uffff]\s*|\S+\s*", text):
        w = sum(1.0 if ord(ch) >= 0x2E80 else 0.5 for ch in word)
        if line and width + w > ems:
            lines.append(line.rstrip())
            line, width = "", 0.0
        line, width = line + word, width + w
    return lines + ([line.rstrip()] if line.strip() else [])


def plotly_config(fig: go.Figure, title: str | None = None, selectable: bool = False) -> dict:
    """Plotly config for st.plotly_chart: PNG download from the chart's own modebar, made in the browser
    by plotly.js (no network), at slide size and 2x (3x when presenting)."""
    sz = style()
    height = int(fig.layout.height or sz["height"])
    remove = list(MODEBAR_REMOVE)  # selection is by click (points): box and lasso tools stay out
    name = export_name(title if title is not None else (fig.layout.title.text or ""))
    localized = {"locale": "zh-CN", "locales": {"zh-CN": PLOTLY_ZH_CN}} if lang() == "zh" else {}
    return {**localized, "displaylogo": False, "displayModeBar": True if presenting() else "hover",
            "modeBarButtonsToRemove": remove,
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": sz["scale"],
                                     "height": max(height, 720), "width": 1280}}


def _finish(fig: go.Figure, source: str | None) -> go.Figure:
    """The source line (and the unreviewed note) drawn inside the figure: every chart, and every PNG of it, says
    where it came from."""
    source = source or t("source_plans")
    if (fig.layout.meta or {}).get("unreviewed"):  # said inside the figure, so a downloaded PNG says it too
        source = t("unreviewed_caption") + " · " + source
    return _with_source(fig, source)


def _emit(fig: go.Figure, key: str | None, on_select, caption: str | None):
    kwargs = dict(key=key, config=plotly_config(fig, selectable=bool(on_select)), theme=None)
    if on_select:
        kwargs.update(on_select=on_select, selection_mode="points")
    event = st.plotly_chart(fig, **kwargs)
    if caption:
        st.caption(caption)
    return event


def show(fig: go.Figure, source: str | None = None, key: str | None = None, on_select=None,
         caption: str | None = None):
    """Renders a chart with its source line inside the figure (every chart, and every PNG of it, says where
    it came from); caption is extra text under the chart, e.g. the map's approval number."""
    return _emit(_finish(fig, source), key, on_select, caption)


FIGURES_KEPT = 128  # finished figures kept across sessions (a few pages x filters x languages)


class _Finished(go.Figure):
    """A cached figure that is never changed again, so it is serialised once: st.plotly_chart calls to_dict() on
    every rerun, a deep copy that also re-encodes every array (half a second for the map's region outlines)."""

    def freeze(self) -> "_Finished":
        self._frozen = super().to_dict()
        return self

    def to_dict(self) -> dict:
        return self._frozen


@st.cache_resource(max_entries=FIGURES_KEPT, show_spinner=False)
def _figure(path: str, token, hidden: bool, language: str, present: bool, key: str | None, inputs: str,
            source: str | None, _build: Callable[[], go.Figure | None]) -> go.Figure | None:
    # a resource, not data: shared unpickled (st.plotly_chart only reads it: to_dict copies before serialising)
    fig = _build()
    return None if fig is None else _Finished(_finish(fig, source)).freeze()


def draw(build: Callable[[], go.Figure | None], inputs, source: str | None = None, key: str | None = None,
         on_select=None, caption: str | None = None):
    """show(build()) with the finished figure kept per data snapshot, language, mode, chart key and `inputs` (the
    filters and labels that decide it, JSON-serialisable): a warm rerun sends the same figure without building and
    validating it again. build may return None (nothing to draw: nothing is shown)."""
    path, token = data.snapshot()
    fig = _figure(path, token, state.hide_unreviewed(), lang(), presenting(), key,
                  json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str), source, _build=build)
    if fig is None:
        return None
    return _emit(fig, key, on_select, caption)


def hbar(df: pd.DataFrame, y: str, x: str, title: str, color: str = "#0072B2") -> go.Figure:
    """Horizontal bars, largest first, tall enough for one readable row per bar."""
    sz = style()
    fig = go.Figure(go.Bar(x=df[x], y=df[y], orientation="h", marker_color=color, text=df[x],
                           textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(300, sz["row"] * len(df) + 120))


def _label(row, base: str) -> str:
    return row[f"{base}_{lang()}"]


def _hover(row, unit_zh: str, unit_en: str, decimals, value_col: str = "value_base",
           sources: dict | None = None) -> str:
    value = fmt.with_unit(row[value_col], row.get("qualifier"), unit_zh, unit_en, decimals, lang())
    q = row.get("qualifier")
    parts = [f"<b>{_label(row, 'region')}</b> · {_label(row, 'period')}", f"{t('value')}: {value}"]
    cover = fmt.coverage(row.get("years_covered"), row.get("n_years_covered"), row.get("years_in_period"), lang())
    if cover:
        parts.append(cover)
    if isinstance(q, str) and q:
        parts.append(t("qualifier_word", q=q))
    if isinstance(row.get("number_text"), str):
        parts.append(t("as_written_hover", text=row["number_text"]))
    if isinstance(row.get("others_text"), str) and row["others_text"]:
        parts.append(f"{t('others')}: {row['others_text']}")
    if isinstance(row.get("source"), str):
        name = sources.get(row["source"]) if sources is not None else None
        parts.append(f"{t('source')}: {name if name is not None else source_name(row['source'])}")
    if _unreviewed(row):
        parts.append(f"<i>{t('unreviewed_hover', n=int(row['n_unreviewed']))}</i>")
    return "<br>".join(parts)


# the columns a region chart reads (labels, hover, drill-down); the rest of a cells frame (figure-id lists, quotes,
# stated and summed parts) stays behind, so rows are small dicts rather than 26-column Series
_CHART_COLUMNS = ("region_id", "period", "qualifier", "region_color", "years_covered", "n_years_covered",
                  "years_in_period", "number_text", "others_text", "source", "n_unreviewed")


def _narrow(df: pd.DataFrame, *extra: str) -> pd.DataFrame:
    """Only the columns a chart reads, in the user's language."""
    wanted = (*extra, *_CHART_COLUMNS, f"period_{lang()}", f"region_{lang()}")
    return df[[c for c in dict.fromkeys(wanted) if c in df.columns]]


def _source_names(df: pd.DataFrame) -> dict:
    """Each distinct source of a chart as its title, looked up once per chart rather than once per bar."""
    if "source" not in df.columns:
        return {}
    titles, language = plan_titles(), lang()
    return {s: source_name(s, titles, language) for s in df["source"].dropna().unique() if isinstance(s, str)}


UNREVIEWED_PATTERN = "/"  # bars holding figures nobody has reviewed yet are hatched (lines: open markers)


def _unreviewed(row) -> bool:
    n = row.get("n_unreviewed")
    return n is not None and n == n and int(n) > 0


def _mark_unreviewed(fig: go.Figure, flags: list[bool]) -> None:
    """Remembers on the figure that it draws unreviewed figures, so show() adds the caption."""
    if any(flags):
        fig.update_layout(meta={**(fig.layout.meta or {}), "unreviewed": True})


def _partial(row, text: str) -> str:
    """A bar's label says when its value covers only some of its period's years: 39.5+（2/5年）."""
    try:
        n, total = int(row.get("n_years_covered")), int(row.get("years_in_period"))
    except (TypeError, ValueError):
        return text
    return t("partial_short", v=text, n=n, total=total) if 0 < n < total else text


MEMBERS_NAMED = 8  # regions named in the folded bar's hover text


def _region_names(df: pd.DataFrame) -> dict:
    col = f"region_{lang()}"
    return dict(zip(df["region_id"], df[col])) if col in df.columns else {}


def _other_hover(row, label: str, names: dict, unit_zh: str, unit_en: str, decimals, value_col: str) -> str:
    """The folded bar's hover: its sum and the regions it holds (the largest named)."""
    value = fmt.with_unit(row[value_col], row.get("qualifier"), unit_zh, unit_en, decimals, lang())
    members = [names.get(m, m) for m in row["members"]]
    shown = t("list_sep").join(members[:MEMBERS_NAMED])
    if len(members) > MEMBERS_NAMED:
        shown = t("other_regions_more", names=shown, k=len(members) - MEMBERS_NAMED)
    parts = [f"<b>{label}</b> · {_label(row, 'period')}", f"{t('value')}: {value}",
             t("other_regions_members", names=shown)]
    if _unreviewed(row):
        parts.append(f"<i>{t('unreviewed_hover', n=int(row['n_unreviewed']))}</i>")
    return "<br>".join(parts)


def folded(df: pd.DataFrame, top: int | None, value_col: str = "value_base",
           combine: Callable[[pd.DataFrame], float] | None = None) -> tuple[list[str], list[str], pd.DataFrame]:
    """(regions shown in rank order, regions folded, the rows drawn: the shown regions' and one folded row per
    period) for a chart of at most `top` regions plus "N other regions" (metrics.ranking)."""
    kept, rest = ranking.split_top(df, top, value_col)
    rows = df[df["region_id"].isin(kept)] if rest else df
    if rest:
        rows = pd.concat([rows, ranking.fold(df, rest, value_col, combine)], ignore_index=True)
    return kept, rest, rows


def bars_by_region(df: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=2,
                   value_col: str = "value_base", factor: float | None = None, y_unit: str | None = None,
                   kind: str = "bar", top: int | None = None, combine=None, extra: tuple[str, ...] = ()) -> go.Figure:
    """Regions by period, largest first. Bars: the regions are the categories, one trace per period (or year), so
    the browser draws a handful of traces however many regions there are; colour, pattern (unreviewed) and hover
    are per-bar arrays. Lines (kind='line'): x = period, one line per region in its colour.
    top: at most this many regions, the rest folded into one "N other regions" bar or line (its value their sum,
    or combine(rows) where a sum is meaningless, e.g. a ratio); None shows every region.
    Values are shown in the language's chart unit (亿元 / 万家; bn yuan) unless factor and y_unit are given."""
    auto_factor, auto_unit = fmt.chart_unit(unit_zh, unit_en, lang(), df[value_col].abs().max() if len(df) else None)
    factor = factor or (auto_factor if y_unit is None else fmt.factor(unit_zh))
    label_dec = decimals if factor == fmt.factor(unit_zh) else 2  # rescaled (万家, bn yuan): keep two decimals
    narrow = _narrow(df, value_col, "region_sort", "period_sort", "period_en", *extra)
    kept, rest, rows = folded(narrow, top, value_col, combine)
    names = _region_names(narrow)
    other = t("other_regions", n=len(rest))
    labels = {**names, ranking.OTHER: other}
    sources = _source_names(narrow)
    if "period_sort" in rows.columns:  # periods (or years) oldest first, whatever order the rows came in
        rows = rows.sort_values("period_sort", kind="stable")
    periods = list(dict.fromkeys(rows["period"]))
    records = rows.to_dict("records")
    ys = (rows[value_col] / factor).tolist()
    flags = [_unreviewed(r) for r in records]
    is_other = [r["region_id"] == ranking.OTHER for r in records]
    texts = [_partial(r, fmt.qualified(y, r.get("qualifier"), label_dec, lang())) for r, y in zip(records, ys)]
    hovers = [_other_hover(r, other, names, unit_zh, unit_en, decimals, value_col) if o
              else _hover(r, unit_zh, unit_en, decimals, value_col, sources) for r, o in zip(records, is_other)]
    # customdata [region, period]: a selected bar or point opens the figures behind it (pages' drill-down); the
    # folded bar's region is ranking.OTHER
    custom = [[r["region_id"], r["period"]] for r in records]
    sz = style()
    fig = go.Figure()
    by_key: dict = {}
    for i, r in enumerate(records):
        by_key.setdefault(r["period"] if kind != "line" else r["region_id"], []).append(i)
    if kind == "line":
        # lines of the regions shown only: the folded regions' sum is of another magnitude than any one region's
        # line and would flatten them all (the page says how many regions are left out)
        order = kept
        with_text = len(order) * len(periods) <= ranking.BAR_LABELS_MAX
        colors = dict(zip(narrow["region_id"], narrow["region_color"])) if "region_color" in narrow.columns else {}
        for rid in order:
            ix = sorted(by_key.get(rid, []), key=lambda i: periods.index(records[i]["period"]))
            if not ix:
                continue
            color = FALLBACK_COLOR if rid == ranking.OTHER else (colors.get(rid) or FALLBACK_COLOR)
            f = [flags[i] for i in ix]
            fig.add_trace(go.Scatter(
                mode="lines+markers+text", textposition="top center", name=labels.get(rid, rid),
                x=[_label(records[i], "period") for i in ix], y=[ys[i] for i in ix],
                text=[texts[i] for i in ix] if with_text else None,
                customdata=[custom[i] for i in ix], hovertext=[hovers[i] for i in ix], hoverinfo="text",
                line=dict(color=color, width=sz["line"], dash="dot" if rid == ranking.OTHER else "solid"),
                marker=dict(color=color, size=sz["marker"], symbol=["circle-open" if x else "circle" for x in f],
                            line=dict(color=[color if x else "white" for x in f], width=[2 if x else 1 for x in f]))))
        cats = list(dict.fromkeys(_label(r, "period") for r in records))
        fig.update_xaxes(categoryorder="array", categoryarray=cats, tickmode="array", tickvals=cats,
                         ticktext=[str(c).replace("(", "<br>(", 1) for c in cats])
    else:
        colors = dict(zip(periods, ranking.period_colors(periods)))
        greys = dict(zip(periods, ranking.period_colors(periods, folded=True)))
        cats = [labels.get(r, r) for r in kept] + ([other] if rest else [])
        # a handful of regions stand under their bars; more (every region) are rows, one per region, largest on top
        across = len(cats) <= TICKS_UPRIGHT
        with_text = across and len(records) <= ranking.BAR_LABELS_MAX
        # narrow bars: labels stand upright above them at full size rather than shrunk to the bar's width
        upright = dict(textangle=-90, constraintext="none") if len(records) > ranking.BAR_LABELS_LEVEL else {}
        for p in periods:
            ix = by_key[p]
            names_p, values_p = [labels.get(records[i]["region_id"], records[i]["region_id"]) for i in ix], \
                [ys[i] for i in ix]
            fig.add_trace(go.Bar(
                x=names_p if across else values_p, y=values_p if across else names_p,
                orientation="v" if across else "h",
                name=_series_name(records[ix[0]]), customdata=[custom[i] for i in ix],
                text=[texts[i] for i in ix] if with_text else None, hovertext=[hovers[i] for i in ix],
                hoverinfo="text", textposition="outside", cliponaxis=False, **upright,
                # per-bar colours, never per-bar opacity: an opacity array stops Streamlit's selection event
                marker=dict(color=[greys[p] if is_other[i] else colors[p] for i in ix],
                            line=dict(color="white", width=0.5),
                            pattern=dict(shape=[UNREVIEWED_PATTERN if flags[i] else "" for i in ix],
                                         fillmode="overlay", fgcolor="white"))))
        fig.update_layout(barmode="group", legend_traceorder="normal")
        if across:
            fig.update_xaxes(categoryorder="array", categoryarray=cats, tickmode="array", tickvals=cats,
                             ticktext=[_wrap_tick(c, len(cats)) for c in cats], tickangle=0)
        else:
            fig.update_yaxes(categoryorder="array", categoryarray=cats, autorange="reversed")
            _mark_unreviewed(fig, flags)
            # a row per region; a slide keeps its one screen (the rows narrow, as on the deck's slide)
            rows_height = max(sz["height"], int(sz["row"] * (1 + 0.25 * len(periods)) * len(cats)) + 160)
            return _layout(fig, title, y_unit or auto_unit, height=sz["height"] if presenting() else rows_height)
    if kind == "line":
        fig.update_xaxes(tickangle=0)
    _mark_unreviewed(fig, flags)
    return _layout(fig, title, y_unit or auto_unit)


TICKS_UPRIGHT = ranking.UPRIGHT_MAX  # region names under their bars (wrapped) up to this many; more are rows
PLOT_EMS = {True: 50, False: 36}  # about how many characters the plot area is wide at 1280 (presenting, not)


def _wrap_tick(label: str, n: int) -> str:
    """A region name wrapped to the width its bars have (青海<br>海北州, Haibei,<br>Qinghai), so neighbours do not
    print over each other."""
    ems = max(2.0, PLOT_EMS[presenting()] / max(n, 1))
    text = str(label)
    if all(ord(c) >= 0x2E80 for c in text) and len(text) > ems:  # 四川阿坝 as 四川 / 阿坝, not 四川阿 / 坝
        lines = -(-len(text) // int(ems))
        per = -(-len(text) // lines)
        return "<br>".join(text[i:i + per] for i in range(0, len(text), per))
    return "<br>".join(_wrap(text, ems)) or text


def _series_name(row) -> str:
    """A bar series in the legend: a five-year period by its short name (十二五, 12th FYP; its years are in the
    hover), a year by its label (2021年)."""
    label = _label(row, "period")
    if "(" in str(row.get("period_en") or ""):
        return fmt.period_short(row["period"], row.get("period_en"), lang())
    return label


def share_bars(df: pd.DataFrame, title: str, top: int | None = None) -> go.Figure:
    """Stacked 100% bars: each region's share of the period's regional sum (regions beyond `top` folded into one
    share)."""
    fig = go.Figure()
    narrow = _narrow(df, "share", "region_sort")
    kept, rest, rows = folded(narrow, top, "share")
    names = _region_names(narrow)
    other = t("other_regions", n=len(rest))
    sources = _source_names(narrow)
    flags_all: list[bool] = []
    for region_id in [*kept, *([ranking.OTHER] if rest else [])]:
        sub = rows[rows["region_id"] == region_id]
        recs = sub.to_dict("records")
        flags = [_unreviewed(r) for r in recs]
        flags_all += flags
        name = other if region_id == ranking.OTHER else names.get(region_id, region_id)
        color = FALLBACK_COLOR if region_id == ranking.OTHER else (recs[0].get("region_color") or FALLBACK_COLOR)
        fig.add_trace(go.Bar(
            x=sub[f"period_{lang()}"].tolist(), y=list(sub["share"] * 100), name=name, marker_color=color,
            marker_pattern=dict(shape=[UNREVIEWED_PATTERN if f else "" for f in flags], fillmode="overlay",
                                fgcolor="white"),
            text=[f"{v * 100:.1f}%" for v in sub["share"]], textposition="inside",
            hovertext=[f"<b>{name}</b> · {_label(r, 'period')}<br>{r['share'] * 100:.1f}%"
                       + (f"<br>{t('source')}: {sources.get(r.get('source')) or source_name(r.get('source'))}"
                          if region_id != ranking.OTHER else "")
                       + (f"<br><i>{t('unreviewed_hover', n=int(r['n_unreviewed']))}</i>" if f else "")
                       for f, r in zip(flags, recs)], hoverinfo="text",
        ))
    fig.update_layout(barmode="stack")
    _mark_unreviewed(fig, flags_all)
    return _layout(fig, title, "%")


def flows(df: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=0) -> go.Figure:
    """Inbound vs outbound (or any regions) across periods for one metric."""
    return bars_by_region(df, title, unit_zh, unit_en, decimals)


@lru_cache(maxsize=1)
def _geo() -> tuple[dict, dict]:
    china = json.loads((GEO / "china.geojson").read_text(encoding="utf-8"))
    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    return china, {f["properties"]["region_id"]: f for f in regions["features"]}


@lru_cache(maxsize=512)
def _region_rings(region_id: str):
    """A region's outline as float arrays (NaN between rings), computed once: Plotly validates numpy arrays
    without walking every point, which matters once a hundred regions have figures."""
    shape = _geo()[1].get(region_id)
    if shape is None:
        return None
    x, y = _rings(shape["geometry"])
    return _arr(x), _arr(y)


@lru_cache(maxsize=1)
def _borders() -> list[tuple[str, object, object]]:
    """(kind, x, y) of the country outline and the maritime boundary, as float arrays computed once (validating
    them as lists walked some 95,000 points on every map drawn)."""
    out = []
    for f in _geo()[0]["features"]:
        kind = f["properties"].get("kind")
        if kind in ("country", "maritime_boundary"):
            x, y = _rings(f["geometry"])
            out.append((kind, _arr(x), _arr(y)))
    return out


@lru_cache(maxsize=1)
def _provinces():
    china = _geo()[0]
    xs: list = []
    ys: list = []
    for f in china["features"]:
        if f["properties"].get("kind") == "province":
            x, y = _rings(f["geometry"])
            xs += x
            ys += y
    return _arr(xs), _arr(ys)


def _arr(values: list):
    import numpy as np

    out = np.array([np.nan if v is None else v for v in values], dtype=float)
    out.setflags(write=False)
    return out


def _rings(geometry: dict) -> tuple[list, list]:
    """Polygon rings (or line strings) as one x/y list with None separators."""
    xs: list = []
    ys: list = []
    gtype, coords = geometry["type"], geometry["coordinates"]
    if gtype == "Polygon":
        polys = [coords]
    elif gtype == "MultiPolygon":
        polys = coords
    elif gtype == "LineString":
        polys = [[coords]]
    elif gtype == "MultiLineString":
        polys = [coords]
    else:
        polys = []
    for poly in polys:
        for ring in poly:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
            xs.append(None)
            ys.append(None)
    return xs, ys


# the map's x range (lon 73-136) and y range (lat 3-54, drawn 1.2x taller per degree) fit its plot height,
# about map_height minus title and source lines: so one pixel is this many degrees
_LAT_SPAN, _Y_STRETCH, _MAP_CHROME = 51, 1.2, 130
_POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left")


def _degrees_per_px() -> tuple[float, float]:
    plot_h = max(style()["map_height"] - _MAP_CHROME, 200)
    per_lat = _LAT_SPAN / plot_h
    return per_lat * _Y_STRETCH, per_lat  # lon, lat


def _label_box(x: float, y: float, text: str, pos: str, rx: float, ry: float, cw: float, lh: float):
    w, h = cw * max(len(text), 1), lh
    vert, horiz = pos.split(" ")
    cy = y + {"top": ry + h / 2, "bottom": -ry - h / 2, "middle": 0}[vert]
    if vert == "middle":
        cx = x + {"right": rx + w / 2, "left": -rx - w / 2, "center": 0}[horiz]
    else:
        cx = x + {"center": 0, "right": w / 2, "left": -w / 2}[horiz]
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _place_labels(xs: list, ys: list, names: list, values: list, sizes: list) -> tuple[list, list]:
    """A label for each bubble where one fits: largest values first, each tries a few positions around its
    bubble and is left to the hover text when every position would overlap a label or bubble already placed
    (neighbours such as 喀什 / 阿克苏 or 果洛 / 都江堰 would otherwise print over each other)."""
    dx, dy = _degrees_per_px()
    font = style()["text"]
    cw, lh = font * 1.05 * dx, font * 1.3 * dy  # CJK characters are about one em wide
    order = sorted(range(len(xs)), key=lambda i: -(values[i] if values[i] == values[i] else 0))
    radii = [(sz / 2 * dx, sz / 2 * dy) for sz in sizes]  # marker diameter in px -> radii in degrees
    taken = [(x - rx, y - ry, x + rx, y + ry) for x, y, (rx, ry) in zip(xs, ys, radii)]
    texts, positions = [""] * len(xs), ["top center"] * len(xs)

    def free(box, own: int) -> bool:
        return not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                       for j, o in enumerate(taken) if j != own)

    for i in order:
        for pos in _POSITIONS:
            box = _label_box(xs[i], ys[i], names[i], pos, *radii[i], cw, lh)
            if free(box, i):
                texts[i], positions[i] = names[i], pos
                taken.append(box)
                break
    return texts, positions


def china_map(summary: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=2,
              highlight: str | None = None) -> go.Figure:
    """China drawn from local GeoJSON with go.Scatter (no CDN outlines), regions filled in their colour and
    bubbles sized by value."""
    fig = go.Figure()
    px_, py_ = _provinces()
    fig.add_trace(go.Scatter(x=px_, y=py_, mode="lines", fill="toself", fillcolor="#f2f2f2",
                             line=dict(color="#bbbbbb", width=0.6), hoverinfo="skip", showlegend=False))
    for kind, x, y in _borders():
        line = dict(color="#666666", width=1) if kind == "country" else dict(color="#666666", width=1.2, dash="dash")
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=line, hoverinfo="skip", showlegend=False))
    for r in summary.itertuples():
        rings = _region_rings(r.region_id)
        if rings is None:
            continue
        x, y = rings
        width = 2.5 if r.region_id == highlight else 0.8
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", fill="toself", fillcolor=r.color or FALLBACK_COLOR,
                                 opacity=0.85, line=dict(color="#222222" if r.region_id == highlight else "#555555",
                                                         width=width),
                                 hoverinfo="skip", showlegend=False))
    pts = summary.dropna(subset=["lon", "lat"])
    if len(pts):
        period_names = _period_names()  # once per chart, not once per place
        vmax = float(pts["value_base"].max()) or 1.0
        sizes = [12 + 38 * (v / vmax) ** 0.5 for v in pts["value_base"]]
        names = [getattr(r, f"name_{lang()}") for r in pts.itertuples()]
        values = [fmt.with_unit(r.value_base, r.qualifier, unit_zh, unit_en, decimals, lang()) for r in pts.itertuples()]
        texts, positions = _place_labels(list(pts["lon"]), list(pts["lat"]), names, list(pts["value_base"]),
                                         sizes)
        fig.add_trace(go.Scatter(
            x=pts["lon"], y=pts["lat"], mode="markers+text", text=texts, textposition=positions,
            marker=dict(size=sizes, color=list(pts["color"].fillna(FALLBACK_COLOR)), opacity=0.75,
                        line=dict(color="white", width=1)),
            customdata=list(pts["region_id"]),
            hovertext=[f"<b>{n}</b><br>{v} ({period_names.get(p, str(p))})" + (f"<br>{c}" if c else "")
                       for n, v, p, c in zip(names, values, pts["period"], _coverages(pts))],
            hoverinfo="text", showlegend=False))
    fig.update_xaxes(visible=False, range=[73, 136])
    fig.update_yaxes(visible=False, range=[3, 54], scaleanchor="x", scaleratio=1.2)
    fig = _layout(fig, title, height=style()["map_height"])
    fig.update_layout(plot_bgcolor="white", dragmode="pan")
    return fig


def _period_names() -> dict:
    """period -> its label: 十二五 as “十二五”(2011–2015) / 12th FYP (2011–2015)."""
    per = data.periods()
    return dict(zip(per["period"], per[f"label_{lang()}"]))


def _coverages(df: pd.DataFrame) -> list[str]:
    """Per row: the years a partial period's value covers ('' for a whole period or a year)."""
    if "years_covered" not in df.columns:
        return [""] * len(df)
    return [fmt.coverage(r.get("years_covered"), r.get("n_years_covered"), r.get("years_in_period"), lang())
            for r in df.to_dict("records")]


def map_caption() -> str:
    number = settings.get("map_approval_number").strip() or t("no_approval")
    return t("map_caption", n=number)
