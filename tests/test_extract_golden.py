"""Golden tables: every figure of the five plans, non-figures that must not be stored, and other styles."""
from __future__ import annotations

import pytest

from loaders.build import load_plans
from loaders.extract import PlanContext, extract

# (plan, the number with up to 8 characters before it, period, region, metric, value, unit, qualifier, value_base)
# Read off the plan texts by hand; one row per figure. A bug found becomes a new row.
GOLDEN = [
    ("huangpu-yrd-2020-2022", "电子证照应用实现100%", "2020-2022", "shanghai_huangpu", "share", 100.0, "%", None, 100.0),
    ("sh-12th-fyp", "上海在8个", "十一五", "all_counterpart", "counterpart_areas", 8.0, "个", None, 8.0),
    ("sh-12th-fyp", "地区无偿投入资金21.96亿元", "十一五", "all_counterpart", "aid_funding", 21.96, "亿元", None, 2196000000.0),
    ("sh-12th-fyp", "援建对口支援项目2711个", "十一五", "all_counterpart", "aid_projects", 2711.0, "个", None, 2711.0),
    ("sh-12th-fyp", "经济技术合作项目444个", "十一五", "all_counterpart", "econ_coop_projects", 444.0, "个", None, 444.0),
    ("sh-12th-fyp", "44个,协议资金609.23亿元", "十一五", "all_counterpart", "agreement_amount", 609.23, "亿元", None, 60923000000.0),
    ("sh-12th-fyp", "流、人力资源培训超过8.5万人次", "十一五", "all_counterpart", "trained", 8.5, "万人次", '超过', 85000.0),
    ("sh-12th-fyp", "则地区,投入资金6.27亿元", "十一五", "tibet_shigatse", "aid_funding", 6.27, "亿元", None, 627000000.0),
    ("sh-12th-fyp", "工程”等帮扶项目331个", "十一五", "tibet_shigatse", "aid_projects", 331.0, "个", None, 331.0),
    ("sh-12th-fyp", "苏地区,投入资金4.15亿元", "十一五", "xinjiang_aksu", "aid_funding", 4.15, "亿元", None, 415000000.0),
    ("sh-12th-fyp", "安居房等帮扶项目355个", "十一五", "xinjiang_aksu", "aid_projects", 355.0, "个", None, 355.0),
    ("sh-12th-fyp", "四州市,投入资金8.55亿元", "十一五", "yunnan_four", "aid_funding", 8.55, "亿元", None, 855000000.0),
    ("sh-12th-fyp", "村推进等帮扶项目1803个", "十一五", "yunnan_four", "aid_projects", 1803.0, "个", None, 1803.0),
    ("sh-12th-fyp", "峡库区,投入资金2.99亿元", "十一五", "three_gorges", "aid_funding", 2.99, "亿元", None, 299000000.0),
    ("sh-12th-fyp", "地建设等帮扶项目222个", "十一五", "three_gorges", "aid_projects", 222.0, "个", None, 222.0),
    ("sh-12th-fyp", "此外,投入82.5亿元", "十一五", "sichuan_dujiangyan", "aid_funding", 82.5, "亿元", None, 8250000000.0),
    ("sh-12th-fyp", "江堰灾后重建项目117个", "十一五", "sichuan_dujiangyan", "aid_projects", 117.0, "个", None, 117.0),
    ("sh-12th-fyp", "服务、工商管理等10个", "十一五", "yrd", "coop_topics", 10.0, "个", None, 10.0),
    ("sh-12th-fyp", "协调会成员城市由16个", "十五", "yrd", "member_cities", 16.0, "个", None, 16.0),
    ("sh-12th-fyp", "市由16个扩展到22个", "十一五", "yrd", "member_cities", 22.0, "个", None, 22.0),
    ("sh-12th-fyp", "动,签订合作项目341个", "十一五", "west", "econ_coop_projects", 341.0, "个", None, 341.0),
    ("sh-12th-fyp", "341个,总金额1266.6亿元", "十一五", "west", "agreement_amount", 1266.6, "亿元", None, 126659999999.99998),
    ("sh-12th-fyp", "实施科技合作项目159个", "十一五", "west", "sci_coop_projects", 159.0, "个", None, 159.0),
    ("sh-12th-fyp", "159个,总投资3.3亿元", "十一五", "west", "investment", 3.3, "亿元", None, 330000000.0),
    ("sh-12th-fyp", "科技合作会展活动45项", "十一五", "west", "events", 45.0, "项", None, 45.0),
    ("sh-12th-fyp", "项,促成合作意向12.9亿元", "十一五", "west", "intention_amount", 12.9, "亿元", None, 1290000000.0),
    ("sh-12th-fyp", "办农产品展销推介50多场次", "十一五", "west", "events", 50.0, "场次", '多', 50.0),
    ("sh-12th-fyp", "次,累计签约金额360亿元", "十一五", "west", "agreement_amount", 360.0, "亿元", None, 36000000000.0),
    ("sh-12th-fyp", "士服务团”,选拔994名", "十一五", "west", "graduates", 994.0, "名", None, 994.0),
    ("sh-12th-fyp", "动,签订合作项目169个", "十一五", "northeast_central", "econ_coop_projects", 169.0, "个", None, 169.0),
    ("sh-12th-fyp", "69个,协议资金426.4亿元", "十一五", "northeast_central", "agreement_amount", 426.4, "亿元", None, 42640000000.0),
    ("sh-12th-fyp", "实施科技合作项目42个", "十一五", "northeast_central", "sci_coop_projects", 42.0, "个", None, 42.0),
    ("sh-12th-fyp", "项目42个,投资3.04亿元", "十一五", "northeast_central", "investment", 3.04, "亿元", None, 304000000.0),
    ("sh-12th-fyp", "新增投资合作项目1766个", "十一五", "anhui", "econ_coop_projects", 1766.0, "个", None, 1766.0),
    ("sh-12th-fyp", "66个,协议资金3649.2亿元", "十一五", "anhui", "agreement_amount", 3649.2, "亿元", None, 364920000000.0),
    ("sh-12th-fyp", "100万元以上)61090户", "十一五", "inbound", "enterprises", 61090.0, "户", None, 61090.0),
    ("sh-12th-fyp", "户,注册资本总额4946.9亿元", "十一五", "inbound", "registered_capital", 4946.9, "亿元", None, 494689999999.99994),
    ("sh-12th-fyp", "南、湖北、云南等28个", "十一五", "disaster", "provinces_count", 28.0, "个", None, 28.0),
    ("sh-12th-fyp", "个省区市捐赠资金1.72亿元", "十一五", "disaster", "donation", 1.72, "亿元", None, 172000000.0),
    ("sh-12th-fyp", "赠物资和资金价值超过30亿元", "十一五", "disaster", "donation", 30.0, "亿元", '超过', 3000000000.0),
    ("sh-12th-fyp", ",援建过渡安置房58000套", "十一五", "disaster", "housing_units", 58000.0, "套", None, 58000.0),
    ("sh-13th-fyp", "“十一五”期间的6倍多", "十二五", "all_counterpart", "ratio_to_earlier", 6.0, "倍", '多', 6.0),
    ("sh-13th-fyp", "五年来，在10个", "十二五", "all_counterpart", "counterpart_areas", 10.0, "个", None, 10.0),
    ("sh-13th-fyp", "投入财政援助资金135亿余元", "十二五", "all_counterpart", "aid_funding", 135.0, "亿元", '余', 13500000000.0),
    ("sh-13th-fyp", "亿余元，实施项目3423个", "十二五", "all_counterpart", "aid_projects", 3423.0, "个", None, 3423.0),
    ("sh-13th-fyp", "23个；选派干部330人次", "十二五", "all_counterpart", "cadres", 330.0, "人次", None, 330.0),
    ("sh-13th-fyp", "0人次、技术人才2300多人次", "十二五", "all_counterpart", "technical_talent", 2300.0, "人次", '多', 2300.0),
    ("sh-13th-fyp", "实施人力资源培训约7.5万人次", "十二五", "all_counterpart", "trained", 7.5, "万人次", '约', 75000.0),
    ("sh-13th-fyp", "疆喀什，投入资金92.34亿元", "十二五", "xinjiang_kashgar", "aid_funding", 92.34, "亿元", None, 9234000000.0),
    ("sh-13th-fyp", "定居兴牧房等项目772个", "十二五", "xinjiang_kashgar", "aid_projects", 772.0, "个", None, 772.0),
    ("sh-13th-fyp", "日喀则，投入资金15.08亿元", "十二五", "tibet_shigatse", "aid_funding", 15.08, "亿元", None, 1508000000.0),
    ("sh-13th-fyp", "关配套建设等项目462个", "十二五", "tibet_shigatse", "aid_projects", 462.0, "个", None, 462.0),
    ("sh-13th-fyp", "海果洛，投入资金9.36亿元", "十二五", "qinghai_golog", "aid_funding", 9.36, "亿元", None, 936000000.0),
    ("sh-13th-fyp", "农牧业扶持等项目239个", "十二五", "qinghai_golog", "aid_projects", 239.0, "个", None, 239.0),
    ("sh-13th-fyp", "四州市，投入资金13.42亿元", "十二五", "yunnan_four", "aid_funding", 13.42, "亿元", None, 1342000000.0),
    ("sh-13th-fyp", "新农村建设等项目1624个", "十二五", "yunnan_four", "aid_projects", 1624.0, "个", None, 1624.0),
    ("sh-13th-fyp", "在贵州遵义，投入1.62亿元", "十二五", "guizhou_zunyi", "aid_funding", 1.62, "亿元", None, 162000000.0),
    ("sh-13th-fyp", "生示范帮扶等项目103个", "十二五", "guizhou_zunyi", "aid_projects", 103.0, "个", None, 103.0),
    ("sh-13th-fyp", "北宜昌夷陵，投入3.23亿元", "十二五", "three_gorges", "aid_funding", 3.23, "亿元", None, 323000000.0),
    ("sh-13th-fyp", "产业和民生等项目223个", "十二五", "three_gorges", "aid_projects", 223.0, "个", None, 223.0),
    ("sh-13th-fyp", "协调会成员城市由22个", "十一五", "yrd", "member_cities", 22.0, "个", None, 22.0),
    ("sh-13th-fyp", "市由22个扩展到30个", "十二五", "yrd", "member_cities", 30.0, "个", None, 30.0),
    ("sh-13th-fyp", "府间合作框架协议4个", "十二五", "nationwide", "framework_agreements", 4.0, "个", None, 4.0),
    ("sh-13th-fyp", "上的来沪投资企业288795家", "十二五", "inbound", "enterprises", 288795.0, "家", None, 288795.0),
    ("sh-13th-fyp", "95家，注册资本42972亿元", "十二五", "inbound", "registered_capital", 42972.0, "亿元", None, 4297200000000.0),
    ("sh-13th-fyp", "100万元以上）91883家", "十二五", "outbound", "enterprises", 91883.0, "家", None, 91883.0),
    ("sh-13th-fyp", "83家，注册资本75010亿元", "十二五", "outbound", "registered_capital", 75010.0, "亿元", None, 7501000000000.0),
    ("sh-13th-fyp", "捐赠资金、物资共6470万元", "十二五", "disaster", "donation", 6470.0, "万元", None, 64700000.0),
    ("sh-13th-fyp", "”时期，全国仍有5575万人", "十三五", "nationwide", "poverty_population", 5575.0, "万人", None, 55750000.0),
    ("sh-14th-fyp", "度增加,实现资金80%以上", "十三五", "all_counterpart", "share", 80.0, "%", '以上', 80.0),
    ("sh-14th-fyp", ",上海对口帮扶的7个", "十三五", "all_counterpart", "provinces_count", 7.0, "个", None, 7.0),
    ("sh-14th-fyp", "7个省(区、市)20个", "十三五", "all_counterpart", "prefectures_count", 20.0, "个", None, 20.0),
    ("sh-14th-fyp", "0个地(州、市)101个", "十三五", "all_counterpart", "counties_count", 101.0, "个", None, 101.0),
    ("sh-14th-fyp", "困人口全部脱贫、98个", "十三五", "all_counterpart", "poor_counties_lifted", 98.0, "个", None, 98.0),
    ("sh-14th-fyp", "制日趋完善,两市24个", "十三五", "liaoning_dalian", "departments_count", 24.0, "个", None, 24.0),
    ("sh-14th-fyp", "两市24个部门、10个", "十三五", "liaoning_dalian", "counties_count", 10.0, "个", None, 10.0),
    ("sh-14th-fyp", "在外商会分别达到174家", "十三五", "inbound", "chambers", 174.0, "家", None, 174.0),
    ("sh-14th-fyp", "别达到174家和28家", "十三五", "outbound", "chambers", 28.0, "家", None, 28.0),
    ("sh-14th-fyp", "”末,上海与国内19省", "十三五", "nationwide", "framework_agreements", 19.0, "省", None, 19.0),
    ("sh-14th-fyp", "送苏浙皖入境人员9万余人", "十三五", "yrd", "people_transferred", 9.0, "万人", '余', 90000.0),
]


