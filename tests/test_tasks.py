"""Golden tests for loaders.tasks on the real work plans and on synthetic plans in other styles."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from loaders.tasks import ROW_KEYS, TaskParseError, extract_tasks, split_units

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


def _load(plan_id: str) -> tuple[str, list[dict]]:
    text = (PLANS / f"{plan_id}.txt").read_text(encoding="utf-8")
    return text, extract_tasks(plan_id, text)


@pytest.fixture(scope="module")
def dalian() -> tuple[str, list[dict]]:
    return _load("sh-dalian-2020")


@pytest.fixture(scope="module")
def huangpu() -> tuple[str, list[dict]]:
    return _load("huangpu-yrd-2020-2022")


def _by_task(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["task_no"]].append(r)
    return out


def _units(rows: list[dict]) -> list[tuple[str | None, str | None]]:
    return [(r["unit"], r["unit_city"]) for r in sorted(rows, key=lambda r: r["unit_order"] or 0)]


# --- shape and offsets, both real plans ----------------------------------------------------------

@pytest.mark.parametrize("plan_id", ["sh-dalian-2020", "huangpu-yrd-2020-2022"])
def test_rows_have_the_schema_keys_and_offsets_point_at_the_text(plan_id):
    text, rows = _load(plan_id)
    assert rows
    for r in rows:
        assert tuple(r) == ROW_KEYS
        assert text[r["span_start"]:r["span_end"]] == r["text"]
        assert r["text"] == r["text"].strip() and r["text"]
        assert "(责任单位" not in r["text"] and "(责任部门" not in r["text"]
        assert "明树数据" not in r["text"] and "网站地图" not in r["text"]
        assert r["unit"] is None or "(" not in r["unit"]
    for task_rows in _by_task(rows).values():
        orders = [r["unit_order"] for r in task_rows]
        assert orders == [None] or orders == list(range(1, len(orders) + 1))
        assert len({(r["span_start"], r["span_end"], r["section"]) for r in task_rows}) == 1


# --- Shanghai–Dalian 2020 ------------------------------------------------------------------------

# 25 numbered tasks; (五)2 (八)3 (九)6 (十二)2 (十三)3 (二十二)2 are split into sub-items: 19 + 18
DALIAN_TASK_NOS = (
    ["一", "二", "三", "四", "五.1", "五.2", "六", "七", "八.1", "八.2", "八.3"]
    + [f"九.{i}" for i in range(1, 7)]
    + ["十", "十一", "十二.1", "十二.2", "十三.1", "十三.2", "十三.3", "十四", "十五", "十六", "十七",
       "十八", "十九", "二十", "二十一", "二十二.1", "二十二.2", "二十三", "二十四", "二十五"]
)


def test_dalian_task_numbers_in_order(dalian):
    _, rows = dalian
    assert list(dict.fromkeys(r["task_no"] for r in rows)) == DALIAN_TASK_NOS
    assert len(DALIAN_TASK_NOS) == 37
    assert len(rows) == 216


DALIAN_UNITS = [
    ("一", [("上海市政府合作交流办", "上海"), ("大连市发展改革委", "大连"),
            ("大连市委办公室", "大连"), ("大连市政府办公室", "大连")]),
    ("三", [("上海市政府合作交流办", "上海"), ("各相关单位", "上海"),
            ("大连市发展改革委", "大连"), ("各相关单位", "大连")]),
    ("五.2", [("上海市地方金融监管局", "上海"), ("上海市发展改革委", "上海"),
              ("上海市经济信息化委", "上海"), ("上海市税务局", "上海"),
              ("上海市人力资源社会保障局", "上海"), ("大连市金融发展局", "大连"),
              ("大连市税务局", "大连"), ("大连银保监局", "大连"), ("人民银行大连市中心支行", "大连")]),
    # "," instead of "、" between units
    ("十二.1", [("上海市政府合作交流办", "上海"), ("各有关单位", "上海"), ("大连市政府经合办", "大连"),
                ("大连市发展改革委", "大连"), ("各有关单位", "大连")]),
    ("十九", [("上海市各有关区", "上海"), ("大连市各区市县", "大连"), ("开放先导区", "大连")]),
    ("二十三", [("上海市委组织部", "上海"), ("上海市发展改革委", "上海"),
                ("上海市人力资源社会保障局", "上海"), ("大连市委组织部", "大连"),
                ("大连市发展改革委", "大连"), ("大连市科技局", "大连"),
                ("大连市人力资源社会保障局", "大连")]),
    # no ";": every unit is Dalian's, abbreviated ones take 大连市
    ("二十四", [("大连市发展改革委", "大连"), ("大连市财政局", "大连"), ("大连市工业和信息化局", "大连"),
                ("大连市科技局", "大连"), ("大连市人力资源社会保障局", "大连")]),
    ("二十五", [("上海市委宣传部", "上海"), ("大连市委宣传部", "大连")]),
]


@pytest.mark.parametrize("task_no,expected", DALIAN_UNITS)
def test_dalian_units(dalian, task_no, expected):
    _, rows = dalian
    assert _units(_by_task(rows)[task_no]) == expected


def test_dalian_annotation_is_not_a_unit(dalian):
    _, rows = dalian
    assert not [r for r in rows if "下同" in (r["unit"] or "") or "负责" in (r["unit"] or "")]


def test_dalian_16_starts_with_shanghai_unit_written_without_prefix(dalian):
    text, rows = dalian
    t16 = _units(_by_task(rows)["十六"])
    assert t16[0] == ("上海市发展改革委", "上海")
    assert ("上海市合作交流办公室", "上海") in t16 and ("各园区", "上海") in t16
    assert t16[6] == ("大连市发展改革委", "大连")
    assert "(责任单位:市发展改革委、" in text  # the source really omits 上海 here


@pytest.mark.parametrize("task_no,section,task_type,starts,ends", [
    ("一", "一、强化两地对口合作工作机制", "强化两地对口合作工作机制",
     "决策层面:密切两地高层互联机制 适时召开", "持续高位推进两地对口合作工作。"),
    ("十二.2", "三、深化产业务实合作 > (十二)加快落地一批标志性跨区域合作项目", "深化产业务实合作",
     "充分发挥大连相关招商部门作用", "吸引上海青年企业家在大连投资。"),
    ("八.3", "二、扩大先进经验学习借鉴合作 > (八)对标上海国际金融中心建设开展合作",
     "扩大先进经验学习借鉴合作", "支持大商所在上海开展期货业务交流合作", "在沪办理的难题。"),
    ("二十五", "八、落实措施保障", "落实措施保障", "加强宣传动员 紧紧围绕", "辐射力与影响力。"),
])
def test_dalian_sections_and_text(dalian, task_no, section, task_type, starts, ends):
    _, rows = dalian
    r = _by_task(rows)[task_no][0]
    assert (r["section"], r["task_type"]) == (section, task_type)
    assert r["text"].startswith(starts) and r["text"].endswith(ends)


# --- Huangpu Yangtze-Delta 2020–2022 -------------------------------------------------------------

def test_huangpu_body_tasks(huangpu):
    _, rows = huangpu
    body = _by_task([r for r in rows if r["task_type"] == "主要任务"])
    # (一) 6+3+6, (二) 3+4+4, (三) 4+2+4, (四) 3+4+3, (五) 3+5+4+5
    assert len(body) == 63
    per_section = Counter(no.split(".")[0] for no in body)
    assert per_section == {"一": 15, "二": 11, "三": 10, "四": 10, "五": 17}
    assert "五.4.(5)" in body and "三.2.(3)" not in body


@pytest.mark.parametrize("task_no,section,units", [
    ("一.1.(1)", "二、主要任务 > (一)依托外滩金融禀赋,打造长三角要素集散之窗 > 1.提升资本要素辐射力",
     ["区金融办"]),
    # one (责任部门:…) closes item 2 and covers its three sub-items; "发展改革委…等" take 区, drop 等
    ("一.2.(1)", "二、主要任务 > (一)依托外滩金融禀赋,打造长三角要素集散之窗 > 2.提升创新资源活跃度",
     ["区科委", "区发展改革委", "区金融办", "区卫生健康委"]),
    ("一.2.(3)", "二、主要任务 > (一)依托外滩金融禀赋,打造长三角要素集散之窗 > 2.提升创新资源活跃度",
     ["区科委", "区发展改革委", "区金融办", "区卫生健康委"]),
    ("四.1.(2)", "二、主要任务 > (四)发挥品牌影响力,打造长三角文化旅游之窗 > 1.打造演艺共享平台",
     ["区委宣传部", "区文化旅游局"]),
])
def test_huangpu_body_rows(huangpu, task_no, section, units):
    _, rows = huangpu
    task = _by_task(rows)[task_no]
    assert task[0]["section"] == section
    assert _units(task) == [(u, "上海") for u in units]


def test_huangpu_body_text_excludes_marker_and_unit_list(huangpu):
    _, rows = huangpu
    last = _by_task(rows)["一.1.(6)"][0]
    assert last["text"].startswith("推动长三角金融风险协同防范")
    assert last["text"].endswith("维护金融市场健康稳定发展。")


def test_huangpu_table_types(huangpu):
    _, rows = huangpu
    table = _by_task([r for r in rows if r["task_no"].startswith("表")])
    assert list(table) == [f"表{i}" for i in range(1, 19)]
    assert Counter(t[0]["task_type"] for t in table.values()) == {
        "协同发展类": 4, "优势对接类": 7, "活动举办类": 7}
    assert table["表1"][0]["section"] == "2020年重点任务推进表 > 协同发展类"


@pytest.mark.parametrize("task_no,task_type,text,units", [
    ("表1", "协同发展类", "打造长三角核心城市中央活动区(caz)协同发展平台,推动长三角主要城市(中心城区)组建cbd发展联盟",
     ["区金融办", "区商务委"]),
    ("表3", "协同发展类", "推进广慈—思南国家转化医学创新产业园区建设,支持区内有临床试验条件的医疗主体主动对接服务长三角药企需求",
     ["区科委", "区卫生健康委", "区发展改革委"]),
    ("表5", "优势对接类", "深化与江苏常州国家高新区等长三角主要产业园区合作", ["区政府办公室"]),
    ("表15", "活动举办类", "积极承接长三角城市面向国内外的招商会、推介会、展示会等活动",
     ["区商务委", "区金融办", "区文化旅游局"]),
    ("表18", "活动举办类", "继续开展“黄浦杯”长三角城市群教育科研交流活动", ["区教育局"]),
])
def test_huangpu_table_rows(huangpu, task_no, task_type, text, units):
    _, rows = huangpu
    task = _by_task(rows)[task_no]
    assert {(r["task_type"], r["text"]) for r in task} == {(task_type, text)}
    assert _units(task) == [(u, "上海") for u in units]


# --- synthetic plans in other styles -------------------------------------------------------------

FULL_WIDTH = (
    "某某工作计划\n"
    "一、加强组织领导\n"
    "（一）建立工作机制。定期召开联席会议。（责任单位：上海市发展改革委；大连市发展改革委、市财政局（按职责分工负责））\n"
    "（二）完善考核评估\n"
    "１．制定考核办法。（牵头单位：上海市合作交流办；配合单位：市财政局、市统计局）\n"
    "２．开展年度评估。（责任单位：各有关单位）\n"
    "二、保障措施\n"
    "（三）加强宣传。（责任单位：上海市委宣传部、大连市委宣传部）\n"
)


def test_full_width_plan():
    rows = extract_tasks("synthetic-fw", FULL_WIDTH)
    tasks = _by_task(rows)
    assert list(tasks) == ["一", "二.1", "二.2", "三"]
    for r in rows:
        assert FULL_WIDTH[r["span_start"]:r["span_end"]] == r["text"]
    assert tasks["一"][0]["text"] == "建立工作机制。定期召开联席会议。"
    assert _units(tasks["一"]) == [("上海市发展改革委", "上海"), ("大连市发展改革委", "大连"),
                                   ("大连市财政局", "大连")]
    assert tasks["二.1"][0]["section"] == "一、加强组织领导 > （二）完善考核评估"
    assert tasks["二.1"][0]["text"] == "制定考核办法。"
    # lead and cooperating units as one list; 市X follows the city of the unit before it
    assert _units(tasks["二.1"]) == [("上海市合作交流办", "上海"), ("上海市财政局", "上海"),
                                     ("上海市统计局", "上海")]
    assert _units(tasks["二.2"]) == [("各有关单位", None)]
    assert tasks["三"][0]["task_type"] == "保障措施"
    assert _units(tasks["三"]) == [("上海市委宣传部", "上海"), ("大连市委宣传部", "大连")]


def test_task_without_units_gives_one_row_with_unit_none():
    text = "一、任务\n(一)甲事项。(责任单位:上海市商务委)\n(二)乙事项。\n"
    tasks = _by_task(extract_tasks("synthetic-none", text))
    assert [(r["unit"], r["unit_city"], r["unit_order"]) for r in tasks["二"]] == [(None, None, None)]
    assert tasks["二"][0]["text"] == "乙事项。"


TABLE = "附件\n重点任务表\n类型\n序号\n重点任务\n责任单位\n合作类\n1\n任务甲\n区商务委\n区金融办\n交流类\n2\n任务乙\n区教育局\n网站地图\n"


def test_table_only_plan():
    rows = extract_tasks("synthetic-table", TABLE)
    assert [(r["task_no"], r["task_type"], r["text"], r["unit"], r["unit_order"]) for r in rows] == [
        ("表1", "合作类", "任务甲", "区商务委", 1), ("表1", "合作类", "任务甲", "区金融办", 2),
        ("表2", "交流类", "任务乙", "区教育局", 1)]
    assert rows[0]["section"] == "重点任务表 > 合作类"


@pytest.mark.parametrize("raw,cities,default,expected", [
    ("上海市政府合作交流办;大连市发展改革委、市委办公室(按职责分工负责,下同)", ("上海", "大连"), None,
     [("上海市政府合作交流办", "上海"), ("大连市发展改革委", "大连"), ("大连市委办公室", "大连")]),
    ("市发展改革委、上海市合作交流办公室;市商务局", ("上海", "大连"), None,
     [("上海市发展改革委", "上海"), ("上海市合作交流办公室", "上海"), ("大连市商务局", "大连")]),
    ("区科委、发展改革委、市场监管局等", (), "上海",
     [("区科委", "上海"), ("区发展改革委", "上海"), ("区市场监管局", "上海")]),
    ("中国（上海）自由贸易试验区管委会、各园区", (), "上海",
     [("中国(上海)自由贸易试验区管委会", "上海"), ("各园区", "上海")]),
])
def test_split_units(raw, cities, default, expected):
    assert split_units(raw, cities, default) == expected


@pytest.mark.parametrize("text", [
    "这是一段没有编号任务的说明文字。",
    "一、任务\n(一)甲事项。(责任单位:上海市商务委\n(二)乙事项。\n",   # unclosed unit list
    TABLE.replace("交流类\n2\n", "交流类\n3\n"),                       # table numbering skips 2
    TABLE.replace("区教育局\n网站地图", "区教育局\n网站地图\n3\n任务丙\n区民政局"),  # footer inside table
])
def test_unreadable_structure_raises(text):
    with pytest.raises(TaskParseError):
        extract_tasks("synthetic-bad", text)
