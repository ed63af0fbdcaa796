"""The 审核 page under AppTest (real app, make_app): credential gate, confirm, correct, reject; and the charts marking
unreviewed figures with the switch that hides them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_helpers import PLAN_ID, TEXT, build_review_db, figure_id, query
from streamlit.testing.v1 import AppTest

from common.messages import text
from loaders.build import build
from loaders.review import REJECTED, decide_figure


@pytest.fixture
def review_db(tmp_path) -> Path:
    return build_review_db(tmp_path)[0]


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _decision(path: Path, fid: str):
    rows = query(path, "SELECT decision, reviewer, region_id, value, unit FROM figure_reviews WHERE plan_id || ':' || "
                       "span_start = ? ORDER BY review_id DESC", [fid])
    return rows[0] if rows else None


def _pick(at: AppTest, fid: str, reviewer: str = "审核员甲") -> AppTest:
    at.text_input(key="review_reviewer").set_value(reviewer)
    at.selectbox(key="review_figure").set_value(fid)
    return _ok(at.run())


def test_credential_refused_when_set_and_wrong(review_db, make_app):
    at = make_app(review_db, "review", uploader_password="s3cret")
    assert not at.get("selectbox") and not any(b.key == "review_confirm" for b in at.button)
    _ok(at.text_input(key="review_password").set_value("wrong").run())
    assert any(text("access_wrong") in e.value for e in at.error)
    assert not any(b.key == "review_confirm" for b in at.button)
    _ok(at.text_input(key="review_password").set_value("s3cret").run())
    assert at.button(key="review_confirm") is not None
    assert not any(text("access_open") in w.value for w in at.warning)


def test_confirm(review_db, make_app):
    at = make_app(review_db, "review")
    assert any(text("access_open") in w.value for w in at.warning)  # no credential configured: said so
    fid = figure_id(review_db, "21.6亿元")
    assert at.selectbox(key="review_figure").value == fid  # the first unreviewed figure in text order
    assert any("21.6亿元" in o for o in at.selectbox(key="review_figure").options)
    # the sentence with the number highlighted, escaped
    assert any('<mark class="aid-span">21.6亿元</mark>' in h.proto.body for h in at.get("html"))
    _pick(at, fid)
    _ok(at.button(key="review_confirm").click().run())
    assert _decision(review_db, fid)[:2] == ("confirmed", "审核员甲")
    assert any(fid in s.value for s in at.success)
    # gone from the unreviewed list; the next one is up
    assert not any("21.6亿元" in o for o in at.selectbox(key="review_figure").options)
    assert at.selectbox(key="review_figure").value == figure_id(review_db, "182个")
    at.selectbox(key="review_show").set_value("confirmed")
    _ok(at.run())
    assert at.selectbox(key="review_figure").value == fid and len(at.selectbox(key="review_figure").options) == 1
    assert any("审核员甲" in c.value for c in at.caption)  # who decided, and when


def test_correct(review_db, make_app):
    at = make_app(review_db, "review")
    fid = figure_id(review_db, "460人次")
    _pick(at, fid)
    at.selectbox(key="review_region").set_value("xinjiang_aksu")
    at.selectbox(key="review_period").set_value("2022")  # a year no loaded figure has yet
    at.text_input(key="review_value").set_value("480人次")
    _ok(at.button(key="review_correct").click().run())
    assert _decision(review_db, fid) == ("corrected", "审核员甲", "xinjiang_aksu", 480.0, "人次")
    assert query(review_db, "SELECT region_id, period, period_zh, value, reviewer FROM v_figures WHERE figure_id = ?",
                 [fid]) == [("xinjiang_aksu", "2022", "2022年", 480.0, "审核员甲")]
    # the sources page shows the figure in its sentence, with who corrected it and what was extracted
    src = make_app(review_db, "sources", {"sources_figure": fid})
    note = [c.value for c in src.caption if "审核员甲" in c.value]
    assert note and text("review_status_corrected") in note[0] and "460人次" in note[0]


def test_bad_correction_is_explained(review_db, make_app):
    at = make_app(review_db, "review")
    fid = figure_id(review_db, "460人次")
    _pick(at, fid)
    at.text_input(key="review_value").set_value("3亿元")
    _ok(at.button(key="review_correct").click().run())
    assert any(text("review_unit_mismatch", v="3亿元", m="technical_talent") in e.value for e in at.error)
    assert _decision(review_db, fid) is None


def test_reject_needs_a_name(review_db, make_app):
    at = make_app(review_db, "review")
    fid = figure_id(review_db, "100%")
    _pick(at, fid, reviewer="")
    _ok(at.button(key="review_reject").click().run())
    assert any(text("review_need_name") in e.value for e in at.error) and _decision(review_db, fid) is None
    _pick(at, fid)
    _ok(at.button(key="review_reject").click().run())
    assert _decision(review_db, fid)[:2] == ("rejected", "审核员甲")
    assert query(review_db, "SELECT count(*) FROM v_figures WHERE figure_id = ?", [fid]) == [(0,)]


def _chart(at: AppTest) -> dict:
    """The overview's chart of funding by period and region, as Plotly JSON."""
    (chart,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-overview_chart")]
    return json.loads(chart.proto.spec)


def _annotations(spec: dict) -> str:
    return " ".join(a.get("text", "") for a in spec.get("layout", {}).get("annotations", []))


def _patterns(spec: dict) -> list[str]:
    return [s for tr in spec["data"] for s in (tr.get("marker", {}).get("pattern", {}).get("shape") or [])]


def test_charts_mark_unreviewed_figures_and_the_switch_hides_them(review_db, make_app):
    at = make_app(review_db, "overview")
    spec = _chart(at)
    assert "/" in _patterns(spec)  # the 2023 bar of the pending bulletin is hatched
    assert text("unreviewed_caption") in _annotations(spec)  # drawn under the chart, in its PNG too
    hover = " ".join(h for tr in spec["data"] for h in tr.get("hovertext", []))
    assert text("unreviewed_hover", n=1) in hover
    _ok(at.toggle(key="hide_unreviewed").set_value(True).run())
    assert at.query_params.get("hide_unreviewed") in ("1", ["1"])
    spec = _chart(at)
    assert "/" not in _patterns(spec)
    assert text("unreviewed_caption") not in _annotations(spec)
    assert text("unreviewed_hover", n=1) not in json.dumps(spec, ensure_ascii=False)


def test_hide_switch_is_read_from_the_link(review_db, make_app):
    at = make_app(review_db, "overview", {"hide_unreviewed": "1"}, params_first=True)
    assert at.toggle(key="hide_unreviewed").value is True
    assert "/" not in _patterns(_chart(at))


def test_no_switch_without_unreviewed_figures(built, make_app):
    at = make_app(built, "overview")
    assert not any(t.key == "hide_unreviewed" for t in at.toggle)
    assert "/" not in _patterns(_chart(at))


def test_decisions_that_no_longer_match_a_figure_are_shown(tmp_path, make_app):
    path, plans = build_review_db(tmp_path)
    decide_figure(figure_id(path, "182个"), REJECTED, "张三", path=path)
    (plans / f"{PLAN_ID}.txt").write_text(TEXT.replace("一、总体情况\n", "一、总体情况\n补充一句。\n"), encoding="utf-8")
    build(path, plans)
    at = make_app(path, "review")
    assert any(text("review_orphans", n=1) in w.value for w in at.warning)
