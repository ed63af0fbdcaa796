"""The PostgreSQL store: with database_url set nothing touches a DuckDB file; writes are transactions that roll back
whole (also under kill -9); concurrent imports, an undo and a rebuild lose nothing; a second app process sees a write
at its next run; migrations upgrade an older database in place."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pg_server as pg
import pytest
from test_upload_helpers import write_xlsx

from loaders.build import build
from loaders.upload import REPLACE, commit, prepare, undo
from store import db
from store import engine as sql_engine

ROOT = Path(__file__).resolve().parent.parent


def _scalar(url: str, sql: str, params=()):
    con = db.open_read(url)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def _env(url: str, db_file: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AID_")}
    return {**env, "AID_DATABASE_URL": url, "AID_DB_PATH": str(db_file)}


def _cli(env: dict, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def empty_pg(pg_server):
    url = pg.create_database(pg_server)
    yield url
    pg.drop_database(pg_server, url)


def test_every_command_uses_postgres_and_never_a_duckdb_file(empty_pg, tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    never = tmp_path / "store" / "never.duckdb"
    env = _env(empty_pg, never)
    up = write_xlsx(files / "up.xlsx", [["2023", "新疆喀什", "援助资金", 3, "亿元"]])
    steps = [("migrate",), ("build",), ("import", up, "--uploader", "王五"), ("undo", "1"),
             ("import", write_xlsx(files / "up2.xlsx", [["2024", "新疆喀什", "援助资金", 4, "亿元"]])),
             ("export", "--out", files / "all.csv"), ("totals", "--metric", "aid_funding", "--period", "十二五"),
             ("review", "list"), ("review", "confirm", "--by", "张三", "FIGURE"),
             ("deck", "--out", files / "d.pptx"), ("migrate",)]
    outs = []
    for args in steps:
        if args[0] == "deck":  # a saved view to put on a slide (the app's write path)
            from outputs.views import save_view

            save_view(empty_pg, "资金", "funding", {"metric": "aid_funding"})
        if "FIGURE" in args:
            fid = _scalar(empty_pg, "SELECT min(figure_id) FROM figures WHERE source_kind = 'plan'")
            args = tuple(fid if a == "FIGURE" else a for a in args)
        r = _cli(env, *args)
        outs.append(r)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    assert "001, 002, 003" in outs[0].stdout and "最新" in outs[-1].stdout
    assert "xinjiang_kashgar" in outs[6].stdout or "十二五" in outs[6].stdout
    assert not never.parent.exists()  # no file, no lock, no folder
    assert sorted(p.name for p in files.iterdir()) == ["all.csv", "d.pptx", "up.xlsx", "up2.xlsx"]
    assert _scalar(empty_pg, "SELECT count(*) FROM batches WHERE undone_at IS NOT NULL") == 1
    assert _scalar(empty_pg, "SELECT count(*) FROM v_figures WHERE source_kind = 'upload'") == 1
    assert _scalar(empty_pg, "SELECT count(*) FROM schema_migrations") == db.LATEST_MIGRATION
    assert _scalar(empty_pg, "SELECT count(*) FROM figure_reviews WHERE reviewer = '张三'") == 1


def test_app_runs_on_postgres_without_a_duckdb_file(pg_path, make_app, tmp_path):
    """Every page of the catalogue renders from PostgreSQL, and no file appears where db_path points."""
    from common.pages import catalogue

    never = tmp_path / "never.duckdb"
    for spec in catalogue():
        at = make_app(never, spec.page_id, database_url=pg_path)
        assert not at.exception, (spec.page_id, [e.value for e in at.exception])
    at = make_app(never, "sources", database_url=pg_path)
    assert any("条" in m.value for m in at.markdown)
    assert list(tmp_path.iterdir()) == []


def test_password_never_in_messages():
    url = "postgresql://aid:s3cret@127.0.0.1:1/aid?sslmode=require&connect_timeout=1"
    assert sql_engine.redact(url) == "postgresql://aid:***@127.0.0.1:1/aid?sslmode=require&connect_timeout=1"
    with pytest.raises(db.DatabaseMissing) as err:
        db.open_read(url)
    assert "s3cret" not in str(err.value) and ":***@" in str(err.value)
    sql_engine.close_pool(url)


def test_failed_write_rolls_back_everything(pg_path, tmp_path, monkeypatch):
    from loaders.upload import store as commit_mod

    version = db.snapshot_token(pg_path)
    f = write_xlsx(tmp_path / "x.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"], ["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    pv = prepare(f.read_bytes(), f.name, pg_path)
    real = commit_mod._add_periods

    def boom(con, periods):  # after the batch row, its figures and supersessions are inserted
        real(con, periods)
        raise RuntimeError("boom")

    monkeypatch.setattr(commit_mod, "_add_periods", boom)
    with pytest.raises(RuntimeError, match="boom"):
        commit(pv, pg_path, REPLACE)
    assert _scalar(pg_path, "SELECT count(*) FROM batches") == 0
    assert _scalar(pg_path, "SELECT count(*) FROM figures WHERE source_kind = 'upload'") == 0
    assert _scalar(pg_path, "SELECT count(*) FROM supersessions") == 0
    assert db.snapshot_token(pg_path) == version
    monkeypatch.setattr(commit_mod, "_add_periods", real)
    assert commit(pv, pg_path, REPLACE).batch_id == 1
    assert db.snapshot_token(pg_path) != version


def _rows(i: int) -> list[list]:
    # each file: two keys of its own and one key all four files state (different values)
    return [[str(2001 + i), "新疆喀什", "援助资金", i + 1, "亿元"],
            [str(2001 + i), "云南四州市", "援建项目", 10 + i, "个"],
            ["2030", "新疆喀什", "援建项目", 100 + i, "个"]]


def test_concurrent_imports_undo_and_rebuild_lose_nothing(pg_path, tmp_path):
    files = [write_xlsx(tmp_path / f"c{i}.xlsx", _rows(i)) for i in range(4)]
    first = commit(prepare(files[0].read_bytes(), files[0].name, pg_path), pg_path, REPLACE)
    env = _env(pg_path, tmp_path / "never.duckdb")
    procs = [subprocess.Popen([sys.executable, "-m", "loaders", "import", str(f), "--replace"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in files[1:]]
    errors: list[BaseException] = []

    def other_writes():
        try:
            undo(first.batch_id, pg_path, "并发")
            build(pg_path)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    t = threading.Thread(target=other_writes)
    t.start()
    outs = [p.communicate(timeout=300) for p in procs]
    t.join(300)
    assert not errors, errors
    assert all(p.returncode == 0 for p in procs), outs
    con = db.open_read(pg_path)
    try:
        batches = con.execute("SELECT batch_id, file_name, undone_at IS NULL FROM batches ORDER BY batch_id").fetchall()
        assert sorted(b[0] for b in batches) == [1, 2, 3, 4]  # ids unique and dense: writers never collided
        live = {b[1] for b in batches if b[2]}
        assert live == {"c1.xlsx", "c2.xlsx", "c3.xlsx"}
        # every live batch's own figures are current, nothing of the undone one is; the plans are all back
        for i in (1, 2, 3):
            got = con.execute("SELECT value FROM v_figures WHERE period = ? AND source_kind = 'upload'",
                              [str(2001 + i)]).fetchall()
            assert sorted(v for (v,) in got) == [i + 1, 10 + i]
        assert con.execute("SELECT count(*) FROM v_figures WHERE period = '2001'").fetchone()[0] == 0
        shared = con.execute("SELECT count(*) FROM v_figures WHERE period = '2030'").fetchone()[0]
        assert shared == 1  # the key all files state: exactly one current value, from the last live batch
        assert con.execute("SELECT count(*) FROM figures WHERE source_kind = 'upload'").fetchone()[0] == 12
        assert con.execute("SELECT count(*) FROM plans").fetchone()[0] == 5
        assert con.execute("SELECT version FROM data_version").fetchone()[0] >= 6
    finally:
        con.close()


def test_kill_9_during_an_import_leaves_no_partial_batch(pg_path, tmp_path):
    f = write_xlsx(tmp_path / "k.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"], ["十二五", "新疆喀什", "援助资金", 95, "亿元"]])
    script = textwrap.dedent(f"""
        import sys, time
        from loaders.upload import store, prepare, commit
        real = store._add_periods
        def hang(con, periods):  # inside the transaction: batch row, figures and supersessions written
            real(con, periods)
            print("inside", flush=True)
            time.sleep(120)
        store._add_periods = hang
        data = open({str(f)!r}, "rb").read()
        commit(prepare(data, "k.xlsx", {pg_path!r}), {pg_path!r}, "replace")
    """)
    version = db.snapshot_token(pg_path)
    p = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                         env=_env(pg_path, tmp_path / "never.duckdb"))
    assert p.stdout.readline().strip() == "inside"
    assert _scalar(pg_path, "SELECT count(*) FROM batches") == 0  # not visible before commit
    os.kill(p.pid, signal.SIGKILL)
    p.wait(30)
    assert _scalar(pg_path, "SELECT count(*) FROM batches") == 0
    assert _scalar(pg_path, "SELECT count(*) FROM figures WHERE source_kind = 'upload'") == 0
    assert _scalar(pg_path, "SELECT count(*) FROM supersessions") == 0
    assert db.snapshot_token(pg_path) == version
    # the dead writer's lock went with its session: the next write goes through at once
    res = commit(prepare(f.read_bytes(), f.name, pg_path), pg_path, REPLACE)
    assert res.batch_id == 1 and res.n_added == 1 and res.n_replaced == 1


_APP = """
import streamlit as st
from ui import data
st.markdown(f"count={data.figure_count()}")
"""


def test_a_second_app_process_sees_a_write_at_its_next_run(pg_path, tmp_path):
    """Two app processes on one database: process A caches its queries; an import by another process moves the
    data version on, and A's next run shows the new figure (the cache key is the version, not a file)."""
    script = textwrap.dedent(f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_string({_APP!r}, default_timeout=60)
        line = "first"
        while line:
            at.run()
            assert not at.exception, at.exception
            print(at.markdown[0].value, flush=True)
            line = sys.stdin.readline()
    """)
    env = _env(pg_path, tmp_path / "never.duckdb")
    a = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        before = a.stdout.readline().strip()
        a.stdin.write("again\n")
        a.stdin.flush()
        assert a.stdout.readline().strip() == before  # nothing written: same (cached) answer
        f = write_xlsx(tmp_path / "s.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]])
        r = _cli(env, "import", f)
        assert r.returncode == 0, r.stderr
        a.stdin.write("after\n")
        a.stdin.flush()
        after = a.stdout.readline().strip()
    finally:
        a.stdin.close()
        a.wait(60)
    n = int(before.split("=")[1])
    assert after == f"count={n + 1}"
    assert not (tmp_path / "never.duckdb").exists()


# --- migrations ---------------------------------------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE plans (plan_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, title_en VARCHAR, issuer VARCHAR,
    doc_number VARCHAR, date DATE, page_updated DATE, kind VARCHAR NOT NULL, period VARCHAR NOT NULL,
    review_period VARCHAR, default_region VARCHAR, source_file VARCHAR, sha256 VARCHAR NOT NULL,
    text VARCHAR NOT NULL, notes VARCHAR);
CREATE TABLE periods (period VARCHAR PRIMARY KEY, label_zh VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER NOT NULL, n_years INTEGER NOT NULL,
    sort INTEGER NOT NULL);
CREATE TABLE regions (region_id VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    aliases VARCHAR, level VARCHAR NOT NULL, province VARCHAR, members VARCHAR, lon DOUBLE PRECISION,
    lat DOUBLE PRECISION, adcode VARCHAR, color VARCHAR, sort INTEGER, note VARCHAR);
CREATE TABLE batches (batch_id INTEGER PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    sheets VARCHAR, n_rows INTEGER, n_added INTEGER, n_replaced INTEGER, uploader VARCHAR,
    created_at TIMESTAMP NOT NULL, undone_at TIMESTAMP, undone_by VARCHAR, note VARCHAR);
CREATE TABLE figures (figure_id VARCHAR PRIMARY KEY, source_kind VARCHAR NOT NULL, plan_id VARCHAR,
    batch_id INTEGER, upload_file VARCHAR, sheet VARCHAR, row_number INTEGER, period VARCHAR NOT NULL,
    year INTEGER, region_id VARCHAR NOT NULL, metric_id VARCHAR NOT NULL, value DOUBLE PRECISION NOT NULL,
    unit VARCHAR NOT NULL, qualifier VARCHAR, value_base DOUBLE PRECISION NOT NULL, base_unit VARCHAR NOT NULL,
    number_text VARCHAR, section VARCHAR, quote VARCHAR, quote_start INTEGER, quote_end INTEGER,
    span_start INTEGER, span_end INTEGER, ref_period VARCHAR, note VARCHAR);
INSERT INTO batches VALUES (7, 'old.xlsx', 'abc', '数据', 1, 1, 0, '老王', '2021-05-01 10:00:00', NULL, NULL, NULL);
INSERT INTO figures (figure_id, source_kind, batch_id, upload_file, sheet, row_number, period, region_id, metric_id,
    value, unit, value_base, base_unit)
    VALUES ('b7:数据:2', 'upload', 7, 'old.xlsx', '数据', 2, '2020', 'xinjiang_kashgar', 'aid_funding', 2, '亿元',
            200000000, '元');
"""


def test_a_v1_database_upgrades_in_place(empty_pg, tmp_path):
    """A database shaped like the first release (no review columns or tables, no roles, no migrations table):
    migrate adds what is missing and keeps the rows; a build then carries the old upload over."""
    con = sql_engine.connect_direct(empty_pg)
    try:
        con.sql_script(V1_SCHEMA)
    finally:
        con.close()
    r = _cli(_env(empty_pg, tmp_path / "never.duckdb"), "migrate")
    assert r.returncode == 0, r.stderr
    assert "001, 002, 003" in r.stdout
    cols = {t: set(db.columns(c, t)) for c in [db.open_read(empty_pg)] for t in ("plans", "periods", "figures")}
    assert "review" in cols["plans"] and {"five_year", "dashboard"} <= cols["periods"]
    assert {"time_phrase", "place"} <= cols["figures"]
    assert _scalar(empty_pg, "SELECT uploader FROM batches WHERE batch_id = 7") == "老王"
    build(empty_pg)
    assert _scalar(empty_pg, "SELECT value_base FROM v_figures WHERE figure_id = 'b7:数据:2'") == 2e8
    assert db.migrate(empty_pg) == []  # recorded: nothing to do twice


def test_a_duckdb_file_records_its_migrations(path):
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE schema_migrations")
        con.execute("DROP TABLE data_version")
    assert db.migrate(path) == [1, 2, 3]
    assert db.migrate(path) == []
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT version FROM data_version").fetchone()[0] >= 1


def test_the_audit_log_is_a_table_on_postgres(pg_path, monkeypatch, tmp_path):
    from ui import access

    monkeypatch.setenv("AID_DATABASE_URL", pg_path)
    monkeypatch.setenv("AID_DB_PATH", str(tmp_path / "never.duckdb"))
    access.record("save_view", "资金", "张三")
    assert _scalar(pg_path, "SELECT person || ' ' || action || ' ' || detail FROM audit_log") == "张三 save_view 资金"
    assert list(tmp_path.iterdir()) == []


def test_a_rebuild_is_one_transaction_that_keeps_what_people_entered(pg_path, tmp_path, monkeypatch):
    from loaders import build as build_mod
    from loaders.review import decide_figure
    from outputs.views import save_view

    f = write_xlsx(tmp_path / "r.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"]])
    commit(prepare(f.read_bytes(), f.name, pg_path), pg_path, REPLACE)
    save_view(pg_path, "资金", "funding", {"metric": "aid_funding"})
    fid = _scalar(pg_path, "SELECT min(figure_id) FROM figures WHERE source_kind = 'plan'")
    decide_figure(fid, "rejected", "张三", path=pg_path)
    user = "SELECT (SELECT count(*) FROM batches) || '/' || (SELECT count(*) FROM supersessions) || '/' || " \
           "(SELECT count(*) FROM saved_views) || '/' || (SELECT count(*) FROM figure_reviews) || '/' || " \
           "(SELECT count(*) FROM figures WHERE source_kind = 'upload')"
    before, plans = _scalar(pg_path, user), _scalar(pg_path, "SELECT count(*) FROM figures WHERE source_kind = 'plan'")
    assert before == "1/1/1/1/1"
    real = build_mod.write_reference

    def fail_midway(con, periods):  # plan rows already deleted in this transaction
        real(con, periods)
        raise RuntimeError("midway")

    monkeypatch.setattr(build_mod, "write_reference", fail_midway)
    with pytest.raises(RuntimeError, match="midway"):
        build(pg_path)
    assert _scalar(pg_path, "SELECT count(*) FROM figures WHERE source_kind = 'plan'") == plans  # rolled back
    monkeypatch.setattr(build_mod, "write_reference", real)
    build(pg_path)
    assert _scalar(pg_path, user) == before
    assert _scalar(pg_path, "SELECT count(*) FROM figures WHERE source_kind = 'plan'") == plans
    assert _scalar(pg_path, "SELECT review_status FROM v_figures_all WHERE figure_id = ?", [fid]) == "rejected"


