"""Meeting-ready behaviour under AppTest on the real database: one slide per page in presentation mode, the tab and
the drill-down in the link, names instead of ids, never nan / None, the overview deck slide as headline cards."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from outputs.deck import view_chart_data
from store import db
from ui.widgets import blank

PLAN_13 = "上海市国内合作交流“十三五”规划"  # it reviews 十二五 with the figure the drill-down shows


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frames(at) -> str:
    return "\n".join(d.value.to_csv() for d in at.dataframe)


def test_presentation_slide_is_the_views_tab(make_app, path):
    at = _ok(make_app(path, "funding", {"present": "1", "funding_tab": "across", "funding_periods": "十二五"},
                      params_first=True))
    charts = at.get("plotly_chart")
    assert len(charts) == 1  # one chart: the slide
    spec = json.loads(charts[0].proto.spec)
    assert {tr["type"] for tr in spec["data"]} == {"scatter"}  # the 'across periods' lines, not the grouped bars
    assert not at.dataframe and not at.get("tabs")  # no drill-down table or tabs on a slide


@pytest.mark.parametrize("page", ["overview", "regions", "cooperation", "tasks", "sources"])
def test_presentation_shows_one_element(make_app, path, page):
    at = _ok(make_app(path, page, {"present": "1"}, params_first=True))
    charts, frames, metrics = at.get("plotly_chart"), at.dataframe, at.metric
    if page == "overview":
        assert len(metrics) == 4 and not charts  # the headline cards are the slide
    elif page == "sources":
        assert len(frames) == 1 and not charts
    else:
        assert len(charts) == 1 and not frames


def test_tab_and_drill_down_are_in_the_link(make_app, path):
    at = _ok(make_app(path, "funding", {"funding_drill": "十二五|xinjiang_kashgar", "funding_tab": "shares"},
                      params_first=True))
    assert at.session_state["funding_tab"] == "shares"
    assert at.selectbox(key="funding_drill").value == "十二五|xinjiang_kashgar"
    table = _frames(at)
    assert "92.34亿元" in table and PLAN_13 in table  # the figure with its plan's title, not its id
    assert "sh-12th-fyp" not in table.replace("sh-12th-fyp:", "")
    # choosing another tab writes it to the URL (a copied link reopens it)
    at.session_state["funding_tab"] = "across"
    at.run()
    assert at.query_params.get("funding_tab") in ("across", ["across"])


def test_tasks_columns_are_labelled(make_app, path):
    at = _ok(make_app(path, "tasks"))
    raw = {"unit_city", "task_no", "task_type", "units", "n_units", "text", "unit", "section", "tasks", "lead_tasks"}
    assert len(at.dataframe) == 3
    for d in at.dataframe:
        config = json.loads(d.proto.columns)
        shown = list(d.proto.column_order) or list(d.value.columns)
        labels = [config.get(c, {}).get("label", c) for c in shown]
        assert not set(labels) & raw, labels  # every column under a label in the user's language


def test_no_nan_or_none_in_tables(make_app, path):
    for page in ("overview", "sources", "cooperation", "tasks"):
        at = _ok(make_app(path, page))
        for d in at.dataframe:
            shown = d.value.astype(str)
            assert not shown.isin(["nan", "None", "NaN", "<NA>"]).any().any(), page


@pytest.mark.parametrize("value,shown", [(None, ""), (float("nan"), ""), (pd.NA, ""), ("句子", "句子"), (3, "3")])
def test_blank(value, shown):
    assert blank(value) == shown


def test_overview_slide_has_headline_cards(path):
    con = db.open_read(path)
    try:
        zh = view_chart_data(con, {"name": "总览", "page": "overview", "params": {"period": "十二五"}})
        en = view_chart_data(con, {"name": "Overview", "page": "overview", "params": {"period": "十二五"}}, "en")
        later = view_chart_data(con, {"name": "十三五", "page": "overview", "params": {"period": "十三五"}})
    finally:
        con.close()
    cards = {c["name"]: c for c in zh.cards}
    assert cards["援助资金"]["value"] == "135亿余元" and cards["培训人次"]["value"] == "约7.5万人次"
    assert cards["培训人次"]["arrow"] == "down" and cards["援助资金"]["arrow"] == "up"
    assert not zh.series  # cards, not a chart of every period
    assert {c["name"]: c["value"] for c in en.cards}["Aid funding"] == "13.5 bn yuan or more"
    assert [c["value"] for c in later.cards] != [c["value"] for c in zh.cards]  # the view's period is honoured


def test_server_upload_cap_matches_the_setting():
    """Streamlit's own cap (server.maxUploadSize, what the uploader's "… MB per file" line and the server enforce)
    equals our max_upload_mb default, so the page's label and Streamlit agree."""
    import tomllib
    from pathlib import Path

    from common.settings import SETTINGS

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    default = next(s.default for s in SETTINGS if s.name == "max_upload_mb")
    assert config["server"]["maxUploadSize"] == int(float(default))


def test_cooperation_drill_down_from_the_link(make_app, path):
    at = _ok(make_app(path, "cooperation", {"coop_drill": "十一五|anhui"}, params_first=True))
    tables = [d.value for d in at.dataframe]
    coop = tables[0]
    assert len(coop) and set(coop.iloc[:, 1]) == {"安徽"}  # the selected bar's region only
    assert any("安徽" in c.value for c in at.caption)
    at.button(key="coop_drill_clear").click().run()
    _ok(at)
    assert len(set(at.dataframe[0].value.iloc[:, 1])) > 1
    assert not at.query_params.get("coop_drill")


def test_presentation_empty_state_keeps_one_sentence_in_either_language():
    from ui.widgets import first_sentence

    assert first_sentence("暂无数据：规划文本未写明。请在上传数据页上传。") == "暂无数据：规划文本未写明。"
    en = "No Agreed / signed amount figures for 12th FYP (2011–2015) yet: the plan text states none. Upload them."
    assert first_sentence(en) == "No Agreed / signed amount figures for 12th FYP (2011–2015) yet: the plan text states none."
    assert "。" not in first_sentence(en)
