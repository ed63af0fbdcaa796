"""Uploads that cannot hurt the data: fuzzed files, kill -9 mid-commit, random upload/undo against a model,
batches that add nothing, re-upload to replace, figures stated by several batches, stale temporary copies."""
from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
import upload_files as uf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_upload_helpers import current, scalar

from loaders.upload import REPLACE, SKIP, UploadError, commit, history, prepare, read_upload, undo
from loaders.upload.store import DuplicateUpload
from loaders.upload.validate import validate_records
from store import db

KASHGAR_12 = ("十二五", "xinjiang_kashgar", "aid_funding")
BASE_XLSX = uf.simple()
BASE_CSV = uf.csv_bytes()


def _csv(rows: list[list[str]], tag: str = "") -> bytes:
    head = [*uf.HEAD, "来源或备注"]
    return uf.csv_bytes([[*r, tag] for r in rows], head=head)


# --- fuzz: the reader either reads or refuses, with a code ---------------------------------------------------

def _read_or_refuse(data: bytes, name: str) -> None:
    try:
        read = read_upload(data, name)
    except UploadError as exc:
        assert exc.code and exc.message("en")
        return
    rows, records = validate_records(read)  # every record renders in both languages
    for r in records:
        assert r["problem"][0]


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.data())
def test_fuzz_xlsx_bytes(data):
    raw = bytearray(BASE_XLSX)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    _read_or_refuse(bytes(raw), data.draw(st.sampled_from(["f.xlsx", "f.xlsm", "f.xls", "f.csv"])))


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=40, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.lists(st.lists(_cell, min_size=0, max_size=7), min_size=0, max_size=6),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_fuzz_csv_cells(rows, sep, encoding):
    lines = [sep.join(uf.HEAD)] + [sep.join(c.replace(sep, " ").replace('"', "") for c in r) for r in rows]
    data = "\r\n".join(lines).encode(encoding, errors="replace")
    _read_or_refuse(data, "fuzz.csv")


# --- batches: nothing new, replace again, several batches stating one figure -------------------------------

def test_batch_that_adds_nothing_is_not_committed(path, tmp_path):
    f = _csv([["十二五", "新疆喀什", "援助资金", "95", "亿元"]])  # conflicts with the plan figure only
    res = commit(prepare(f, "c.csv", path), path)  # skip (the default)
    assert not res.committed and res.n_skipped == 1 and "未创建批次" in res.message()
    assert scalar(path, "SELECT count(*) FROM batches") == 0
    # the same file, now to replace: no renaming needed
    res = commit(prepare(f, "c.csv", path), path, REPLACE)
    assert res.committed and res.n_replaced == 1
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.5e9]


def test_reupload_with_replace_after_a_batch_that_skipped(path):
    f = _csv([["十二五", "新疆喀什", "援助资金", "95", "亿元"], ["2023", "新疆喀什", "援助资金", "1", "亿元"]])
    first = commit(prepare(f, "c.csv", path), path)  # adds 2023, skips the conflict
    assert first.committed and first.n_skipped == 1
    con = db.open_read(path)
    try:
        assert history(con, "en").iloc[0]["Note"] == "1 conflicts skipped"
        assert history(con).iloc[0]["备注"] == "跳过冲突 1 行"
    finally:
        con.close()
    with pytest.raises(DuplicateUpload):
        commit(prepare(f, "c.csv", path), path)  # again, skipping: refused as the same file
    second = commit(prepare(f, "c.csv", path), path, REPLACE)  # again, replacing: accepted
    assert second.committed and second.n_replaced == 1 and second.n_added == 0
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.5e9]
    assert [v for v, _ in current(path, "2023", "xinjiang_kashgar", "aid_funding")] == [1e8]


def test_figure_stated_by_two_batches_stays_until_both_undone(path):
    key = ("2023", "xinjiang_kashgar", "aid_funding")
    a = commit(prepare(_csv([["2023", "新疆喀什", "援助资金", "1", "亿元"]], "a"), "a.csv", path), path)
    b = commit(prepare(_csv([["2023", "新疆喀什", "援助资金", "1", "亿元"]], "b"), "b.csv", path), path)
    assert b.committed and b.n_same == 1 and b.n_asserted == 1
    undo(a.batch_id, path, by="甲")
    assert [v for v, _ in current(path, *key)] == [1e8]  # B still states it
    undo(b.batch_id, path, by="乙")
    assert current(path, *key) == []


def test_stated_again_keeps_what_the_first_batch_replaced_hidden(path):
    a = commit(prepare(_csv([["十二五", "新疆喀什", "援助资金", "95", "亿元"]], "a"), "a.csv", path), path, REPLACE)
    commit(prepare(_csv([["十二五", "新疆喀什", "援助资金", "95", "亿元"]], "b"), "b.csv", path), path)
    undo(a.batch_id, path)
    assert [v for v, _ in current(path, *KASHGAR_12)] == [9.5e9]  # not the plan figure beside it


# --- stale temporary copies and free space -------------------------------------------------------------------

