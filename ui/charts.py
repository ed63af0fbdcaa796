"""Plotly figure builders: titled, with units, region colours and hover showing value, qualifier and source."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from loaders import settings
from metrics import formatting as fmt
from ui.i18n import lang, t
from ui.theme import FONT_STACK, presenting

GEO = Path(__file__).resolve().parent.parent / "data" / "geo"
FALLBACK_COLOR = "#888888"


def _layout(fig: go.Figure, title: str, y_title: str = "", height: int = 420) -> go.Figure:
    size = 18 if presenting() else 13
    fig.update_layout(
        title=dict(text=title), font=dict(family=FONT_STACK, size=size), height=height,
        margin=dict(l=10, r=10, t=60, b=10), legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        yaxis=dict(title=dict(text=y_title)), hoverlabel=dict(font=dict(family=FONT_STACK)),
    )
    return fig


def show(fig: go.Figure, source: str | None = None, key: str | None = None, on_select=None):
    """Renders a chart with its source caption underneath (every chart says where it came from)."""
    kwargs = dict(key=key, config={"displaylogo": False})
    if on_select:
        kwargs.update(on_select=on_select, selection_mode="points")
    event = st.plotly_chart(fig, **kwargs)
    st.caption(source or t("source_plans"))
    return event


def _label(row, base: str) -> str:
    return row[f"{base}_{lang()}"]


def _hover(row, unit_zh: str, unit_en: str, decimals, value_col: str = "value_base") -> str:
    value = fmt.with_unit(row[value_col], row.get("qualifier"), unit_zh, unit_en, decimals, lang())
    q = row.get("qualifier")
    parts = [f"<b>{_label(row, 'region')}</b> · {_label(row, 'period')}", f"{t('value')}: {value}"]
    if isinstance(q, str) and q:
        parts.append(("原文限定词: " if lang() == "zh" else "Qualifier: ") + q)
    if isinstance(row.get("number_text"), str):
        parts.append(("原文: " if lang() == "zh" else "As written: ") + row["number_text"])
    if isinstance(row.get("source"), str):
        parts.append(f"{t('source')}: {row['source']}")
    return "<br>".join(parts)


def bars_by_region(df: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=2,
                   value_col: str = "value_base", x: str = "period", factor: float | None = None,
                   y_unit: str | None = None, text_fn=None, kind: str = "bar") -> go.Figure:
    """Grouped bars (or lines with kind='line'): x = period (or region), one trace per region in its colour."""
    factor = factor or fmt.factor(unit_zh)
    fig = go.Figure()
    for region_id, sub in df.groupby("region_id", sort=False):
        first = sub.iloc[0]
        xs = [_label(r, "period") if x == "period" else _label(r, "region") for _, r in sub.iterrows()]
        ys = [r[value_col] / factor for _, r in sub.iterrows()]
        texts = [text_fn(r) if text_fn else fmt.qualified(r[value_col] / factor, r.get("qualifier"), decimals, lang())
                 for _, r in sub.iterrows()]
        common = dict(x=xs, y=ys, name=_label(first, "region"), text=texts, customdata=[region_id] * len(sub),
                      hovertext=[_hover(r, unit_zh, unit_en, decimals, value_col) for _, r in sub.iterrows()],
                      hoverinfo="text")
        color = first.get("region_color") or FALLBACK_COLOR
        if kind == "line":
            fig.add_trace(go.Scatter(mode="lines+markers+text", textposition="top center",
                                     line=dict(color=color), marker=dict(color=color, size=9), **common))
        else:
            fig.add_trace(go.Bar(marker_color=color, textposition="outside", **common))
    fig.update_layout(barmode="group")
    return _layout(fig, title, y_unit or fmt.unit_label(unit_zh, unit_en, lang()))


def share_bars(df: pd.DataFrame, title: str) -> go.Figure:
    """Stacked 100% bars: each region's share of the period's regional sum."""
    fig = go.Figure()
    for region_id, sub in df.groupby("region_id", sort=False):
        first = sub.iloc[0]
        fig.add_trace(go.Bar(
            x=[_label(r, "period") for _, r in sub.iterrows()], y=list(sub["share"] * 100),
            name=_label(first, "region"), marker_color=first.get("region_color") or FALLBACK_COLOR,
            text=[f"{v * 100:.1f}%" for v in sub["share"]], textposition="inside",
            hovertext=[f"<b>{_label(r, 'region')}</b> · {_label(r, 'period')}<br>{r['share'] * 100:.1f}%"
                       f"<br>{t('source')}: {r.get('source')}" for _, r in sub.iterrows()], hoverinfo="text",
        ))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, "%")


def flows(df: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=0) -> go.Figure:
    """Inbound vs outbound (or any regions) across periods for one metric."""
    return bars_by_region(df, title, unit_zh, unit_en, decimals)


@lru_cache(maxsize=1)
def _geo() -> tuple[dict, dict]:
    china = json.loads((GEO / "china.geojson").read_text(encoding="utf-8"))
    regions = json.loads((GEO / "regions.geojson").read_text(encoding="utf-8"))
    return china, {f["properties"]["region_id"]: f for f in regions["features"]}


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


def china_map(summary: pd.DataFrame, title: str, unit_zh: str, unit_en: str, decimals=2,
              highlight: str | None = None) -> go.Figure:
    """China drawn from local GeoJSON with go.Scatter (no CDN outlines), regions filled in their colour and
    bubbles sized by value."""
    china, shapes = _geo()
    fig = go.Figure()
    px_, py_ = [], []
    for f in china["features"]:
        if f["properties"].get("kind") == "province":
            x, y = _rings(f["geometry"])
            px_ += x
            py_ += y
    fig.add_trace(go.Scatter(x=px_, y=py_, mode="lines", fill="toself", fillcolor="#f2f2f2",
                             line=dict(color="#bbbbbb", width=0.6), hoverinfo="skip", showlegend=False))
    for f in china["features"]:
        kind = f["properties"].get("kind")
        if kind == "country":
            x, y = _rings(f["geometry"])
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="#666666", width=1),
                                     hoverinfo="skip", showlegend=False))
        elif kind == "maritime_boundary":
            x, y = _rings(f["geometry"])
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="#666666", width=1.2, dash="dash"),
                                     hoverinfo="skip", showlegend=False))
    for r in summary.itertuples():
        shape = shapes.get(r.region_id)
        if shape is None:
            continue
        x, y = _rings(shape["geometry"])
        width = 2.5 if r.region_id == highlight else 0.8
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", fill="toself", fillcolor=r.color or FALLBACK_COLOR,
                                 opacity=0.85, line=dict(color="#222222" if r.region_id == highlight else "#555555",
                                                         width=width),
                                 hoverinfo="skip", showlegend=False))
    pts = summary.dropna(subset=["lon", "lat"])
    if len(pts):
        vmax = float(pts["value_base"].max()) or 1.0
        sizes = [12 + 38 * (v / vmax) ** 0.5 for v in pts["value_base"]]
        names = [getattr(r, f"name_{lang()}") for r in pts.itertuples()]
        values = [fmt.with_unit(r.value_base, r.qualifier, unit_zh, unit_en, decimals, lang()) for r in pts.itertuples()]
        fig.add_trace(go.Scatter(
            x=pts["lon"], y=pts["lat"], mode="markers+text", text=names, textposition="top center",
            marker=dict(size=sizes, color=list(pts["color"].fillna(FALLBACK_COLOR)), opacity=0.75,
                        line=dict(color="white", width=1)),
            customdata=list(pts["region_id"]),
            hovertext=[f"<b>{n}</b><br>{v} ({p})" for n, v, p in zip(names, values, pts["period"])],
            hoverinfo="text", showlegend=False))
    fig.update_xaxes(visible=False, range=[73, 136])
    fig.update_yaxes(visible=False, range=[3, 54], scaleanchor="x", scaleratio=1.2)
    fig = _layout(fig, title, height=560)
    fig.update_layout(plot_bgcolor="white", dragmode="pan")
    return fig


def map_caption() -> str:
    number = settings.get("map_approval_number").strip() or t("no_approval")
    return t("map_caption", n=number)