def _anchor(f) -> str:
    return f.quote[max(0, f.span_start - f.quote_start - 8):f.span_end - f.quote_start]


@pytest.fixture(scope="module")
def extracted():
    from loaders.build import extract_all

    return extract_all(load_plans())


@pytest.fixture(scope="module")
def by_anchor(extracted):
    return {(pid, _anchor(f)): f for pid, ex in extracted.items() for f in ex.figures}


@pytest.mark.parametrize("plan,anchor,period,region,metric,value,unit,qualifier,value_base", GOLDEN,
                         ids=[f"{g[0]}:{g[1]}" for g in GOLDEN])
def test_golden_figure(by_anchor, plan, anchor, period, region, metric, value, unit, qualifier, value_base):
    f = by_anchor.get((plan, anchor))
    assert f is not None, f"figure not extracted: {anchor}"
    assert (f.period, f.region_id, f.metric_id) == (period, region, metric)
    assert (f.quantity.value, f.quantity.unit, f.quantity.qualifier) == (value, unit, qualifier)
    assert f.value_base == pytest.approx(value_base, rel=1e-12)


def test_nothing_else_is_stored(by_anchor):
    expected = {(g[0], g[1]) for g in GOLDEN}
    assert set(by_anchor) - expected == set(), "figures extracted that the golden table does not have"
    assert expected - set(by_anchor) == set()


