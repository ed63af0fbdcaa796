"""Uploads end to end: real workbooks in tmp_path -> checks -> preview -> commit -> v_figures -> undo."""
from __future__ import annotations

import threading
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_upload_helpers import current, scalar, write_xlsx

from common.safe_csv import to_csv_bytes, to_xlsx_bytes
from loaders.build import build
from loaders.upload import REPLACE, SKIP, DuplicateUpload, UploadError, commit, history, prepare, undo
from loaders.upload.columns import match_header
from loaders.upload.read import read_upload
from store import db

ENGINES = ("duckdb", "postgres")  # every test with `path` runs on both stores
KASHGAR_12 = ("十二五", "xinjiang_kashgar", "aid_funding")  # a plan figure: 92.34亿元


def _prep(file: Path, path: Path, **kw):
    return prepare(file.read_bytes(), file.name, path, **kw)


def _errors(file: Path, path: Path) -> pd.DataFrame:
    pv = _prep(file, path)
    assert not pv.ok
    return pv.errors


# --- good file ----------------------------------------------------------------------------------

def test_good_file_commits_with_provenance(path, tmp_path):
    f = write_xlsx(tmp_path / "good.xlsx", [
        ["2023", "喀什", "援助资金", "约3", "亿元", None, "2023年工作总结"],
        ["十四五", "云南四州市", "援建项目", 120, "个", "以上", None],
        ["2020-2022", "長三角", "培训人次", "1.2", "万人次", None, None],  # traditional 長 folds
    ])
    pv = _prep(f, path)
    assert pv.ok, pv.errors
    assert pv.count("add") == 3
    res = commit(pv, path, uploader="张三")
    assert (res.n_added, res.n_replaced) == (3, 0)
    con = db.open_read(path)
    try:
        got = con.execute("SELECT figure_id, batch_id, upload_file, sheet, row_number, period, year, region_id, "
                          "metric_id, value, unit, qualifier, value_base, base_unit, number_text, note, period_zh "
                          "FROM v_figures WHERE source_kind = 'upload' ORDER BY row_number").df()
        b = con.execute("SELECT * FROM batches").df()
    finally:
        con.close()
    assert list(got["figure_id"]) == [f"b{res.batch_id}:数据:2", f"b{res.batch_id}:数据:3", f"b{res.batch_id}:数据:4"]
    r = got.iloc[0]
    assert (r.upload_file, r.sheet, r.row_number, r.period, r.year) == ("good.xlsx", "数据", 2, "2023", 2023)
    assert (r.region_id, r.metric_id, r.value, r.unit, r.qualifier) == ("xinjiang_kashgar", "aid_funding", 3, "亿元", "约")
    assert r.value_base == 3e8 and r.base_unit == "元" and r.number_text == "约3" and r.note == "2023年工作总结"
    assert r.period_zh == "2023年"  # new period got its row in periods
    assert got.iloc[1].qualifier == "以上" and got.iloc[1].value_base == 120
    assert got.iloc[2].region_id == "yrd" and got.iloc[2].value_base == 12000 and got.iloc[2].base_unit == "人次"
    assert b.iloc[0].uploader == "张三" and b.iloc[0].n_rows == 3 and b.iloc[0].n_added == 3


def test_english_and_variant_headers_and_header_unit(path, tmp_path):
    f = write_xlsx(tmp_path / "en.xlsx", [["2021", "Kashgar?", "x", 1]], headers=["year", "region", "metric", "value"])
    assert match_header("金额（亿元）") == ("value", "亿元")
    assert match_header("地区名称") == ("region", None)
    assert match_header("项目数") == ("value", "个")
    assert match_header("Period") == ("period", None)
    f = write_xlsx(tmp_path / "variant.xlsx", [[2021, "新疆喀什", "援助资金", 2.5], [2022, "新疆喀什", "援助资金", 3]],
                   headers=["年度", "地区名称", "指标名称", "金额(亿元)"])
    pv = _prep(f, path)
    assert pv.ok, pv.errors
    assert list(pv.rows["value_base"]) == [2.5e8, 3e8]
    assert list(pv.rows["period"]) == ["2021", "2022"]
    f = write_xlsx(tmp_path / "english.xlsx", [["2021", "新疆喀什", "aid_funding", 3, "万元", "约", "src"]],
                   headers=["period", "region", "metric", "value", "unit", "qualifier", "note"])
    pv = _prep(f, path)
    assert pv.ok, pv.errors
    assert pv.rows.iloc[0]["value_base"] == 3e4 and pv.rows.iloc[0]["qualifier"] == "约"


