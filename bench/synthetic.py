"""Synthetic plan texts and oversized databases for the benches (bench/); never used by the app.

Texts follow the real plans' review sentences (在新疆喀什,投入资金92.34亿元,援建…项目772个;) with random
regions and numbers, padded with the real plans' figure-free paragraphs so the extractor sees prose
of realistic shape. Databases are the real build plus n synthetic `figures` rows, generated with
numpy and written with one INSERT ... SELECT, so a million rows take seconds.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from common import dictionaries as d
from common import settings


def _plan_periods() -> list[str]:
    """The five-year periods (periods.csv) the real plans cover or review, oldest first: 十一五 … 十四五."""
    import json

    used = set()
    for sidecar in Path(settings.get("plans_dir")).glob("*.json"):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        used |= {meta.get("period"), meta.get("review_period")}
    return [p for p in d.five_year_periods()["period"] if p in used]


FIVE_YEAR = _plan_periods()
MAGNITUDE = {"亿": 1e8, "万": 1e4}

# --- texts ---------------------------------------------------------------------------------------

PROJECT_KINDS = ["“安居富民”和定居兴牧房", "移民安居工程及相关配套建设", "高原特色农牧业扶持",
                 "以水、电、路、气、房为主的新农村建设", "新农村和民生示范帮扶", "促进移民安稳致富的产业和民生",
                 "“安康工程”", "抗震安居房", "整村推进", "教育卫生基础设施", "产业园区和就业基地"]
SECTION_TITLES = ["对口支援工作成效显著", "区域合作交流稳步推进", "服务经济转型取得实效", "地区间友好往来日趋密切",
                  "智力支援取得新成果", "产业帮扶收效明显", "社会事业帮扶不断深化"]
TASK_TITLES = ["深化对口支援,助力打赢脱贫攻坚战", "推进区域合作,服务国家战略", "加强产业合作,促进共同发展",
               "创新合作机制,提升服务能力", "加强组织保障,确保规划落实"]
CN_ORD = "一二三四五六七八九十"


def _regions_for_text() -> list[tuple[str, str]]:
    """(region_id, surface form) of recipient regions: canonical names and their longer aliases."""
    r = d.regions()
    out = []
    for row in r[(r["level"] != "scope") & (~r["region_id"].str.startswith("shanghai"))].itertuples():
        out.append((row.region_id, row.name_zh))
        out.extend((row.region_id, a) for a in d.split_list(row.aliases) if len(a) >= 3)
    return out


@lru_cache(maxsize=1)
def filler_paragraphs() -> tuple[str, ...]:
    """Paragraphs of the real plans with no digits at all: prose the extractor must read and skip."""
    folder = Path(settings.get("plans_dir"))
    out = []
    for txt in sorted(folder.glob("*.txt")):
        for p in re.split(r"\n+", txt.read_text(encoding="utf-8")):
            p = p.strip()
            if len(p) > 60 and not re.search(r"[0-9０-９]", p):
                out.append(p)
    if not out:  # a plans folder without prose still yields texts
        out = ["坚持“扩大开放、优势互补、合作共赢、协调发展”,凝心聚力,积极开拓,对口支援与合作交流工作实现既定目标。"]
    return tuple(out)


def _money(rng: random.Random, lo: float, hi: float) -> str:
    return f"{rng.uniform(lo, hi):.2f}"


def _region_sentence(rng: random.Random, surface: str) -> str:
    funds = _money(rng, 0.5, 95)
    n = rng.randint(20, 1800)
    kind = rng.choice(PROJECT_KINDS)
    verb = rng.choice(["援建", "实施", "援建"])
    lead = rng.choice(["投入资金", "投入", "投入资金"])
    return f"在{surface},{lead}{funds}亿元,{verb}{kind}等项目{n}个;"


def _total_sentence(rng: random.Random, review: str) -> str:
    opener = rng.choice(["五年来,", f"“{review}”期间,", "五年来,本市"])
    areas = rng.randint(6, 12)
    funds = rng.randint(20, 400)
    q = rng.choice(["余", "多", ""])
    return (f"{opener}在{areas}个对口地区累计投入财政援助资金{funds}亿{q}元,实施项目{rng.randint(800, 6000)}个;"
            f"选派干部{rng.randint(80, 600)}人次、技术人才{rng.randint(5, 40) * 100}多人次,"
            f"组织实施人力资源培训约{rng.uniform(1, 30):.1f}万人次。")


def _cooperation_sentence(rng: random.Random) -> str:
    return rng.choice([
        f"签署经济技术合作项目{rng.randint(50, 900)}个,协议资金{_money(rng, 50, 2000)}亿元;",
        f"新签订政府间合作框架协议{rng.randint(2, 9)}个,与框架协议省市的合作进一步深化。",
        f"城市经济协调会成员城市由{rng.randint(15, 22)}个扩展到{rng.randint(23, 40)}个。",
        f"促成合作意向{rng.randint(10, 200)}项,意向金额{_money(rng, 10, 900)}亿元。",
        f"组织展销推介活动{rng.randint(20, 400)}场次,实现销售额{_money(rng, 1, 50)}亿元。",
    ])


def _enterprise_sentence(rng: random.Random) -> str:
    return rng.choice([
        f"五年来,新增注册资金100万元以上的来沪投资企业{rng.randint(20000, 300000)}家,注册资本{rng.randint(3000, 60000)}亿元。",
        f"本地企业赴各地投资(注册资金100万元以上){rng.randint(10000, 100000)}家,注册资本{rng.randint(5000, 80000)}亿元。",
        f"推动{rng.randint(20, 300)}家龙头企业到对口地区投资兴业,带动就业{rng.randint(1, 20)}万人。",
    ])


def _people_sentence(rng: random.Random) -> str:
    return rng.choice([
        f"选派干部{rng.randint(50, 500)}人次、技术人才{rng.randint(300, 3000)}多人次。",
        f"组织实施人员交流、人力资源培训超过{rng.uniform(1, 20):.1f}万人次。",
        f"帮助对口地区培训党政干部和专业技术人才{rng.randint(1000, 60000)}人次。",
        f"招录对口地区高校毕业生{rng.randint(50, 2000)}名来沪就业。",
    ])


def synthetic_plan_text(seed: int) -> str:
    """A plan-sized (15-40k characters) counterpart-support report with random regions and numbers."""
    rng = random.Random(seed)
    regions = _regions_for_text()
    filler = filler_paragraphs()
    plan_i = rng.randrange(1, len(FIVE_YEAR))
    period, review = FIVE_YEAR[plan_i], FIVE_YEAR[plan_i - 1]
    target = rng.randint(15_000, 40_000)
    indent = "\u3000\u3000" if rng.random() < 0.5 else "  "  # both scraped-page styles occur
    out = [f"上海市对口支援与合作交流“{period}”规划", ""]

    def para(s: str) -> None:
        out.append(indent + s)
        out.append("")

    def prose(k: int) -> None:
        for _ in range(k):
            para(rng.choice(filler))

    prose(1)
    para("一、过去五年的回顾")
    para(f"“{review}”期间,本市按照中央“服务长三角、服务长江流域、服务全国”的要求,合力推进对口支援与合作交流工作,取得了明显成效。")
    for i, title in enumerate(rng.sample(SECTION_TITLES, k=rng.randint(3, 5))):
        para(f"({CN_ORD[i]}){title}")
        pieces = [_total_sentence(rng, review)] if i == 0 else []
        if i == 0 or rng.random() < 0.5:
            picked = rng.sample(regions, k=rng.randint(3, 7))
            body = "".join(_region_sentence(rng, s) for _, s in picked)
            pieces.append("其中," + body.rstrip(";") + "。")
        pieces += [rng.choice([_cooperation_sentence, _enterprise_sentence, _people_sentence])(rng)
                   for _ in range(rng.randint(1, 4))]
        para("".join(pieces))
        prose(rng.randint(1, 3))
    para(f"二、“{period}”时期面临的形势")
    prose(rng.randint(2, 5))
    para("三、指导思想和主要目标")
    prose(rng.randint(2, 4))
    k = 0
    while sum(len(s) for s in out) < target:
        para(f"{CN_ORD[(k + 3) % 10]}、{TASK_TITLES[k % len(TASK_TITLES)]}")
        for j in range(rng.randint(2, 4)):
            para(f"({CN_ORD[j]}){rng.choice(SECTION_TITLES)}")
            prose(rng.randint(1, 3))
            if rng.random() < 0.3:
                para(rng.choice([_cooperation_sentence, _enterprise_sentence, _people_sentence])(rng))
        k += 1
    return "\n".join(out)


def synthetic_plans(n: int, seed: int = 0):
    """n synthetic plans shaped like loaders.build.Plan, ready for extract_all()."""
    from loaders.build import Plan

    plans = []
    for i in range(n):
        text = synthetic_plan_text(seed * 1_000_003 + i)
        period = re.search(r"“(十.五)”规划", text).group(1)
        review = FIVE_YEAR[FIVE_YEAR.index(period) - 1]
        meta = dict(plan_id=f"syn-{seed}-{i:05d}", title=text.splitlines()[0], kind="five_year_plan",
                    period=period, review_period=review, default_region="nationwide", actors=["shanghai"])
        plans.append(Plan(meta, text))
    return plans


# --- databases -----------------------------------------------------------------------------------

SECTIONS = ["一、过去五年的回顾 > (一)对口支援工作成效显著", "一、过去五年的回顾 > (二)区域合作交流稳步推进",
            "一、过去五年的回顾 > (三)服务经济转型取得实效", "三、主要任务 > (一)深化对口支援",
            "三、主要任务 > (二)推进区域合作"]
QUALIFIERS = [None, "余", "多", "约", "超过", "近", "以上"]
QUALIFIER_P = [0.8, 0.06, 0.05, 0.04, 0.02, 0.015, 0.015]


def _metric_units(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, written unit) with the written unit's factor and a typical size."""
    rows = []
    for m in metrics.itertuples():
        units = d.split_list(m.units) or [m.base_unit]
        for u in units:
            factor = MAGNITUDE.get(u[0], 1.0) if len(u) > 1 and u[0] in MAGNITUDE else 1.0
            if m.unit_family == "money":
                median = {"元": 5e7, "万元": 5e3, "亿元": 10, "万亿元": 1.5}.get(u, 10)
            elif m.unit_family == "percent":
                median = 60
            elif m.unit_family == "ratio":
                median = 3
            else:
                median = 8 if factor > 1 else 300
            rows.append(dict(metric_id=m.metric_id, unit=u, factor=factor, median=median,
                             base_unit=m.base_unit, family=m.unit_family, metric_zh=m.name_zh,
                             weight=3.0 if m.headline else 1.0))
            rows[-1]["common"] = u == m.display_unit_zh
    df = pd.DataFrame(rows)
    # plans write most figures in the display unit (亿元, 万人次): weight it 4:1 against the others
    df["weight"] = df["weight"] * np.where(df["common"], 4.0, 1.0)
    return df


