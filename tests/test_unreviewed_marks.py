"""Headline cards and deck slides say when their values include figures nobody has reviewed yet (a pending
document's), as the charts do; the mark goes once the figures are confirmed, and while the reader hides them."""
from __future__ import annotations

from pathlib import Path

import pg_server as pg
import pytest
from pptx import Presentation
from review_helpers import PERIOD_DOCS, PLAN_ID, write_period_docs, write_plans
from streamlit.testing.v1 import AppTest

from common.messages import text
from loaders.build import build
from loaders.review import decide_figure
from metrics import queries as q
from outputs.deck import UNREVIEWED_MARK, build_deck
from outputs.views import list_views, save_view
from store import db

ENGINES = ("duckdb", "postgres")  # every test with `store` runs on both stores
CARDS_14 = {"aid_funding": 1, "aid_projects": 1, "agreement_amount": 0, "trained": 1}  # the bulletin's 2023 figures


def _plans(tmp: Path, with_periods: bool) -> Path:
    plans = write_plans(tmp / "plans")  # the pending 2023 bulletin and the (reviewed) 十三五 plan
    return write_period_docs(plans) if with_periods else plans


@pytest.fixture
def store(request, store_engine, tmp_path):
    """A store (DuckDB file or PostgreSQL URL) built from the pending bulletin and the 十三五 plan; with
    @pytest.mark.periods also the two pending period documents."""
    plans = _plans(tmp_path, request.node.get_closest_marker("periods") is not None)
    if store_engine == "duckdb":
        target = tmp_path / "review.duckdb"
        build(target, plans)
        yield target
        return
    server = request.getfixturevalue("pg_server")
    url = pg.create_database(server, prefix="aid_marks")
    try:
        build(url, plans)
        yield url
    finally:
        pg.drop_database(server, url)


def _confirm(store, *numbers: str) -> None:
    """Confirms the pending documents' figures written `numbers` (each written once across them)."""
    con = db.open_read(store)
    try:
        ids = []
        for number in numbers:
            rows = con.execute("SELECT figure_id FROM figures WHERE number_text = ? AND plan_id IN (?, ?, ?)",
                               [number, PLAN_ID, *PERIOD_DOCS]).fetchall()
            assert len(rows) == 1, (number, rows)
            ids.append(rows[0][0])
    finally:
        con.close()
    for fid in ids:
        decide_figure(fid, "confirmed", "审核员甲", path=store)


# --- the query ------------------------------------------------------------------------------------

def test_headline_cards_count_the_unreviewed_figures_behind_each_value(store):
    con = db.open_read(store)
    try:
        cards = q.headline_cards(con, "十四五").set_index("metric_id")
        q.hide_unreviewed(con)
        hidden = q.headline_cards(con, "十四五").set_index("metric_id")
    finally:
        con.close()
    assert cards["n_unreviewed"].to_dict() == CARDS_14
    assert cards.loc["aid_funding", "value_base"] == pytest.approx(21.6e8)
    assert (cards["prev_period"] == "十三五").all() and (cards["prev_n_unreviewed"] == 0).all()
    assert (hidden["n_unreviewed"] == 0).all() and (hidden["basis"] == "missing").all()  # hidden: not counted


@pytest.mark.periods
def test_the_comparison_value_counts_too(store):
    con = db.open_read(store)
    try:
        cards = q.headline_cards(con, "十五五").set_index("metric_id")
    finally:
        con.close()
    # 十四五's stated total wins over the bulletin's 2023 figure: one unreviewed figure behind it, not two
    assert cards.loc["aid_funding", ["n_unreviewed", "prev_n_unreviewed"]].tolist() == [1, 1]
    assert cards.loc["aid_funding", "prev_value_base"] == pytest.approx(200e8)
    assert cards.loc["trained", ["n_unreviewed", "prev_n_unreviewed"]].tolist() == [0, 1]
    _confirm(store, "300亿元")
    con = db.open_read(store)
    try:
        cards = q.headline_cards(con, "十五五").set_index("metric_id")
    finally:
        con.close()
    assert cards.loc["aid_funding", ["n_unreviewed", "prev_n_unreviewed"]].tolist() == [0, 1]


