"""python -m loaders add-plan / extract / build on new documents: GBK texts, drafted sidecars, friendly errors."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("天津市对口支援甘肃甘南州工作情况\n2020年11月2日\n截至2020年10月底，天津市累计投入甘南州帮扶资金10.76亿元，"
        "援建项目423个。今年，天津企业在甘南投资近亿元，吸纳贫困人口就业1800人。\n")


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_add_plan_drafts_the_sidecar_then_build_reads_the_gbk_text(tmp_path):
    src = tmp_path / "tj-gannan.txt"
    src.write_bytes(TEXT.encode("gbk"))
    plans = tmp_path / "plans"
    r = run("add-plan", src, "--plans", plans, "--id", "tj_gannan_2020")
    assert r.returncode == 0, r.stderr
    assert "gansu_gannan" in r.stdout and "10.76亿元" in r.stdout and "aid_funding" in r.stdout
    meta = json.loads((plans / "tj_gannan_2020.json").read_text(encoding="utf-8"))
    assert (meta["plan_id"], meta["title"], meta["date"], meta["kind"]) == (
        "tj_gannan_2020", "天津市对口支援甘肃甘南州工作情况", "2020-11-02", "work_report")
    assert (meta["actors"], meta["default_region"], meta["review"]) == (["tianjin"], "gansu_gannan", "pending")
    assert (plans / "tj_gannan_2020.txt").read_bytes() == src.read_bytes()  # the text is kept as received

    r = run("add-plan", src, "--plans", plans, "--id", "tj_gannan_2020")
    assert r.returncode == 1 and "--id" in r.stderr and "Traceback" not in r.stderr

    db = tmp_path / "x.duckdb"
    r = run("build", "--plans", plans, "--db", db)
    assert r.returncode == 0, r.stderr
    assert "figures 4" in r.stdout


def _bad_sidecar(tmp_path, **changes) -> subprocess.CompletedProcess:
    plans = tmp_path / "plans"
    plans.mkdir()
    shutil.copy(ROOT / "data" / "plans" / "sh-dalian-2020.txt", plans)
    meta = json.loads((ROOT / "data" / "plans" / "sh-dalian-2020.json").read_text(encoding="utf-8"))
    meta.update(changes)
    (plans / "sh-dalian-2020.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return run("build", "--plans", plans, "--db", tmp_path / "x.duckdb")


def test_a_period_written_in_words_is_understood(tmp_path):
    r = _bad_sidecar(tmp_path, period="2020年度", date="2020年5月11日")
    assert r.returncode == 0, r.stderr


def test_sidecar_errors_are_explained_not_tracebacks(tmp_path):
    r = _bad_sidecar(tmp_path, period="明年")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "明年" in r.stderr and "十四五" in r.stderr


def test_a_bad_date_is_explained(tmp_path):
    r = _bad_sidecar(tmp_path, date="五月十一日")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "2021-03-05" in r.stderr


def test_an_unknown_kind_is_named_with_the_allowed_ones(tmp_path):
    r = _bad_sidecar(tmp_path, kind="memo")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "memo" in r.stderr and "work_report" in r.stderr


def test_extract_reads_period_region_and_givers_off_the_text(tmp_path):
    src = tmp_path / "hotan.txt"
    src.write_text("北京市对口支援和田地区\n2019年，北京市安排援疆资金18.9亿元，实施项目205个。\n", encoding="utf-8")
    r = run("extract", src)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["number_text"], x["period"], x["region"]) for x in rows] == [
        ("18.9亿元", "2019", "xinjiang_hotan"), ("205个", "2019", "xinjiang_hotan")]
