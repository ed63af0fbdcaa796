"""A newly added document for the review tests: a short 援疆 work bulletin written for these tests (not one of the
five plans, not in data/plans/), its sidecar marked "review": "pending", built beside the 十三五 plan in a temp
plans folder."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from common.paths import PLANS
from loaders.build import build
from store import db

PLAN_ID = "sh-kashgar-brief-2023"
TEXT = """上海援疆工作简报（2023年第4期）

一、总体情况
2023年，上海市对口支援新疆工作前方指挥部围绕喀什地区四县发展需要，扎实推进各项援建任务。全年安排援疆资金21.6亿元，实施援建项目182个，项目开工率达到100%。

二、产业援疆
在喀什，新引进企业37家，带动就业1.2万人。举办产品展销活动12场，销售农产品8.5亿元。

三、人才援疆
选派教师、医生等专业技术人才460人次，培训当地干部人才2.3万人次。

四、下一步工作
认真落实三项重点任务，确保各项工作取得实效。
"""
SIDECAR = {"plan_id": PLAN_ID, "title": "上海援疆工作简报（2023年第4期）", "kind": "work_report", "period": "2023",
           "default_region": "xinjiang_kashgar", "actors": ["shanghai"], "date": "2023-12-20",
           "issuer": "测试用简报（为审核测试而写）", "review": "pending"}
REVIEWED_PLAN = "sh-13th-fyp"  # an existing plan: no "review" key, its figures count as reviewed
# two more pending documents (written for the tests, as the bulletin): whole-period totals of 十四五 and 十五五, so a
# 十五五 headline card is compared with a 十四五 value that is itself unreviewed
PERIOD_DOCS = {
    "sh-kashgar-14th-test": ("十四五", "work_report", "上海援疆“十四五”总结（测试用）",
                             "“十四五”期间，上海累计安排援疆资金200亿元，实施援建项目800个。"),
    "sh-kashgar-15th-test": ("十五五", "five_year_plan", "上海援疆“十五五”规划（测试用）",
                             "“十五五”期间，上海安排援疆资金300亿元，实施援建项目1000个。"),
}


def write_plans(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PLAN_ID}.txt").write_text(TEXT, encoding="utf-8")
    (folder / f"{PLAN_ID}.json").write_text(json.dumps(SIDECAR, ensure_ascii=False, indent=2), encoding="utf-8")
    for suffix in (".txt", ".json"):
        shutil.copyfile(PLANS / f"{REVIEWED_PLAN}{suffix}", folder / f"{REVIEWED_PLAN}{suffix}")
    return folder


def write_period_docs(folder: Path) -> Path:
    """PERIOD_DOCS as pending documents in a plans folder (beside write_plans' bulletin)."""
    for pid, (period, kind, title, sentence) in PERIOD_DOCS.items():
        (folder / f"{pid}.txt").write_text(f"{title}\n\n{sentence}\n", encoding="utf-8")
        meta = {**SIDECAR, "plan_id": pid, "title": title, "kind": kind, "period": period}
        (folder / f"{pid}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def build_review_db(tmp: Path) -> tuple[Path, Path]:
    """(database, plans folder) with the pending bulletin and the 十三五 plan built into it."""
    plans = write_plans(tmp / "plans")
    path = tmp / "review.duckdb"
    build(path, plans)
    return path, plans


def figure_id(path: Path, number_text: str) -> str:
    """The id of the bulletin's figure whose number is written `number_text` (offsets, not extraction order)."""
    start = TEXT.index(number_text)
    rows = query(path, "SELECT figure_id FROM figures WHERE plan_id = ? AND span_start = ?", [PLAN_ID, start])
    assert rows, f"{number_text} was not extracted from the bulletin"
    return rows[0][0]


def query(path: Path, sql: str, params=()) -> list[tuple]:
    con = db.open_read(path)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
