"""Number display: stored base values (元, plain counts) to 亿元 / 万人次 in Chinese, dictionary units in English."""
from __future__ import annotations

import math

from common.numbers import format_qualified

# display unit -> how many base units it holds
_FACTORS = {"亿元": 1e8, "万元": 1e4, "万人次": 1e4, "万人": 1e4, "万": 1e4}


def factor(display_unit_zh: str | None) -> float:
    return _FACTORS.get(display_unit_zh or "", 1.0)


def to_display(value_base: float | None, display_unit_zh: str | None) -> float | None:
    if value_base is None or (isinstance(value_base, float) and math.isnan(value_base)):
        return None
    return value_base / factor(display_unit_zh)


def number(value: float | None, decimals: int | None = 2) -> str:
    """92.34 -> '92.34'; 135.0 -> '135'; 288795 -> '288,795' (separators only from 10,000 on)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    d = 2 if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)) else int(decimals)
    d = max(d, 2) if abs(value) < 10 and value != int(value) else d
    text = f"{value:,.{d}f}" if abs(value) >= 10000 else f"{value:.{d}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def qualified(value: float | None, qualifier: str | None, decimals: int | None = 2, lang: str = "zh") -> str:
    """135 + 余 -> '135+'; 7.5 + 约 -> '约7.5' / '~7.5'; never shows 135亿余 as an exact 135."""
    text = number(value, decimals)
    if text == "—":
        return text
    q = qualifier if isinstance(qualifier, str) and qualifier else None
    return format_qualified(text, q, lang)


def unit_label(display_unit_zh: str | None, display_unit_en: str | None, lang: str) -> str:
    return (display_unit_zh if lang == "zh" else display_unit_en) or ""


def with_unit(value_base: float | None, qualifier: str | None, display_unit_zh: str | None,
              display_unit_en: str | None, decimals: int | None, lang: str = "zh") -> str:
    """'135+亿元' in Chinese, '135+ CNY 100m' in English (same number, the dictionary's English unit)."""
    shown = qualified(to_display(value_base, display_unit_zh), qualifier, decimals, lang)
    if shown == "—":
        return shown
    unit = unit_label(display_unit_zh, display_unit_en, lang)
    if lang == "zh":
        return f"{shown}{unit}"
    if unit == "%":
        return f"{shown}%"
    return f"{shown} {unit}"


def ratio(value: float | None, lang: str = "zh") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.2f}倍" if lang == "zh" else f"{value:.2f}×"