def test_next_writer_removes_stale_copies(path):
    stale = [path.with_name(f".{path.name}.tmp-999999-{i}") for i in range(3)]
    for f in stale:
        f.write_bytes(b"x" * 1000)
    Path(str(stale[0]) + ".wal").write_bytes(b"w")
    commit(prepare(_csv([["2023", "新疆喀什", "援助资金", "1", "亿元"]]), "x.csv", path), path)
    assert not list(path.parent.glob(f".{path.name}.tmp-*"))


def test_free_space_checked_before_the_copy(path, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 1000, 1000))
    before = path.read_bytes()
    with pytest.raises(db.DiskFull) as info:
        commit(prepare(_csv([["2023", "新疆喀什", "援助资金", "1", "亿元"]]), "x.csv", path), path)
    assert "磁盘空间不足" in str(info.value) and "disk space" in info.value.message("en")
    assert path.read_bytes() == before and not list(path.parent.glob(f".{path.name}.tmp-*"))


# --- kill -9 during commit -----------------------------------------------------------------------------------

def _commit_forever(path: str, previews, started) -> None:
    started.set()
    for pv in previews:
        commit(pv, path, REPLACE, "kill-test")


def test_kill_9_during_commit_leaves_whole_batches_or_nothing(path):
    """20 writers killed at random moments: every batch present has all its figures, none has part of them."""
    n_rows = 6
    previews = [prepare(_csv([[str(2001 + (i * n_rows + j) % 34), "新疆喀什", "援助资金", str(i + 1), "亿元"]
                              for j in range(n_rows)], f"k{i}"), f"k{i}.csv", path) for i in range(30)]
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(11)
    killed_mid_write = 0
    for trial in range(20):
        started = ctx.Event()
        p = ctx.Process(target=_commit_forever, args=(str(path), previews[trial:trial + 10], started))
        p.start()
        started.wait(10)
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(p.pid, signal.SIGKILL)
        p.join(10)
        killed_mid_write += bool(list(path.parent.glob(f".{path.name}.tmp-*")))
        con = db.open_read(path)
        try:
            bad = con.execute("""SELECT b.batch_id, b.n_added + b.n_replaced, count(f.figure_id)
                                 FROM batches b LEFT JOIN figures f USING (batch_id)
                                 GROUP BY ALL HAVING count(f.figure_id) <> b.n_added + b.n_replaced""").fetchall()
            orphans = con.execute("SELECT count(*) FROM figures WHERE source_kind = 'upload' AND batch_id NOT IN "
                                  "(SELECT batch_id FROM batches)").fetchall()[0][0]
        finally:
            con.close()
        assert not bad and orphans == 0, (trial, bad, orphans)
    assert killed_mid_write >= 1  # some kills did land inside a write (a copy was left behind)
    # the next writer cleans up after the killed ones
    undo(scalar(path, "SELECT max(batch_id) FROM batches") or commit(previews[-1], path, REPLACE).batch_id, path)
    assert not list(path.parent.glob(f".{path.name}.tmp-*"))


# --- random upload / undo sequences against a model ----------------------------------------------------------

KEYS = [("2023", "新疆喀什", "援助资金"), ("2024", "新疆喀什", "援助资金"), ("十二五", "新疆喀什", "援助资金")]
IDS = {"新疆喀什": "xinjiang_kashgar", "援助资金": "aid_funding"}


@pytest.mark.parametrize("seed", [3, 8])
def test_random_upload_undo_sequences_match_the_model(path, seed):
    """Model: a key's current value is the one stated by the latest live batch that stated it, else the plan's."""
    rng = random.Random(seed)
    def now_in_db(k):
        return sorted(round(v) for v, _ in current(path, k[0], IDS[k[1]], IDS[k[2]]))

    plan = {k: now_in_db(k) for k in KEYS}
    batches: list[dict] = []  # {"id", "live", "states": {key: value_base}}

    def expected(k):
        for b in reversed(batches):
            if b["live"] and k in b["states"]:
                return [b["states"][k]]
        return plan[k]

    for step in range(16):
        live = [b for b in batches if b["live"]]
        if live and rng.random() < 0.35:
            b = rng.choice(live)
            undo(b["id"], path, by="model")
            b["live"] = False
        else:
            keys = rng.sample(KEYS, rng.randint(1, 2))
            values = {k: rng.choice([1, 2, 92.34]) for k in keys}
            base = {k: round(v * 1e8) for k, v in values.items()}
            mode = rng.choice([REPLACE, SKIP])
            rows = [[k[0], k[1], k[2], str(v), "亿元"] for k, v in values.items()]
            res = commit(prepare(_csv(rows, f"s{seed}-{step}"), f"s{step}.csv", path), path, mode)
            states = {}
            for k, v in base.items():
                now = expected(k)
                if now == [v] and any(x["live"] and k in x["states"] for x in batches):
                    states[k] = v  # same as a batch figure: stated again
                elif not now or (mode == REPLACE and now != [v]):
                    states[k] = v  # added or replaced
            assert res.committed == bool(states), (step, res, states)
            if res.committed:
                batches.append({"id": res.batch_id, "live": True, "states": states})
        for k in KEYS:
            assert now_in_db(k) == sorted(expected(k)), (seed, step, k, now_in_db(k), expected(k))
