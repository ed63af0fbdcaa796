"""Number display the way each language writes it: 135亿余元 / 超过8.5万人次 in Chinese (the plans' own qualifier
words, in the plans' own places), "13.5 bn yuan or more" in English; chart units and axis scales per language."""
from __future__ import annotations

import math

from common.messages import text
from common.numbers import APPROX, AT_LEAST, QUALIFIERS_PRE, _split_qualifier

# a display unit's leading multiplier -> how many base units it holds (亿元 = 1e8 元, 万人次 = 1e4 人次)
_MULTIPLIERS = (("万亿", 1e12), ("亿", 1e8), ("万", 1e4))
# Chinese magnitudes a display unit may start with (亿元 = 亿 + 元)
_MAGS = (("亿", 1e8), ("万", 1e4))
_MID = ("余", "多", "来")          # between magnitude and unit: 135亿余元, 3400余个
_POST = ("以上", "左右")           # after the unit: 80亿元以上
_MORE_THAN = {"超过", "超", "逾", "多达"}
_NEARLY = {"近", "将近", "接近"}


def factor(display_unit_zh: str | None) -> float:
    """The one display-factor rule (pages, charts, deck, checks): 亿元 -> 1e8, 万人次 -> 1e4, 个 -> 1."""
    unit = display_unit_zh or ""
    for prefix, f in _MULTIPLIERS:
        if unit.startswith(prefix):
            return f
    return 1.0


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_display(value_base: float | None, display_unit_zh: str | None) -> float | None:
    if _missing(value_base):
        return None
    return value_base / factor(display_unit_zh)


def _decimals(decimals) -> int:
    return 2 if decimals is None or (isinstance(decimals, float) and math.isnan(decimals)) else int(decimals)


def number(value: float | None, decimals: int | None = 2, sep_from: float = 10000) -> str:
    """92.34 -> '92.34'; 135.0 -> '135'; 288795 -> '288,795' (separators only from 10,000 on)."""
    if _missing(value):
        return "—"
    d = _decimals(decimals)
    d = max(d, 2) if abs(value) < 10 and value != int(value) else d
    text = f"{value:,.{d}f}" if abs(value) >= sep_from else f"{value:.{d}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _parts(qualifier) -> list[str]:
    return _split_qualifier(qualifier) if isinstance(qualifier, str) and qualifier else []


def _zh(num: str, qualifier, unit: str) -> str:
    """135 余 亿元 -> 135亿余元; 8.5 超过 万人次 -> 超过8.5万人次; 80 以上 亿元 -> 80亿元以上."""
    parts = _parts(qualifier)
    pre = "".join(p for p in parts if p in QUALIFIERS_PRE)
    post = "".join(p for p in parts if p in _POST)
    mid = "".join(p for p in parts if p in _MID and p not in pre)
    if mid and unit in ("倍", "%"):  # 6倍多: after a ratio's unit
        post, mid = mid + post, ""
    mag = next((m for m, _ in _MAGS if unit.startswith(m) and len(unit) > len(m)), "")
    return f"{pre}{num}{mag}{mid}{unit[len(mag):]}{post}"


def _en(num: str, qualifier, unit: str) -> str:
    """13.5 余 bn yuan -> 13.5 bn yuan or more; 85,000 超过 -> more than 85,000 person-times; 约 -> about."""
    text = f"{num}%" if unit == "%" else (f"{num} {unit}" if unit else num)
    parts = set(_parts(qualifier))
    if parts & _MORE_THAN:
        return f"more than {text}"
    if parts & _NEARLY:
        return f"nearly {text}"
    if "不足" in parts:
        return f"under {text}"
    if parts & APPROX:
        return f"about {text}"
    if parts & AT_LEAST:
        return f"{text} or more"
    return text


def qualified(value: float | None, qualifier: str | None, decimals: int | None = 2, lang: str = "zh") -> str:
    """A chart label without its unit: 135余 / 超过8.5 / 约7.5 in Chinese; 13.5+ / ~7.5 in English (bars are narrow)."""
    text = number(value, decimals)
    if text == "—":
        return text
    if lang == "zh":
        return _zh(text, qualifier, "")
    parts = set(_parts(qualifier))
    if parts & APPROX or parts & _NEARLY:
        return "~" + text
    if parts & AT_LEAST:
        return text + "+"
    return text


