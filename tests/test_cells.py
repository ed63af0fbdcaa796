"""Aggregated cells kept at write time (store/cells.py) give exactly what computing them from the figures gives
(metrics.queries.cells_live / period_cells_live): after a build, uploads of years, a replacement and an undo, and
review decisions; for every metric, region and period filter and both scopes (unreviewed figures shown or hidden);
a refresh of the touched pairs leaves what a full refresh leaves; a file built before the tables reads live, even
read-only, and gains them on its next write."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from review_helpers import build_review_db, figure_id

from loaders.build import ensure_database
from loaders.review import CONFIRMED, CORRECTED, REJECTED, Correction, decide_figure
from loaders.upload import REPLACE, SKIP, commit, prepare, undo
from metrics import queries as q
from outputs import views
from store import cells, db

HEAD = "期间/年份,地区,指标,数值,单位\n"


def _upload(path: Path, rows: list[tuple], conflicts: str = SKIP, name: str = "u.csv"):
    body = HEAD + "".join(",".join(str(x) for x in r) + "\n" for r in rows)
    pv = prepare(body.encode("utf-8"), name, path)
    assert pv.ok, pv.errors
    return commit(pv, path, conflicts=conflicts, uploader="测试")


def _filters(con, every: bool) -> list[dict]:
    """No filter, each category, recipients only, a few together, and (every) each metric, region and period
    present."""
    live = q.cells_live(con)
    five = q.period_cells_live(con)
    cats = [r[0] for r in con.execute("SELECT DISTINCT category FROM metrics ORDER BY 1").fetchall()]
    out: list[dict] = [{}, {"ids": True}, {"recipients_only": True, "ids": True}, {"recipients_only": True},
                       *({"category": c} for c in cats)]
    out += [{"metric_id": ["aid_funding", "aid_projects"], "recipients_only": True},
            {"regions": ["xinjiang_kashgar", "all_counterpart"], "category": "aid", "periods": ["十二五", "十三五"]}]
    if not every:
        return out
    out += [{"metric_id": m} for m in sorted(set(live["metric_id"]))]
    out += [{"regions": [r]} for r in sorted(set(live["region_id"]))]
    out += [{"periods": [p], "_which": "cells"} for p in sorted(set(live["period"]))]
    out += [{"periods": [p], "_which": "period_cells"} for p in sorted(set(five["period"]))]
    return out


def assert_table_matches_live(con, every: bool = False) -> None:
    """The filters, both scopes: the table-backed answer is the live one, row for row and type for type (with the
    figure-id lists too); and the tables are current (the write refreshed them: not read live)."""
    assert cells.ready(con) and cells.current(con)
    try:
        for hide in (False, True):
            q.hide_unreviewed(con, hide)
            for kw in _filters(con, every):
                which = kw.pop("_which", None)
                if which != "period_cells":
                    pd.testing.assert_frame_equal(q.cells_table(con, **kw), q.cells_live(con, **kw),
                                                  obj=f"cells {kw}")
                if which != "cells":
                    pd.testing.assert_frame_equal(q.period_cells_table(con, **kw), q.period_cells_live(con, **kw),
                                                  obj=f"period_cells {kw} hide={hide}")
    finally:
        q.hide_unreviewed(con, False)


def _pages(con) -> dict[str, pd.DataFrame]:
    """What the pages read through the cells tables: periods, metrics and regions present, headline cards, totals,
    the map, cooperation, years."""
    out = {"five_year_periods": q.five_year_periods(con), "periods": q.periods(con), "years": q.years(con),
           "funding years": q.years(con, "aid_funding"), "metrics": q.metrics(con),
           "cooperation metrics": q.metrics(con, "cooperation"), "regions": q.regions(con),
           "latest": pd.DataFrame({"p": [q.latest_period(con, m) for m in ("aid_funding", "aid_projects")]})}
    for p in q.five_year_periods(con)["period"]:
        out[f"headline {p}"] = q.headline_cards(con, p)
        out[f"totals {p}"] = q.period_totals(con, "aid_funding", p)
    out["growth"] = q.growth(con)
    out["map"] = q.region_summary(con)
    out["cooperation"] = q.cooperation(con)
    out["enterprise"] = q.enterprise_flows(con)
    out["year cells"] = q.year_cells(con, "aid_funding")
    out["per_project"] = q.per_project(con)
    out["annualised"] = q.annualised(con)
    # the sources page's counts: summed over the stored cells, counted over v_figures live
    out["figure counts"] = pd.DataFrame({"n": [
        q.figure_count(con), q.figure_count(con, metrics=["aid_funding", "aid_projects"]),
        q.figure_count(con, periods=["十二五", "2021", "2023"], regions=["xinjiang_kashgar", "liaoning_dalian"]),
        q.figure_count(con, metrics=["aid_funding"], periods=["十四五"])]})
    # the sources page's figure table, paged over the stored cells: every page of 7 (and one past the end), and
    # filtered pages, against sorting every figure
    n = q.figure_count(con)
    out["figure pages"] = pd.concat([q.figure_search(con, limit=7, offset=o) for o in range(0, n + 8, 7)],
                                    ignore_index=True)
    out["figure page filtered"] = pd.concat([
        q.figure_search(con, metrics=["aid_funding", "aid_projects"], limit=3, offset=4),
        q.figure_search(con, periods=["十二五", "2021", "2023"], regions=["xinjiang_kashgar", "liaoning_dalian"],
                        limit=5, offset=1)], ignore_index=True)
    return out


def assert_pages_match_live(con, monkeypatch) -> None:
    try:
        for hide in (False, True):
            q.hide_unreviewed(con, hide)
            table = _pages(con)
            with monkeypatch.context() as m:
                m.setattr(cells, "ready", lambda _con: False)  # what a file without the tables computes
                live = _pages(con)
            for name, frame in table.items():
                pd.testing.assert_frame_equal(frame, live[name], obj=f"{name} hide={hide}")
    finally:
        q.hide_unreviewed(con, False)


def _rows(con) -> dict[str, pd.DataFrame]:
    out = {}
    for table in ("cells", "period_cells"):
        df = con.execute(f"SELECT * FROM {table}").df()
        out[table] = df.sort_values(["scope", "period", "region_id", "metric_id"]).reset_index(drop=True)
    return out


def assert_keyed_equals_full(path: Path) -> None:
    """The rows the writes' keyed refreshes left are the rows a full refresh computes."""
    copy = path.with_name(path.stem + "-full.duckdb")
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy))
    try:
        before = _rows(con)
        cells.refresh(con)
        after = _rows(con)
    finally:
        con.close()
        copy.unlink()
    for table in before:
        assert len(after[table]) > 0
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def _check(path: Path, monkeypatch=None, every: bool = False) -> None:
    """Table against live (every filter, or the main ones), pages too with monkeypatch; keyed against full."""
    con = db.open_read(path)
    try:
        assert_table_matches_live(con, every)
        if monkeypatch is not None:
            assert_pages_match_live(con, monkeypatch)
    finally:
        con.close()
    assert_keyed_equals_full(path)


