"""The upload page under AppTest: password gate, upload, error table, preview, conflict choice, commit, undo."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import app_settings, open_app
from streamlit.testing.v1 import AppTest
from test_upload_helpers import current, scalar, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def db_file(path, monkeypatch) -> Path:
    app_settings(monkeypatch, path)
    return path


def _open() -> AppTest:
    return open_app("upload")


def _upload(at: AppTest, file: Path) -> AppTest:
    at.file_uploader(key="upload_file").set_value((file.name, file.read_bytes(), XLSX))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, column: str):
    """The first table showing `column` (AppTest does not look tables up by key)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    raise AssertionError(f"no table with column {column}")


def test_password_gate(db_file, monkeypatch):
    monkeypatch.setenv("AID_UPLOADER_PASSWORD", "s3cret")
    at = _open()
    assert not at.get("file_uploader")
    at.text_input(key="upload_password").set_value("wrong").run()
    assert any("口令不正确" in e.value for e in at.error) and not at.get("file_uploader")
    at.text_input(key="upload_password").set_value("s3cret").run()
    assert at.file_uploader(key="upload_file") is not None
    assert not any("未配置上传口令" in w.value for w in at.warning)


def test_no_password_warns(db_file):
    at = _open()
    assert any("未配置上传口令" in w.value for w in at.warning)
    assert at.file_uploader(key="upload_file") is not None
    assert at.get("download_button")  # template download


def test_bad_file_shows_error_table(db_file, tmp_path):
    at = _upload(_open(), write_xlsx(tmp_path / "bad.xlsx", [["2023", "喀什地去", "援助资金", 1, "亿元"]]))
    assert any("1 处错误" in e.value for e in at.error)
    errors = _frame(at, "建议")
    assert "新疆喀什" in errors.iloc[0]["建议"]
    assert len(at.get("download_button")) == 3  # template + CSV + xlsx
    assert not at.get("button") or "upload_commit" not in [b.key for b in at.button]


def test_preview_counts_have_thousands_separators(db_file, tmp_path):
    regions = ["新疆喀什", "西藏日喀则", "青海果洛", "云南四州市", "贵州遵义"]
    metrics = [("援助资金", "亿元"), ("援建项目", "个"), ("培训人次", "人次"), ("投资额", "亿元"), ("企业数", "家"),
               ("选派干部", "人"), ("活动场次", "场次"), ("住房套数", "套")]
    rows = [[str(y), r, m, 1 + y % 7, u] for y in range(2001, 2031) for r in regions for m, u in metrics]
    at = _upload(_open(), write_xlsx(tmp_path / "many.xlsx", rows))
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["新增"] == "1,200"
    at.button(key="upload_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    history = _frame(at, "当前有效")
    assert history.iloc[0][["行数", "新增", "替换", "当前有效"]].tolist() == ["1,200", "1,200", "0", "1,200"]


def test_preview_commit_replace_and_undo(db_file, tmp_path):
    f = write_xlsx(tmp_path / "c.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"],
                                         ["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    at = _upload(_open(), f)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["新增"] == "1" and metrics["与现有数值不同(需选择)"] == "1"
    change = _frame(at, "现有数值")
    assert "92.34亿元" in change.iloc[0]["现有数值"] and change.iloc[0]["数值(文件)"] == "95"
    at.radio(key="upload_conflicts").set_value("替换").run()
    at.text_input(key="upload_uploader").set_value("赵六").run()
    at.button(key="upload_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已导入批次 1" in s.value for s in at.success)
    assert [v for v, _ in current(db_file, "十二五", "xinjiang_kashgar", "aid_funding")] == [9.5e9]
    assert scalar(db_file, "SELECT uploader FROM batches") == "赵六"
    hist = _frame(at, "状态")
    assert hist.iloc[0]["状态"] == "有效" and hist.iloc[0]["替换"] == "1"
    # the file just imported is not reported as a duplicate next to the success message (issue 13)
    assert not any("已经作为批次 1 导入过" in e.value for e in at.error)
    assert any("刚刚已作为批次 1 导入" in i.value for i in at.info)
    at.selectbox(key="undo_batch").set_value(1).run()
    at.button(key="undo_ask").click().run()  # undo asks first, naming the batch
    assert any("确定撤销批次 1（c" in w.value and "xlsx）" in w.value for w in at.warning)
    assert [v for v, _ in current(db_file, "十二五", "xinjiang_kashgar", "aid_funding")] == [9.5e9]
    at.button(key="undo_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("批次 1 已撤销" in s.value for s in at.success)
    assert [v for v, _ in current(db_file, "十二五", "xinjiang_kashgar", "aid_funding")] == [9.234e9]
    assert _frame(at, "状态").iloc[0]["状态"] == "已撤销"


def test_skip_is_the_default_choice(db_file, tmp_path):
    f = write_xlsx(tmp_path / "s.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"],
                                         ["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    at = _upload(_open(), f)
    assert at.radio(key="upload_conflicts").value == "跳过"
    at.button(key="upload_commit").click().run()
    assert [v for v, _ in current(db_file, "十二五", "xinjiang_kashgar", "aid_funding")] == [9.234e9]
    assert scalar(db_file, "SELECT count(*) FROM v_figures WHERE source_kind = 'upload'") == 1


def test_oversize_and_non_excel_messages(db_file, tmp_path, monkeypatch):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    at = _upload(_open(), fake)
    assert any("不是有效的 Excel 工作簿" in e.value for e in at.error)
    monkeypatch.setenv("AID_MAX_UPLOAD_MB", "0.0001")
    at = _upload(_open(), write_xlsx(tmp_path / "ok.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]]))
    assert any("文件太大" in e.value for e in at.error)


def test_upload_page_in_app_navigation(db_file):
    at = open_app("pages/upload.py")
    assert any(t.value == "上传数据" for t in at.title)