def test_title_row_above_header_is_fine(path, tmp_path):
    def setup(wb, ws):
        ws.insert_rows(1)
        ws["A1"] = "2023年对口支援数据汇总"
    f = write_xlsx(tmp_path / "title.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]], setup=setup)
    pv = _prep(f, path)
    assert pv.ok and pv.rows.iloc[0]["row_number"] == 3


# --- one bad workbook per problem ---------------------------------------------------------------

def test_unknown_region_suggests_nearest(path, tmp_path):
    err = _errors(write_xlsx(tmp_path / "r.xlsx", [["2023", "喀什地去", "援助资金", 1, "亿元"]]), path)
    assert list(err.columns) == ["工作表", "行", "列", "值", "问题", "建议"]
    e = err.iloc[0]
    assert (e.工作表, e.行, e.列, e.值) == ("数据", 2, "地区 (B)", "喀什地去")
    assert "未知地区" in e.问题 and "新疆喀什" in e.建议


def test_unknown_metric_suggests(path, tmp_path):
    err = _errors(write_xlsx(tmp_path / "m.xlsx", [["2023", "新疆喀什", "援助资金额", 1, "亿元"]]), path)
    assert "未知指标" in err.iloc[0].问题 and "援助资金" in err.iloc[0].建议


def test_non_numeric_value(path, tmp_path):
    err = _errors(write_xlsx(tmp_path / "n.xlsx", [["2023", "新疆喀什", "援助资金", "待补充", "亿元"]]), path)
    assert err.iloc[0].列 == "数值 (D)" and "不是数值" in err.iloc[0].问题


def test_unit_not_fitting_metric(path, tmp_path):
    err = _errors(write_xlsx(tmp_path / "u.xlsx", [["2023", "新疆喀什", "援助资金", 5, "人次"]]), path)
    assert "不适用于指标" in err.iloc[0].问题 and "亿元" in err.iloc[0].建议
    err = _errors(write_xlsx(tmp_path / "u2.xlsx", [["2023", "新疆喀什", "援助资金", 5, None]]), path)
    assert "没有单位" in err.iloc[0].问题


@pytest.mark.parametrize("period,year_ok", [("2040", False), ("1999", False), ("十六五", True), ("二〇二三", False)])
def test_year_out_of_range(path, tmp_path, period, year_ok):
    pv = _prep(write_xlsx(tmp_path / "y.xlsx", [[period, "新疆喀什", "援助资金", 1, "亿元"]]), path)
    assert pv.errors.empty == year_ok
    if not year_ok:
        assert pv.errors.iloc[0].列 == "期间/年份 (A)"


def test_year_column_outside_period_column(path, tmp_path):
    f = write_xlsx(tmp_path / "py.xlsx", [["十三五", 2022, "新疆喀什", "援助资金", 1, "亿元"],
                                          ["十三五", 2018, "新疆喀什", "援建项目", 1, "个"]],
                   headers=["期间", "年份", "地区", "指标", "数值", "单位"])
    pv = _prep(f, path)
    assert len(pv.errors) == 1 and "不在期间" in pv.errors.iloc[0].问题 and pv.errors.iloc[0].列 == "年份 (B)"
    assert pv.rows.iloc[0]["period"] == "2018"


def test_duplicate_rows_in_file(path, tmp_path):
    f = write_xlsx(tmp_path / "d.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"],
                                         ["2023", "喀什", "援助资金", 2, "亿元"]])
    err = _errors(f, path)
    assert len(err) == 1 and err.iloc[0].行 == 3 and "第 2 行重复" in err.iloc[0].问题


def test_formula_without_cached_value(path, tmp_path):
    # openpyxl writes formulas without cached values, as some tools do
    err = _errors(write_xlsx(tmp_path / "f.xlsx", [["2023", "新疆喀什", "援助资金", "=1+2", "亿元"]]), path)
    assert err.iloc[0].问题 == "公式没有缓存值" and err.iloc[0].行 == 2


