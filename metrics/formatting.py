"""Number display: stored base values (元, plain counts) to 亿元 / 万人次 in Chinese, dictionary units in English."""
from __future__ import annotations

import math

from common.messages import text
from common.numbers import format_qualified

# a display unit's leading multiplier -> how many base units it holds (亿元 = 1e8 元, 万人次 = 1e4 人次)
_MULTIPLIERS = (("万亿", 1e12), ("亿", 1e8), ("万", 1e4))


def factor(display_unit_zh: str | None) -> float:
    """The one display-factor rule (pages, charts, deck, checks): 亿元 -> 1e8, 万人次 -> 1e4, 个 -> 1."""
    unit = display_unit_zh or ""
    for prefix, f in _MULTIPLIERS:
        if unit.startswith(prefix):
            return f
    return 1.0


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


def years_text(years_covered: str | None, lang: str = "zh") -> str:
    """'2021,2022,2024' -> '2021–2022、2024' ('2021–2022, 2024' in English): runs of years joined."""
    yrs = sorted({int(y) for y in str(years_covered or "").split(",") if y.strip().isdigit()})
    runs: list[list[int]] = []
    for y in yrs:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    parts = [f"{a}–{b}" if b > a else str(a) for a, b in runs]
    return ("、" if lang == "zh" else ", ").join(parts)


def coverage(years_covered: str | None, n_covered, years_in_period, lang: str = "zh") -> str:
    """'2021–2022年，5年中的2年' / '2021–2022, 2 of 5 years' for a partial period; '' when every year is covered."""
    try:
        n, total = int(n_covered), int(years_in_period)
    except (TypeError, ValueError):
        return ""
    if n <= 0 or n >= total:
        return ""
    return text("coverage", lang, years=years_text(years_covered, lang), n=n, total=total)
