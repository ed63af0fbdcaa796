"""The same figures from both engines: every public read query (metrics, checks, review, saved views, export, deck
data, upload and review history) run on a DuckDB file and on a PostgreSQL database holding the same plans, uploads,
undos, review decisions and saved views, compared frame by frame."""
from __future__ import annotations

import dataclasses
import inspect
import shutil

import numpy as np
import pandas as pd
import pg_server as pg
import pytest
from review_helpers import PLAN_ID, TEXT
from review_helpers import write_plans as write_review_plans
from test_upload_helpers import write_xlsx

from common.paths import PLANS
from loaders import review as review_writes
from loaders.build import build
from loaders.review import Correction, decide
from loaders.upload import REPLACE, commit, prepare, undo
from loaders.upload import store as upload_store
from metrics import checks, queries
from metrics import review as review_queries
from outputs import deck, export, views
from store import db
from store import engine as sql_engine

# uploads and review decisions both stores receive, in this order
UPLOADS = [
    [["2022", "新疆喀什", "援助资金", "约3", "亿元", None, "2022年工作总结"],
     ["十四五", "云南四州市", "援建项目", 120, "个", "以上", None],
     ["十二五", "新疆喀什", "援助资金", 95, "亿元", None, None]],    # replaces a plan figure
    [["2024", "新疆喀什", "援助资金", 2, "亿元", None, None],
     ["2020-2022", "長三角", "培训人次", "1.2", "万人次", None, None]],
    [["2024", "新疆喀什", "援建项目", 7, "个", None, None]],          # undone below
]
VIEWS = [("资金", "funding", {"metric": "aid_funding", "periods": ["十一五", "十二五"]}),
         ("地区", "regions", {"region": "xinjiang_kashgar"}),
         ("总览", "overview", {}),
         ("任务", "tasks", {}),
         ("合作", "cooperation", {})]


def _populate(path, tmp) -> None:
    ids = []
    for i, rows in enumerate(UPLOADS):
        f = write_xlsx(tmp / f"u{i}.xlsx", rows)
        ids.append(commit(prepare(f.read_bytes(), f.name, path), path, REPLACE, "测试").batch_id)
    undo(ids[-1], path, "测试")
    start = TEXT.index("21.6亿元")
    decide(PLAN_ID, start, start + len("21.6亿元"), "corrected", "审核员", Correction(value="22.6亿元"), path=path)
    start = TEXT.index("8.5亿元")  # to a period no figure had: the period row is added in the same write
    decide(PLAN_ID, start, start + len("8.5亿元"), "corrected", "审核员", Correction(period="2019-2021"), path=path)
    start = TEXT.index("182个")
    decide(PLAN_ID, start, start + len("182个"), "rejected", "审核员", path=path)
    start = TEXT.index("37家")
    decide(PLAN_ID, start, start + len("37家"), "confirmed", "审核员", path=path)
    for name, page, params in VIEWS:
        views.save_view(path, name, page, params)


@pytest.fixture(scope="module")
def stores(tmp_path_factory, pg_server):
    """(DuckDB file, PostgreSQL URL) built from the five plans plus a pending bulletin, then written alike."""
    tmp = tmp_path_factory.mktemp("engines")
    plans = tmp / "plans"
    shutil.copytree(PLANS, plans)
    write_review_plans(plans)
    duck = tmp / "same.duckdb"
    url = pg.create_database(pg_server, prefix="aid_same")
    for target in (duck, url):
        build(target, plans)
        _populate(target, tmp)
    yield duck, url
    pg.drop_database(pg_server, url)


