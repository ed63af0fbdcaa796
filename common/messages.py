"""One message catalogue for the app, the command line and the deck, in Chinese and English.

Text is looked up by key and filled with named parameters: text("shown_first", "en", k=10, n=99). Errors carry a
code and parameters (CodedError) and are rendered in the reader's language where they are shown, so the page, the
command line and the deck say the same thing. tests/test_messages.py checks every key has both languages.
"""
from __future__ import annotations

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {  # key -> (中文, English)
    "app_title": ("上海对口支援与合作交流数据看板", "Shanghai Counterpart Support & Cooperation Dashboard"),
    "nav_overview": ("总览", "Overview"),
    "nav_funding": ("资金与项目", "Funding & projects"),
    "nav_regions": ("地区", "Regions"),
    "nav_cooperation": ("合作交流", "Cooperation"),
    "nav_tasks": ("工作任务", "Work tasks"),
    "nav_sources": ("数据与来源", "Data & sources"),
    "nav_upload": ("上传数据", "Upload data"),
    "language": ("语言 / Language", "Language / 语言"),
    "source": ("来源", "Source"),
    "source_plans": ("来源：上海市对口支援与合作交流相关规划文本（已载入的规划与上传数据）",
                     "Source: Shanghai counterpart-support and cooperation plans (loaded plans and uploads)"),
    "period": ("时期", "Period"),
    "periods": ("时期", "Periods"),
    "region": ("地区", "Region"),
    "regions": ("地区", "Regions"),
    "metric": ("指标", "Metric"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "quote": ("原文", "Source sentence"),
    "all": ("全部", "All"),
    "headline": ("核心指标", "Headline figures"),
    "stated_total": ("规划所述合计", "total stated in the plan"),
    "sum_of_regions": ("{n}个地区之和", "sum of {n} regions"),
    "vs_prev": ("较{p}", "vs {p}"),
    "coverage": ("仅含{years}年，{total}年中的{n}年", "{years} only, {n} of {total} years"),
    "sum_of_years": ("{years}年各年之和", "sum of the years {years}"),
    "period_partial": ("{period}（{coverage}）", "{period} ({coverage})"),
    "partial_short": ("{v}（{n}/{total}年）", "{v} ({n}/{total} yrs)"),
    "partial_cells": ("以下数值并非全期数据：{cells}。", "These values do not cover the whole period: {cells}."),
    "year_view": ("按年度", "By year"),
    "year_view_note": ("各年数值为上传或规划所列的单一年份数据，颜色与时期视图相同。",
                       "Single-year figures (uploads or plans), in the same colours as the period view."),
    "no_year_data": ("{metric}暂无单一年份的数据。请在“上传数据”页按年份上传（如 2021、2022）。",
                     "No single-year {metric} figures yet. Upload them by year (e.g. 2021, 2022) on the "
                     "Upload data page."),
    "map_period": ("{metric}（{unit}）· {period}", "{metric} ({unit}) · {period}"),
    "tiles_period": ("各地区 · {period}", "Regions · {period}"),
    "no_data_region_period": ("{period}暂无各地区{metric}数据。请选择其他时期，或在“上传数据”页上传该时期各年的数据。",
                              "No {metric} figures by region for {period}. Pick another period, or upload "
                              "that period's years on the Upload data page."),
    "cli_bad_period": ("无法识别的时期“{p}”：请填写五年规划期(如 十四五)或年份(如 2021)。",
                       "Unknown period “{p}”: give a five-year period (e.g. 十四五) or a year (e.g. 2021)."),
    "cli_bad_metric": ("没有指标“{m}”：请使用 metrics.csv 中的 metric_id，如 aid_funding。",
                       "No metric “{m}”: use a metric_id from metrics.csv, e.g. aid_funding."),
    "cli_no_totals": ("{p}没有{m}的数据：规划未列出该时期的合计，也没有上传其中各年的数字。可用 python -m loaders import 上传。",
                      "No {m} figures for {p}: no plan states its total and no year of it is uploaded. Upload them "
                      "with python -m loaders import."),
    "check_stated_vs_years": ("所述合计 vs 各年之和", "Stated total vs sum of years"),
    "no_data_period": ("{period}暂无{metric}数据。规划文本未列出该时期的数字，请在“上传数据”页上传Excel补充。",
                       "No {metric} figures for {period} yet: the plan text states none. Upload them on the "
                       "Upload data page."),
    "no_data": ("当前筛选条件下没有数据。请放宽筛选条件，或在“上传数据”页上传补充数据。",
                "No data for these filters. Widen the filters or upload figures on the Upload data page."),
    "go_upload": ("前往上传数据", "Go to upload"),
    "funding_by_period": ("各时期援助资金（按地区）", "Aid funding by period and region"),
    "stated_changes": ("时期间变化", "Changes between periods"),
    "stated_ratio": ("规划所述：{p}是{ref}的{text}；按合计计算为{calc}。",
                     "Plan states: {p} was {text} of {ref}; computed from totals: {calc}."),
    "computed_growth": ("{p}相对{ref}：{ratio}（{a} → {b}）", "{p} vs {ref}: {ratio} ({a} → {b})"),
    "loaded_data": ("已载入的数据", "Data loaded"),
    "plans": ("规划文本", "Plans"),
    "batches": ("上传批次", "Upload batches"),
    "no_batches": ("尚无上传批次。", "No uploads yet."),
    "built_at": ("最近构建时间：{t}", "Last build: {t}"),
    "last_upload": ("最近上传时间：{t}", "Last upload: {t}"),
    "grouped": ("各时期分地区", "Period × region"),
    "across": ("各地区跨时期", "Each region across periods"),
    "shares": ("占比", "Shares"),
    "per_project": ("单个项目平均资金", "Funding per project"),
    "annualised": ("年均值", "Per-year average"),
    "drilldown": ("查看明细：选择时期与地区", "Drill down: pick a period and region"),
    "drill_pick": ("时期 · 地区", "Period · region"),
    "per_project_unit": ("万元/个", "CNY 10k per project"),
    "per_year": ("{unit}/年", "{unit} per year"),
    "share_of_period": ("占该时期地区合计的比例", "share of the period's regional sum"),
    "map": ("地图", "Map"),
    "tiles": ("地区一览", "Regions at a glance"),
    "map_hidden": ("地图已按部署设置隐藏（AID_SHOW_MAP=0）。", "The map is hidden by deployment setting (AID_SHOW_MAP=0)."),
    "map_caption": ("地图数据：cnmaps（高德行政区划，官方标准国界表示，含南海断续线）。审图号：{n}",
                    "Map data: cnmaps (AMap boundaries, official depiction of China's territory incl. the South China "
                    "Sea dashed line). Map approval number (审图号): {n}"),
    "no_approval": ("未配置审图号", "未配置审图号 (not configured)"),
    "pick_region": ("选择地区", "Pick a region"),
    "members": ("包含：{m}", "Members: {m}"),
    "region_figures": ("{r}：各时期数据", "{r}: figures across periods"),
    "coop_projects": ("合作项目与协议金额", "Cooperation projects and agreed amounts"),
    "enterprise_flows": ("企业与注册资本：各地来沪 vs 上海赴各地", "Enterprises & registered capital: inbound vs outbound"),
    "chambers": ("商会", "Chambers of commerce"),
    "tasks_plan": ("工作计划", "Work plan"),
    "tasks_by_type": ("按任务类别", "By task type"),
    "tasks_by_section": ("按章节", "By section"),
    "tasks_by_unit": ("按责任单位（承担任务最多的单位）", "By responsible unit (who carries most)"),
    "tasks_shared": ("多单位共同承担的任务", "Tasks shared by several units"),
    "tasks_search": ("搜索任务（内容、单位、章节）", "Search tasks (text, unit, section)"),
    "tasks_count": ("任务数", "Tasks"),
    "lead_tasks": ("牵头任务数", "Lead tasks"),
    "assignments": ("分工条目", "Assignments"),
    "n_tasks_found": ("共{n}项任务", "{n} tasks"),
    "no_tasks": ("没有找到任务。请修改搜索词或选择其他工作计划。", "No tasks found. Change the search or the plan."),
    "figures_table": ("全部数据", "All figures"),
    "search": ("搜索（原文、地区、指标）", "Search (text, region, metric)"),
    "source_kind": ("来源类型", "Source type"),
    "download_csv": ("下载CSV", "Download CSV"),
    "download_xlsx": ("下载Excel", "Download Excel"),
    "pick_figure": ("选择一个数字查看原文位置", "Pick a figure to see it in its plan"),
    "checks": ("一致性核对", "Consistency checks"),
    "checks_summary": ("通过{p}项，未通过{f}项，无法核对{n}项", "{p} passed, {f} failed, {n} not checkable"),
    "n_figures": ("共{n}条数据", "{n} figures"),
    "basis": ("口径", "Basis"),
    "presentation": ("演示模式", "Presentation mode"),
    "views": ("保存的视图", "Saved views"),
    "view_name": ("视图名称", "View name"),
    "view_name_ph": ("例如：十二五援助资金", "e.g. Aid funding, 12th FYP"),
    "view_save": ("保存当前视图", "Save this view"),
    "view_saved": ("已保存视图“{name}”。", "Saved view “{name}”."),
    "view_none": ("还没有保存的视图。设置好筛选条件后，输入名称并保存。",
                  "No saved views yet. Set the filters, type a name and save."),
    "view_open": ("打开", "Open"),
    "view_link": ("链接", "Link"),
    "view_up": ("上移", "Move up"),
    "view_down": ("下移", "Move down"),
    "view_delete": ("删除", "Delete"),
    "view_delete_confirm": ("确认删除“{name}”？", "Delete “{name}”?"),
    "view_delete_yes": ("确认删除", "Delete"),
    "view_delete_no": ("取消", "Cancel"),
    "view_deleted": ("已删除视图“{name}”。", "Deleted view “{name}”."),
    "view_rename": ("新名称", "New name"),
    "view_rename_do": ("重命名", "Rename"),
    "view_renamed": ("已重命名为“{name}”。", "Renamed to “{name}”."),
    "view_error": ("操作失败：{e}", "Failed: {e}"),
    "view_page": ("页面：{p}", "Page: {p}"),
    "present_start": ("开始演示", "Start presentation"),
    "present_exit": ("退出演示", "Exit presentation"),
    "present_prev": ("◀ 上一页", "◀ Previous"),
    "present_next": ("下一页 ▶", "Next ▶"),
    "present_pos": ("第 {i} / {n} 页 · {name}", "Slide {i} / {n} · {name}"),
    "present_free": ("演示模式 · 共 {n} 个已保存视图", "Presentation · {n} saved views"),
    "present_no_views": ("演示模式 · 尚无保存的视图", "Presentation · no saved views"),
    "deck_download": ("下载演示文稿（PPTX）", "Download deck (PPTX)"),
    "deck_file": ("对口支援看板_{d}.pptx", "counterpart_support_{d}.pptx"),
    "upload_missing": ("上传页面尚未安装。", "The upload page is not installed."),
    "choose_all": ("全部（可选择以缩小范围）", "All (pick to narrow)"),
    "choose": ("请选择", "Choose"),
    "unit_axis": ("单位：{u}", "Unit: {u}"),
    "figure_id": ("编号", "ID"),
    "number_text": ("原文数字", "As written"),
    "plan": ("规划", "Plan"),
    "upload_file": ("上传文件", "Uploaded file"),
    "section": ("章节", "Section"),
    "title": ("标题", "Title"),
    "kind": ("类型", "Type"),
    "date": ("日期", "Date"),
    "n_figures_col": ("数据条数", "Figures"),
    "kind_five_year_plan": ("五年规划", "Five-year plan"),
    "kind_action_plan": ("行动计划", "Action plan"),
    "kind_work_plan": ("工作方案", "Work plan"),
    "kind_plan": ("规划文本", "Plan text"),
    "kind_upload": ("上传数据", "Upload"),
    "page_no": ("页码", "Page"),
    "page_of": ("第{p}/{n}页 · 每页{k}条 · 共{total}条", "Page {p} of {n} · {k} per page · {total} in all"),
    "figure_id_input": ("或输入数据编号", "Or type a figure ID"),
    "figure_not_found": ("没有编号为“{i}”的数据。", "No figure with ID “{i}”."),
    "pick_figure_page": ("选择一个数字查看原文位置（本页{k}条）", "Pick a figure to see it in its plan (this page's {k})"),
    "xlsx_too_big": ("共{n}条，超过Excel单表1,048,576行的上限：请缩小筛选范围，或下载CSV。",
                     "{n} rows exceed Excel's 1,048,576-row sheet limit: narrow the filters or download CSV."),
    "download_note": ("下载包含当前筛选条件下的全部{n}条数据，点击后生成。",
                      "Downloads hold all {n} figures for these filters, built when you click."),
    "checks_lazy": ("数据较多（{n}条），核对需要较长时间：展开后运行。",
                    "Many figures ({n}): the checks take a while and run when you open this section."),
    "checks_shown": ("显示前{k}项（未通过的在前），共{n}项。", "Showing the first {k} (failures first) of {n}."),
    "check": ("核对项", "Check"),
    "check_parts_vs_total": ("地区之和 vs 合计", "Regions vs total"),
    "check_stated_ratio": ("规划所述倍数", "Stated ratio"),
    "check_cross_plan": ("多份规划的同一数字", "Same figure in several plans"),
    "status": ("结果", "Result"),
    "status_pass": ("通过", "Pass"),
    "status_fail": ("未通过", "Fail"),
    "status_n/a": ("无法核对", "Not checkable"),
    "stated": ("所述数值", "Stated"),
    "computed": ("计算值", "Computed"),
    "detail": ("说明", "Detail"),
    "figure_ids": ("数据编号", "Figure IDs"),
    "shown_first": ("仅显示前{k}条，共{n}条。", "Showing the first {k} of {n}."),
    "cell_rule": ("每个时期、地区、指标只画一个数值：同一格有多条表述时取最大者（各句是重复表述，不相加），"
                  "其余表述见悬停提示。", "One value per period, region and metric: where several sentences state "
                  "the same cell the largest is drawn (they restate, they do not add); hover lists the others."),
    "others": ("同格其他表述", "Other figures for this cell"),
    "n_batches_col": ("行数", "Rows"),
    "uploader": ("上传人", "Uploaded by"),
    "upload_time": ("上传时间", "Uploaded at"),
    "undone_time": ("撤销时间", "Undone at"),
}


def has(key: str) -> bool:
    return key in MESSAGES


def text(key: str, lang: str = "zh", **params) -> str:
    """The message in `lang` (zh unless en), its {placeholders} filled from params."""
    zh, en = MESSAGES[key]
    template = en if lang == "en" else zh
    return template.format(**params) if params else template


def label(key: str, lang: str = "zh", fallback: str | None = None) -> str:
    """text(key) where the catalogue has it, else the fallback (default: the key itself), for open-ended ids."""
    return text(key, lang) if key in MESSAGES else (key if fallback is None else fallback)


class CodedError(Exception):
    """An error with a catalogue code and parameters; str() is Chinese (the default), message(lang) any language."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(text(code, "zh", **params))

    def message(self, lang: str = "zh") -> str:
        return text(self.code, lang, **self.params)
