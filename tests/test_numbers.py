"""Golden rows for the number parser, including rows that must fail."""
from __future__ import annotations

import pytest

from common.numbers import NumberError, format_qualified, normalize, parse_quantity

GOOD = [
    # text, default unit, value, unit, qualifier, value_base, base unit
    ("135亿余元", None, 135, "亿元", "余", 1.35e10, "元"),
    ("约7.5万人次", None, 7.5, "万人次", "约", 75000, "人次"),
    ("2300多人次", None, 2300, "人次", "多", 2300, "人次"),
    ("超过8.5万人次", None, 8.5, "万人次", "超过", 85000, "人次"),
    ("9万余人", None, 9, "万人", "余", 90000, "人"),
    ("6倍多", None, 6, "倍", "多", 6, "倍"),
    ("80%以上", None, 80, "%", "以上", 80, "%"),
    ("近2000万元", None, 2000, "万元", "近", 2e7, "元"),
    ("1,234.5万元", None, 1234.5, "万元", None, 12345000, "元"),
    ("１２３个", None, 123, "个", None, 123, "个"),            # full-width digits
    ("１．５亿元", None, 1.5, "亿元", None, 1.5e8, "元"),
    ("約3億元", None, 3, "亿元", "约", 3e8, "元"),              # traditional characters
    ("三十五家", None, 35, "家", None, 35, "家"),               # Chinese numerals
    ("五千八百套", None, 5800, "套", None, 5800, "套"),
    ("十余个", None, 10, "个", "余", 10, "个"),
    ("两万人次", None, 2, "万人次", None, 20000, "人次"),
    ("1.2万亿元", None, 1.2, "万亿元", None, 1.2e12, "元"),
    ("约3亿", "元", 3, "亿元", "约", 3e8, "元"),                 # an Excel cell with its unit column
    ("3", "亿元", 3, "亿元", None, 3e8, "元"),
    ("92.34", "亿元", 92.34, "亿元", None, 9.234e9, "元"),
    ("50多", "场次", 50, "场次", "多", 50, "场次"),
]


@pytest.mark.parametrize("text,unit,value,wunit,qualifier,base,base_unit", GOOD, ids=[g[0] for g in GOOD])
def test_parse(text, unit, value, wunit, qualifier, base, base_unit):
    q = parse_quantity(text, unit)
    assert (q.value, q.unit, q.qualifier, q.base_unit) == (value, wunit, qualifier, base_unit)
    assert q.value_base == pytest.approx(base)


BAD = [
    ("", "empty"),
    ("abc", "not_a_number"),
    ("3.4.5亿元", "unreadable_number"),
    ("十二五", "unreadable_number"),     # a period name, not a quantity
    ("123", "unreadable_number"),        # no unit and none given
    ("3亿万元", "unreadable_number"),
    ("5万%", "unreadable_number"),       # a magnitude cannot apply to a percentage
    ("N/A", "not_a_number"),
]


@pytest.mark.parametrize("text,reason", BAD, ids=[b[0] or "empty" for b in BAD])
def test_must_fail(text, reason):
    with pytest.raises(NumberError) as exc:
        parse_quantity(text)
    assert exc.value.reason == reason
    assert str(exc.value)  # a Chinese message for the error table


def test_normalize_keeps_length_so_offsets_stay_valid():
    for s in ["投入資金３．２億元，項目４５個；", "“十二五”期间（2011—2015年）", "ＡＢＣ１２３"]:
        assert len(normalize(s)) == len(s)
    assert normalize("投入資金３．２億元") == "投入资金3.2亿元"


@pytest.mark.parametrize("value,qualifier,lang,expected", [
    ("135", "余", "zh", "135+"), ("7.5", "约", "zh", "约7.5"), ("7.5", "约", "en", "~7.5"),
    ("80", "以上", "zh", "80+"), ("92.34", None, "zh", "92.34"), ("8.5", "超过", "en", "8.5+"),
])
def test_format_qualified(value, qualifier, lang, expected):
    assert format_qualified(value, qualifier, lang) == expected