def _value(path: Path, period: str, region: str, metric: str = "aid_funding", hide: bool = False):
    con = db.open_read(path)
    try:
        q.hide_unreviewed(con, hide)
        df = q.period_cells(con, metric, [period], [region])
        return None if df.empty else (float(df["value_base"].iloc[0]), df["basis"].iloc[0])
    finally:
        con.close()


def test_built_database_has_the_tables_and_they_match(built, monkeypatch):
    con = db.open_read(built)
    try:
        assert cells.ready(con)
        assert con.execute("SELECT count(*) FROM cells").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM period_cells").fetchone()[0] > 0
    finally:
        con.close()
    _check(built, monkeypatch, every=True)


def test_figure_pages_are_read_over_the_cells(built):
    """Every page of the sources page's figure table is read over the stored cells (sorting every figure is only
    the fallback) and, page after page, gives the order sorting every figure gives."""
    con = db.open_read(built)
    try:
        got, real = [], q._figure_page_by_cells

        def spy(*args, **kwargs):
            got.append(real(*args, **kwargs))
            return got[-1]
        n = q.figure_count(con)
        with mock.patch.object(q, "_figure_page_by_cells", spy):
            pages = [q.figure_search(con, limit=7, offset=o) for o in range(0, n, 7)]
        assert len(got) == len(pages) > 10 and all(page is not None for page in got)
        assert pd.concat(pages)["figure_id"].tolist() == q.figure_search(con)["figure_id"].tolist()
    finally:
        con.close()


