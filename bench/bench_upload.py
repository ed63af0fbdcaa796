"""Upload speed: read + validate + commit of a 100,000-row workbook vs pandas.read_excel(openpyxl) alone.

Prints the ratio ours / baseline, both measured in this run; the target is < 1.0.
Run: python bench/bench_upload.py [--rows N]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REGIONS = ["新疆喀什", "西藏日喀则", "青海果洛", "云南四州市", "贵州遵义", "三峡库区", "新疆阿克苏", "辽宁大连",
           "安徽", "上海黄浦", "云南文山", "云南红河", "云南普洱", "云南迪庆", "重庆万州", "北京", "天津", "河北",
           "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "福建", "江西", "山东", "河南", "湖北"]
METRICS = [("援助资金", "亿元"), ("援建项目", "个"), ("培训人次", "人次"), ("捐赠资金物资", "万元"), ("企业数", "家"),
           ("投资额", "亿元"), ("经济合作项目", "项"), ("选派干部", "人"), ("活动场次", "场次"), ("住房套数", "套")]


def write_workbook(path: Path, n_rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(["期间/年份", "地区", "指标", "数值", "单位", "限定词", "来源或备注"])
    years = list(range(2000, 2036))
    i = 0
    # every (year, region, metric) once, then ranges "a-b" for more distinct periods, until n_rows
    keys = [(str(y), r, m) for y in years for r in REGIONS for m in METRICS]
    for a in years:
        for b in years:
            if b > a:
                keys.extend((f"{a}-{b}", r, m) for r in REGIONS for m in METRICS)
            if len(keys) >= n_rows:
                break
        if len(keys) >= n_rows:
            break
    for period, region, (metric, unit) in keys[:n_rows]:
        value = round((i * 37 % 10000) / 10 + 1, 1)
        ws.append([period, region, metric, value, unit, "约" if i % 7 == 0 else None, f"来源 {i % 50}"])
        i += 1
    wb.save(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()

    import pandas as pd

    from loaders.build import build
    from loaders.upload import commit, prepare

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        xlsx = tmp / "big.xlsx"
        t = time.perf_counter()
        write_workbook(xlsx, args.rows)
        print(f"wrote {args.rows} rows ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f}s")
        base_db = tmp / "base.duckdb"
        build(base_db)
        db_path = tmp / "run.duckdb"
        shutil.copyfile(base_db, db_path)
        # warm the dictionaries and imports so neither side pays for one-off start-up
        from common import dictionaries as d
        d.region_index(), d.metric_index()

        t = time.perf_counter()
        df = pd.read_excel(xlsx, engine="openpyxl")
        baseline = time.perf_counter() - t
        assert len(df) == args.rows

        t = time.perf_counter()
        data = xlsx.read_bytes()
        pv = prepare(data, xlsx.name, db_path, max_mb=1e6)
        t_prep = time.perf_counter() - t
        assert pv.errors.empty, pv.errors.head()
        res = commit(pv, db_path)
        ours = time.perf_counter() - t
        assert res.n_added == args.rows, res

    print(f"baseline pandas.read_excel(openpyxl): {baseline:.2f}s")
    print(f"ours read+validate: {t_prep:.2f}s, +commit: {ours:.2f}s ({res.n_added} figures, batch {res.batch_id})")
    print(f"ratio ours/baseline: {ours / baseline:.2f}  (target < 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
