"""python -m loaders import / template / undo: output and exit codes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from test_upload_helpers import current, scalar, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("duckdb", "postgres")  # every test with `path` runs on both stores


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_template_then_fill_and_import(path, tmp_path):
    out = tmp_path / "模板.xlsx"
    r = run("template", "--out", out)
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["填写说明", "数据", "字典"]
    ws = wb["数据"]
    assert [c.value for c in ws[1]] == ["期间/年份", "地区", "指标", "数值", "单位", "限定词", "来源或备注"]
    formulas = sorted(dv.formula1 for dv in ws.data_validations.dataValidation)
    assert any("字典!$A$2" in f for f in formulas) and any("字典!$D$2" in f for f in formulas)
    assert any("字典!$H$2" in f for f in formulas)
    assert wb["字典"]["A2"].value == "新疆喀什" and "亿元" in wb["字典"]["E2"].value
    # the instructions sheet holds examples, which must not be imported
    ws.append(["2023", "新疆喀什", "援助资金", 3, "亿元", None, "cli"])
    wb.save(out)
    r = run("import", out, "--db", path, "--uploader", "王五")
    assert r.returncode == 0, r.stderr
    assert "已导入批次 1" in r.stdout and "新增 1" in r.stdout
    assert scalar(path, "SELECT count(*) FROM figures WHERE source_kind = 'upload'") == 1
    assert scalar(path, "SELECT uploader FROM batches") == "王五"
    r = run("import", out, "--db", path)  # same file again
    assert r.returncode == 1 and "批次 1" in r.stderr
    r = run("undo", "1", "--db", path)
    assert r.returncode == 0 and scalar(path, "SELECT count(*) FROM v_figures WHERE batch_id = 1") == 0


@pytest.mark.duckdb_only  # compares the file's bytes
def test_dry_run_writes_nothing(path, tmp_path):
    f = write_xlsx(tmp_path / "c.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"]])
    before = path.read_bytes()
    r = run("import", f, "--dry-run", "--db", path)
    assert r.returncode == 0, r.stderr
    assert "冲突 1" in r.stdout and "92.34亿元" in r.stdout and "--dry-run" in r.stdout
    assert path.read_bytes() == before
    r = run("import", f, "--replace", "--db", path)
    assert r.returncode == 0 and "替换 1" in r.stdout
    assert [v for v, _ in current(path, "十二五", "xinjiang_kashgar", "aid_funding")] == [9.5e9]


def test_bad_input_prints_error_table_and_fails(path, tmp_path):
    f = write_xlsx(tmp_path / "bad.xlsx", [["2023", "喀什地去", "援助资金", "=1+1", "亿元"]])
    r = run("import", f, "--dry-run", "--db", path)
    assert r.returncode == 1
    assert "工作表,行,列,值,问题,建议" in r.stdout
    assert "未知地区" in r.stdout and "新疆喀什" in r.stdout and "公式没有缓存值" in r.stdout
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello")
    r = run("import", fake, "--db", path)
    assert r.returncode == 1 and "不是有效的 Excel 工作簿" in r.stderr
    r = run("import", tmp_path / "missing.xlsx", "--db", path)
    assert r.returncode == 2