def test_uploads_replacement_and_undo_keep_the_tables_current(path, monkeypatch):
    assert _value(path, "十四五", "liaoning_dalian") is None
    _upload(path, [("2021", "辽宁大连", "援助资金", 3, "亿元"), ("2021", "新疆喀什", "援建项目", 40, "个")],
            name="y2021.csv")
    assert _value(path, "十四五", "liaoning_dalian") == (3e8, "sum_of_years")
    _check(path)
    _upload(path, [("2022", "辽宁大连", "援助资金", 2, "亿元"), ("2021-2022", "新疆喀什", "援助资金", 9, "亿元")],
            name="y2022.csv")
    assert _value(path, "十四五", "liaoning_dalian") == (5e8, "sum_of_years")
    _check(path)
    plan_value = _value(path, "十二五", "xinjiang_kashgar")
    replaced = _upload(path, [("十二五", "新疆喀什", "援助资金", 95, "亿元")], conflicts=REPLACE, name="fix.csv")
    assert replaced.n_replaced == 1
    assert _value(path, "十二五", "xinjiang_kashgar") == (95e8, "stated")
    _check(path, monkeypatch)
    undo(replaced.batch_id, path, by="测试")
    assert _value(path, "十二五", "xinjiang_kashgar") == plan_value
    _check(path, monkeypatch)


def test_review_decisions_keep_both_scopes_current(tmp_path, monkeypatch):
    path, _ = build_review_db(tmp_path)
    funding, projects, people = figure_id(path, "21.6亿元"), figure_id(path, "182个"), figure_id(path, "460人次")
    # the bulletin's figures await review: shown by default, left out when unreviewed figures are hidden
    assert _value(path, "2023", "xinjiang_kashgar", hide=False) is None  # 2023 lies in no dashboard period
    con = db.open_read(path)
    try:
        shown = q.cells(con, "aid_funding", ["2023"], ["xinjiang_kashgar"])
        q.hide_unreviewed(con)
        hidden = q.cells(con, "aid_funding", ["2023"], ["xinjiang_kashgar"])
    finally:
        con.close()
    assert shown["value_base"].tolist() == [21.6e8] and shown["n_unreviewed"].tolist() == [1] and hidden.empty
    _check(path, monkeypatch)

    decide_figure(funding, CONFIRMED, "审核员", path=path)
    con = db.open_read(path)
    try:
        q.hide_unreviewed(con)
        assert q.cells(con, "aid_funding", ["2023"], ["xinjiang_kashgar"])["value_base"].tolist() == [21.6e8]
    finally:
        con.close()
    _check(path)
    # a correction moves the figure to another period and region: both pairs are refreshed
    decide_figure(projects, CORRECTED, "审核员", Correction(region_id="liaoning_dalian", period="2021", value="190个"),
                  path=path)
    assert _value(path, "十四五", "liaoning_dalian", "aid_projects") == (190.0, "sum_of_years")
    _check(path)
    decide_figure(people, REJECTED, "审核员", path=path)
    _check(path, monkeypatch)
    # a later decision on the same figure wins: rejected, the corrected figure leaves 大连
    decide_figure(projects, REJECTED, "审核员", path=path)
    assert _value(path, "十四五", "liaoning_dalian", "aid_projects") is None
    _check(path, every=True)


def _make_old(path: Path) -> None:
    """The file as a version before the tables wrote it: no tables, no stamp."""
    con = duckdb.connect(str(path))
    try:
        con.execute("DROP TABLE cells")
        con.execute("DROP TABLE period_cells")
        con.execute("DELETE FROM build_info WHERE key = ?", [cells.VERSION_KEY])
        con.execute("CHECKPOINT")
    finally:
        con.close()


