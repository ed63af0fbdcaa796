"""The database file: atomic builds, builds while the app reads, concurrent writers, CLI."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from loaders.build import PlanError, build, ensure_database
from store import db

ROOT = Path(__file__).resolve().parent.parent


def _count(path, sql="SELECT count(*) FROM figures"):
    con = db.open_read(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_build_is_idempotent(path):
    first = _count(path)
    build(path)
    assert _count(path) == first == 80
    assert _count(path, "SELECT count(*) FROM plans") == 5
    assert _count(path, "SELECT count(*) FROM tasks") > 0


def test_failed_build_leaves_previous_database(path, tmp_path):
    before = _count(path)
    bad = tmp_path / "plans"
    bad.mkdir()
    (bad / "x.txt").write_text("在新疆喀什，投入资金1亿元。", encoding="utf-8")
    (bad / "x.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PlanError):
        build(path, bad)
    assert _count(path) == before
    assert not list(path.parent.glob(".t.duckdb.tmp-*"))


def test_exception_inside_a_write_leaves_nothing(path):
    with pytest.raises(RuntimeError):
        with db.write_transaction(path) as con:
            con.execute("DELETE FROM figures")
            raise RuntimeError("boom")
    assert _count(path) == 80


def test_build_while_the_app_holds_a_reader(path):
    reader = db.open_read(path)  # the app's cached connection
    token = db.snapshot_token(path)
    try:
        build(path)  # swaps a new file in; must not fail on the reader's lock
        assert reader.execute("SELECT count(*) FROM figures").fetchone()[0] == 80  # old snapshot still consistent
    finally:
        reader.close()
    assert db.snapshot_token(path) != token  # the app sees it must reconnect
    assert _count(path) == 80


def test_concurrent_writers_both_land(path):
    def add(i):
        with db.write_transaction(path) as con:
            con.execute("INSERT INTO build_info VALUES (?, 'x')", [f"writer-{i}"])

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(path, "SELECT count(*) FROM build_info WHERE key LIKE 'writer-%'") == 4


def test_writer_waits_then_fails_clearly(path):
    with db.writer_lock(path):
        with pytest.raises(db.DatabaseBusy) as exc:
            with db.write_transaction(path, timeout=0.3):
                pass
    assert "未做任何更改" in str(exc.value)


def test_foreign_process_holding_the_file_gives_a_clear_error(path):
    holder = duckdb.connect(str(path))  # read-write in this process: a foreign writer for open_read
    try:
        code = ("from store import db\n"
                "try:\n    db.open_read(%r, retries=2)\nexcept db.DatabaseBusy as e:\n    print('BUSY', e)\n" % str(path))
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert "BUSY" in out.stdout and "数据库正被其他程序" in out.stdout
    finally:
        holder.close()


def test_uploaded_rows_survive_a_rebuild(path):
    with db.write_transaction(path) as con:
        con.execute("INSERT INTO batches (batch_id, file_name, sha256, created_at) VALUES (1, 'a.xlsx', 'x', now())")
        con.execute("""INSERT INTO figures (figure_id, source_kind, batch_id, period, region_id, metric_id, value, unit,
                       value_base, base_unit) VALUES ('b1:数据:2', 'upload', 1, '2021', 'xinjiang_kashgar',
                       'aid_funding', 20, '亿元', 2e9, '元')""")
    build(path)
    assert _count(path, "SELECT count(*) FROM figures WHERE source_kind = 'upload'") == 1
    assert _count(path, "SELECT count(*) FROM batches") == 1
    assert _count(path, "SELECT count(*) FROM periods WHERE period = '2021'") == 1


def test_ensure_database_builds_on_first_run(tmp_path):
    path = tmp_path / "new.duckdb"
    ensure_database(path)
    assert _count(path) == 80


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, **kw)


def test_cli_build_export_extract(tmp_path):
    path = tmp_path / "cli.duckdb"
    out = _cli("build", "--db", str(path))
    assert out.returncode == 0, out.stderr
    assert "sh-13th-fyp" in out.stdout and "consistency checks" in out.stdout and "fail" not in out.stdout
    csv = tmp_path / "f.csv"
    out = _cli("export", "--db", str(path), "--out", str(csv))
    assert out.returncode == 0, out.stderr
    import pandas as pd

    df = pd.read_csv(csv, encoding="utf-8-sig")
    assert {"plan", "period", "region", "metric", "value", "unit", "qualifier", "value_base", "quote"} <= set(df.columns)
    row = df[(df.region == "xinjiang_kashgar") & (df.period == "十二五") & (df.metric == "aid_funding")].iloc[0]
    assert row.value == 92.34 and row.unit == "亿元" and "92.34亿元" in row.quote
    out = _cli("extract", str(ROOT / "data/plans/sh-12th-fyp.txt"), "--period", "十二五", "--review-period", "十一五")
    assert out.returncode == 0 and "21.96" in out.stdout and "tibet_shigatse" in out.stdout
    assert not path.with_name("x").exists()


def test_cli_build_failure_is_clear(tmp_path):
    empty = tmp_path / "none"
    empty.mkdir()
    out = _cli("build", "--db", str(tmp_path / "x.duckdb"), "--plans", str(empty))
    assert out.returncode == 1 and "原数据库未改动" in out.stderr