def test_formula_with_cached_value_uses_the_value(path, tmp_path):
    # a file saved by Excel has <v> beside <f>: patch the XML to look like that
    import zipfile

    src = write_xlsx(tmp_path / "fc.xlsx", [["2023", "新疆喀什", "援助资金", "=1+2", "亿元"]])
    out = tmp_path / "fc2.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+2</f><v></v>", b"<f>1+2</f><v>3</v>")
            zout.writestr(item, data)
    pv = _prep(out, path)
    assert pv.ok, pv.errors
    assert pv.rows.iloc[0]["value_base"] == 3e8


def test_hidden_sheet_skipped_and_said(path, tmp_path):
    def setup(wb, ws):
        h = wb.create_sheet("草稿")
        h.append(["期间/年份", "地区", "指标", "数值", "单位"])
        h.append(["2023", "火星", "援助资金", "x", "亿元"])  # would be errors if read
        h.sheet_state = "hidden"
        wb.create_sheet("空白")
    pv = _prep(write_xlsx(tmp_path / "h.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]], setup=setup), path)
    assert pv.ok, pv.errors
    assert any("草稿" in n and "隐藏" in n for n in pv.notes)
    assert any("空白" in n and "空的" in n for n in pv.notes)
    assert pv.sheets == ["数据"]


def test_merged_period_and_region_cells_fill_down(path, tmp_path):
    def setup(wb, ws):
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:B3")
    f = write_xlsx(tmp_path / "mg.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"],
                                          [None, None, "援建项目", 12, "个"],
                                          [None, None, "培训人次", 3, "万人次"]], setup=setup)
    pv = _prep(f, path)
    # rows 2-3 are merged and filled; row 4 is blank and not merged -> a clear error
    assert len(pv.errors) == 2
    assert set(pv.errors["行"]) == {4}
    assert any("期间/年份为空" in p for p in pv.errors["问题"]) and any("地区为空" in p for p in pv.errors["问题"])
    assert "合并单元格以外" in " ".join(pv.errors["建议"])
    ok = pv.rows.set_index("row_number")
    assert ok.loc[3, "period"] == "2023" and ok.loc[3, "region_id"] == "xinjiang_kashgar"


def test_renamed_non_excel_file(path, tmp_path):
    f = tmp_path / "notes.xlsx"
    f.write_bytes("这是一个文本文件，不是表格".encode("utf-8"))
    with pytest.raises(UploadError, match="不是有效的 Excel 工作簿"):
        _prep(f, path)
    f = tmp_path / "zip.xlsx"
    import zipfile
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("a.txt", "x")
    with pytest.raises(UploadError, match="不是有效的 Excel 工作簿"):
        _prep(f, path)
    with pytest.raises(UploadError, match="不支持的文件类型"):
        prepare(b"x", "a.pdf", path)


