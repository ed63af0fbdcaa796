"""Time expressions as reports write them, each read as one of the three period forms (十三五, 2021, 2018-2020)."""
from __future__ import annotations

import pytest

from common.numbers import normalize
from loaders import time_expressions as te

# (sentence, document year, document month, period of the last time mark, its kind)
CASES = [
    ("自2010年新一轮对口援疆以来，累计投入", 2020, 9, "2010-2020", "since"),
    ("2010年新一轮对口支援以来，上海累计安排", 2021, None, "2010-2021", "since"),
    ("2016年以来，共建成扶贫车间112个", 2020, 8, "十三五", "since"),
    ("从2017年开始，金山区结对帮扶广南县，三年来累计投入", 2021, None, "2017-2019", "since"),
    ("2010年上海对口支援喀什以来，十年来上海累计投入", None, None, "2010-2019", "since"),
    ("“十四五”以来，江苏累计安排", 2023, 9, "2021-2023", "since"),
    ("2018年至2020年，浙江省累计拨付", None, None, "2018-2020", "range"),
    ("2021—2023年，深圳累计选派", None, None, "2021-2023", "range"),
    ("从2021年到2023年，深圳已累计投入", None, None, "2021-2023", "range"),
    ("2016—2020年，广东省投入", None, None, "十三五", "range"),
    ("“十二五”期间，浙江累计投入", None, None, "十二五", "five_year"),
    ("2019年安排财政援助资金9.8亿元", None, None, "2019", "year"),
    ("其中2019年山东省级资金4.5亿元", None, None, "2019", "year"),
    ("在2019年上海对口帮扶地区特色商品展销会上", None, None, "2019", "year"),
    ("2019年6月18日，无锡市代表团赴黄南州考察", None, None, "2019", "year"),
    ("今年以来，北京市共安排援藏资金", 2019, 12, "2019", "relative"),
    ("去年，天津市安排昌都市援藏资金", 2022, 3, "2021", "relative"),
    ("去年以來，上海市累計引導企業", 2023, 11, "2022-2023", "relative"),
    ("一年来，分指挥部统筹资金3.2亿元", 2022, 1, "2021", "relative"),
    ("一年来，分指挥部统筹资金3.2亿元", 2022, 7, "2022", "relative"),
]


@pytest.mark.parametrize("sentence,year,month,period,kind", CASES, ids=[c[0][:14] for c in CASES])
def test_time_marks(sentence, year, month, period, kind):
    norm = normalize(sentence)
    marks = te.marks(norm, 0, len(norm), year, month)
    assert marks, sentence
    assert (marks[-1].period, marks[-1].kind) == (period, kind)


def test_cumulative_to_a_date_runs_from_the_stated_start_else_the_period_start():
    s = normalize("“十三五”以来，截至2018年底，又投入援助资金12.4亿元")
    assert te.marks(s, 0, len(s), 2018)[-1].period == "2016-2018"
    s = normalize("截至2020年10月底，天津市累计投入")
    assert te.marks(s, 0, len(s), 2020, period_start=2016)[-1].period == "十三五"
    assert te.marks(s, 0, len(s), 2020, carried_start=2018)[-1].period == "2018-2020"


@pytest.mark.parametrize("sentence", [
    "比2018年增长28%", "较2015年翻一番", "到2025年，力争实现", "确保2025年前完成", "《2019年工作方案》提出",
    "苏政办发〔2017〕58号", "与去年相比",
])
def test_comparisons_targets_and_names_are_not_periods(sentence):
    norm = normalize(sentence)
    assert te.marks(norm, 0, len(norm), 2020) == []


@pytest.mark.parametrize("value,period", [
    ("十四五期间", "十四五"), ("“十三五”时期", "十三五"), ("2021年", "2021"), ("2018—2020年", "2018-2020"),
    ("2018年至2020年", "2018-2020"), ("2020-2022", "2020-2022"), ("十四五", "十四五"), ("明年", None), ("", None),
])
def test_canonical_period(value, period):
    assert te.canonical_period(value) == period
