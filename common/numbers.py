"""Strict reading of quantities as Chinese reports write them: 135亿余元, 约7.5万人次, 2300多人次, 6倍多.

Lookup tables live here and the regexes are built from them (as cn2an does). A span that cannot be
read raises NumberError with a reason; nothing is guessed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cn2an

# --- lookup tables -------------------------------------------------------------------------------

MAGNITUDES: dict[str, float] = {
    "万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "千万": 1e7, "百万": 1e6, "十万": 1e5,
    "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2,
}

# unit as written -> unit family
UNITS: dict[str, str] = {
    "元": "money",
    "人次": "people", "人": "people", "名": "people",
    "个": "count", "项": "count", "家": "count", "户": "count", "套": "count", "场次": "count",
    "场": "count", "次": "count", "所": "count", "座": "count", "条": "count", "间": "count",
    "份": "count", "省": "count", "处": "count", "批": "count", "件": "count",
    "%": "percent", "倍": "ratio",
    # time and labels: read so they can be told apart from figures, never stored as figures
    "周年": "time", "年度": "time", "年": "time", "月": "time", "日": "time", "天": "time",
    "届": "label", "号": "label", "期": "label",
}
FIGURE_FAMILIES = ("money", "people", "count", "percent", "ratio")
# units a figure written in Chinese numerals may carry; 四省市, 二次创业, 两条 are words, not figures
CN_MEASURE_UNITS = {"元", "人次", "人", "名", "个", "项", "家", "户", "套", "场次", "场", "所", "座", "%", "倍"}

# qualifiers kept as a field: before the number, between number and unit, after the unit
QUALIFIERS_PRE = ("将近", "接近", "大约", "不少于", "不低于", "至少", "多达", "超过", "约", "近", "逾", "超", "不足")
QUALIFIERS_MID = ("余", "多", "来")
QUALIFIERS_POST = ("以上", "左右", "多", "余")
# qualifiers that mean "at least the stated value" (shown as 135+)
AT_LEAST = {"余", "多", "来", "以上", "超过", "超", "逾", "不少于", "不低于", "至少", "多达"}
APPROX = {"约", "近", "将近", "接近", "大约", "左右"}

CN_DIGITS = "零〇一二两三四五六七八九十百千"
_CN_NUMBER = f"[{CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?"
_AR_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"


def _alt(options) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


SPAN_RE = re.compile(
    rf"(?P<pre>{_alt(QUALIFIERS_PRE)})?"
    rf"(?P<num>{_AR_NUMBER}|{_CN_NUMBER})"
    rf"(?P<mid1>{_alt(QUALIFIERS_MID)})?"
    rf"(?P<mag>{_alt(MAGNITUDES)})?"
    rf"(?P<mid2>{_alt(QUALIFIERS_MID)})?"
    rf"(?P<unit>{_alt(UNITS)})"
    rf"(?P<post>{_alt(QUALIFIERS_POST)})?"
)


class NumberError(ValueError):
    """A span that is not a readable quantity; .reason is a short code, str() says why in Chinese."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Quantity:
    value: float            # as written, in `unit`
    unit: str               # as written with its magnitude: 亿元, 万人次, 个, %
    qualifier: str | None   # 余 多 约 超过 近 以上 ...
    value_base: float       # value in base units (元, a plain count, %)
    base_unit: str          # 元 人次 人 个 ... (the written unit without magnitude)
    family: str             # money | people | count | percent | ratio | time | label
    text: str               # the span as matched


# --- normalisation -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


_FULLWIDTH = {"．": ".", "，": ",", "％": "%", "：": ":", "；": ";", "（": "(", "）": ")", "　": " "}


def normalize(text: str) -> str:
    """A copy of text of the same length: full-width forms folded, traditional characters simplified.

    Offsets found in the copy are offsets in the original, so quotes stay verbatim.
    """
    chars = []
    for ch in text:
        if ch in _FULLWIDTH:
            chars.append(_FULLWIDTH[ch])
            continue
        n = unicodedata.normalize("NFKC", ch)
        chars.append(n if len(n) == 1 else ch)
    folded = "".join(chars)
    simplified = _t2s().convert(folded)
    if len(simplified) == len(folded):
        return simplified
    return "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in folded)


# --- reading -------------------------------------------------------------------------------------

