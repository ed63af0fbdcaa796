"""The upload template: a 数据 sheet with drop-downs, a 填写说明 sheet with examples, a 字典 sheet."""
from __future__ import annotations

import io

from common import dictionaries as d
from loaders.upload.columns import TEMPLATE_HEADERS

EXAMPLES = [
    ["十三五", "新疆喀什", "援助资金", "约35.6", "亿元", "", "示例：某年度工作总结第3页"],
    ["2021", "云南四州市", "援建项目", "120", "个", "", "示例：“约”写在数值里或填在限定词列都可以"],
    ["2020-2022", "长三角", "培训人次", "1.2", "万人次", "以上", ""],
]
INSTRUCTIONS = [
    "在“数据”工作表中每行填写一个数值；第一行是表头，请不要修改。",
    "期间/年份：五年规划期(如 十三五、十四五)、年份(如 2021)或年份区间(如 2020-2022)，年份须在 2000–2035 之间。",
    "地区、指标、单位：请从下拉列表中选择；完整列表见“字典”工作表，地区也可填写字典中的别名。",
    "数值：只填数字，可以带“约、余、多、以上”等限定词；不要填写公式(如有公式，请保存后再上传)。",
    "单位须与指标匹配：资金类用 元/万元/亿元，项目用 个/项，人员用 人/人次/万人次 等。",
    "同一文件中同一期间、地区、指标只能出现一次；与系统中已有数值不同时，上传后可选择替换或跳过。",
    "“填写说明”和“字典”工作表不会被导入；隐藏的工作表也不会被导入。其他可见的工作表都必须是数据表，否则整个文件不会导入。",
    "也可以上传宽表：每个指标一列(表头如“援助资金(亿元)”，另有期间/年份和地区列)，或每个年份一列(表头如“2021年”，另有地区、指标和单位列)；"
    "预览会显示每个数值读自哪一列。",
    "同一数值由多个有效批次提供时，撤销其中一个批次不会移除它，直到最后一个提供它的批次也被撤销。",
]


def template_bytes() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    regions = d.regions().sort_values("sort")
    metrics = d.metrics().sort_values("sort")
    units = []
    for u in metrics["units"]:
        for x in d.split_list(u):
            if x not in units:
                units.append(x)

    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(TEMPLATE_HEADERS)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for col, width in zip("ABCDEFG", (12, 18, 18, 12, 10, 10, 40)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"

    dic = wb.create_sheet("字典")
    dic.append(["地区", "地区别名", "", "指标", "可用单位", "指标说明", "", "单位"])
    for cell in dic[1]:
        cell.font = bold
    n = max(len(regions), len(metrics), len(units))
    reg, met = regions.to_dict("records"), metrics.to_dict("records")
    for i in range(n):
        r = reg[i] if i < len(reg) else None
        m = met[i] if i < len(met) else None
        dic.append([r["name_zh"] if r else None, "、".join(d.split_list(r["aliases"])) if r else None, None,
                    m["name_zh"] if m else None, "、".join(d.split_list(m["units"])) if m else None,
                    m["description"] if m else None, None, units[i] if i < len(units) else None])
    for col, width in zip("ABCDEFGH", (18, 40, 2, 18, 24, 50, 2, 10)):
        dic.column_dimensions[col].width = width

    last = 5000
    for col, ref, n_items in (("B", "A", len(regions)), ("C", "D", len(metrics)), ("E", "H", len(units))):
        dv = DataValidation(type="list", formula1=f"=字典!${ref}$2:${ref}${n_items + 1}", allow_blank=True,
                            showErrorMessage=False)  # aliases typed by hand are fine too
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)

    info = wb.create_sheet("填写说明", 0)
    info.append(["填写说明"])
    info["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(INSTRUCTIONS, 1):
        info.append([f"{i}. {line}"])
    info.append([])
    info.append(["示例(请在“数据”工作表中填写，本页不会被导入)："])
    info.append(TEMPLATE_HEADERS)
    for cell in info[info.max_row]:
        cell.font, cell.fill = bold, fill
    for ex in EXAMPLES:
        info.append(ex)
    info.column_dimensions["A"].width = 14
    for col in "BCDEFG":
        info.column_dimensions[col].width = 16
    wb.active = 1  # open on 数据
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
