"""Which regions a chart or slide names: the largest N, the rest folded into one "N other regions" entry.

The page's chart (ui.charts.bars_by_region) and the deck's slide (outputs.deck) fold with the same functions, so
a slide shows what its page shows.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from common import dictionaries
from common.numbers import APPROX, AT_LEAST

# value labels on bar charts (the page and the deck's slides): up to BAR_LABELS_MAX bars (beyond, they would only
# overprint); up to BAR_LABELS_LEVEL bars level, more and the page stands them upright (a slide has no upright
# labels, so it shows them up to BAR_LABELS_LEVEL bars; the values stay in the chart's data)
BAR_LABELS_MAX = 40
BAR_LABELS_LEVEL = 16

UPRIGHT_MAX = 14  # up to this many regions are columns (names under their bars); more are rows, one per region
OTHER = "_other"  # region_id of the folded entry (no region in regions.csv starts with "_")

# the folded entry's bars in the same steps of grey: "not one region" at a glance, still told apart by period
SERIES_GREYS = ("#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525")


# series that are not five-year periods (single years, ranges): a categorical palette keyed on the start year, so
# the same year keeps its colour whatever else is shown
YEAR_COLORS = ("#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#0072B2", "#999999")


def period_colors(periods: list[str], folded: bool = False) -> list[str]:
    """One colour per period, stable: a five-year period keeps the colour periods.csv gives it (`color`, or
    `color_folded` for the folded entry) however many periods a chart shows; years and ranges take YEAR_COLORS by
    start year (greys when folded)."""
    fy = dictionaries.five_year_periods().set_index("period")
    out = []
    for p in periods:
        if p in fy.index:
            out.append(str(fy.loc[p, "color_folded" if folded else "color"]))
            continue
        try:
            start = int(dictionaries.period_info(p)["start_year"])
        except ValueError:
            start = 0
        palette = SERIES_GREYS if folded else YEAR_COLORS
        out.append(palette[start % len(palette)])
    return out


def rank_regions(df: pd.DataFrame, value_col: str = "value_base") -> list[str]:
    """Region ids, the largest total over the frame's rows (its periods) first; ties in the gazetteer's order
    (region_sort), then by id, so the order is the same on every rerun."""
    if df.empty:
        return []
    sort = df["region_sort"] if "region_sort" in df.columns else pd.Series(0, index=df.index)
    g = pd.DataFrame({"region_id": df["region_id"], "v": pd.to_numeric(df[value_col], errors="coerce").fillna(0.0),
                      "sort": pd.to_numeric(sort, errors="coerce").fillna(1 << 30)})
    g = g.groupby("region_id", sort=False).agg(total=("v", "sum"), sort=("sort", "min")).reset_index()
    g = g.sort_values(["total", "sort", "region_id"], ascending=[False, True, True], kind="stable")
    return list(g["region_id"])


def split_top(df: pd.DataFrame, top: int | None, value_col: str = "value_base") -> tuple[list[str], list[str]]:
    """(regions shown, regions folded): the top `top` by rank_regions; nothing is folded when top is None or 0, or
    when folding would hide a single region (its own bar is no wider than the folded one)."""
    ranked = rank_regions(df, value_col)
    if not top or top <= 0 or len(ranked) <= top + 1:
        return ranked, []
    return ranked[:top], ranked[top:]


def sum_qualifier(quals) -> str | None:
    """A sum's qualifier: 余 (at least) when a part is at least, else 约 when a part is approximate."""
    qs = [q for q in quals if isinstance(q, str) and q]
    if any(q in AT_LEAST for q in qs):
        return "余"
    if any(q in APPROX for q in qs):
        return "约"
    return None


def fold(df: pd.DataFrame, folded: list[str], value_col: str = "value_base",
         combine: Callable[[pd.DataFrame], float] | None = None) -> pd.DataFrame:
    """One row per period for the folded regions: region_id OTHER, value_col = their sum (or combine(rows) where a
    sum means nothing, e.g. a ratio), qualifier of the sum, n_regions, n_unreviewed summed, members (the folded
    region ids with a value in that period, in rank order), and the period's label columns."""
    if not folded:
        return df.iloc[0:0].assign(n_regions=pd.Series(dtype="int64"), members=pd.Series(dtype=object))
    sub = df[df["region_id"].isin(folded)]
    rank = {r: i for i, r in enumerate(folded)}
    rows = []
    for period, part in sub.groupby("period", sort=False):
        part = part.iloc[np.argsort([rank[r] for r in part["region_id"]], kind="stable")]
        first = part.iloc[0]
        row = {c: first[c] for c in part.columns if c.startswith("period")}
        value = combine(part) if combine else float(pd.to_numeric(part[value_col], errors="coerce").sum())
        unreviewed = pd.to_numeric(part["n_unreviewed"], errors="coerce").fillna(0).sum() \
            if "n_unreviewed" in part.columns else 0
        row.update({"period": period, "region_id": OTHER, value_col: value,
                    "qualifier": sum_qualifier(part["qualifier"]) if "qualifier" in part.columns else None,
                    "n_regions": len(part), "n_unreviewed": float(unreviewed), "members": list(part["region_id"]),
                    "region_sort": 1 << 30})
        rows.append(row)
    return pd.DataFrame(rows)
