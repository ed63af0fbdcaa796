"""Sidecars drafted from a new document's text: givers, recipient, date, period, and what extraction does with them."""
from __future__ import annotations

import pytest

from loaders.drafting import context_for, draft_sidecar
from loaders.extract import extract


def _figures(text):
    meta = draft_sidecar(text, "t")
    return meta, [(f.number_text, f.region_id, f.period, f.metric_id) for f in
                  extract(context_for(meta), text).figures]


@pytest.mark.parametrize("text,givers,recipient", [
    ("浙江省对口支援四川阿坝州。2019年投入资金3亿元。", ["zhejiang"], "sichuan_aba"),
    ("2020年，苏州市向铜仁市投入财政帮扶资金6.97亿元。", ["jiangsu"], "guizhou_tongren"),
    ("北京援藏助力拉萨发展\n今年安排资金9亿元。", ["beijing"], "tibet_lhasa"),
    ("青海省黄南州与江苏省无锡市对口协作座谈会召开。", ["jiangsu"], "qinghai_huangnan"),
    ("上海援疆工作综述\n2021年安排资金20亿元。", ["shanghai"], "xinjiang"),  # 援疆 implies Xinjiang
    ("2019年，和田地区向北京等援疆省市输送转移就业人员3200人。", [], "xinjiang_hotan"),  # a reverse flow
    ("2021年，大连市引入资金86亿元。", [], "liaoning_dalian"),
])
def test_givers_and_recipient(text, givers, recipient):
    meta = draft_sidecar(text, "t")
    assert (meta["actors"], meta["default_region"]) == (givers, recipient)


def test_headline_date_and_period():
    meta = draft_sidecar("上海援疆泽普分指挥部工作成效\n2022年1月5日  来源：文汇报\n一年来，安排资金3亿元。", "t")
    assert (meta["title"], meta["date"], meta["kind"]) == ("上海援疆泽普分指挥部工作成效", "2022-01-05", "work_report")
    assert meta["review"] == "pending"  # the review queue's contract: added documents start unreviewed
    assert draft_sidecar("“十四五”对口支援规划\n一、发展回顾\n", "t")["period"] == "十四五"
    assert draft_sidecar("“十四五”对口支援规划\n一、发展回顾\n", "t")["review_period"] == "十三五"


def test_no_givers_means_every_place_can_be_a_recipient():
    meta = {"plan_id": "t", "period": "2020", "actors": []}
    assert context_for(meta).actors == ()
    assert context_for({"plan_id": "t", "period": "2020", "actors": ["beijing"]}).actors == ("beijing",)


def test_recipient_named_in_the_headline_carries_and_a_scope_word_does_not_override_it():
    meta, figs = _figures("上海对口支援云南迪庆州\n2021年，上海聚焦西部大开发和乡村振兴，安排财政援助资金2.75亿元。"
                          "全年实施项目64个。")
    assert [(n, r) for n, r, _, _ in figs] == [("2.75亿元", "yunnan_diqing"), ("64个", "yunnan_diqing")]


def test_company_names_and_destinations_are_not_recipients():
    meta, figs = _figures("上海援疆工作\n2021年，浙江吉利控股集团在喀什投资建设项目，总投资12亿元。"
                          "其中，赴上海等地务工人员2100人。")
    assert [(n, r) for n, r, _, _ in figs] == [("12亿元", "xinjiang_kashgar"), ("2100人", "xinjiang_kashgar")]


def test_parts_after_qizhong_inherit_the_metric():
    _, figs = _figures("2020年，江苏帮助陕西贫困劳动力转移就业5.6万人，其中到江苏就业1.2万人。")
    assert [(n, m) for n, _, _, m in figs] == [("5.6万人", "labour_transfer"), ("1.2万人", "labour_transfer")]


def test_quoted_statements_hold_figures_and_structural_counts_do_not():
    _, figs = _figures("“今年我们安排援疆资金22.6亿元。”指挥部负责人表示。会议要求落实8个原则，聚焦五项重点任务。")
    assert [n for n, _, _, _ in figs] == ["22.6亿元"]


@pytest.mark.parametrize("text,value", [("争取各类帮扶资金近亿元。", 1e8), ("培训农牧民近万人。", 1e4),
                                        ("叶城县核桃经上海渠道销售额达2.1亿。", 2.1e8)])
def test_magnitudes_without_a_numeral_or_a_measure_word(text, value):
    meta = draft_sidecar(text, "t")
    figs = extract(context_for(meta), text).figures
    assert [f.value_base for f in figs] == [pytest.approx(value)]


def test_a_government_notice_gives_issuer_document_number_and_date():
    meta = draft_sidecar("上海市人民政府办公厅关于印发《上海市2021年对口支援工作要点》的通知\n沪府办发〔2021〕12号\n"
                         "各区人民政府：\n现将《要点》印发给你们。\n2021年3月5日", "t")
    assert (meta["issuer"], meta["doc_number"], meta["date"], meta["period"]) == (
        "上海市人民政府办公厅", "沪府办发〔2021〕12号", "2021-03-05", "2021")


@pytest.mark.parametrize("text,expected", [
    ("2019年，遵义市选派干部到上海挂职学习56人次。", [("56人次", "guizhou_zunyi", "cadres")]),  # a reverse flow
    ("上海援疆工作\n2021年，引进企业12家5.3亿元。", [("12家", "xinjiang", "enterprises"),
                                                   ("5.3亿元", "xinjiang", "investment")]),
    ("2020年，上海对口支援的新疆喀什、西藏日喀则等地区共投入资金50亿元。", [("50亿元", "nationwide", "aid_funding")]),
])
def test_reverse_flows_glued_amounts_and_lists(text, expected):
    _, figs = _figures(text)
    assert [(n, r, m) for n, r, _, m in figs] == expected


def test_figures_keep_their_time_phrase_and_place():
    text = "2022年1月5日\n一年来，上海向红河州元阳县投入资金1.35亿元。"
    meta = draft_sidecar(text, "t")
    (f,) = extract(context_for(meta), text).figures
    assert (f.time_phrase, f.place, f.period, f.region_id) == ("一年来", "红河州元阳县", "2021", "yunnan_honghe")
    row = f.as_row()
    assert (row["time_phrase"], row["place"]) == ("一年来", "红河州元阳县")


def test_a_recipient_carries_within_its_section_only_and_east_west_is_not_the_west():
    text = ("浙江省2021年东西部协作工作总结\n一、总体情况\n全年安排东西部协作财政资金52.6亿元。\n二、东西部协作\n"
            "（一）四川。全年向四川省拨付财政帮扶资金18.4亿元。实施帮扶项目702个。\n三、存在问题\n全年仍有37个项目未按期开工。")
    _, figs = _figures(text)
    assert [(n, r) for n, r, _, _ in figs] == [("52.6亿元", "nationwide"), ("18.4亿元", "sichuan"), ("702个", "sichuan"),
                                             ("37个", "nationwide")]
