"""The app side of safe uploads: the server survives hostile files, the upload page in English, the credential gate
on every write (uploads, undo, saved views) with slowed-down guesses, the named person, user text shown as text."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import upload_files as uf
from conftest import app_settings, open_app
from streamlit.testing.v1 import AppTest
from test_upload_helpers import current, scalar

from loaders.upload import sandbox
from ui import access

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _fresh_process_backoff():
    """Wrong guesses count per process: each test starts (and leaves) the process with none."""
    access._process_fails.clear()
    access._process_next = 0.0
    yield
    access._process_fails.clear()
    access._process_next = 0.0


def _upload(at: AppTest, name: str, data: bytes, mime: str = XLSX) -> AppTest:
    at.file_uploader(key="upload_file").set_value((name, data, mime))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def _views(db: Path) -> list[str]:
    from store import db as store

    con = store.open_read(db)
    try:
        return [r[0] for r in con.execute("SELECT name FROM saved_views ORDER BY view_id").fetchall()]
    finally:
        con.close()


# --- the server keeps serving ---------------------------------------------------------------------------------

def test_server_survives_the_stray_cell_workbook_and_a_crashing_reader(path, monkeypatch):
    app_settings(monkeypatch, path)
    at = open_app("upload")
    stray = uf.simple(extra_cells='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    _upload(at, "stray.xlsx", stray)
    assert {m.label: m.value for m in at.metric}["新增"] == "2"  # read, stray cell and all
    # a reader that dies (here: starved of memory) costs the child, not the server
    monkeypatch.setattr(sandbox, "MEMORY_MB", 8)
    _upload(at, "other.xlsx", uf.simple([["2025", "新疆喀什", "援助资金", "3", "亿元"]]))
    assert any("服务器未受影响" in e.value for e in at.error), [e.value for e in at.error]
    monkeypatch.setattr(sandbox, "MEMORY_MB", 1024)
    at.switch_page("pages/overview.py").run()
    assert not at.exception and at.title  # the next page still renders


# --- English ---------------------------------------------------------------------------------------------------

def _no_none_nan(df) -> None:
    for col in df.columns:
        values = {str(v) for v in df[col].tolist()}
        assert not values & {"None", "nan", "NaT", "<NA>"}, (col, values)


def test_upload_page_in_english(path, monkeypatch):
    app_settings(monkeypatch, path, language="en")
    at = open_app("upload", {"lang": "en"}, params_first=True)
    assert any(t.value == "Upload data" for t in at.title)
    assert any("No upload credential" in w.value for w in at.warning)
    bad = uf.csv_bytes([["2023", "Kashgar", "援助资金", "-1", "亿元"]])
    _upload(at, "bad.csv", bad, CSV)
    err = next(d for d in _tables(at) if "Suggestion" in d.columns)
    assert list(err.columns) == ["Sheet", "Row", "Column", "Value", "Problem", "Suggestion"]
    assert "Unknown region" in " ".join(err["Problem"]) and "新疆喀什" in " ".join(err["Suggestion"])
    assert "negative" in " ".join(err["Problem"])
    good = uf.csv_bytes([["十二五", "新疆喀什", "援助资金", "95", "亿元"], ["2023", "新疆喀什", "援助资金", "1", "亿元"]])
    _upload(at, "good.csv", good, CSV)
    assert {m.label for m in at.metric} >= {"New", "Differ from current figures (choose)"}
    change = next(d for d in _tables(at) if "Current figures" in d.columns)
    assert {"Sheet", "Row", "Period", "Region", "Metric", "Value (file)"} <= set(change.columns)
    assert change.iloc[0]["Region"] == "Kashgar, Xinjiang" or "Kashgar" in change.iloc[0]["Region"]
    for d in _tables(at):
        _no_none_nan(d)
    at.text_input(key="upload_uploader").input("Alice").run()
    at.radio(key="upload_conflicts").set_value("Replace").run()
    at.button(key="upload_commit").click().run()
    assert any("Imported batch 1" in s.value for s in at.success)
    hist = next(d for d in _tables(at) if "Status" in d.columns)
    assert hist.iloc[0]["Status"] == "live" and hist.iloc[0]["Uploaded by"] == "Alice"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(hist.iloc[0]["Note"]))
    _no_none_nan(hist)
    assert not any("Imported batch" in e.value or "already" in e.value for e in at.error)


# --- states on the page ---------------------------------------------------------------------------------------

def test_nothing_new_says_why_and_offers_no_import(path, monkeypatch):
    app_settings(monkeypatch, path)
    at = open_app("upload")
    _upload(at, "same.csv", uf.csv_bytes([["十二五", "新疆喀什", "援助资金", "923400", "万元"]]), CSV)
    assert any("没有需要写入的数据" in i.value and "1 行与现有数值相同" in i.value for i in at.info)
    assert "upload_commit" not in [b.key for b in at.button]
    assert any("直到最后一个" in c.value for c in at.caption)  # the rule for figures several batches state


def test_undo_asks_and_records_the_person(path, monkeypatch):
    app_settings(monkeypatch, path)
    at = open_app("upload")
    at.text_input(key="upload_uploader").input("赵六").run()
    _upload(at, "a.csv", uf.csv_bytes([["2023", "新疆喀什", "援助资金", "1", "亿元"]]), CSV)
    at.button(key="upload_commit").click().run()
    at.selectbox(key="undo_batch").set_value(1).run()
    at.button(key="undo_ask").click().run()
    assert [v for v, _ in current(path, "2023", "xinjiang_kashgar", "aid_funding")] == [1e8]  # not yet
    at.button(key="undo_cancel").click().run()
    assert "undo_confirm" not in [b.key for b in at.button]
    at.button(key="undo_ask").click().run()
    at.text_input(key="upload_uploader").input("钱七").run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert current(path, "2023", "xinjiang_kashgar", "aid_funding") == []
    assert scalar(path, "SELECT undone_by FROM batches") == "钱七"


# --- the credential ---------------------------------------------------------------------------------------------

def test_wrong_guesses_are_slowed_down(path, monkeypatch):
    app_settings(monkeypatch, path, uploader_password="s3cret")
    at = open_app("upload")
    for i in range(access.FREE_GUESSES):
        at.text_input(key="upload_password").set_value(f"guess{i}").run()
        assert any("口令不正确" in e.value for e in at.error)
    at.text_input(key="upload_password").set_value("guess-again").run()
    assert any("秒后再试" in e.value for e in at.error)
    at.text_input(key="upload_password").set_value("s3cret").run()  # right, but too soon: not even judged
    assert not at.get("file_uploader") and any("秒后再试" in e.value for e in at.error)
    at.session_state["_access_next_try"] = 0.0  # the session's delay has passed
    at.run()
    assert at.file_uploader(key="upload_file") is not None
    # the process remembers guesses from every session
    assert len(access._process_fails) == access.FREE_GUESSES


def test_process_wide_backoff_covers_new_sessions(path, monkeypatch):
    app_settings(monkeypatch, path, uploader_password="s3cret")
    monkeypatch.setattr(access, "PROCESS_FREE_GUESSES", 2)
    monkeypatch.setattr(access, "_delay", lambda n, free: 0.0 if n < free else 60.0)
    for i in range(2):  # two sessions, one wrong guess each
        at = open_app("upload")
        at.text_input(key="upload_password").set_value(f"nope{i}").run()
    at = open_app("upload")
    at.text_input(key="upload_password").set_value("s3cret").run()
    assert any("秒后再试" in e.value for e in at.error) and not at.get("file_uploader")


def test_saved_view_writes_need_the_credential_and_record_the_person(path, monkeypatch):
    app_settings(monkeypatch, path, uploader_password="s3cret")
    at = open_app("funding")
    at.text_input(key="view_name").input("十二五").run()
    at.button(key="view_save").click().run()
    assert any("需要上传口令" in e.value for e in at.error) and _views(path) == []
    at.text_input(key="views_password").set_value("s3cret").run()
    at.text_input(key="view_name").input("十二五").run()
    at.button(key="view_save").click().run()
    assert any("请先填写姓名" in e.value for e in at.error) and _views(path) == []
    at.text_input(key="views_person").input("孙八").run()
    at.text_input(key="view_name").input("十二五").run()
    at.button(key="view_save").click().run()
    assert _views(path) == ["十二五"]
    log = [json.loads(x) for x in Path(str(path) + ".audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log[-1]["person"] == "孙八" and log[-1]["action"] == "view_save"


def test_a_new_credential_locks_open_sessions(path, monkeypatch):
    app_settings(monkeypatch, path, uploader_password="s3cret")
    at = open_app("upload")
    at.text_input(key="upload_password").set_value("s3cret").run()
    assert at.file_uploader(key="upload_file") is not None
    monkeypatch.setenv("AID_UPLOADER_PASSWORD", "changed")
    at.run()
    assert not at.get("file_uploader")


# --- user text as text -----------------------------------------------------------------------------------------

HOSTILE_NAME = "![x](http://evil.example/a.png) <img src=http://evil.example/b.png> :red[hi]"


def test_view_names_are_text_not_markdown(path, monkeypatch):
    app_settings(monkeypatch, path)
    at = open_app("funding")
    at.text_input(key="view_name").input(HOSTILE_NAME[:60]).run()
    at.button(key="view_save").click().run()
    assert _views(path) == [" ".join(HOSTILE_NAME[:60].split())]
    shown = [m.value for m in at.markdown] + [s.value for s in at.success]
    assert any("evil" in v for v in shown)  # the name is shown …
    for v in shown:  # … but never as an image, a link, a tag or a colour directive (each mark escaped)
        assert not re.search(r"(?<!\\)!(?<!\\)\[x|(?<!\\)<img|(?<!\\):red(?<!\\)\[", v), v


def test_md_escapes_everything_markdown_could_use():
    assert access.md("![a](http://x)") == r"\!\[a\]\(http\:\/\/x\)".replace(r"\/", "/")
    assert access.md("<b>") == r"\<b\>" and access.md("$x$") == r"\$x\$" and access.md(None) == ""


def test_person_comes_from_the_deployment_when_it_vouches(monkeypatch):
    from types import SimpleNamespace

    class User(dict):
        is_logged_in = False

    fake = SimpleNamespace(user=User(), context=SimpleNamespace(headers={"X-Forwarded-User": " 吴十 "}))
    monkeypatch.setattr(access, "st", fake)
    monkeypatch.delenv("AID_TRUSTED_USER_HEADER", raising=False)
    assert access.trusted_identity() is None  # no header configured: a header alone is not trusted
    monkeypatch.setenv("AID_TRUSTED_USER_HEADER", "X-Forwarded-User")
    assert access.trusted_identity() == "吴十"
    signed_in = User(name="郑十一")
    signed_in.is_logged_in = True
    monkeypatch.setattr(access, "st", SimpleNamespace(user=signed_in, context=fake.context))
    assert access.trusted_identity() == "郑十一"  # st.login comes first
