"""Stale aggregated cells: figures written around the write paths (an older version's writer, a hand edit) are
noticed at read by the fingerprint each refresh records (store.cells.current), so pages compute from the figures
instead of showing the stale table; `python -m loaders cells` says so and a refresh makes the tables current again.
Both engines."""
from __future__ import annotations

import pandas as pd

from metrics import queries as q
from store import cells, db

ENGINES = ("duckdb", "postgres")
CELL = dict(metric_id="aid_funding", periods=["2023"], regions=["xinjiang_kashgar"])


def _read(path, fn):
    con = db.open_read(path)
    try:
        return fn(con)
    finally:
        con.close()


def _sneak_in(path, figure_id: str = "hand:1") -> None:
    """A figure inserted in a write transaction without the refresh hooks, as a writer of an older version does."""
    with db.write_transaction(path) as con:
        con.execute("""INSERT INTO figures (figure_id, source_kind, period, region_id, metric_id, value, unit,
                                            value_base, base_unit, number_text)
                       VALUES (?, 'upload', '2023', 'xinjiang_kashgar', 'aid_funding', 700, '亿元', 7e10, '元',
                               '700亿元')""", [figure_id])


def _stored_value(con) -> float | None:
    df = q.cells_table(con, **CELL)
    return None if df.empty else float(df["value_base"].iloc[0])


def test_figures_written_around_the_hooks_are_read_live_until_a_refresh(path):
    assert _read(path, cells.current)
    before = _read(path, _stored_value)
    _sneak_in(path)
    con = db.open_read(path)
    try:
        assert cells.ready(con) and not cells.current(con)  # same version, but the figures changed since
        assert _stored_value(con) == before  # the table did not see the new figure ...
        got = q.cells(con, **CELL, ids=True)  # ... the pages' reads do: computed live
        assert float(got["value_base"].iloc[0]) == 7e10 and "hand:1" in got["figure_ids"].iloc[0]
        pd.testing.assert_frame_equal(q.period_cells(con, recipients_only=True), q.period_cells_live(
            con, recipients_only=True))
    finally:
        con.close()
    with db.write_transaction(path) as con:  # what python -m loaders cells --refresh does
        cells.refresh(con)
    con = db.open_read(path)
    try:
        assert cells.current(con) and _stored_value(con) == 7e10
        pd.testing.assert_frame_equal(q.period_cells_table(con, ids=True), q.period_cells_live(con, ids=True))
    finally:
        con.close()


def test_a_write_through_the_hooks_makes_stale_tables_current_again(path):
    """The next keyed refresh records the fingerprint of every figure, not only of the pairs it recomputed."""
    from loaders.review import decide_figure

    _sneak_in(path)
    fid = _read(path, lambda con: con.execute(
        "SELECT min(figure_id) FROM figures WHERE source_kind = 'plan' AND metric_id = 'aid_projects'").fetchone()[0])
    decide_figure(fid, "confirmed", "张三", path=path)
    assert _read(path, cells.current)
    # the refresh was keyed on the decided figure's pair: the sneaked-in pair stays as it was stored
    assert _read(path, _stored_value) != 7e10


def test_command_line_reports_stale_tables(path, capsys, monkeypatch):
    from cli.main import main

    if not isinstance(path, str):
        monkeypatch.delenv("AID_DATABASE_URL", raising=False)
        args = ["--db", str(path)]
    else:
        monkeypatch.setenv("AID_DATABASE_URL", path)
        args = []
    assert main(["cells", *args]) == 0
    _sneak_in(path)
    assert main(["cells", *args]) == 1
    err = capsys.readouterr().err
    assert "python -m loaders cells --refresh" in err and "xinjiang_kashgar" in err
    assert main(["cells", "--refresh", *args]) == 0
    assert _read(path, cells.current)


def test_the_check_is_counted_once_per_postgres_data_version(path, store_engine):
    """On PostgreSQL the fingerprint counts every figure (~0.1 s at a million): sessions outside a transaction reuse
    the answer until a write moves the data version; DuckDB counts each time (~1 ms)."""
    statements: list[str] = []

    class Counting:
        def __init__(self, con):
            self.con, self.raw = con, getattr(con, "raw", None)

        def execute(self, sql, params=None):
            statements.append(sql)
            return self.con.execute(sql, params) if params else self.con.execute(sql)

    con = db.open_read(path)
    try:
        assert cells.current(Counting(con))
        first = len(statements)
        assert cells.current(Counting(con))
        again = statements[first:]
    finally:
        con.close()
    if store_engine == "postgres":
        assert len(again) == 1 and "data_version" in again[0]  # the version only
    else:
        assert len(again) == first and any("count(*)" in s for s in again)
    _sneak_in(path)  # a write: the version moves, the answer is worked out again
    assert not _read(path, cells.current)
