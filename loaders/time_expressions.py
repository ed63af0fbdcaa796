"""Time expressions in report prose, each resolved to one of three period forms: 十三五, "2021" or "2016-2020".

How the reports write time, and what each becomes:
- a five-year period: “十三五”期间 / 时期 / 末 → 十三五; “十三五”以来 → its first year to the document's year;
- a range: 2018年至2020年, 2018—2020年, 从2021年到2023年 → 2018-2020 (a range that is exactly a five-year
  period is written as that period: 2016-2020 → 十三五);
- since: 自2010年…以来, 2010年新一轮…以来, 从2017年开始 / 起, 2016年以来 → 2010-<document year>; an “N年来”
  tied to such a year ends N years on (从2017年开始…三年来 → 2017-2019); 去年以来 → last year to this year;
- cumulative to a date: 截至2020年(10月)底 → from the start carried in the paragraph, else the document
  period's first year, to 2020;
- a year: 2019年, 2019年6月18日, 2019年安排…, 其中2019年…, 2019年上海…展销会 (inside an event name) → 2019;
- relative: 今年 / 今年以来 → the document's year, 去年 → the year before, 一年来 → the year a year-end review
  describes (published in January or February: the year before).
Not time marks: a year after 比/较/与/是 (a comparison base), a target (到2025年, 2025年前), a year inside a book
title 《》 or a document number 〔2017〕.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from common import dictionaries as d
from common.numbers import normalize, to_number
from loaders import text as tx

_Y = r"((?:19|20)\d\d)"
_CN_N = "一二两三四五六七八九十"
_FYP = r"“?(十[一二三四五六七八九]?五)”?"
_DASH = r"[—–\-~～至到]"

RANGE = re.compile(rf"(?:从|自)?{_Y}年?{_DASH}{{1,2}}{_Y}年(?:度)?(?:间|期间)?")
SINCE = re.compile(rf"(?:自|从)?{_Y}年(?:[^。;,，以\d年()（）去今]{{0,20}}?)以来|(?:自|从){_Y}年(?:开始|起)|{_Y}年起")
FYP = re.compile(rf"{_FYP}(期间|时期|末|以来|初|规划期)")
UNTIL = re.compile(rf"(?:截至|截止|截止到|至){_Y}年(?:(\d{{1,2}}|[{_CN_N}]{{1,3}})月)?(?:底|末)?")
N_YEARS = re.compile(rf"(?<![\d{_CN_N}])(\d{{1,2}}|[{_CN_N}]{{1,3}})年(?:来|间)")
YEAR = re.compile(rf"{_Y}年(?!代)")
RELATIVE = re.compile(r"今年以来|今年|去年以来|去年|一年来|过去一年")
PAST_YEARS = re.compile(rf"过去([{_CN_N}]|\d{{1,2}})年|(?<![\d{_CN_N}])([{_CN_N}]|\d{{1,2}})年(?:来|间)")
COMPARISON = re.compile(r"(比|较|与|是|同比|相比|对比|超过|高于|低于)$")
TARGET_BEFORE = re.compile(r"(到|至|截至|截止|于|计划|力争|预计|确保)$")
TARGET_AFTER = re.compile(r"^(前|以前|之前|后|以后|远景|目标|的目标)")


@dataclass(frozen=True)
class TimeMark:
    start: int
    end: int
    period: str
    phrase: str
    kind: str  # five_year | range | since | until | year | relative


def as_period(a: int, b: int) -> str:
    """2016, 2020 -> 十三五; 2019, 2019 -> "2019"; 2018, 2020 -> "2018-2020"."""
    if b <= a:
        return str(b)
    for label, start in d.FIVE_YEAR_PERIODS.items():
        if (a, b) == (start, start + 4):
            return label
    return f"{a}-{b}"


def period_bounds(period: str) -> tuple[int, int] | None:
    try:
        info = d.period_info(period)
    except ValueError:
        return None
    return info["start_year"], info["end_year"]


def _n(text: str) -> int | None:
    try:
        return int(to_number(text))
    except ValueError:
        return None


def _protected(norm: str, pos: int) -> bool:
    return tx.enclosing(norm, pos, "《", "》") or tx.enclosing(norm, pos, "〔", "〕")


def marks(norm: str, start: int, end: int, doc_year: int | None, doc_month: int | None = None,
          carried_start: int | None = None, period_start: int | None = None,
          untied_years: bool = False) -> list[TimeMark]:
    """Time marks in norm[start:end], in text order, overlapping matches resolved longest-first."""
    found: list[TimeMark] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(a: int, b: int, period: str, kind: str) -> None:
        if free(a, b) and not _protected(norm, a):
            found.append(TimeMark(a, b, period, norm[a:b], kind))
        taken.append((a, b))

    before = lambda a: norm[max(start, a - 3):a]  # noqa: E731

    for m in RANGE.finditer(norm, start, end):
        a, b = int(m.group(1)), int(m.group(2))
        if a < b <= a + 40 and not TARGET_BEFORE.search(before(m.start())):
            add(m.start(), m.end(), as_period(a, b), "range")
    for m in FYP.finditer(norm, start, end):
        label, tail = m.group(1), m.group(2)
        if COMPARISON.search(before(m.start())):
            continue
        if tail == "以来" and doc_year:
            add(m.start(), m.end(), as_period(d.FIVE_YEAR_PERIODS[label], doc_year), "since")
        elif label in d.FIVE_YEAR_PERIODS:
            add(m.start(), m.end(), label, "five_year")
    for m in SINCE.finditer(norm, start, end):
        y = int(next(g for g in m.groups() if g))
        if COMPARISON.search(before(m.start())) or TARGET_BEFORE.search(before(m.start())):
            continue
        # an “N年来” tied to this year ends N years on
        tied = N_YEARS.search(norm, m.end(), end)
        n = _n(tied.group(1)) if tied else None
        last = y + n - 1 if n else doc_year
        if last and last >= y:
            stop = tied.end() if n else m.end()
            add(m.start(), stop, as_period(y, last), "since")
    if doc_year:
        for m in RELATIVE.finditer(norm, start, end):
            w = m.group(0)
            if COMPARISON.search(before(m.start())):
                continue
            if w.startswith("今年"):
                add(m.start(), m.end(), str(doc_year), "relative")
            elif w == "去年以来":
                add(m.start(), m.end(), as_period(doc_year - 1, doc_year), "relative")
            elif w == "去年":
                add(m.start(), m.end(), str(doc_year - 1), "relative")
            else:  # 一年来: a year-end review published early in the next year looks back on that year
                add(m.start(), m.end(), str(doc_year - 1 if doc_month and doc_month <= 2 else doc_year), "relative")
    if doc_year and untied_years:  # 五年来, 过去五年 in a document with no review period of its own
        for m in PAST_YEARS.finditer(norm, start, end):
            n = _n(m.group(1) or m.group(2))
            if n and 1 < n <= 30:
                add(m.start(), m.end(), as_period(doc_year - n + 1, doc_year), "since")
    for m in YEAR.finditer(norm, start, end):
        if not free(m.start(), m.end()):
            continue
        if COMPARISON.search(before(m.start())) or TARGET_BEFORE.search(before(m.start())):
            continue
        if TARGET_AFTER.match(norm[m.end():m.end() + 3]):
            continue
        if m.start() > 0 and norm[m.start() - 1].isdigit():
            continue
        add(m.start(), m.end(), m.group(1), "year")
    for m in UNTIL.finditer(norm, start, end):
        y = int(m.group(1))
        if norm[m.start():m.start() + 2] not in ("截至", "截止"):
            continue  # 至2025年 alone is a target
        # from the start stated earlier in the sentence, else in the paragraph, else the document's period
        stated = [start_year(t) for t in found if t.end <= m.start() and start_year(t)]
        first = stated[-1] if stated else carried_start if carried_start is not None else period_start
        add(m.start(), m.end(), as_period(first, y) if first and first < y else str(y), "until")
    return sorted(found, key=lambda t: t.start)


def start_year(mark: TimeMark) -> int | None:
    """The first year a mark speaks of (carried into 截至… in the same paragraph)."""
    if mark.kind in ("since", "range", "five_year"):
        b = period_bounds(mark.period)
        return b[0] if b else None
    return None


def canonical_period(value: str) -> str | None:
    """A period as staff or a sidecar write it (十四五期间, “十三五”时期, 2021年, 2018—2020年, 2018年至2020年) in one of
    the three stored forms, or None when it is not a period."""
    v = normalize(str(value or "")).strip().strip("“”\"' ")
    v = re.sub(r"^[“\"]?(十[一二三四五六七八九]?五)[”\"]?(?:期间|时期|规划期|规划)?$", r"\1", v)
    try:
        return d.period_info(v)["period"]
    except ValueError:
        pass
    found = marks(v, 0, len(v), None)
    if len(found) == 1 and found[0].kind in ("range", "year", "five_year") and found[0].end - found[0].start >= len(v) - 2:
        return found[0].period
    return None