def test_an_older_file_reads_live_read_only_then_gains_the_tables(path, monkeypatch):
    _upload(path, [("2021", "辽宁大连", "援助资金", 3, "亿元")])
    con = db.open_read(path)
    try:
        expected = (q.cells(con), q.period_cells(con), q.headline_cards(con, "十三五"))
    finally:
        con.close()
    _make_old(path)
    from ui.data import _open_snapshot  # how the app opens a snapshot: attached read-only

    snap = _open_snapshot(str(path))
    try:
        assert not cells.ready(snap)
        with pytest.raises(duckdb.Error):  # read-only: nothing can create the tables here
            snap.execute("CREATE TABLE cells (x INTEGER)")
        got = (q.cells(snap), q.period_cells(snap), q.headline_cards(snap, "十三五"))
    finally:
        snap.close()
    for a, b in zip(got, expected):
        pd.testing.assert_frame_equal(a, b)
    # the app's start fills them (one write)
    ensure_database(path)
    _check(path, monkeypatch)


def test_an_older_file_gains_the_tables_on_any_write(path):
    _make_old(path)
    views.save_view(path, "十三五总览", "overview", {"period": "十三五"})  # a write that touches no figure
    con = db.open_read(path)
    try:
        assert cells.ready(con)
    finally:
        con.close()
    _check(path)


# --- random upload / undo sequences --------------------------------------------------------------

PERIODS = ["2021", "2022", "2021-2022", "十四五", "十二五", "2020-2022"]
REGIONS = ["新疆喀什", "辽宁大连", "全部对口地区"]
METRICS = [("援助资金", "亿元"), ("援建项目", "个")]

upload_op = st.tuples(st.just("upload"), st.lists(st.tuples(st.sampled_from(PERIODS), st.sampled_from(REGIONS),
                                                            st.sampled_from(METRICS), st.integers(1, 4)),
                                                  min_size=1, max_size=4, unique_by=lambda r: r[:3]),
                      st.sampled_from([SKIP, REPLACE]))
undo_op = st.tuples(st.just("undo"), st.integers(0, 5), st.just(None))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.one_of(upload_op, undo_op), min_size=1, max_size=5))
def test_random_upload_undo_sequences(built, ops):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.duckdb"
        shutil.copyfile(built, path)
        live: list[int] = []
        for n, (kind, arg, conflicts) in enumerate(ops):
            if kind == "upload":
                rows = [(p, r, m, v, u) for p, r, (m, u), v in arg]
                res = _upload(path, rows, conflicts, name=f"r{n}.csv")
                if res.committed:
                    live.append(res.batch_id)
            elif live:
                undo(live.pop(arg % len(live)), path, by="测试")
        con = db.open_read(path)
        try:
            for hide in (False, True):
                q.hide_unreviewed(con, hide)
                pd.testing.assert_frame_equal(q.cells(con), q.cells_live(con))
                pd.testing.assert_frame_equal(q.period_cells(con), q.period_cells_live(con))
        finally:
            con.close()
        assert_keyed_equals_full(path)


def test_command_line_check_finds_drift_and_refresh_repairs_it(path, capsys):
    from cli.main import main

    assert main(["cells", "--db", str(path)]) == 0
    assert "match the figures" in capsys.readouterr().out
    con = duckdb.connect(str(path))  # a write that went around the write paths
    try:
        con.execute("""UPDATE period_cells SET value_base = 1 WHERE scope = 'reviewed' AND period = '十二五'
                       AND region_id = 'xinjiang_kashgar' AND metric_id = 'aid_funding'""")
    finally:
        con.close()
    assert main(["cells", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "1 aggregated cells differ" in err and "xinjiang_kashgar" in err and "reviewed" in err
    assert main(["cells", "--refresh", "--db", str(path)]) == 0
    _make_old(path)
    assert main(["cells", "--db", str(path)]) == 1
    assert "older version" in capsys.readouterr().err