def _calls() -> list[tuple[str, callable, dict]]:
    """Every public read function taking a connection, with arguments that reach its filters."""
    k = {"metric_id": "aid_funding"}
    args: dict[str, list[dict]] = {
        "period_members": [{"period": "十二五"}, {"period": "十四五"}],
        "latest_period": [k, {"metric_id": "projects"}],
        "metric_info": [k],
        "region_members": [{"region_id": "xinjiang"}, {"region_id": "yunnan_four"}],
        "cells": [{}, {**k, "periods": ["十二五", "2023"]}, {"recipients_only": True}, {"category": "cooperation"},
                  {"ids": True}],
        "period_cells": [{}, {**k, "regions": ["xinjiang_kashgar"]}, {"recipients_only": True},
                         {"category": "enterprise"}, {"ids": True}],
        "cells_table": [{"ids": True}],
        "period_cells_table": [{"ids": True}],
        "cells_live": [{"ids": True}],
        "period_cells_live": [{"ids": True}, {"recipients_only": True}],
        "year_cells": [{}, k],
        "period_totals": [{**k, "period": "十二五"}, {**k, "period": "十四五", "region_id": "xinjiang_kashgar"}],
        "totals": [k, {**k, "periods": ["十一五", "十二五"]}],
        "headline_cards": [{"period": "十二五"}, {"period": "十四五"}],
        "growth": [{}, {"metric_id": "projects"}],
        "stated_changes": [{}, {"limit": 3}],
        "funding_by_period_region": [{}, {"periods": ["十二五"]}],
        "shares": [{}, {"regions": ["xinjiang_kashgar", "yunnan_four"]}],
        "per_project": [{}],
        "annualised": [{}],
        "region_detail": [{"region_id": "xinjiang_kashgar"}, {"region_id": "xinjiang_kashgar", "limit": 5},
                          {"region_id": "all_counterpart", "limit": 3, "offset": 3}],
        "region_summary": [{}, {"period": "十二五"}],
        "cooperation": [{}],
        "enterprise_flows": [{}],
        "category_figures": [{"category": "cooperation", "regions": ["yangtze_delta"]},
                             {"category": "enterprise", "regions": queries.ENTERPRISE_REGIONS, "limit": 5},
                             {"category": "cooperation", "regions": queries.COOPERATION_REGIONS, "limit": 2,
                              "offset": 2}],
        "tasks_by_type": [{}, {"plan_id": "sh-14th-fyp"}],
        "tasks_by_section": [{}],
        "tasks_by_unit": [{}],
        "tasks_list": [{}, {"search": "产业"}],
        "figure_search": [{}, {"search": "喀什", "limit": 10, "offset": 5}, {"source_kind": "upload"},
                          {"metrics": ["aid_funding"], "periods": ["十二五"], "regions": ["xinjiang_kashgar"]},
                          {"limit": 10, "offset": 5}, {"limit": 4, "offset": 30, "metrics": ["aid_funding"]}],
        "figure_count": [{}, {"search": "喀什"}],
        "figure_context": [{"figure_id": None}],  # filled with a real id below
        "review_queue": [{}, {"plan_id": PLAN_ID}, {"statuses": ["extracted", "corrected"], "limit": 5}],
        "history": [{}],
        "get_view": [{"view_id": 1}, {"view_id": 2}],
    }
    out = []
    for module in (queries, checks, review_queries, views, export, upload_store, review_writes):
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters.values())
            if not params or params[0].name != "con" or name in ("hide_unreviewed", "classify", "figure_key",
                                                                   "live_batch_with_sha"):
                continue
            required = [p.name for p in params[1:] if p.default is inspect.Parameter.empty]
            for kw in args.get(name, [{}]):
                assert set(required) <= set(kw), f"{module.__name__}.{name} needs arguments in this test"
                out.append((f"{module.__name__}.{name}", fn, kw))
    return out


CALLS = _calls()
# when things were written differs between the two stores (they were written one after the other)
WRITE_TIMES = {"created_at", "updated_at", "reviewed_at", "decided_at", "undone_at", "上传时间", "撤销时间",
               "Uploaded at", "Undone at"}


def _value(v):
    if isinstance(v, (list, tuple, np.ndarray)):
        return tuple(_value(x) for x in v)
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer, np.floating)):
        v = v.item()
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, (pd.Timestamp,)):
        return v.to_pydatetime()
    return v


