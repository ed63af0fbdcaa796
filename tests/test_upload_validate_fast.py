"""Vectorised validation against the per-value path: the same rows, the same errors, the same messages.

validate_sheet(sheet, fast=False) sends every value through check_value (the path that words every message);
the default takes plain numbers in bulk. Both must agree on every file, good rows and every kind of bad cell.
"""
from __future__ import annotations

import importlib
from unittest import mock

import pandas as pd
import upload_files as uf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.upload import read_upload
from loaders.upload.read import SheetData

validate = importlib.import_module("loaders.upload.validate")  # the package re-exports a function of that name


def _same(sheet: SheetData) -> tuple[pd.DataFrame, list[dict]]:
    fast_rows, fast_errors = validate.validate_sheet(sheet)
    slow_rows, slow_errors = validate.validate_sheet(sheet, fast=False)
    pd.testing.assert_frame_equal(fast_rows, slow_rows, check_exact=True)
    assert fast_errors == slow_errors
    return fast_rows, fast_errors


def test_mixed_file_fast_and_slow_agree():
    read = read_upload(uf.mixed_book(), "mixed.xlsx")
    assert [s.name for s in read.sheets] == ["数据", "补充"]
    for sheet in read.sheets:
        rows, errors = _same(sheet)
        assert len(rows) >= 50 and len(errors) >= 28
    rows, records = validate.validate_records(read)
    codes = {r["problem"][0] for r in records}
    assert {"v_period_empty", "v_error_cell", "v_year_bad", "v_year_range", "v_period_bad", "v_period_date",
            "v_period_range", "v_year_outside", "v_region_empty", "v_region_unknown", "v_metric_empty",
            "v_metric_unknown", "v_value_empty", "v_value_bad", "v_value_negative", "v_value_not_number",
            "v_unit_missing", "v_unit_unknown", "v_unit_misfit", "v_qualifier_bad", "v_note_long",
            "v_dup_same_sheet", "v_dup_other_sheet"} <= codes
    good = rows.set_index(["sheet", "row_number"])
    assert good.loc[("数据", 2), "value_base"] == 35.6e8 and good.loc[("数据", 2), "qualifier"] == "约"
    assert good.loc[("数据", 5), "value_base"] == 1234.0 and good.loc[("数据", 5), "unit"] == "项"
    assert good.loc[("数据", 6), "value_base"] == 5000.0  # 0.5 万元


def test_fast_path_skips_check_value_for_plain_numbers():
    read = read_upload(uf.mixed_book(), "mixed.xlsx")
    sheet = read.sheets[1]
    with mock.patch.object(validate, "check_value", wraps=validate.check_value) as spy:
        validate.validate_sheet(sheet)
    fast_calls = spy.call_count
    with mock.patch.object(validate, "check_value", wraps=validate.check_value) as spy:
        validate.validate_sheet(sheet, fast=False)
    assert spy.call_count - fast_calls >= 50  # the 50 plain rows never reached check_value


_UNITS = ["亿元", "万元", "元", "个", "项", "人次", "万人次", "%", "倍", "", "亿", "斤", "1亿元", ".5元", ",000元", "约亿元",
          "亿元以上", "多万元", "万亿元", "十万元", "千人", "年", "万年", " 亿元 ", "亿元 ", "个多", "％", "٣元", "余人", "万"]
_NUMBERS = st.one_of(
    st.from_regex(r"[0-9]{1,6}(,[0-9]{3}){0,2}(\.[0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"[0-9,.]{1,12}", fullmatch=True),
    st.sampled_from(["0", "00012", "1e5", "１２", "3.", ".5", "1,23", "12亿", "约3", "-4", "٣", "1" * 65, "十二"]),
)


@settings(max_examples=60, deadline=10000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.lists(st.tuples(_NUMBERS, st.sampled_from(_UNITS)), min_size=1, max_size=30),
       st.sampled_from(["", "亿元", "个"]))
def test_values_and_units_fast_and_slow_agree(pairs, header_unit):
    n = len(pairs)
    metrics = ["援助资金", "援建项目", "培训人次"]
    cells = pd.DataFrame({"period": [str(2000 + i) for i in range(n)], "region": ["新疆喀什"] * n,
                          "metric": [metrics[i % 3] for i in range(n)], "value": [v for v, _ in pairs],
                          "unit": [u for _, u in pairs]}, dtype=object)
    sheet = SheetData("数据", cells, list(range(2, n + 2)), {f: f"{f} (A)" for f in cells},
                      {"value": header_unit} if header_unit else {})
    _same(sheet)