def test_oversize(path, tmp_path, monkeypatch):
    f = write_xlsx(tmp_path / "big.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    with pytest.raises(UploadError, match="文件太大"):
        _prep(f, path, max_mb=0.001)
    monkeypatch.setenv("AID_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(UploadError, match="上限为 0.001 MB"):
        _prep(f, path)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_encodings(path, tmp_path, encoding):
    text = "期间,地区,指标,数值,单位,来源或备注\n2023,新疆喀什,援助资金,约3,亿元,报告\n十四五,云南四州市,援建项目,12,个,\n"
    f = tmp_path / "data.csv"
    f.write_bytes(text.encode(encoding))
    pv = _prep(f, path)
    assert pv.ok, pv.errors
    assert list(pv.rows["region_id"]) == ["xinjiang_kashgar", "yunnan_four"]
    assert pv.rows.iloc[0]["note"] == "报告" and pv.rows.iloc[0]["sheet"] == "data"


def test_sheet_without_header_is_an_error(path, tmp_path):
    def setup(wb, ws):
        other = wb.create_sheet("封面")
        other.append(["上海市对口支援数据"])
    pv = _prep(write_xlsx(tmp_path / "nh.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]], setup=setup), path)
    assert pv.errors.iloc[0].工作表 == "封面" and "找不到表头" in pv.errors.iloc[0].问题


def test_errors_block_commit(path, tmp_path):
    pv = _prep(write_xlsx(tmp_path / "b.xlsx", [["2023", "火星", "援助资金", 1, "亿元"],
                                                ["2023", "新疆喀什", "援助资金", 1, "亿元"]]), path)
    with pytest.raises(UploadError, match="错误"):
        commit(pv, path)
    assert scalar(path, "SELECT count(*) FROM batches") == 0


def test_many_rows(path, tmp_path):
    years = [str(y) for y in range(2000, 2036)]
    regions = ["新疆喀什", "西藏日喀则", "青海果洛", "云南四州市", "贵州遵义"]
    metrics = ["援助资金", "援建项目", "培训人次", "捐赠资金物资", "企业数"]
    units = {"援助资金": "亿元", "援建项目": "个", "培训人次": "人次", "捐赠资金物资": "万元", "企业数": "家"}
    rows = [[y, r, m, i, units[m]] for i, (y, r, m) in enumerate((y, r, m) for y in years for r in regions
                                                                    for m in metrics)]
    pv = _prep(write_xlsx(tmp_path / "many.xlsx", rows), path)
    assert pv.ok and len(pv.rows) == len(rows) == 900


# --- conflicts, replace, undo -------------------------------------------------------------------

def test_conflict_replace_then_undo_restores(path, tmp_path):
    before = current(path, *KASHGAR_12)
    assert [v for v, _ in before] == [9.234e9]
    f = write_xlsx(tmp_path / "c.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"],
                                         ["十二五", "新疆喀什", "企业数", 99999, "家"]])
    pv = _prep(f, path)
    conf = pv.rows[pv.rows["status"] == "conflict"]
    assert len(conf) == 1 and "92.34亿元" in conf.iloc[0]["old"]
    res = commit(pv, path, conflicts=REPLACE)
    assert (res.n_added, res.n_replaced) == (1, 1)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.5e9]
    undo(res.batch_id, path, by="李四")
    assert current(path, *KASHGAR_12) == before
    h = history(db.open_read(path))
    assert h.iloc[0]["状态"] == "已撤销" and h.iloc[0]["撤销人"] == "李四" and h.iloc[0]["当前有效"] == 0
    with pytest.raises(UploadError, match="已于"):
        undo(res.batch_id, path)


def test_conflict_skip_keeps_old(path, tmp_path):
    pv = _prep(write_xlsx(tmp_path / "s.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"],
                                                ["2023", "新疆喀什", "援助资金", 1, "亿元"]]), path)
    res = commit(pv, path, conflicts=SKIP)
    assert (res.n_added, res.n_replaced, res.n_skipped) == (1, 0, 1)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.234e9]
    assert "跳过冲突 1 行" in scalar(path, "SELECT note FROM batches")


def test_same_value_is_not_stored_twice(path, tmp_path):
    pv = _prep(write_xlsx(tmp_path / "same.xlsx", [["十二五", "新疆喀什", "援助资金", 923400, "万元"]]), path)
    assert pv.count("same") == 1
    assert not pv.rows.empty
    res = commit(pv, path)
    assert res.n_same == 1 and res.n_added == 0
    assert len(current(path, *KASHGAR_12)) == 1


def test_undo_after_a_later_batch(path, tmp_path):
    plan = current(path, *KASHGAR_12)
    a = commit(_prep(write_xlsx(tmp_path / "a.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"]]), path),
               path, REPLACE)
    b = commit(_prep(write_xlsx(tmp_path / "b.xlsx", [["十二五", "新疆喀什", "援助资金", 96, "亿元"]]), path),
               path, REPLACE)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.6e9]
    undo(a.batch_id, path)  # B is the later word: it stays current, the plan figure stays replaced
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.6e9]
    undo(b.batch_id, path)  # A is undone too: the plan figure returns
    assert current(path, *KASHGAR_12) == plan


def test_undo_later_batch_brings_back_earlier_batch(path, tmp_path):
    a = commit(_prep(write_xlsx(tmp_path / "a.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"]]), path),
               path, REPLACE)
    b = commit(_prep(write_xlsx(tmp_path / "b.xlsx", [["十二五", "新疆喀什", "援助资金", 96, "亿元"]]), path),
               path, REPLACE)
    undo(b.batch_id, path)
    got = current(path, *KASHGAR_12)
    assert [v for v, _ in got] == [9.5e9] and got[0][1].startswith(f"b{a.batch_id}:")


