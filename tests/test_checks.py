"""Consistency checks on the real plans: parts against totals and stated ratios."""
from __future__ import annotations

import pytest

from loaders.build import build
from metrics.checks import consistency_checks
from store import db


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.duckdb"
    build(path)
    con = db.open_read(path)
    try:
        yield consistency_checks(con), path
    finally:
        con.close()


def test_twelfth_plan_parts_add_up(checks):
    df, _ = checks
    row = df[(df.check == "parts_vs_total") & (df.period == "十二五") & (df.metric_id == "aid_funding")].iloc[0]
    assert row.status == "pass" and row.computed == pytest.approx(135.05e8) and row.stated_text == "135亿余元"
    row = df[(df.check == "parts_vs_total") & (df.period == "十二五") & (df.metric_id == "aid_projects")].iloc[0]
    assert row.status == "pass" and row.computed == 3423


def test_eleventh_excludes_the_additional_dujiangyan_funding(checks):
    df, _ = checks
    row = df[(df.check == "parts_vs_total") & (df.period == "十一五") & (df.metric_id == "aid_funding")].iloc[0]
    assert row.status == "pass" and row.computed == pytest.approx(21.96e8)
    assert "sichuan_dujiangyan" not in row.figure_ids


def test_stated_ratio_holds(checks):
    df, _ = checks
    row = df[df.check == "stated_ratio"].iloc[0]
    assert row.status == "pass" and row.computed == pytest.approx(135 / 21.96, rel=1e-3)


def test_a_wrong_part_fails_the_check(checks, tmp_path):
    _, path = checks
    import shutil

    copy = tmp_path / "w.duckdb"
    shutil.copy(path, copy)
    with db.write_transaction(copy) as con:
        con.execute("""UPDATE figures SET value_base = value_base * 2
                       WHERE region_id = 'xinjiang_kashgar' AND period = '十二五' AND metric_id = 'aid_funding'""")
    con = db.open_read(copy)
    try:
        df = consistency_checks(con)
    finally:
        con.close()
    row = df[(df.check == "parts_vs_total") & (df.period == "十二五") & (df.metric_id == "aid_funding")].iloc[0]
    assert row.status == "fail"
    assert (df[df.check == "stated_ratio"].status == "pass").all()  # totals unchanged: the ratio still holds
    with db.write_transaction(copy) as con:
        con.execute("""UPDATE figures SET value_base = value_base / 2
                       WHERE region_id = 'all_counterpart' AND period = '十一五' AND metric_id = 'aid_funding'""")
    con = db.open_read(copy)
    try:
        df = consistency_checks(con)
    finally:
        con.close()
    assert (df[df.check == "stated_ratio"].status == "fail").all()  # 135 / 10.98 is not 6倍多