def test_quotes_and_offsets_are_verbatim(extracted):
    plans = {p.plan_id: p.text for p in load_plans()}
    for pid, ex in extracted.items():
        for f in ex.figures:
            text = plans[pid]
            assert text[f.quote_start:f.quote_end] == f.quote
            assert text[f.span_start:f.span_end] == f.number_text
            assert f.quote_start <= f.span_start < f.span_end <= f.quote_end
            assert f.section, "every figure has a section heading"


# Spans in the plans that look like quantities but are not figures, with the reason they are rejected.
NOT_FIGURES = [
    ("sh-12th-fyp", "100万元以上", "threshold"),      # 注册资金100万元以上: a threshold
    ("sh-13th-fyp", "100万元以上", "threshold"),
    ("sh-dalian-2020", "30届", "ordinal"),            # 第30届华东进出口商品交易会
    ("sh-dalian-2020", "436号", "doc_number"),        # 发改振兴〔2018〕436号
    ("sh-dalian-2020", "2020年", "date"),
    ("sh-dalian-2020", "四个", "unclassified_metric"),  # 四个方面: a count of nothing we measure
    ("huangpu-yrd-2020-2022", "50条", "name"),        # “黄浦扩大开放50条”: a policy's name
    ("huangpu-yrd-2020-2022", "008号", "doc_number"),  # 黄府发〔2020〕008号
    ("huangpu-yrd-2020-2022", "3年", "duration"),      # 以3年为周期
    ("sh-14th-fyp", "5年", "duration"),               # 5年过渡期
    ("sh-14th-fyp", "二〇三五年", "date"),
    ("sh-12th-fyp", "四省", "numeral_word"),          # 沪苏浙皖四省市
    ("sh-12th-fyp", "一个", "name"),                  # “援建一个公共服务中心”: a slogan in quotes
    ("sh-12th-fyp", "一批", "article"),
    ("sh-13th-fyp", "三个", "name"),                  # “三个服务”
]


