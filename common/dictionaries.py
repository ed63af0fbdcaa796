"""The staff-editable dictionaries (regions, metrics, periods) and look-ups over them."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from common.numbers import normalize
from common.paths import DICTIONARIES as DICT_DIR


@lru_cache(maxsize=None)
def regions(path: str | None = None) -> pd.DataFrame:
    df = pd.read_csv(path or DICT_DIR / "regions.csv", dtype=str, keep_default_na=False)
    for col in ("lon", "lat"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    df["sort"] = pd.to_numeric(df["sort"], errors="coerce").fillna(9999).astype(int)
    return df


def region_roles(value: str) -> set[str]:
    """regions.csv `role`: total | cooperation | enterprise | recipient, several joined by |."""
    return set(split_list(value))


def regions_with_role(role: str, path: str | None = None) -> tuple[str, ...]:
    """Region ids with a role, in display order: regions_with_role("cooperation") -> west, northeast_central, anhui."""
    df = regions(path)
    return tuple(r.region_id for r in df.sort_values("sort", kind="stable").itertuples()
                 if role in region_roles(r.role))


@lru_cache(maxsize=None)
def metrics(path: str | None = None) -> pd.DataFrame:
    df = pd.read_csv(path or DICT_DIR / "metrics.csv", dtype=str, keep_default_na=False)
    df["decimals"] = pd.to_numeric(df["decimals"]).astype(int)
    df["sort"] = pd.to_numeric(df["sort"]).astype(int)
    df["headline"] = df["headline"].str.lower().eq("true")
    return df


def headline_metrics(path: str | None = None) -> tuple[str, ...]:
    """The metrics marked headline=true in metrics.csv, in their sort order (the overview's cards)."""
    df = metrics(path)
    return tuple(df[df["headline"]].sort_values("sort", kind="stable")["metric_id"])


def split_list(value: str) -> list[str]:
    return [v.strip() for v in str(value or "").split("|") if v.strip()]


@dataclass(frozen=True)
class RegionIndex:
    """Surface form -> region_id, longest forms first, for scanning running text."""
    forms: dict[str, str]
    pattern: re.Pattern
    members: dict[str, tuple[str, ...]]
    level: dict[str, str]
    name_zh: dict[str, str]

    def find_all(self, norm_text: str, start: int = 0, end: int | None = None):
        """(start, end, region_id) of every region mention in norm_text[start:end]."""
        end = len(norm_text) if end is None else end
        for m in self.pattern.finditer(norm_text, start, end):
            yield m.start(), m.end(), self.forms[m.group(0)]

    def resolve(self, name: str) -> str | None:
        """Exact look-up of a name or alias (as staff type it in Excel)."""
        key = normalize(str(name)).strip()
        return self.forms.get(key) or (key if key in self.level else None)

    def suggest(self, name: str, n: int = 3) -> list[str]:
        key = normalize(str(name)).strip()
        close = difflib.get_close_matches(key, list(self.forms), n=n * 3, cutoff=0.4)
        contained = [f for f in self.forms if len(f) >= 2 and (f in key or key in f)]
        out: list[str] = []
        for form in contained + close:
            canonical = self.name_zh[self.forms[form]]
            if canonical not in out:
                out.append(canonical)
        return out[:n]

    def group_of(self, ids: set[str]) -> str | None:
        """The group whose members are exactly ids (四州市 named one by one is 云南四州市)."""
        for gid, mem in self.members.items():
            if mem and set(mem) == ids:
                return gid
        return None


@lru_cache(maxsize=None)
def region_index(path: str | None = None) -> RegionIndex:
    df = regions(path)
    forms: dict[str, str] = {}
    for row in df.itertuples():
        for form in [row.name_zh, *split_list(row.aliases)]:
            forms.setdefault(normalize(form), row.region_id)
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
    members = {r.region_id: tuple(split_list(r.members)) for r in df.itertuples() if r.level == "group"}
    return RegionIndex(forms, pattern, members, dict(zip(df.region_id, df.level)), dict(zip(df.region_id, df.name_zh)))


@dataclass(frozen=True)
class MetricIndex:
    rows: dict[str, dict]
    cues: tuple[tuple[str, str], ...]       # (cue, metric_id), longest cue first
    governing: tuple[tuple[str, str], ...]  # cues written !培训: a verb that decides the metric of its object

    def resolve(self, name: str) -> str | None:
        key = normalize(str(name)).strip()
        for mid, row in self.rows.items():
            if key in (mid, row["name_zh"], row["name_en"]) or key.lower() == row["name_en"].lower():
                return mid
        for cue, mid in self.cues:  # staff may type a cue word such as 投入资金
            if key == cue:
                return mid
        return None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        key = normalize(str(name)).strip()
        names = {row["name_zh"]: mid for mid, row in self.rows.items()}
        names.update({cue: mid for cue, mid in self.cues if len(cue) >= 2})
        out: list[str] = []
        for form in difflib.get_close_matches(key, list(names), n=n * 3, cutoff=0.3):
            canonical = self.rows[names[form]]["name_zh"]
            if canonical not in out:
                out.append(canonical)
        return out[:n]


@lru_cache(maxsize=None)
def metric_index(path: str | None = None) -> MetricIndex:
    df = metrics(path)
    rows = {r["metric_id"]: r for r in df.to_dict("records")}
    cues = [(normalize(c.lstrip("!")), r["metric_id"]) for r in rows.values() for c in split_list(r["cues"])]
    cues.sort(key=lambda cm: -len(cm[0]))
    governing = [(normalize(c[1:]), r["metric_id"]) for r in rows.values() for c in split_list(r["cues"])
                 if c.startswith("!")]
    return MetricIndex(rows, tuple(cues), tuple(governing))


# --- periods -------------------------------------------------------------------------------------

_YEAR = re.compile(r"^(19|20)\d\d$")
_RANGE = re.compile(r"^((?:19|20)\d\d)-((?:19|20)\d\d)$")


@lru_cache(maxsize=None)
def five_year_periods(path: str | None = None) -> pd.DataFrame:
    """data/dictionaries/periods.csv: the five-year periods (id, labels, start and end year, shown on the
    dashboard, the overview's default), oldest first."""
    df = pd.read_csv(path or DICT_DIR / "periods.csv", dtype=str, keep_default_na=False)
    for col in ("start_year", "end_year"):
        df[col] = pd.to_numeric(df[col]).astype(int)
    for col in ("dashboard", "default"):
        df[col] = df[col].isin(["1", "true", "True"])
    return df.sort_values("start_year", kind="stable").reset_index(drop=True)


# id -> start year, oldest first, read from periods.csv (kept for callers that only need the order)
FIVE_YEAR_PERIODS: dict[str, int] = dict(zip(five_year_periods()["period"], five_year_periods()["start_year"]))


def default_period(path: str | None = None) -> str:
    """The period marked default in periods.csv (the overview opens on it)."""
    df = five_year_periods(path)
    marked = df[df["default"]]
    return str((marked if len(marked) else df[df["dashboard"]]).iloc[-1]["period"])


def five_year_of(start_year: int, end_year: int | None = None) -> str | None:
    """The five-year period holding the years start..end (a year, or a range inside one period), else None."""
    end_year = start_year if end_year is None else end_year
    for r in five_year_periods().itertuples():
        if r.start_year <= start_year and end_year <= r.end_year:
            return r.period
    return None


@lru_cache(maxsize=1)
def _five_year_by_id() -> pd.DataFrame:
    """five_year_periods() indexed by id, built once (period_info runs per distinct period of an upload)."""
    return five_year_periods().set_index("period")


def period_info(period: str) -> dict:
    """十二五 -> 2011–2015 (5 years); 2020 -> one year; 2020-2022 -> three years. Raises ValueError."""
    p = normalize(str(period)).strip().strip("“”\"'").replace("—", "-").replace("–", "-").replace("~", "-")
    p = p.replace("年", "") if re.fullmatch(r"\d{4}年(-\d{4}年)?", p) else p
    fy = _five_year_by_id()
    if p in fy.index:
        r = fy.loc[p]
        start, end = int(r.start_year), int(r.end_year)
        return dict(period=p, label_zh=r.label_zh, label_en=r.label_en, kind="five_year", start_year=start,
                    end_year=end, n_years=end - start + 1, sort=start * 10)
    if _YEAR.match(p):
        y = int(p)
        return dict(period=p, label_zh=f"{y}年", label_en=str(y), kind="year", start_year=y, end_year=y,
                    n_years=1, sort=y * 10 + 5)
    m = _RANGE.match(p)
    if m and int(m.group(1)) < int(m.group(2)):
        a, b = int(m.group(1)), int(m.group(2))
        return dict(period=p, label_zh=f"{a}–{b}年", label_en=f"{a}–{b}", kind="range", start_year=a,
                    end_year=b, n_years=b - a + 1, sort=a * 10 + 6)
    raise ValueError(f"无法识别的期间: {period}")


def periods_frame(extra: list[str] = ()) -> pd.DataFrame:
    names = list(five_year_periods()["period"]) + list(extra)
    seen, rows = set(), []
    for name in names:
        info = period_info(name)
        if info["period"] not in seen:
            seen.add(info["period"])
            rows.append(info)
    df = pd.DataFrame(rows)
    fy = five_year_periods().set_index("period")
    df["five_year"] = [five_year_of(a, b) for a, b in zip(df["start_year"], df["end_year"])]
    df["dashboard"] = [bool(fy.loc[p, "dashboard"]) if p in fy.index else False for p in df["period"]]
    return df