def to_number(num: str) -> float:
    """Arabic (with thousands commas and decimals) or Chinese numerals; strict."""
    s = normalize(num).strip()
    if re.fullmatch(_AR_NUMBER, s):
        return float(s.replace(",", ""))
    if re.fullmatch(_CN_NUMBER, s):
        if re.fullmatch("[〇零一二三四五六七八九]{2,}", s):  # 二〇三五: digit by digit
            return float("".join(str("〇一二三四五六七八九".index(c)) if c != "零" else "0" for c in s))
        s = s.replace("两", "二").replace("〇", "零")
        if s[0] in "十百千":
            s = "一" + s
        try:
            return float(cn2an.cn2an(s, "strict"))
        except (ValueError, KeyError) as exc:
            raise NumberError("unreadable_number", f"无法识别的中文数字: {num}") from exc
    raise NumberError("unreadable_number", f"无法识别的数字: {num}")


def _qualifier(m: re.Match) -> str | None:
    found = [m.group(g) for g in ("pre", "mid1", "mid2", "post") if m.group(g)]
    return "".join(found) if found else None


def quantity_from_match(m: re.Match) -> Quantity:
    value = to_number(m.group("num"))
    mag = m.group("mag") or ""
    unit = m.group("unit")
    family = UNITS[unit]
    if mag and family in ("time", "label", "percent", "ratio"):
        raise NumberError("unreadable_number", f"数量级“{mag}”不能用于单位“{unit}”")
    return Quantity(
        value=value,
        unit=mag + unit,
        qualifier=_qualifier(m),
        value_base=round(value * MAGNITUDES.get(mag, 1.0), 6),
        base_unit=unit,
        family=family,
        text=m.group(0),
    )


def parse_quantity(text: str, default_unit: str | None = None) -> Quantity:
    """Reads a whole string such as '135亿余元' or '约3亿' (with default_unit '元'); raises NumberError.

    default_unit is appended when the text carries no unit of its own (an Excel cell under 单位 亿元 holds 3).
    """
    raw = str(text).strip()
    s = normalize(raw).replace(" ", "")
    if not s:
        raise NumberError("empty", "数值为空")
    m = SPAN_RE.fullmatch(s)
    if m is None and default_unit:
        du = normalize(default_unit).strip()
        # a unit column may carry its own magnitude (亿元); the cell may carry one too (3亿) — not both
        for candidate in (s + du, s + du.lstrip("".join(MAGNITUDES))):
            m = SPAN_RE.fullmatch(candidate)
            if m is not None:
                break
        if m is None:
            bare = re.fullmatch(rf"(?P<pre>{_alt(QUALIFIERS_PRE)})?(?P<num>{_AR_NUMBER}|{_CN_NUMBER})"
                                rf"(?P<mag>{_alt(MAGNITUDES)})?(?P<post>{_alt(QUALIFIERS_POST)})?", s)
            if bare and bare.group("mag") and any(du.startswith(k) for k in MAGNITUDES):
                raise NumberError("unit_mismatch", f"数值“{raw}”与单位“{default_unit}”的数量级重复")
    if m is None:
        if re.search(r"\d|[" + CN_DIGITS + "]", s):
            raise NumberError("unreadable_number", f"无法识别的数值: “{raw}”")
        raise NumberError("not_a_number", f"不是数值: “{raw}”")
    return quantity_from_match(m)


def iter_spans(norm_text: str, start: int = 0, end: int | None = None):
    """Yields (match, Quantity | NumberError) for every quantity-shaped span of norm_text[start:end]."""
    for m in SPAN_RE.finditer(norm_text, start, len(norm_text) if end is None else end):
        # a number glued to a preceding digit or letter is part of an identifier (5g, m0, caz2)
        if m.start() > 0 and re.match(r"[0-9A-Za-z.]", norm_text[m.start() - 1]) and not m.group("pre"):
            continue
        try:
            yield m, quantity_from_match(m)
        except NumberError as exc:
            yield m, exc


def format_qualified(value: str, qualifier: str | None, lang: str = "zh") -> str:
    """135 with 余 -> '135+'; 7.5 with 约 -> '约7.5' (zh) / '~7.5' (en)."""
    if not qualifier:
        return value
    if any(q in AT_LEAST for q in _split_qualifier(qualifier)):
        return value + "+"
    if any(q in APPROX for q in _split_qualifier(qualifier)):
        return ("约" if lang == "zh" else "~") + value
    return value


def _split_qualifier(q: str) -> list[str]:
    parts, rest = [], q
    options = sorted(set(QUALIFIERS_PRE + QUALIFIERS_MID + QUALIFIERS_POST), key=len, reverse=True)
    while rest:
        for o in options:
            if rest.startswith(o):
                parts.append(o)
                rest = rest[len(o):]
                break
        else:
            parts.append(rest)
            break
    return parts