def _frame(df: pd.DataFrame) -> list[tuple]:
    df = df.reset_index(drop=True)
    if list(df.columns) == ["key", "value"]:  # build_info: when each store was built differs
        df = df[df["key"] != "built_at"]
    cols = [c for c in df.columns if c not in WRITE_TIMES]
    return [tuple(_value(v) for v in row) for row in df[cols].itertuples(index=False, name=None)]


def _normal(result):
    if isinstance(result, pd.DataFrame):
        return (tuple(result.columns), _frame(result))
    if isinstance(result, dict):
        return {k: _normal(v) for k, v in result.items() if k not in WRITE_TIMES}
    if dataclasses.is_dataclass(result):
        return _normal({f.name: getattr(result, f.name) for f in dataclasses.fields(result)})
    if isinstance(result, (list, tuple)):
        return tuple(_normal(v) for v in result)
    return _value(result)


def _run(target, fn, kw, hide=False):
    con = db.open_read(target)
    try:
        if hide:
            queries.hide_unreviewed(con)
        if kw.get("figure_id", 0) is None:
            kw = {**kw, "figure_id": con.execute("SELECT min(figure_id) FROM v_figures WHERE plan_id = ?",
                                                 [PLAN_ID]).fetchone()[0]}
        return fn(con, **kw)
    finally:
        con.close()


@pytest.mark.parametrize("hide", [False, True], ids=["all", "hide_unreviewed"])
@pytest.mark.parametrize("name,fn,kw", CALLS, ids=[f"{c[0]}{i}" for i, c in enumerate(CALLS)])
def test_same_result_on_both_engines(stores, name, fn, kw, hide):
    duck, url = stores
    a, b = _run(duck, fn, kw, hide), _run(url, fn, kw, hide)
    assert _normal(a) == _normal(b), name


def test_the_comparison_covers_real_data(stores):
    """The fixtures hold what the comparison claims: uploads live and undone, every kind of decision, views."""
    duck, url = stores
    for target in (duck, url):
        con = db.open_read(target)
        try:
            statuses = {r[0] for r in con.execute("SELECT DISTINCT review_status FROM v_figures_all").fetchall()}
            assert {"extracted", "corrected", "rejected", "confirmed", "reviewed"} <= statuses
            assert con.execute("SELECT count(*) FROM batches WHERE undone_at IS NOT NULL").fetchone()[0] == 1
            assert con.execute("SELECT n_years FROM periods WHERE period = '2019-2021'").fetchone()[0] == 3
            assert con.execute("SELECT count(*) FROM v_figures WHERE source_kind = 'upload'").fetchone()[0] == 5
            assert len(views.list_views(con)) == len(VIEWS)
            queries.hide_unreviewed(con)
            assert con.execute("SELECT count(*) FROM v_figures WHERE review_status = 'extracted'").fetchone()[0] == 0
        finally:
            con.close()


@pytest.mark.parametrize("i", range(len(VIEWS)))
def test_deck_data_same_on_both_engines(stores, i):
    duck, url = stores
    out = []
    for target in (duck, url):
        con = db.open_read(target)
        try:
            view = views.list_views(con).iloc[i]
            out.append(_normal(deck.view_chart_data(con, view, "zh")))
        finally:
            con.close()
    assert out[0] == out[1]


def test_deck_file_same_text_on_both_engines(stores, tmp_path):
    from pptx import Presentation

    duck, url = stores
    texts = []
    for n, target in enumerate((duck, url)):
        con = db.open_read(target)
        try:
            out = deck.build_deck(con, views.list_views(con), tmp_path / f"d{n}.pptx", title="比较")
        finally:
            con.close()
        texts.append([[sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
                      for slide in Presentation(out).slides])
    assert texts[0] == texts[1] and len(texts[0]) > len(VIEWS)


def test_pg_engine_translates_placeholders_and_percent():
    assert sql_engine.translate("SELECT '?%' || ? WHERE x LIKE '%a%' AND y = ?") == \
        "SELECT '?%%' || %s WHERE x LIKE '%%a%%' AND y = %s"
