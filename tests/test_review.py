"""The review queue in the store: figures of a pending document start "extracted"; decisions (confirm, correct,
reject) are overrides tied to plan and span that survive rebuilds, say who and when, and drive what charts query."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from review_helpers import PLAN_ID, REVIEWED_PLAN, TEXT, build_review_db, figure_id, query

from common.messages import CodedError, text
from loaders.build import build, ensure_database
from loaders.review import CONFIRMED, CORRECTED, REJECTED, Correction, decide_figure
from metrics import queries
from metrics import review as rq
from store import cells, db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def review_db(tmp_path) -> tuple[Path, Path]:
    return build_review_db(tmp_path)


def _status(path: Path, fid: str) -> str | None:
    rows = query(path, "SELECT review_status FROM v_figures_all WHERE figure_id = ?", [fid])
    return rows[0][0] if rows else None


def _read(path: Path):
    return duckdb.connect(str(path), read_only=True)


def test_pending_document_starts_extracted_and_old_plans_count_as_reviewed(review_db):
    path, _ = review_db
    statuses = dict(query(path, """SELECT plan_id, list(DISTINCT review_status) FROM v_figures_all
                                   WHERE source_kind = 'plan' GROUP BY plan_id"""))
    assert statuses[PLAN_ID] == ["extracted"]
    assert statuses[REVIEWED_PLAN] == ["reviewed"]
    with _read(path) as con:
        plans = rq.review_plans(con)
        queue = rq.review_queue(con, statuses=["extracted"])
        n = rq.unreviewed_count(con)
    assert list(plans["plan_id"]) == [PLAN_ID]  # the 十三五 plan is not in the queue
    n_bulletin = query(path, "SELECT count(*) FROM figures WHERE plan_id = ?", [PLAN_ID])[0][0]
    assert n == n_bulletin == int(plans["extracted"].iloc[0]) == len(queue) >= 5
    # the sentence splits around the number exactly where the plan text has it
    row = queue[queue["figure_id"] == figure_id(path, "21.6亿元")].iloc[0]
    before, span, after = rq.split_quote(row)
    assert span == "21.6亿元" and before.endswith("援疆资金") and after.startswith("，实施援建项目182个")
    assert TEXT[int(row["quote_start"]):int(row["quote_end"])] == before + span + after


def test_decisions_survive_a_rebuild(review_db):
    path, plans = review_db
    confirmed, rejected, corrected = figure_id(path, "21.6亿元"), figure_id(path, "100%"), figure_id(path, "460人次")
    decide_figure(confirmed, CONFIRMED, "张三", path=path)
    decide_figure(rejected, REJECTED, "张三", note="开工率不是援助数字", path=path)
    decide_figure(corrected, CORRECTED, "李四", Correction(value="480人次"), path=path)
    before = query(path, "SELECT * FROM figure_reviews ORDER BY review_id")

    build(path, plans)

    assert query(path, "SELECT * FROM figure_reviews ORDER BY review_id") == before
    assert [_status(path, f) for f in (confirmed, rejected, corrected)] == [CONFIRMED, REJECTED, CORRECTED]
    assert query(path, "SELECT value, unit FROM v_figures WHERE figure_id = ?", [corrected]) == [(480.0, "人次")]
    assert query(path, "SELECT count(*) FROM v_figures WHERE figure_id = ?", [rejected]) == [(0,)]
    # the untouched figures of the bulletin are still waiting
    assert _status(path, figure_id(path, "182个")) == "extracted"


def test_corrected_figure_carries_corrected_values_reviewer_and_time(review_db):
    path, plans = review_db
    fid = figure_id(path, "21.6亿元")
    original = query(path, "SELECT quote, quote_start, quote_end, span_start, span_end FROM figures "
                           "WHERE figure_id = ?", [fid])[0]
    t0 = datetime.now() - timedelta(seconds=1)
    decide_figure(fid, CORRECTED, "王五", Correction(region_id="xinjiang_aksu", period="2021-2023", value="约2.5亿元"),
                  path=path)
    t1 = datetime.now() + timedelta(seconds=1)
    build(path, plans)  # the correction is applied by every rebuild, not only by the write that made it
    row = query(path, """SELECT region_id, period, metric_id, value, unit, qualifier, value_base, number_text,
                                reviewer, reviewed_at, extracted_region_id, extracted_period, extracted_number_text,
                                quote, quote_start, quote_end, span_start, span_end, period_zh, region_zh
                         FROM v_figures WHERE figure_id = ?""", [fid])[0]
    (region, period, metric, value, unit, qualifier, base, text, who, when, x_region, x_period, x_text,
     *offsets, period_zh, region_zh) = row
    assert (region, period, metric) == ("xinjiang_aksu", "2021-2023", "aid_funding")
    assert (value, unit, qualifier, base, text) == (2.5, "亿元", "约", 2.5e8, "约2.5亿元")
    assert who == "王五" and t0 <= when <= t1
    assert (x_region, x_period, x_text) == ("xinjiang_kashgar", "2023", "21.6亿元")
    assert tuple(offsets) == original  # the original sentence and offsets are kept
    assert period_zh and "2021" in period_zh and region_zh == "新疆阿克苏"  # a new period got its labels
    with _read(path) as con:
        cell = queries.cells(con, "aid_funding", periods=["2021-2023"], regions=["xinjiang_aksu"])
        old_cell = queries.cells(con, "aid_funding", periods=["2023"], regions=["xinjiang_kashgar"])
    assert list(cell["value_base"]) == [2.5e8] and list(cell["n_unreviewed"]) == [0]
    assert old_cell.empty


def test_rejected_figure_is_gone_from_chart_queries(review_db):
    path, _ = review_db
    fid = figure_id(path, "21.6亿元")
    with _read(path) as con:
        assert len(queries.cells(con, "aid_funding", periods=["2023"], regions=["xinjiang_kashgar"])) == 1
        n_before = queries.figure_count(con)
    decide_figure(fid, REJECTED, "张三", path=path)
    with _read(path) as con:
        assert queries.cells(con, "aid_funding", periods=["2023"], regions=["xinjiang_kashgar"]).empty
        assert queries.figure_count(con) == n_before - 1
        assert fid not in set(queries.figure_search(con, search=fid)["figure_id"])
        assert not queries.funding_by_period_region(con, ids=True)["figure_ids"].str.contains(fid, regex=False).any()
        # still in the queue, so a reviewer can see and change the decision
        assert rq.review_queue(con, statuses=["rejected"])["figure_id"].tolist() == [fid]


def test_unreviewed_figures_are_flagged_and_hidden_when_asked(review_db):
    path, _ = review_db
    fid = figure_id(path, "21.6亿元")
    with _read(path) as con:
        shown = queries.funding_by_period_region(con, ids=True)
        mine = shown["figure_ids"].str.contains(fid, regex=False)
        assert shown.loc[mine, "n_unreviewed"].tolist() == [1]
        assert (shown.loc[~mine, "n_unreviewed"] == 0).all()
        assert set(queries.figure_search(con, search="援疆资金21.6")["review_status"]) == {"extracted"}
        queries.hide_unreviewed(con)
        hidden = queries.funding_by_period_region(con, ids=True)
        assert not hidden["figure_ids"].str.contains(fid, regex=False).any()
        assert queries.figure_count(con, search="援疆资金21.6") == 0
        # figures of reviewed plans are untouched by the switch
        cols = ["period", "region_id", "value_base"]
        assert hidden.reset_index(drop=True)[cols].equals(shown[~mine].reset_index(drop=True)[cols])
        queries.hide_unreviewed(con, False)
        assert queries.funding_by_period_region(con, ids=True)["figure_ids"].str.contains(fid, regex=False).any()
    # once confirmed, the figure is charted even with the switch on
    decide_figure(fid, CONFIRMED, "张三", path=path)
    with _read(path) as con:
        queries.hide_unreviewed(con)
        after = queries.funding_by_period_region(con, ids=True)
        assert after.loc[after["figure_ids"].str.contains(fid, regex=False), "n_unreviewed"].tolist() == [0]


def test_latest_decision_wins_and_every_decision_is_kept(review_db):
    path, _ = review_db
    fid = figure_id(path, "182个")
    decide_figure(fid, REJECTED, "张三", path=path)
    decide_figure(fid, CONFIRMED, "李四", note="复核后确认", path=path)
    assert _status(path, fid) == CONFIRMED
    assert query(path, "SELECT reviewer, review_note FROM v_figures WHERE figure_id = ?", [fid]) == [("李四", "复核后确认")]
    log = query(path, "SELECT decision, reviewer FROM figure_reviews ORDER BY review_id")
    assert log == [(REJECTED, "张三"), (CONFIRMED, "李四")]


@pytest.mark.parametrize("decision, reviewer, correction, code", [
    (CONFIRMED, "  ", None, "review_need_name"),
    (CORRECTED, "张三", Correction(), "review_nothing_corrected"),
    (CORRECTED, "张三", Correction(region_id="atlantis"), "review_bad_region"),
    (CORRECTED, "张三", Correction(period="十九五"), "review_bad_period"),
    (CORRECTED, "张三", Correction(metric_id="happiness"), "review_bad_metric"),
    (CORRECTED, "张三", Correction(value="很多"), "review_bad_value"),
    (CORRECTED, "张三", Correction(value="300人次"), "review_unit_mismatch"),  # people for a money metric
    (CORRECTED, "张三", Correction(metric_id="aid_projects"), "review_unit_mismatch"),  # 亿元 as projects
    ("approved", "张三", None, "review_bad_decision"),
])
def test_invalid_decisions_are_refused_and_change_nothing(review_db, decision, reviewer, correction, code):
    path, _ = review_db
    token = db.snapshot_token(path)
    with pytest.raises(CodedError) as err:
        decide_figure(figure_id(path, "21.6亿元"), decision, reviewer, correction, path=path)
    assert err.value.code == code and err.value.message("en")
    assert db.snapshot_token(path) == token  # the live file was not replaced
    assert query(path, "SELECT count(*) FROM figure_reviews") == [(0,)]


def test_unknown_figure_is_refused(review_db):
    path, _ = review_db
    with pytest.raises(CodedError) as err:
        decide_figure(f"{PLAN_ID}:99999", CONFIRMED, "张三", path=path)
    assert err.value.code == "review_no_figure"


def test_a_file_from_the_previous_schema_is_rebuilt_keeping_what_people_entered(review_db, monkeypatch):
    path, plans = review_db
    decide_figure(figure_id(path, "182个"), CONFIRMED, "张三", path=path)
    with duckdb.connect(str(path)) as con:  # what a file built before this schema looks like
        con.execute("UPDATE build_info SET value = '1' WHERE key = 'schema_version'")
        con.execute("DROP VIEW v_figures")
        con.execute("DROP VIEW v_figures_all")
    monkeypatch.setenv("AID_PLANS_DIR", str(plans))
    ensure_database(path)
    assert query(path, "SELECT value FROM build_info WHERE key = 'schema_version'") == [(db.SCHEMA_VERSION,)]
    assert _status(path, figure_id(path, "182个")) == CONFIRMED


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", "review", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_command_line_lists_confirms_corrects_and_rejects(review_db):
    path, plans = review_db
    n_figures = query(path, "SELECT count(*) FROM figures WHERE plan_id = ?", [PLAN_ID])[0][0]
    listed = _cli("list", "--db", path)
    assert listed.returncode == 0, listed.stderr
    ids = [figure_id(path, t) for t in ("21.6亿元", "182个", "100%", "460人次")]
    assert all(i in listed.stdout for i in ids)
    assert REVIEWED_PLAN not in listed.stdout
    r = _cli("confirm", ids[0], ids[1], "--by", "赵六", "--db", path)
    assert r.returncode == 0 and "2" in r.stdout, r.stderr
    r = _cli("reject", ids[2], "--by", "赵六", "--note", "开工率", "--db", path)
    assert r.returncode == 0, r.stderr
    r = _cli("correct", ids[3], "--by", "赵六", "--value", "480人次", "--db", path)
    assert r.returncode == 0, r.stderr
    assert [_status(path, i) for i in ids] == [CONFIRMED, CONFIRMED, REJECTED, CORRECTED]
    r = _cli("correct", ids[3], "--by", "赵六", "--value", "3亿元", "--db", path, "--lang", "en")
    assert r.returncode == 1 and "does not fit" in r.stderr
    r = _cli("confirm", ids[0], "--db", path)  # no name
    assert r.returncode != 0
    after = _cli("list", "--db", path, "--status", "all")
    assert "赵六" in after.stdout and "480人次" in after.stdout
    rebuilt = subprocess.run([sys.executable, "-m", "loaders", "build", "--db", path, "--plans", plans], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{PLAN_ID}: extracted {n_figures - 4}, confirmed 2, corrected 1, rejected 1" in rebuilt.stdout


def test_a_write_to_a_file_from_the_previous_schema_adds_what_is_missing(review_db):
    path, _ = review_db
    with duckdb.connect(str(path)) as con:
        con.execute("DROP VIEW v_figures")
        con.execute("DROP VIEW v_figures_all")
        con.execute("DROP TABLE figure_reviews")
        con.execute("ALTER TABLE plans DROP COLUMN review")
    decide_figure(figure_id(path, "182个"), CONFIRMED, "张三", path=path)
    assert _status(path, figure_id(path, "182个")) == CONFIRMED


def test_a_decision_whose_span_moved_is_listed_not_applied(review_db, tmp_path):
    path, plans = review_db
    fid = figure_id(path, "182个")
    decide_figure(fid, REJECTED, "张三", path=path)
    # the document is edited: a sentence added at the top moves every span
    doc = plans / f"{PLAN_ID}.txt"
    doc.write_text(TEXT.replace("一、总体情况\n", "一、总体情况\n本期简报补充了一句话。\n"), encoding="utf-8")
    build(path, plans)
    with _read(path) as con:
        orphans = rq.orphan_decisions(con)
        moved = query(path, "SELECT review_status FROM v_figures_all WHERE plan_id = ? AND number_text = '182个'",
                      [PLAN_ID])
    assert list(orphans["decision"]) == [REJECTED] and orphans["text_now"].iloc[0] != "182个"
    assert moved == [("extracted",)]  # not silently rejected at its new place: it waits for review again
    listed = _cli("list", "--db", path)
    assert text("review_orphans", "zh", n=1) in listed.stdout


def test_a_document_added_with_add_plan_waits_for_review(tmp_path):
    src = tmp_path / "简报.txt"
    src.write_text(TEXT, encoding="utf-8")
    plans, path = tmp_path / "plans", tmp_path / "t.duckdb"
    added = subprocess.run([sys.executable, "-m", "loaders", "add-plan", src, "--plans", plans, "--id", "brief"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    build(path, plans)
    with _read(path) as con:
        queue = rq.review_queue(con)
    assert len(queue) >= 5 and set(queue["review_status"]) == {"extracted"}
    assert set(queue["plan_id"]) == {"brief"}
    # a reviewer puts the province-wide figure where the bulletin means it, and that holds through a rebuild
    fid = queue.loc[queue["number_text"] == "21.6亿元", "figure_id"].iloc[0]
    decide_figure(fid, CORRECTED, "张三", Correction(region_id="xinjiang_kashgar"), path=path)
    build(path, plans)
    assert query(path, "SELECT region_id, review_status FROM v_figures WHERE figure_id = ?", [fid]) == [
        ("xinjiang_kashgar", CORRECTED)]


def test_the_unreviewed_count_from_the_cells_equals_the_count_over_figures(review_db):
    """Every page's review badge reads the aggregated cells: equal to counting the figures, after each decision."""
    path, _ = review_db
    with _read(path) as con:
        assert cells.current(con)
        start = rq.unreviewed_count(con)
        assert start == rq.unreviewed_count_live(con) >= 5
    for fid, decision, extra in ((figure_id(path, "21.6亿元"), CONFIRMED, {}),
                                 (figure_id(path, "100%"), REJECTED, {"note": "不是援助数字"}),
                                 (figure_id(path, "460人次"), CORRECTED, {"correction": Correction(value="480人次")})):
        if "correction" in extra:
            decide_figure(fid, decision, "李四", extra["correction"], path=path)
        else:
            decide_figure(fid, decision, "张三", path=path, **extra)
        with _read(path) as con:
            assert cells.current(con)
            assert rq.unreviewed_count(con) == rq.unreviewed_count_live(con)
    with _read(path) as con:
        assert rq.unreviewed_count(con) == start - 3
