"""Saved views: save, list, rename, reorder, delete, links that round-trip, and survival across a rebuild."""
from __future__ import annotations

from pathlib import Path

import pytest

from loaders.build import build
from outputs.views import (
    delete_view,
    get_view,
    list_views,
    move_view,
    params_from_query,
    rename_view,
    reorder_views,
    save_view,
    update_view_params,
    view_url,
)
from store import db

ENGINES = ("duckdb", "postgres")  # every test with `path` runs on both stores

FUNDING = {"metric": "aid_funding", "periods": ["十一五", "十二五"],
           "regions": ["xinjiang_kashgar", "tibet_shigatse"], "lang": "zh"}


def _views(path):
    con = db.open_read(path)
    try:
        return list_views(con)
    finally:
        con.close()


def _get(path, view_id):
    con = db.open_read(path)
    try:
        return get_view(con, view_id)
    finally:
        con.close()


def test_save_and_list(path):
    assert _views(path).empty
    a = save_view(path, "援助资金 十一五与十二五", "funding", FUNDING)
    b = save_view(path, "总览", "overview", {})
    df = _views(path)
    assert list(df["view_id"]) == [a, b]
    assert list(df["position"]) == [0, 1]
    assert df.iloc[0]["params"] == FUNDING
    assert df.iloc[0]["page"] == "funding"
    v = _get(path, a)
    assert v["name"] == "援助资金 十一五与十二五" and v["params"] == FUNDING
    assert v["url"].startswith("/funding?")
    assert _get(path, 999) is None


def test_rename(path):
    a = save_view(path, "甲", "funding", FUNDING)
    save_view(path, "乙", "overview", {})
    rename_view(path, a, "  援疆 资金  ")
    v = _get(path, a)
    assert v["name"] == "援疆 资金"
    assert v["updated_at"] is not None
    with pytest.raises(ValueError, match="同名"):
        rename_view(path, a, "乙")
    rename_view(path, a, "援疆 资金")  # its own name is not a duplicate
    with pytest.raises(ValueError, match="不存在"):
        rename_view(path, 42, "丙")


def test_update_params(path):
    a = save_view(path, "甲", "funding", FUNDING)
    update_view_params(path, a, {"periods": ["十二五"]})
    assert _get(path, a)["params"] == {"periods": ["十二五"]}


def test_reorder_move_delete_keep_positions_dense(path):
    ids = [save_view(path, f"视图{i}", "funding", FUNDING) for i in range(4)]
    reorder_views(path, [ids[3], ids[1], ids[0], ids[2]])
    df = _views(path)
    assert list(df["view_id"]) == [ids[3], ids[1], ids[0], ids[2]]
    assert list(df["position"]) == [0, 1, 2, 3]

    move_view(path, ids[2], 0)
    assert list(_views(path)["view_id"]) == [ids[2], ids[3], ids[1], ids[0]]
    move_view(path, ids[2], 99)  # clamped to the end
    assert list(_views(path)["view_id"]) == [ids[3], ids[1], ids[0], ids[2]]
    move_view(path, ids[3], -5)  # clamped to the start
    assert list(_views(path)["view_id"])[0] == ids[3]

    delete_view(path, ids[1])
    df = _views(path)
    assert ids[1] not in set(df["view_id"])
    assert list(df["position"]) == [0, 1, 2]
    new = save_view(path, "新视图", "overview", {})
    df = _views(path)
    assert df.iloc[-1]["view_id"] == new and list(df["position"]) == [0, 1, 2, 3]
    assert new not in ids  # ids are not reused while larger ones exist


def test_reorder_must_list_every_view_once(path):
    a = save_view(path, "甲", "funding", FUNDING)
    b = save_view(path, "乙", "funding", FUNDING)
    for bad in ([a], [a, a], [a, b, 77]):
        with pytest.raises(ValueError, match="排序"):
            reorder_views(path, bad)
    assert list(_views(path)["view_id"]) == [a, b]  # unchanged


def test_delete_unknown(path):
    with pytest.raises(ValueError, match="不存在"):
        delete_view(path, 5)


@pytest.mark.parametrize("name, page, params, message", [
    ("", "funding", {}, "不能为空"),
    ("   ", "funding", {}, "不能为空"),
    (None, "funding", {}, "不能为空"),
    ("长" * 61, "funding", {}, "60"),
    ("好名字", "", {}, "页面"),
    ("好名字", "Funding Page", {}, "页面"),
    ("好名字", "funding", {"a": {"nested": 1}}, "参数"),
    ("好名字", "funding", ["not", "a", "dict"], "字典"),
])
def test_bad_input(path, name, page, params, message):
    with pytest.raises(ValueError, match=message):
        save_view(path, name, page, params)
    assert _views(path).empty  # a refused write leaves nothing behind


