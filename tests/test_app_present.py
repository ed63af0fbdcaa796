"""Presentation mode and saved views under AppTest on a real database: save, reopen by link, rename, reorder,
delete, step through the deck, download it, and chart configs that export PNGs offline."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import APP, app_settings, open_app
from streamlit.testing.v1 import AppTest

from outputs.views import list_views, save_view, view_url
from store import db

T = 30


@pytest.fixture
def db_file(path, monkeypatch) -> Path:
    app_settings(monkeypatch, path)
    return path


def _views(path: Path):
    con = db.open_read(path)
    try:
        return list_views(con)
    finally:
        con.close()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(page: str = "pages/overview.py", params: dict | list | None = None) -> AppTest:
    """The app on `page`; params are set before the first run (as if they were in the address bar)."""
    return _ok(open_app(page, params))


def _link_params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def _param(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) and value else value


def _keys(at: AppTest, kind: str) -> set[str]:
    return {w.key for w in at.get(kind) if getattr(w, "key", None)}


def _charts(at: AppTest) -> list:
    return at.get("plotly_chart")


# --- presentation mode -------------------------------------------------------------------------------

def test_present_param_hides_filters_and_shows_big_chart(db_file):
    at = _open("pages/funding.py", {"present": "1"})
    assert not at.error, [e.value for e in at.error]
    # filters are fixed by the URL: no filter widgets, and no saved-views panel
    assert not {"funding_metric", "funding_periods", "funding_regions"} & (_keys(at, "selectbox") |
                                                                          _keys(at, "multiselect"))
    assert "view_name" not in _keys(at, "text_input")
    assert {"present_prev", "present_next", "present_exit"} <= _keys(at, "button")
    charts = _charts(at)
    assert charts
    import json
    fig = json.loads(charts[0].proto.spec)
    layout = fig["layout"]
    assert "援助资金" in layout["title"]["text"]
    assert layout["title"]["font"]["size"] >= 24 and layout["font"]["size"] >= 18
    assert 420 < layout["height"] <= 520  # taller than normal mode, still fits a 1280x720 screen with the deck bar
    # the source line is part of the figure, so a downloaded PNG carries it
    assert any("来源" in a["text"] for a in layout.get("annotations", []))
    config = json.loads(charts[0].proto.config)
    assert config["displaylogo"] is False
    assert config["displayModeBar"] is True  # the PNG button stays reachable on the projector
    opts = config["toImageButtonOptions"]
    assert opts["format"] == "png" and opts["scale"] == 3
    assert opts["filename"].startswith("资金与项目_") and "aid_funding" in opts["filename"]


def test_normal_mode_chart_config(db_file):
    import json
    at = _open("pages/funding.py", {"funding_periods": "十二五"})
    config = json.loads(_charts(at)[0].proto.config)
    opts = config["toImageButtonOptions"]
    assert opts["scale"] == 2 and opts["width"] >= 1280
    assert "aid_funding" in opts["filename"] and "十二五" in opts["filename"]
    assert "lasso2d" in config["modeBarButtonsToRemove"]
    layout = json.loads(_charts(at)[0].proto.spec)["layout"]
    assert layout["font"]["color"] == "#111111" and layout["plot_bgcolor"] == "white"


def test_toggle_and_exit_are_one_state(db_file):
    at = _open("pages/funding.py")
    assert at.toggle(key="present_toggle").value is False
    at.toggle(key="present_toggle").set_value(True).run()
    _ok(at)
    assert _param(at, "present") == "1"
    assert "funding_metric" not in _keys(at, "selectbox")
    at.button(key="present_exit").click().run()
    _ok(at)
    assert not _param(at, "present")
    assert at.toggle(key="present_toggle").value is False
    assert at.selectbox(key="funding_metric").value == "aid_funding"


# --- saved views -------------------------------------------------------------------------------------

def test_save_view_from_sidebar(db_file):
    at = _open("pages/funding.py")
    at.selectbox(key="funding_metric").set_value("aid_projects").run()
    at.multiselect(key="funding_periods").set_value(["十二五"]).run()
    at.text_input(key="view_name").input("十二五援建项目").run()
    at.button(key="view_save").click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    views = _views(db_file)
    assert list(views["name"]) == ["十二五援建项目"]
    v = views.iloc[0]
    assert v["page"] == "funding"
    assert v["params"]["metric"] == "aid_projects" and v["params"]["periods"] == ["十二五"]
    assert any("十二五援建项目" in s.value for s in at.success)
    # the list in the sidebar shows it, with its controls
    assert f"view_open_{v['view_id']}" in _keys(at, "button")
    assert at.text_input(key="view_name").value == ""


def test_save_errors_in_chinese(db_file):
    save_view(db_file, "已有", "funding", {"metric": "aid_funding"})
    at = _open("pages/funding.py")
    at.button(key="view_save").click().run()  # empty name
    _ok(at)
    assert any("名称不能为空" in e.value for e in at.error)
    at.text_input(key="view_name").input("已有").run()
    at.button(key="view_save").click().run()
    _ok(at)
    assert any("已有同名视图" in e.value for e in at.error)
    assert not any("exists" in e.value for e in at.error)  # the Chinese message, not the English gloss
    assert len(_views(db_file)) == 1


def test_reopen_by_link(db_file):
    vid = save_view(db_file, "两时期", "funding", {"metric": "aid_projects", "periods": ["十一五", "十二五"],
                                               "regions": ["xinjiang_kashgar"]})
    url = view_url(_views(db_file).set_index("view_id").loc[vid].to_dict() | {"view_id": vid})
    assert url.startswith("/funding?")
    at = _open("pages/funding.py", _link_params(url))
    assert at.selectbox(key="funding_metric").value == "aid_projects"
    assert at.multiselect(key="funding_periods").value == ["十一五", "十二五"]
    assert at.multiselect(key="funding_regions").value == ["xinjiang_kashgar"]


def test_open_view_button_navigates(db_file):
    save_view(db_file, "合作十三五", "cooperation", {"periods": ["十三五"]})
    at = _open("pages/funding.py")
    vid = int(_views(db_file).iloc[0]["view_id"])
    at.button(key=f"view_open_{vid}").click().run()
    _ok(at)
    assert at.title[0].value == "合作交流"
    assert at.multiselect(key="coop_periods").value == ["十三五"]
    assert _param(at, "coop_periods") == "十三五"


def test_rename_reorder_delete(db_file):
    a = save_view(db_file, "甲", "funding", {"metric": "aid_funding"})
    b = save_view(db_file, "乙", "overview", {"period": "十三五"})
    at = _open("pages/funding.py")
    at.text_input(key=f"view_rename_{a}").input("甲-改").run()
    at.button(key=f"view_rename_do_{a}").click().run()
    _ok(at)
    assert list(_views(db_file)["name"]) == ["甲-改", "乙"]
    at.button(key=f"view_down_{a}").click().run()
    _ok(at)
    assert list(_views(db_file)["view_id"]) == [b, a]
    at.button(key=f"view_up_{a}").click().run()
    assert list(_views(db_file)["view_id"]) == [a, b]
    # delete asks first; cancel keeps the view, confirm removes it
    at.button(key=f"view_delete_{b}").click().run()
    assert at.warning and "乙" in at.warning[0].value
    at.button(key=f"view_delete_no_{b}").click().run()
    assert len(_views(db_file)) == 2 and f"view_delete_yes_{b}" not in _keys(at, "button")
    at.button(key=f"view_delete_{b}").click().run()
    at.button(key=f"view_delete_yes_{b}").click().run()
    _ok(at)
    assert list(_views(db_file)["view_id"]) == [a]
    assert f"view_open_{b}" not in _keys(at, "button")


def test_delete_the_only_view(db_file):
    a = save_view(db_file, "唯一", "funding", {"metric": "aid_funding"})
    at = _open("pages/funding.py")
    at.button(key=f"view_delete_{a}").click().run()
    at.button(key=f"view_delete_yes_{a}").click().run()
    _ok(at)
    assert not at.error, [e.value for e in at.error]
    assert _views(db_file).empty


def test_deck_download_button(db_file):
    at = _open("pages/overview.py")
    assert at.get("download_button") and at.get("download_button")[0].proto.disabled  # nothing to download yet
    save_view(db_file, "总览十二五", "overview", {"period": "十二五"})
    at.run()
    buttons = [b for b in at.get("download_button")]
    assert buttons and not buttons[0].proto.disabled
    assert buttons[0].proto.label == "下载演示文稿（PPTX）"


def test_deck_bytes_is_a_pptx(db_file):
    from ui.views_panel import _deck_bytes

    save_view(db_file, "资金", "funding", {"metric": "aid_funding"})
    data = _deck_bytes(str(db_file), db.snapshot_token(db_file), "zh")
    assert data[:2] == b"PK" and len(data) > 10_000


# --- stepping through the deck -----------------------------------------------------------------------

def test_next_prev_through_the_deck(db_file):
    a = save_view(db_file, "十二五资金", "funding", {"metric": "aid_funding", "periods": ["十二五"]})
    b = save_view(db_file, "合作交流全部", "cooperation", {})
    c = save_view(db_file, "十一五项目", "funding", {"metric": "aid_projects", "periods": ["十一五"]})
    # start from the default page: after at.switch_page() AppTest would keep rerunning that page instead of
    # following the app's own st.switch_page
    at = _open("pages/overview.py")
    at.button(key="present_start").click().run()
    _ok(at)
    assert _param(at, "present") == "1" and _param(at, "deck") == str(a)
    assert at.title[0].value == "资金与项目"
    assert any("第 1 / 3 页 · 十二五资金" in m.value for m in at.markdown)
    assert at.button(key="present_prev").disabled
    assert _param(at, "funding_periods") == "十二五"

    at.button(key="present_next").click().run()
    _ok(at)
    assert _param(at, "deck") == str(b) and at.title[0].value == "合作交流"
    assert any("第 2 / 3 页 · 合作交流全部" in m.value for m in at.markdown)

    at.button(key="present_next").click().run()
    _ok(at)
    assert _param(at, "deck") == str(c) and at.title[0].value == "资金与项目"
    assert _param(at, "funding_metric") == "aid_projects" and _param(at, "funding_periods") == "十一五"
    assert at.button(key="present_next").disabled
    import json
    assert "援建项目" in json.loads(_charts(at)[0].proto.spec)["layout"]["title"]["text"]

    at.button(key="present_prev").click().run()
    _ok(at)
    assert _param(at, "deck") == str(b)
    at.button(key="present_prev").click().run()
    _ok(at)
    # same page as the last view shown two steps ago, different filters: the URL wins over old widget state
    assert _param(at, "deck") == str(a)
    assert _param(at, "funding_metric") in (None, "aid_funding") and _param(at, "funding_periods") == "十二五"
    assert "援助资金" in json.loads(_charts(at)[0].proto.spec)["layout"]["title"]["text"]

    at.button(key="present_exit").click().run()
    _ok(at)
    assert not _param(at, "present") and not _param(at, "deck")
    assert at.multiselect(key="funding_periods").value == ["十二五"]


def test_deck_with_unknown_view_id(db_file):
    save_view(db_file, "资金", "funding", {"metric": "aid_funding"})
    at = AppTest.from_file(APP, default_timeout=T)
    at.query_params.update({"present": "1", "deck": "999"})
    _ok(at.run())
    assert not at.error
    assert any("演示模式" in m.value for m in at.markdown)
    at.button(key="present_next").click().run()
    _ok(at)
    assert _param(at, "deck") == str(int(_views(db_file).iloc[0]["view_id"]))