@pytest.mark.parametrize("plan,span,reason", NOT_FIGURES, ids=[f"{p}:{s}" for p, s, _ in NOT_FIGURES])
def test_not_a_figure(extracted, plan, span, reason):
    ex = extracted[plan]
    assert any(r.span_text == span and r.reason == reason for r in ex.rejects), \
        sorted({(r.span_text, r.reason) for r in ex.rejects if r.span_text == span})
    assert not any(f.number_text == span for f in ex.figures)


def test_every_plan_figure_has_provenance_and_known_dictionary_ids(extracted):
    from common import dictionaries as d

    regions, metrics = set(d.regions().region_id), set(d.metrics().metric_id)
    for ex in extracted.values():
        for f in ex.figures:
            assert f.region_id in regions and f.metric_id in metrics
            d.period_info(f.period)


# --- other styles, written for these tests: other provinces' reports, traditional characters ---------

def _one(text, **ctx):
    base = dict(plan_id="t", period="十三五", review_period="十二五", default_region="nationwide", actors=("shanghai",))
    base.update(ctx)
    return extract(PlanContext(**base), text)


OTHER_STYLES = [
    # (text, actors, expected [(number_text, period, region, metric, value_base, qualifier)])
    ("2019年，北京市向新疆和田地区投入财政援助资金12.5亿元，实施援建项目236个。", ("beijing",),
     [("12.5亿元", "2019", "xinjiang_hotan", "aid_funding", 1.25e9, None),
      ("236个", "2019", "xinjiang_hotan", "aid_projects", 236, None)]),
    ("在西藏拉薩，投入資金3.2億元，援建項目45個。", ("shanghai",),
     [("3.2億元", "十三五", "tibet_lhasa", "aid_funding", 3.2e8, None),
      ("45個", "十三五", "tibet_lhasa", "aid_projects", 45, None)]),
    ("在青海玉树，投入资金１．５亿元，选派干部120余人次，培训当地干部群众5.6万人次。", ("shanghai",),
     [("１．５亿元", "十三五", "qinghai_yushu", "aid_funding", 1.5e8, None),
      ("120余人次", "十三五", "qinghai_yushu", "cadres", 120, "余"),
      ("5.6万人次", "十三五", "qinghai_yushu", "trained", 56000, None)]),
    ("东西部协作方面，与贵州毕节签订协议资金8000万元，引导企业投资4.5亿元，帮助引进企业三十五家。", ("shanghai",),
     [("8000万元", "十三五", "guizhou_bijie", "agreement_amount", 8e7, None),
      ("4.5亿元", "十三五", "guizhou_bijie", "investment", 4.5e8, None),
      ("三十五家", "十三五", "guizhou_bijie", "enterprises", 35, None)]),
    ("新增注册资本5000万元以上的企业120家。第五届进博会期间签约金额达32亿元。", ("shanghai",),
     [("120家", "十三五", "nationwide", "enterprises", 120, None),
      ("32亿元", "十三五", "nationwide", "agreement_amount", 3.2e9, None)]),
    ("“十二五”期间，向四川地震灾区捐款近2000万元。", ("shanghai",),
     [("近2000万元", "十二五", "disaster", "donation", 2e7, "近")]),
]


