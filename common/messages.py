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
    # --- uploads: whole-file errors (loaders.upload.read / sheets / sandbox) ---------------------------------------
    "upload_too_big": ("文件太大: {size} MB，上限为 {limit} MB。请拆分成几个文件分别上传。",
                       "File too large: {size} MB; the limit is {limit} MB. Split it into several files."),
    "upload_bad_type": ("不支持的文件类型“{suffix}”。请上传 .xlsx、.xlsm、.xls 或 .csv 文件。",
                        "Unsupported file type “{suffix}”. Upload an .xlsx, .xlsm, .xls or .csv file."),
    "upload_empty": ("文件是空的。", "The file is empty."),
    "upload_no_sheets": ("工作簿里没有可导入的数据（所有工作表都是空的或被跳过）。{notes}",
                         "The workbook holds nothing to import (every sheet is empty or skipped). {notes}"),
    "upload_not_workbook": ("这个文件不是有效的 Excel 工作簿，无法读取（可能是把其他文件改成了 {suffix} 扩展名，或文件已损坏）。"
                            "请在 Excel 中打开后另存为 .xlsx 再上传。",
                            "This file is not a valid Excel workbook (maybe another file renamed {suffix}, or a "
                            "damaged one). Open it in Excel, save it as .xlsx and upload again."),
    "upload_encrypted": ("工作簿设置了打开密码（已加密），无法读取。请在 Excel 中打开，依次选择“文件 → 信息 → 保护工作簿 → "
                         "用密码进行加密”，删除密码并保存后再上传。",
                         "The workbook is password-protected (encrypted) and cannot be read. Open it in Excel, "
                         "choose File → Info → Protect Workbook → Encrypt with Password, clear the password, save "
                         "and upload again."),
    "upload_too_many_cells": ("文件中的单元格太多（超过 {limit} 个非空单元格）。请拆分成几个文件分别上传。",
                              "Too many cells (more than {limit} non-empty cells). Split the file into several."),
    "upload_zip_bomb": ("文件解压后过大（约 {mb} MB），不像是正常的工作簿，已拒绝。请另存为 .xlsx 后重试。",
                        "The file unpacks to far too much (about {mb} MB) for a normal workbook and was refused. "
                        "Save it again as .xlsx and retry."),
    "upload_part_damaged": ("工作簿的 {part} 部分已损坏（{detail}），无法读取。请在 Excel 中打开后另存为 .xlsx 再上传。",
                            "The workbook's {part} part is damaged ({detail}). Open it in Excel, save it as .xlsx "
                            "and upload again."),
    "upload_sheet_damaged": ("工作表“{sheet}”已损坏，无法完整读取（{detail}）。整个文件未导入。请在 Excel 中打开后另存为 .xlsx，"
                             "或删除该工作表后再上传。",
                             "Sheet “{sheet}” is damaged and cannot be read in full ({detail}). Nothing was "
                             "imported. Open the file in Excel and save it as .xlsx, or delete that sheet, then "
                             "upload again."),
    "upload_duplicate_sheet_names": ("工作簿中有两个同名工作表“{sheet}”（Excel 本身不允许），文件可能是其他程序生成或已损坏。"
                                     "请重命名其中一个后再上传。",
                                     "The workbook has two sheets named “{sheet}” (Excel itself does not allow "
                                     "that); another program made it or it is damaged. Rename one and upload "
                                     "again."),
    "upload_csv_encoding": ("无法识别 CSV 文件的编码。请另存为“CSV UTF-8”或 GBK 编码后重试。",
                            "Unknown CSV encoding. Save it as “CSV UTF-8” (or GBK) and retry."),
    "upload_csv_binary": ("文件内容不是文本格式的 CSV（可能是改了扩展名的其他文件）。",
                          "The file is not a text CSV (maybe another file renamed .csv)."),
    "upload_wrong_extension_csv": ("这个文件其实是 Excel 工作簿，却以 .csv 结尾。请把扩展名改回 .xlsx（或 .xls）后再上传。",
                                   "This file is really an Excel workbook named .csv. Rename it back to .xlsx "
                                   "(or .xls) and upload again."),
    "upload_csv_damaged": ("CSV 文件第 {line} 行无法解析（{detail}）。请检查引号是否成对后重试。",
                           "CSV line {line} cannot be parsed ({detail}). Check that quotes are paired and retry."),
    "upload_timeout": ("读取文件超过 {s} 秒仍未完成，已停止。文件可能过大或结构异常；请另存为 .xlsx 或拆分后再上传。服务器未受影响。",
                       "Reading the file took longer than {s} s and was stopped. It may be too big or oddly built: "
                       "save it as .xlsx or split it, then retry. The server was not affected."),
    "upload_memory": ("读取文件需要的内存超过 {mb} MB 的上限，已停止（常见原因：工作表远处有零星单元格，或文件已损坏）。"
                      "请删除多余的行列、另存为 .xlsx 后再上传。服务器未受影响。",
                      "Reading the file needed more than the {mb} MB memory limit and was stopped (often a stray "
                      "cell far out in a sheet, or a damaged file). Delete the unused rows and columns, save as "
                      ".xlsx and retry. The server was not affected."),
    "upload_child_failed": ("读取文件的子进程意外退出（{detail}），文件未导入。服务器未受影响；请另存为 .xlsx 后重试。",
                            "The process reading the file stopped unexpectedly ({detail}); nothing was imported. "
                            "The server was not affected; save the file as .xlsx and retry."),
    "upload_only_headers": ("文件中没有数据行(只有表头)。请在“数据”工作表中逐行填写后再上传。",
                            "The file has headers but no data rows. Fill in the 数据 sheet row by row and upload "
                            "again."),
    "upload_has_errors": ("文件有 {n} 处错误，请改正后再上传；未做任何更改。",
                          "The file has {n} errors; correct them and upload again. Nothing was changed."),
    "upload_no_rows": ("文件中没有可导入的数据行。", "The file has no rows to import."),
    "upload_duplicate": ("同一个文件已经作为批次 {batch} 导入过(内容完全相同)，未重复导入。如需重新导入，请先撤销批次 {batch}；"
                         "如要用文件中的数值替换不同的现有数值，请选择“替换”。",
                         "This exact file was already imported as batch {batch}; not imported again. To import "
                         "it again, undo batch {batch} first; to replace differing current figures with the "
                         "file's, choose Replace."),
    "upload_nothing_new": ("没有需要写入的数据：{same} 行与现有数值相同，{skipped} 行冲突被跳过。未创建批次。",
                           "Nothing to write: {same} rows equal current figures and {skipped} conflicting rows "
                           "were skipped. No batch was created."),
    "upload_committed": ("已导入批次 {batch}：新增 {added} 行，替换 {replaced} 行，跳过冲突 {skipped} 行，与现有数据相同 {same} 行。数据已在各页面生效。",
                         "Imported batch {batch}: {added} added, {replaced} replaced, {skipped} conflicts skipped, "
                         "{same} equal to current figures. The pages show them now."),
    "upload_no_batch": ("没有批次 {batch}。", "There is no batch {batch}."),
    "upload_already_undone": ("批次 {batch} 已于 {at} 撤销过。", "Batch {batch} was already undone at {at}."),
    "upload_disk_full": ("磁盘空间不足：写入需要约 {need} MB，可用 {free} MB。请清理磁盘后重试；未做任何更改。",
                         "Not enough disk space: the write needs about {need} MB, {free} MB are free. Free some "
                         "space and retry; nothing was changed."),
    # --- uploads: notes on sheets ---
    "upload_note_empty": ("工作表“{sheet}”是空的，已跳过。", "Sheet “{sheet}” is empty; skipped."),
    "upload_note_hidden": ("工作表“{sheet}”是隐藏的，已跳过。", "Sheet “{sheet}” is hidden; skipped."),
    "upload_note_info": ("工作表“{sheet}”是模板的说明页，已跳过。", "Sheet “{sheet}” is the template's instructions; skipped."),
    "upload_note_chart": ("工作表“{sheet}”是图表或宏表，没有单元格，已跳过。",
                          "Sheet “{sheet}” is a chart or macro sheet with no cells; skipped."),
    "upload_note_macros": ("文件含有宏（.xlsm）：宏不会运行，也不会被保存，只读取单元格中的数值。",
                           "The file holds macros (.xlsm): they are not run and not kept; only cell values are read."),
    "upload_note_wide_metric": ("工作表“{sheet}”是宽表（每个指标一列，{first}–{last} 列共 {n} 列）：已按“一格一条”展开为 {rows} 条，"
                                "指标取自列标题。请在预览中核对。",
                                "Sheet “{sheet}” is wide (one column per metric, columns {first}–{last}, {n} in "
                                "all): read as {rows} figures, one per cell, the metric taken from the column "
                                "header. Check the preview."),
    "upload_note_wide_period": ("工作表“{sheet}”是宽表（每个年份或期间一列，{first}–{last} 列共 {n} 列）：已按“一格一条”展开为"
                                " {rows} 条，期间取自列标题。请在预览中核对。",
                                "Sheet “{sheet}” is wide (one column per year or period, columns {first}–{last}, "
                                "{n} in all): read as {rows} figures, one per cell, the period taken from the "
                                "column header. Check the preview."),
    # --- uploads: cell problems (loaders.upload.validate) ---
    "upload_no_header": ("找不到表头：需要“期间/年份、地区、指标、数值”等列",
                         "No header row found: columns such as period/year, region, metric and value are needed"),
    "upload_no_header_hint": ("请使用上传模板的表头；不需要导入的工作表请删除或隐藏",
                              "Use the upload template's headers; delete or hide sheets that are not data"),
    "upload_no_period_column": ("缺少“期间/年份”列", "The period/year column is missing"),
    "upload_no_period_hint": ("请添加“期间/年份”列，填写如 十四五、2021 或 2020-2022",
                              "Add a period/year column with values such as 十四五, 2021 or 2020-2022"),
    "v_period_empty": ("期间/年份为空", "Period/year is empty"),
    "v_period_empty_hint": ("请填写期间(如 十四五、2020-2022)或年份(如 2021)",
                            "Fill in a period (e.g. 十四五, 2020-2022) or a year (e.g. 2021)"),
    "v_error_cell": ("单元格是 Excel 错误值 {v}（公式出错），不是数值", "The cell holds the Excel error {v} (a failing formula)"),
    "v_error_cell_hint": ("请在 Excel 中修正该公式，或改填数值", "Fix the formula in Excel or type the value"),
    "v_year_bad": ("无法识别的年份“{v}”", "Unreadable year “{v}”"),
    "v_year_bad_hint": ("请填写四位数年份，如 2021（须在 {lo}–{hi} 之间）", "Use a four-digit year such as 2021 ({lo}–{hi})"),
    "v_year_range": ("年份 {y} 超出范围({lo}–{hi})", "Year {y} is out of range ({lo}–{hi})"),
    "v_year_range_hint": ("请检查年份是否填错", "Check the year for a typo"),
    "v_period_range": ("期间“{v}”超出允许的年份范围({lo}–{hi})", "Period “{v}” is outside the allowed years ({lo}–{hi})"),
    "v_period_date": ("期间“{v}”是一个日期，不是年份或期间", "Period “{v}” is a date, not a year or period"),
    "v_period_date_hint": ("请把该列设为“文本”或“常规”格式后填写年份(如 2021)",
                           "Format the column as Text or General and type the year (e.g. 2021)"),
    "v_period_bad": ("无法识别的期间“{v}”", "Unreadable period “{v}”"),
    "v_period_bad_hint": ("请填写五年规划期(如 十三五、十四五)、年份(如 2021)或年份区间(如 2020-2022)，年份须在 {lo}–{hi} 之间",
                          "Use a five-year plan period (十三五, 十四五), a year (2021) or a range (2020-2022), "
                          "years {lo}–{hi}"),
    "v_year_outside": ("年份 {y} 不在期间“{p}”({a}–{b})之内", "Year {y} is not within period “{p}” ({a}–{b})"),
    "v_year_outside_hint": ("请核对期间与年份", "Check the period and the year"),
    "v_region_empty": ("地区为空", "Region is empty"),
    "v_region_empty_hint": ("请逐行填写地区；合并单元格以外的空白不会自动向下填充",
                            "Fill in the region on every row; blanks are filled down only from merged cells"),
    "v_region_unknown": ("未知地区“{v}”", "Unknown region “{v}”"),
    "v_did_you_mean": ("是否为: {names}", "Did you mean: {names}"),
    "v_region_pick": ("请从模板“字典”工作表的地区列表中选择", "Pick a region from the template's 字典 sheet"),
    "v_metric_empty": ("指标为空", "Metric is empty"),
    "v_metric_empty_hint": ("请逐行填写指标", "Fill in the metric on every row"),
    "v_metric_unknown": ("未知指标“{v}”", "Unknown metric “{v}”"),
    "v_metric_pick": ("请从模板“字典”工作表的指标列表中选择", "Pick a metric from the template's 字典 sheet"),
    "v_value_empty": ("数值为空", "Value is empty"),
    "v_value_empty_hint": ("请填写数值", "Fill in the value"),
    "v_value_negative": ("数值“{v}”是负数：援助资金、项目、人数等不能为负", "Value “{v}” is negative: funding, projects "
                         "and people cannot be"),
    "v_value_negative_hint": ("请填写正数；如要更正已导入的数值，请上传正确数值并选择“替换”",
                              "Use a positive number; to correct an imported figure upload the right value and "
                              "choose Replace"),
    "v_value_bad": ("无法识别的数值“{v}”", "Unreadable value “{v}”"),
    "v_value_not_number": ("不是数值: “{v}”", "Not a number: “{v}”"),
    "v_value_bad_hint": ("数值只填数字(可带单位或 约、余 等限定词)，不要填公式或文字说明",
                         "Type only the number (a unit and words such as 约 or 余 are fine), not formulas or text"),
    "v_unit_missing": ("数值“{v}”没有单位", "Value “{v}” has no unit"),
    "v_unit_twice": ("数值“{v}”与单位“{u}”的数量级重复", "Value “{v}” repeats the magnitude of unit “{u}”"),
    "v_unit_unknown": ("无法识别的单位“{u}”", "Unknown unit “{u}”"),
    "v_unit_hint": ("单位请填写如 元、万元、亿元、个、项、人次、万人次、%", "Use a unit such as 元, 万元, 亿元, 个, 项, 人次, 万人次, %"),
    "v_unit_misfit": ("单位“{u}”不适用于指标“{m}”", "Unit “{u}” does not fit metric “{m_en}”"),
    "v_unit_allowed": ("可用单位: {units}", "Allowed units: {units}"),
    "v_qualifier_bad": ("无法识别的限定词“{v}”", "Unknown qualifier “{v}”"),
    "v_qualifier_hint": ("可用: {q}", "Allowed: {q}"),
    "v_formula_no_value": ("公式没有缓存值", "Formula without a saved value"),
    "v_formula_no_value_hint": ("请在 Excel 中打开并保存文件(让公式算出结果)，或把公式改成数值",
                                "Open and save the file in Excel (so formulas get values) or type the values"),
    "v_note_long": ("来源或备注超过 {n} 个字", "The note is longer than {n} characters"),
    "v_note_long_hint": ("请缩短备注，或把长文放在其他文件中并注明出处", "Shorten it, or keep long text elsewhere and cite it"),
    "v_dup_same_sheet": ("与第 {r} 行重复(同一期间、地区、指标)", "Repeats row {r} (same period, region and metric)"),
    "v_dup_other_sheet": ("与工作表“{s}”第 {r} 行重复(同一期间、地区、指标)",
                          "Repeats sheet “{s}” row {r} (same period, region and metric)"),
    "v_dup_hint": ("请删除重复的行，或把数值合并为一行", "Delete the repeated row or merge the values into one"),
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