# --- the overview page ------------------------------------------------------------------------------

def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _card_marks(at: AppTest) -> dict[str, list[str]]:
    """{card label: the statements of its badge} for the headline cards (one column each)."""
    out = {}
    for col in at.columns:
        metrics = col.get("metric")
        if len(metrics) != 1:
            continue
        badges = [m.body for m in col.get("markdown") if m.body.startswith(":orange-badge[")]
        assert len(badges) <= 1, badges
        # :orange-badge[:material/icon: statement · statement]
        out[metrics[0].label] = badges[0].split("[", 1)[1].rstrip("]").split(": ", 1)[1].split(" · ") if badges \
            else []
    assert out, "no headline cards found"
    return out


def _marked(at: AppTest, lang: str = "zh", n: int = 1) -> set[str]:
    word = text("card_unreviewed", lang, n=n)
    return {label for label, marks in _card_marks(at).items() if word in marks}


NAMES = {"aid_funding": "援助资金", "aid_projects": "援建项目", "trained": "培训人次"}


def test_overview_cards_mark_unreviewed_figures(store, make_app):
    at = make_app(store, "overview", {"overview_period": "十四五"}, params_first=True)
    assert {m.label: m.value for m in at.metric}["援助资金"] == "21.6亿元"
    assert _marked(at) == set(NAMES.values())  # not the card without a value
    (badge,) = [m for m in at.markdown if text("card_unreviewed", n=1) in m.body][:1]
    assert badge.proto.help == text("card_unreviewed_help")
    # the reader hides unreviewed figures: the cards leave them out (十四五 then has none) and no mark is left
    _ok(at.toggle(key="hide_unreviewed").set_value(True).run())
    assert {m.label: m.value for m in at.metric}["援助资金"] != "21.6亿元"
    assert not any(_card_marks(at).values())


def test_overview_marks_in_english_and_in_presentation_mode(store, make_app):
    at = make_app(store, "overview", {"overview_period": "十四五", "lang": "en", "present": "1"}, params_first=True)
    assert _marked(at, "en") == {"Aid funding", "Aid projects", "People trained"}


def test_a_link_that_hides_them_shows_no_mark(store, make_app):
    at = make_app(store, "overview", {"overview_period": "十四五", "hide_unreviewed": "1"}, params_first=True)
    assert not any(_card_marks(at).values())


def test_confirming_a_figure_takes_its_card_mark_away(store, make_app):
    _confirm(store, "21.6亿元")
    at = make_app(store, "overview", {"overview_period": "十四五"}, params_first=True)
    assert {m.label: m.value for m in at.metric}["援助资金"] == "21.6亿元"  # the value stays, now reviewed
    assert _marked(at) == {NAMES["aid_projects"], NAMES["trained"]}
    _confirm(store, "182个", "2.3万人次")
    at = make_app(store, "overview", {"overview_period": "十四五"}, params_first=True)
    assert not any(_card_marks(at).values())


@pytest.mark.periods
def test_a_card_compared_with_an_unreviewed_value_says_so(store, make_app):
    at = make_app(store, "overview", {"overview_period": "十五五"}, params_first=True)
    assert _card_marks(at)["援助资金"] == [text("card_unreviewed", n=1), text("card_prev_unreviewed", n=1, p="十四五")]
    assert _card_marks(at)["培训人次"] == []  # no 十五五 value, so nothing compared
    _confirm(store, "300亿元")
    at = make_app(store, "overview", {"overview_period": "十五五"}, params_first=True)
    # the value is reviewed now; the change still leans on the unreviewed 十四五 total
    assert _card_marks(at)["援助资金"] == [text("card_prev_unreviewed", n=1, p="十四五")]