def _en_base_unit(display_unit_en: str | None) -> str:
    """The English unit of one base unit: 'CNY 100m' -> 'yuan', '10k person-times' -> 'person-times'."""
    u = (display_unit_en or "").strip()
    if u.startswith("CNY") or u.endswith("yuan"):
        return "yuan"
    for prefix in ("10k ", "100m "):
        if u.startswith(prefix):
            return u[len(prefix):]
    return u


def _en_scale(value_abs: float, base_unit_en: str) -> tuple[float, str]:
    """English: yuan in bn / m, everything else counted in full (75,000 person-times)."""
    if base_unit_en == "yuan":
        if value_abs >= 1e9:
            return 1e9, "bn yuan"
        if value_abs >= 1e6:
            return 1e6, "m yuan"
        return 1.0, "yuan"
    return 1.0, base_unit_en


def unit_label(display_unit_zh: str | None, display_unit_en: str | None, lang: str) -> str:
    """The unit a value or axis is shown in: the dictionary's Chinese display unit; English per base unit."""
    if lang == "zh":
        return display_unit_zh or ""
    return _en_base_unit(display_unit_en)


def with_unit(value_base: float | None, qualifier: str | None, display_unit_zh: str | None,
              display_unit_en: str | None, decimals: int | None, lang: str = "zh") -> str:
    """'135亿余元' / '超过8.5万人次' in Chinese; '13.5 bn yuan or more' / 'more than 85,000 person-times' in English."""
    if _missing(value_base):
        return "—"
    if lang == "zh":
        unit = display_unit_zh or ""
        return _zh(number(to_display(value_base, unit), decimals), qualifier, unit)
    base_unit = _en_base_unit(display_unit_en)
    scale, unit = _en_scale(abs(value_base), base_unit)
    if base_unit == "%":
        return _en(number(value_base, decimals, sep_from=1000), qualifier, "%")
    # English readers expect separators from 1,000; a scaled money figure keeps two decimals at most
    d = 2 if scale > 1 else (0 if factor(display_unit_zh) > 1 else decimals)
    return _en(number(value_base / scale, d, sep_from=1000), qualifier, unit)


def chart_unit(display_unit_zh: str | None, display_unit_en: str | None, lang: str,
               max_base: float | None = None) -> tuple[float, str]:
    """(divide base values by, axis unit) for a chart whose largest value is max_base: 亿元 / 万家 in Chinese
    (never 80k 亿元 or 300k 家), bn yuan / person-times in English."""
    top = abs(max_base) if max_base is not None and not _missing(max_base) else 0.0
    if lang == "zh":
        unit = display_unit_zh or ""
        f = factor(unit)
        if f == 1.0 and unit not in ("%", "倍"):
            # a count shown in full: switch to 万 / 亿 of it before the axis needs five digits
            for mag, size in _MAGS:
                if top >= size * 10 if mag == "万" else top >= size:
                    return size, mag + unit
        return f, unit
    base_unit = _en_base_unit(display_unit_en)
    if base_unit == "yuan":
        return _en_scale(top, base_unit)
    return 1.0, base_unit


def ratio(value: float | None, lang: str = "zh") -> str:
    if _missing(value):
        return "—"
    return f"{value:.2f}倍" if lang == "zh" else f"{value:.2f}×"


def direction(value: float | None) -> str:
    """'up', 'down' or 'off' for a ratio to an earlier value (0.88× is a decrease): st.metric's delta_arrow."""
    if _missing(value) or value == 1:
        return "off"
    return "up" if value > 1 else "down"


def period_short(period: str, label_en: str | None, lang: str) -> str:
    """A period where space is short: 十一五 in Chinese (its own name), '11th FYP' in English."""
    if lang == "en" and isinstance(label_en, str) and label_en:
        return label_en.split(" (")[0]
    return period


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