_READER = """
import re, sys
from conftest import open_app
at = open_app("sources")  # the real app on its sources page: 共N条数据 from data.figure_count (cached)
line = "first"
while line:
    if line != "first":
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    print(next(m.value for m in at.markdown if re.search(r"共\\d+条数据", m.value)), flush=True)
    line = sys.stdin.readline()
"""
_UPLOADER = """
import sys
from pathlib import Path
from conftest import open_app
f = Path(sys.argv[1])
at = open_app("upload")
at.file_uploader(key="upload_file").set_value((f.name, f.read_bytes(), "application/vnd.ms-excel"))
at.run()
at.text_input(key="upload_uploader").set_value("乙服务器").run()
at.button(key="upload_commit").click().run()
assert not at.exception, [e.value for e in at.exception]
print(next(s.value for s in at.success if "已导入批次" in s.value), flush=True)
"""


def test_two_app_processes_an_upload_in_one_shows_in_the_other(pg_path, tmp_path):
    """Two app processes (AppTest each, as two servers would run the app) on one database: B uploads through the
    upload page; A's sources page shows one more figure at its next run, with no restart."""
    env = {**_env(pg_path, tmp_path / "never.duckdb"), "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}",
           "AID_UPLOADER_PASSWORD": "", "AID_MAP_APPROVAL_NUMBER": ""}
    a = subprocess.Popen([sys.executable, "-c", _READER], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        before = a.stdout.readline().strip()
        f = write_xlsx(tmp_path / "b.xlsx", [["2023", "新疆喀什", "援助资金", 1, "亿元"]])
        b = subprocess.run([sys.executable, "-c", _UPLOADER, str(f)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
        assert b.returncode == 0 and "已导入批次 1" in b.stdout, b.stderr[-2000:]
        a.stdin.write("next\n")
        a.stdin.flush()
        after = a.stdout.readline().strip()
    finally:
        a.stdin.close()
        a.wait(60)
    n = int(before.split("共")[1].split("条")[0])
    assert after.startswith(f"共{n + 1}条"), (before, after)
    assert _scalar(pg_path, "SELECT uploader FROM batches") == "乙服务器"
    assert not (tmp_path / "never.duckdb").exists()


def test_aggregated_cells_stay_current_on_postgres(pg_path, tmp_path):
    """The cells tables (store/cells.py) are refreshed inside the PostgreSQL write transactions: after an upload that
    replaces a plan figure, its undo, another upload and a review decision, both scopes equal computing them live."""
    from test_cells import assert_table_matches_live

    from loaders.review import decide_figure

    f = write_xlsx(tmp_path / "a.xlsx", [["十二五", "新疆喀什", "援助资金", 95, "亿元"], ["2023", "新疆喀什", "援助资金", 1, "亿元"]])
    first = commit(prepare(f.read_bytes(), f.name, pg_path), pg_path, REPLACE)
    g = write_xlsx(tmp_path / "b.xlsx", [["2024", "新疆喀什", "援助资金", 2, "亿元"]])
    commit(prepare(g.read_bytes(), g.name, pg_path), pg_path, REPLACE)
    undo(first.batch_id, pg_path)
    fid = _scalar(pg_path, "SELECT min(figure_id) FROM figures WHERE source_kind = 'plan' AND metric_id = 'aid_funding'")
    decide_figure(fid, "rejected", "张三", path=pg_path)
    con = db.open_read(pg_path)
    try:
        assert _scalar(pg_path, "SELECT count(*) FROM cells") > 0
        assert_table_matches_live(con)
    finally:
        con.close()