@pytest.mark.parametrize("text,actors,expected", OTHER_STYLES, ids=[t[0][:12] for t in OTHER_STYLES])
def test_other_styles(text, actors, expected):
    ex = _one(text, actors=actors)
    got = [(f.number_text, f.period, f.region_id, f.metric_id, f.value_base, f.quantity.qualifier) for f in ex.figures]
    assert [(g[0], g[1], g[2], g[3], g[5]) for g in got] == [(e[0], e[1], e[2], e[3], e[5]) for e in expected]
    for g, e in zip(got, expected):
        assert g[4] == pytest.approx(e[4])


def test_review_section_describes_the_previous_period():
    text = "一、过去五年的回顾\n在新疆喀什，投入资金10亿元。\n二、未来五年的主要任务\n在新疆喀什，投入资金20亿元。"
    ex = _one(text, period="十四五", review_period="十三五")
    assert [(f.value_base, f.period) for f in ex.figures] == [(1e9, "十三五"), (2e9, "十四五")]


def test_region_scope_runs_until_the_next_region_and_stops_at_the_sentence_end():
    text = "其中，在新疆喀什，投入资金5亿元，援建项目10个；在西藏日喀则，投入资金3亿元。实施项目7个。"
    ex = _one(text)
    assert [(f.number_text, f.region_id) for f in ex.figures] == [
        ("5亿元", "xinjiang_kashgar"), ("10个", "xinjiang_kashgar"), ("3亿元", "tibet_shigatse"), ("7个", "nationwide")]


def test_places_named_together_without_a_group_scope_nothing():
    ex = _one("与黑龙江、吉林、安徽等省签订合作项目20个。")
    assert [(f.region_id, f.metric_id) for f in ex.figures] == [("nationwide", "econ_coop_projects")]


def test_members_named_one_by_one_make_their_group():
    ex = _one("在云南文山、红河、普洱、迪庆，投入资金2亿元。")
    assert ex.figures[0].region_id == "yunnan_four"


def test_an_unclassifiable_count_is_rejected_not_guessed():
    ex = _one("建成示范点15个。")
    assert ex.figures == [] and [r.reason for r in ex.rejects] == ["unclassified_metric"]