def test_name_limit_and_duplicates(path):
    save_view(path, "长" * 60, "funding", {})
    with pytest.raises(ValueError, match="同名"):
        save_view(path, "长" * 60, "overview", {})


def test_views_survive_rebuild(path):
    a = save_view(path, "援助资金", "funding", FUNDING)
    b = save_view(path, "任务", "tasks", {"top": 10})
    reorder_views(path, [b, a])
    before = _views(path)
    build(path)
    after = _views(path)
    assert list(after["view_id"]) == [b, a]
    assert list(after["name"]) == list(before["name"])
    assert list(after["params"]) == list(before["params"])
    assert save_view(path, "第三个", "overview", {}) == max(a, b) + 1


@pytest.mark.parametrize("page, params", [
    ("funding", FUNDING),
    ("funding", {"periods": ["十二五"]}),                                 # one-element list stays a list
    ("regions", {"pick": "xinjiang_kashgar", "metric": "aid_funding", "lang": "en"}),
    ("tasks", {"plan": "sh-dalian-2020", "search": "上海, 大连 & 合作 = ?"}),  # a scalar keeps its commas
    ("cooperation", {"periods": ["十一五", "十二五"]}),
    ("sources", {}),
])
def test_url_round_trip(page, params):
    from urllib.parse import parse_qs, urlsplit

    url = view_url({"page": page, "params": params}, base="http://localhost:8501/")
    assert url.startswith(f"http://localhost:8501/{page}")
    assert params_from_query(url) == params  # page read from the path
    query = urlsplit(url).query
    assert params_from_query(query, page=page) == params
    # what a page has: {key: st.query_params.get_all(key)}
    assert params_from_query(parse_qs(query), page=page) == params


def test_url_format_is_the_apps_own():
    """ui/state.py writes <prefix>_<name>=a,b and reads lists from commas or repeated keys."""
    url = view_url({"page": "funding", "params": {"periods": ["十一五", "十二五"], "metric": "aid_funding",
                                                  "lang": "en"}})
    assert url == ("/funding?funding_periods=%E5%8D%81%E4%B8%80%E4%BA%94,%E5%8D%81%E4%BA%8C%E4%BA%94"
                   "&funding_metric=aid_funding&lang=en")
    assert view_url({"page": "cooperation", "params": {"periods": ["2020"]}}) == "/cooperation?coop_periods=2020"
    assert view_url({"page": "regions", "params": {"pick": "anhui"}}) == "/regions?region_pick=anhui"
    assert view_url({"page": "overview", "params": "{}"}, base="https://x/") == "https://x/overview"
    # repeated keys read the same as a comma-joined list
    assert params_from_query("/funding?funding_periods=十一五&funding_periods=十二五") == {"periods": ["十一五", "十二五"]}


def test_param_prefixes_come_from_the_page_catalogue():
    """Every catalogue page has its module, which takes its URL-parameter prefix from the catalogue."""
    from common.pages import catalogue

    root = Path(__file__).resolve().parent.parent
    assert {"cooperation": "coop", "regions": "region"}.items() <= {p.page_id: p.param_prefix for p in catalogue()}.items()
    for p in catalogue():
        text = (root / p.file).read_text(encoding="utf-8")
        assert "frame.show(render)" in text, p.file
        if "PAGE = " in text:
            assert f'PAGE = param_prefix("{p.page_id}")' in text, p.file


def test_list_items_may_not_contain_commas(path):
    with pytest.raises(ValueError, match="逗号"):
        save_view(path, "甲", "funding", {"regions": ["a,b"]})


def test_params_normalised_on_save(path):
    a = save_view(path, "甲", "tasks", {"top": 10, "compact": True, "empty": "", "none": None, "periods": "十二五",
                                       "regions": []})
    assert _get(path, a)["params"] == {"top": "10", "compact": "1", "periods": ["十二五"]}
    # a page may pass its query params as they are: prefixes come off
    b = save_view(path, "乙", "cooperation", {"coop_periods": ["十一五"], "lang": "zh"})
    assert _get(path, b)["params"] == {"periods": ["十一五"], "lang": "zh"}