def synthetic_figures(con, n: int, seed: int = 0) -> pd.DataFrame:
    """n synthetic plan figures over the plans, periods, regions and metrics already in con."""
    rng = np.random.default_rng(seed)
    plans = [r[0] for r in con.execute("SELECT plan_id FROM plans ORDER BY plan_id").fetchall()]
    # periods the real plans mention (not every period in the dictionary: no figures from the future)
    periods = con.execute("""SELECT period FROM periods WHERE period IN
                             (SELECT period FROM figures UNION SELECT period FROM plans) ORDER BY sort""").df()["period"].tolist()
    regions = con.execute("SELECT region_id, name_zh FROM regions ORDER BY sort").df()
    units = _metric_units(con.execute("SELECT * FROM metrics ORDER BY sort").df())

    plan_i = rng.integers(0, len(plans), n)
    # five-year periods dominate the real data; a few year/range periods stay in the mix
    p_weight = np.array([4.0 if p in FIVE_YEAR else 1.0 for p in periods])
    period_i = rng.choice(len(periods), n, p=p_weight / p_weight.sum())
    r_weight = np.where(regions["region_id"].eq("all_counterpart"), 4.0, 1.0)
    region_i = rng.choice(len(regions), n, p=r_weight / r_weight.sum())
    w = units["weight"].to_numpy()
    unit_i = rng.choice(len(units), n, p=w / w.sum())
    u = units.iloc[unit_i].reset_index(drop=True)
    value = u["median"].to_numpy() * rng.lognormal(0.0, 1.0, n)
    money = u["family"].eq("money").to_numpy()
    value = np.where(money, np.round(value, 2), np.maximum(1, np.round(value)))
    value = np.where(u["family"].eq("percent"), np.minimum(value, 100), value)
    q_i = rng.choice(len(QUALIFIERS), n, p=QUALIFIER_P)
    span_start = rng.integers(100, 40_000, n)
    quote_start = span_start - rng.integers(5, 80, n)
    num_len = rng.integers(2, 9, n)

    region_zh = regions["name_zh"].to_numpy()[region_i]
    plan_arr = np.asarray(plans, dtype=object)[plan_i]
    df = pd.DataFrame({
        "i": np.arange(n, dtype=np.int64),
        "plan_id": plan_arr,
        "period": np.asarray(periods, dtype=object)[period_i],
        "region_id": regions["region_id"].to_numpy()[region_i],
        "region_zh": region_zh,
        "metric_id": u["metric_id"].to_numpy(),
        "metric_zh": u["metric_zh"].to_numpy(),
        "value": value,
        "unit": u["unit"].to_numpy(),
        "qualifier": np.asarray(QUALIFIERS, dtype=object)[q_i],
        "value_base": value * u["factor"].to_numpy(),
        "base_unit": u["base_unit"].to_numpy(),
        "section": np.asarray(SECTIONS, dtype=object)[rng.integers(0, len(SECTIONS), n)],
        "quote_start": quote_start,
        "span_start": span_start,
        "num_len": num_len,
    })
    return df


