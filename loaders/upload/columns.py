"""Header names staff write in upload sheets -> the fields an uploaded figure needs."""
from __future__ import annotations

import re

from common.numbers import normalize

# field -> header names (compared after normalize(), spaces removed, lower-cased)
HEADERS: dict[str, tuple[str, ...]] = {
    "period": ("期间", "期间/年份", "期间或年份", "时期", "规划期", "时间", "时段", "period"),
    "year": ("年份", "年度", "年", "year"),
    "region": ("地区", "地区名称", "受援地区", "对口地区", "对口支援地区", "区域", "地方", "region", "regionname"),
    "metric": ("指标", "指标名称", "统计指标", "类别", "metric", "indicator"),
    "value": ("数值", "数据", "数额", "数量", "金额", "资金", "值", "项目数", "人数", "人次", "个数",
              "value", "amount"),
    "unit": ("单位", "计量单位", "unit"),
    "qualifier": ("限定词", "限定", "修饰词", "qualifier"),
    "note": ("来源或备注", "来源/备注", "来源", "备注", "说明", "出处", "资料来源", "note", "notes", "source"),
}
# a value column whose name implies the unit when no unit is written (项目数 counts 个)
HEADER_UNITS = {"项目数": "个", "个数": "个", "人数": "人", "人次": "人次"}

FIELD_ZH = {"period": "期间", "year": "年份", "region": "地区", "metric": "指标", "value": "数值",
            "unit": "单位", "qualifier": "限定词", "note": "来源或备注"}
TEMPLATE_HEADERS = ["期间/年份", "地区", "指标", "数值", "单位", "限定词", "来源或备注"]
# sheets of our own template that hold instructions, not data

_LOOKUP = {h.lower(): f for f, names in HEADERS.items() for h in names}
_UNIT_IN_HEADER = re.compile(r"^(?P<name>.+?)[(\[【](?P<unit>[^)\]】]+)[)\]】]$")


def _key(text) -> str:
    return re.sub(r"\s+", "", normalize(str(text))).lower()


def match_header(cell) -> tuple[str | None, str | None]:
    """'金额(亿元)' -> ('value', '亿元'); '地区名称' -> ('region', None); unknown -> (None, None)."""
    key = _key(cell)
    if not key:
        return None, None
    unit = None
    m = _UNIT_IN_HEADER.match(key)
    if m and m.group("name") in _LOOKUP:
        key, unit = m.group("name"), m.group("unit")
    field = _LOOKUP.get(key)
    if field == "value" and unit is None:
        unit = HEADER_UNITS.get(key)
    if field == "year" and unit:  # 年份(年) is still just a year
        unit = None
    return field, unit


def _wide_column(cell, kind: str) -> tuple[str, str] | None:
    """A wide-layout header: a metric name ('援助资金(亿元)' -> ('援助资金', '亿元')) or a period ('2021年' -> '2021')."""
    from common import dictionaries as d

    key = _key(cell)
    if not key or len(key) > 40:
        return None
    unit = ""
    m = _UNIT_IN_HEADER.match(key)
    name = key
    if m:
        name, unit = m.group("name"), m.group("unit")
    if kind == "metric":
        raw = normalize(str(cell)).strip()
        mm = _UNIT_IN_HEADER.match(re.sub(r"\s+", "", raw))
        shown = mm.group("name") if mm else raw
        return (shown, unit) if d.metric_index().resolve(shown) else None
    try:
        info = d.period_info(name.removesuffix("年度").removesuffix("年"))
    except ValueError:
        return None
    return info["period"], unit


def find_header(rows: list[list], max_scan: int = 10):
    """(row index, field -> column index, field -> unit from header, wide) of the first header-like row.

    A long header row names at least a region, a metric and a value column; a title row above it is fine.
    A wide one has no value column: a region and a period column and one column per metric (wide["kind"] ==
    "metric"), or a region and a metric column and one column per year or period ("period"). wide["columns"] maps
    each such column index to (metric or period as written in the header, unit from the header or "").
    """
    for i, row in enumerate(rows[:max_scan]):
        cols: dict[str, int] = {}
        units: dict[str, str] = {}
        for j, cell in enumerate(row):
            field, unit = match_header(cell)
            if field and field not in cols:
                cols[field] = j
                if unit:
                    units[field] = unit
        if {"region", "metric", "value"} <= cols.keys():
            return i, cols, units, None
        if "region" not in cols or "value" in cols:
            continue
        taken = set(cols.values())
        for kind in ("metric", "period"):
            if kind == "metric" and "metric" in cols:
                continue
            if kind == "period" and ("metric" not in cols or "period" in cols or "year" in cols):
                continue
            wide = {j: w for j, cell in enumerate(row) if j not in taken and (w := _wide_column(cell, kind))}
            if wide:
                return i, cols, units, {"kind": kind, "columns": wide}
    return None


def col_letter(index: int) -> str:
    """0 -> A, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