# --- the deck -------------------------------------------------------------------------------------

def _views(store) -> None:
    save_view(store, "总览 十四五", "overview", {"period": "十四五"})
    save_view(store, "援助资金 十四五", "funding", {"metric": "aid_funding", "periods": ["十四五"]})
    save_view(store, "新疆喀什", "regions", {"pick": "xinjiang_kashgar", "metric": "aid_funding"})
    save_view(store, "十二五 资金", "funding", {"metric": "aid_funding", "periods": ["十二五"]})  # the 十三五 plan's


def _deck(store, tmp_path: Path, lang: str) -> list[str]:
    """The built deck read back: the text of each view slide (the title slide left out)."""
    con = db.open_read(store)
    try:
        out = build_deck(con, list_views(con), tmp_path / f"deck-{lang}.pptx", lang=lang)
    finally:
        con.close()
    return ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
            for slide in list(Presentation(str(out)).slides)[1:]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_deck_notes_unreviewed_figures(store, tmp_path, lang):
    _views(store)
    overview, funding, region, older = _deck(store, tmp_path, lang)
    assert text("deck_unreviewed", lang, n=3) in overview  # three cards, one unreviewed figure each
    assert overview.count(UNREVIEWED_MARK + text("card_unreviewed", lang, n=1)) == 3
    assert text("deck_unreviewed", lang, n=1) in funding and text("deck_unreviewed", lang, n=1) in region
    assert text("deck_unreviewed", lang, n=1).split("1")[0] not in older  # reviewed figures only: no line
    _confirm(store, "21.6亿元", "182个", "2.3万人次")
    for slide in _deck(store, tmp_path, lang):
        assert text("deck_unreviewed", lang, n=1).split("1")[0] not in slide and UNREVIEWED_MARK not in slide


@pytest.mark.periods
def test_deck_card_compared_with_an_unreviewed_value_says_so(store, tmp_path):
    save_view(store, "总览 十五五", "overview", {"period": "十五五"})
    (slide,) = _deck(store, tmp_path, "zh")
    mark = UNREVIEWED_MARK + text("card_unreviewed", n=1) + "\n" + text("card_prev_unreviewed", n=1, p="十四五")
    assert slide.count(mark) == 2  # aid funding and projects: 十五五 and 十四五 totals from pending documents
    assert text("deck_unreviewed", n=4) in slide  # two values and the two they are compared with


def _slides(data: bytes) -> list[str]:
    import io
    return ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
            for slide in list(Presentation(io.BytesIO(data)).slides)[1:]]


def test_a_deck_built_while_they_are_hidden_leaves_them_out(store, tmp_path):
    """The sidebar's deck download follows the reader's switch, and so does `python -m loaders deck
    --hide-unreviewed`: no mark and no footnote line, the unreviewed values left out."""
    import subprocess
    import sys

    from ui.views_panel import _deck_bytes

    save_view(store, "总览 十四五", "overview", {"period": "十四五"})
    shown, = _slides(_deck_bytes(str(store), db.snapshot_token(str(store)), "zh", False))
    hidden, = _slides(_deck_bytes(str(store), db.snapshot_token(str(store)), "zh", True))
    assert text("deck_unreviewed", n=3) in shown and "21.6亿元" in shown
    assert UNREVIEWED_MARK not in hidden and "21.6亿元" not in hidden and "注意" not in hidden
    root = Path(__file__).resolve().parent.parent
    env = {**__import__("os").environ, "PYTHONPATH": str(root)}
    for flag, marked in (([], True), (["--hide-unreviewed"], False)):
        out = tmp_path / f"cli{len(flag)}.pptx"
        r = subprocess.run([sys.executable, "-m", "loaders", "deck", "--db", str(store), "--out", str(out), *flag],
                           cwd=root, capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode == 0, r.stderr
        slide, = _slides(out.read_bytes())
        assert (UNREVIEWED_MARK in slide) is marked and ("21.6亿元" in slide) is marked