def test_same_file_twice_is_refused(path, tmp_path):
    f = write_xlsx(tmp_path / "once.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    first = commit(_prep(f, path), path)
    pv = _prep(f, path)
    assert pv.duplicate_of == first.batch_id and not pv.ok
    with pytest.raises(DuplicateUpload, match=f"批次 {first.batch_id}"):
        commit(pv, path)
    undo(first.batch_id, path)  # after an undo the same file may come in again
    assert _prep(f, path).duplicate_of is None


# --- transactions -------------------------------------------------------------------------------

def test_two_commits_at_once_both_land(path, tmp_path):
    f1 = write_xlsx(tmp_path / "t1.xlsx", [[str(y), "新疆喀什", "援助资金", y - 2000, "亿元"] for y in range(2001, 2011)])
    f2 = write_xlsx(tmp_path / "t2.xlsx", [[str(y), "西藏日喀则", "援建项目", y - 2000, "个"] for y in range(2001, 2011)])
    p1, p2 = _prep(f1, path), _prep(f2, path)
    results, errors = [], []
    start = threading.Barrier(2)

    def run(pv):
        try:
            start.wait()
            results.append(commit(pv, path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(pv,)) for pv in (p1, p2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r.batch_id for r in results) == [1, 2]
    assert scalar(path, "SELECT count(*) FROM v_figures WHERE source_kind = 'upload'") == 20
    assert scalar(path, "SELECT count(*) FROM figures WHERE batch_id NOT IN (SELECT batch_id FROM batches)") == 0


@pytest.mark.duckdb_only  # a DuckDB reader keeps its file snapshot; PostgreSQL readers see each commit
def test_commit_while_app_reader_holds_connection(path, tmp_path):
    reader = db.open_read(path)
    token = db.snapshot_token(path)
    try:
        res = commit(_prep(write_xlsx(tmp_path / "r.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]]), path), path)
        # the old connection keeps its snapshot; the token tells the app to reconnect
        assert reader.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 0
        assert db.snapshot_token(path) != token
    finally:
        reader.close()
    assert scalar(path, "SELECT count(*) FROM v_figures WHERE batch_id = ?", [res.batch_id]) == 1


@pytest.mark.duckdb_only  # compares the file's bytes; tests/test_pg_store.py checks the rollback on PostgreSQL
def test_failure_mid_commit_leaves_nothing(path, tmp_path, monkeypatch):
    from loaders.upload import store as commit_mod

    before = Path(path).read_bytes()
    pv = _prep(write_xlsx(tmp_path / "x.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"],
                                                ["2023", "新疆喀什", "援助资金", 1, "亿元"]]), path)
    real = commit_mod._add_periods

    def boom(con, periods):  # runs after the batch row and figures are inserted
        real(con, periods)
        raise RuntimeError("disk full")

    monkeypatch.setattr(commit_mod, "_add_periods", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        commit(pv, path, REPLACE)
    assert Path(path).read_bytes() == before
    assert scalar(path, "SELECT count(*) FROM batches") == 0
    assert scalar(path, "SELECT count(*) FROM figures WHERE source_kind = 'upload'") == 0
    assert not list(Path(path).parent.glob(".t.duckdb.tmp-*"))


def test_uploads_survive_a_rebuild(path, tmp_path):
    res = commit(_prep(write_xlsx(tmp_path / "k.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"]]), path),
                 path, REPLACE)
    build(path)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.5e9]
    undo(res.batch_id, path)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.234e9]


# --- exports ------------------------------------------------------------------------------------

def test_error_table_exports_escape_formulas(path, tmp_path):
    f = tmp_path / "inj.csv"
    f.write_text('期间,地区,指标,数值,单位\n2023,"=HYPERLINK(""http://x"")",援助资金,1,亿元\n'
                 "2023,新疆喀什,@SUM(A1),1,亿元\n2023,新疆喀什,援建项目,-1,个\n", encoding="utf-8")
    err = _errors(f, path)
    assert len(err) == 3
    csv_text = to_csv_bytes(err).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text and "'-1" in csv_text
    out = tmp_path / "err.xlsx"
    out.write_bytes(to_xlsx_bytes({"错误": err}))
    ws = openpyxl.load_workbook(out)["错误"]
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert not any(v.startswith(("=", "+", "@", "-")) for v in values)


def test_read_upload_rows_keep_excel_row_numbers(tmp_path):
    f = write_xlsx(tmp_path / "gap.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"], [None] * 5,
                                           ["2024", "新疆喀什", "援助资金", 2, "亿元"]])
    read = read_upload(f.read_bytes(), f.name)
    assert read.sheets[0].rows == [2, 4]