# strings (ids, number texts, quotes) are built by DuckDB, which is far faster than Python loops
_INSERT_SQL = """
INSERT INTO figures
SELECT
    'syn:' || i AS figure_id, 'plan' AS source_kind, plan_id, NULL AS batch_id, NULL AS upload_file,
    NULL AS sheet, NULL AS row_number, period, NULL AS year, region_id, metric_id, value, unit, qualifier,
    value_base, base_unit,
    CAST(value AS VARCHAR) || coalesce(qualifier, '') || unit AS number_text,
    section,
    '在' || region_zh || ',' || metric_zh || CAST(value AS VARCHAR) || coalesce(qualifier, '') || unit || '(合成数据)。' AS quote,
    quote_start, span_start + num_len + 20 AS quote_end, span_start, span_start + num_len AS span_end,
    NULL AS ref_period, 'synthetic' AS note, NULL AS time_phrase, NULL AS place
FROM _syn
"""


def synthetic_database(path: str | Path, n_figures: int, seed: int = 0) -> Path:
    """The real database from data/plans plus n_figures synthetic figure rows, written to a fresh file."""
    import duckdb

    from loaders.build import build
    from store import cells

    path = Path(path)
    for f in (path, Path(str(path) + ".wal")):
        f.unlink(missing_ok=True)
    build(path)
    con = duckdb.connect(str(path))
    try:
        if n_figures > 0:
            chunk = 500_000  # bounds peak memory of the pandas frame
            for start in range(0, n_figures, chunk):
                df = synthetic_figures(con, min(chunk, n_figures - start), seed=seed + start)
                df["i"] += start
                con.register("_syn", df)
                con.execute(_INSERT_SQL)
                con.unregister("_syn")
            con.execute("INSERT OR REPLACE INTO build_info VALUES ('synthetic_figures', ?)", [str(n_figures)])
            cells.refresh(con)  # the aggregated cells a write would have kept (store/cells.py)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path
