"""Pages that cost the same at any size (issue 12): figure tables a page at a time with the count and the paging in
SQL (setting table_rows), region tiles capped, and the long figure-id lists left out of what pages read."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from test_time_model import DALIAN, _add

from metrics import queries as q
from store import db


@pytest.fixture
def rw(path):
    """A read-write session on a private copy of the built database (figures are added straight into it)."""
    c = duckdb.connect(str(path))
    yield c
    c.close()


def _con(path):
    return db.open_read(path)


def test_paged_queries_are_slices_of_the_whole(built):
    con = _con(built)
    try:
        whole = q.category_figures(con, "cooperation", q.COOPERATION_REGIONS, limit=10_000)
        assert len(whole) > 4
        pages = [q.category_figures(con, "cooperation", q.COOPERATION_REGIONS, limit=2, offset=o)
                 for o in range(0, len(whole), 2)]
        glued = pd.concat(pages, ignore_index=True)
        assert glued["figure_id"].tolist() == whole["figure_id"].tolist()  # no row twice, none lost
        assert {int(p["n_total"].iloc[0]) for p in pages} == {len(whole)}
        detail = q.region_detail(con, "all_counterpart")
        second = q.region_detail(con, "all_counterpart", limit=3, offset=3)
        assert second["figure_id"].tolist() == detail["figure_id"].tolist()[3:6]
        assert int(second["n_total"].iloc[0]) == len(detail)
    finally:
        con.close()


def test_pages_read_cells_without_the_id_lists(built):
    """The id lists grow with the data (every figure of a cell): left out unless asked for, the rest identical."""
    con = _con(built)
    try:
        for fn in (q.cells, q.period_cells, q.funding_by_period_region):
            slim, full = fn(con), fn(con, ids=True)
            assert "figure_ids" not in slim and "year_figure_ids" not in slim
            assert full["figure_ids"].str.len().sum() > 0
            pd.testing.assert_frame_equal(slim, full[list(slim.columns)])
    finally:
        con.close()


def test_checks_still_name_the_figures_behind_a_total_and_its_years(rw):
    """stated_vs_years reads the id lists (ids=True): the stated total's figure and every year's."""
    from metrics import checks

    _add(rw, "十四五", DALIAN, 10e8)
    for year in range(2021, 2026):
        _add(rw, str(year), DALIAN, 2e8)
    ids = set(rw.execute("SELECT figure_id FROM figures WHERE region_id = ? AND upload_file = 'golden.xlsx'",
                          [DALIAN]).fetchall())
    row = checks.stated_vs_years(rw).query("region_id == @DALIAN").iloc[0]
    assert {(i,) for i in row.figure_ids.split(",")} == ids and len(ids) == 6


def _table_rows(at, key: str) -> list:
    return [d for d in at.dataframe if getattr(d, "key", None) == key] or list(at.dataframe)


def test_cooperation_tables_page_in_sql(built, make_app):
    con = _con(built)
    try:
        n = len(q.category_figures(con, "cooperation", q.COOPERATION_REGIONS, limit=10_000))
    finally:
        con.close()
    at = make_app(built, "cooperation", table_rows=2)
    assert not at.exception
    box = at.number_input(key="coop_table_page")
    assert box.value == 1 and box.max == -(-n // 2)
    first = at.dataframe[0].value
    assert len(first) == 2
    assert any(f"第1/{-(-n // 2)}页" in c.value and f"共{n}条" in c.value for c in at.caption)
    box.set_value(2).run()
    assert not at.exception
    second = at.dataframe[0].value
    assert len(second) == 2 and not second.equals(first)
    assert any(f"第2/{-(-n // 2)}页" in c.value for c in at.caption)


def test_region_detail_pages_in_sql(built, make_app):
    con = _con(built)
    try:
        n = int(q.region_detail(con, "all_counterpart", limit=1)["n_total"].iloc[0])
    finally:
        con.close()
    assert n > 3
    at = make_app(built, "regions", {"region_pick": "all_counterpart"}, table_rows=3)
    assert not at.exception
    box = at.number_input(key="region_detail_page")
    assert box.max == -(-n // 3)
    shown = [m.value for m in at.markdown if m.value.startswith("- ")]  # one line per figure
    assert len(shown) == 3
    box.set_value(2).run()
    assert not at.exception
    later = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(later) == min(3, n - 3) and not set(later) & set(shown)
    assert any(f"第2/{-(-n // 3)}页" in c.value for c in at.caption)


def test_region_tiles_are_capped(path, make_app):
    """Every recipient region with a figure (a big upload): the map shows them all, the tiles the first ones."""
    from test_cells import _upload

    from common import dictionaries as d
    from pages.regions import TILES_SHOWN

    regs = d.regions()
    names = list(regs.loc[regs["role"].fillna("").str.contains("recipient"), "name_zh"])[:TILES_SHOWN + 3]
    assert len(names) == TILES_SHOWN + 3
    _upload(path, [("十二五", r, "援助资金", 1, "亿元") for r in names])
    at = make_app(path, "regions", {"region_period": "十二五"})
    assert not at.exception
    assert len(at.metric) == TILES_SHOWN
    n = len(q.region_summary(db.open_read(path), "aid_funding", "十二五"))
    assert any(c.value == f"仅显示前{TILES_SHOWN}条，共{n}条。" for c in at.caption)


def test_region_detail_goes_back_to_page_one_for_another_region(built, make_app):
    """Page 2 of one region's figures, then another region: its list starts at page 1, not at its page 2."""
    con = _con(built)
    try:
        counts = {r: int(q.region_detail(con, r, limit=1)["n_total"].iloc[0])
                  for r in ("all_counterpart", "west", "yrd")
                  if len(q.region_detail(con, r, limit=1))}
    finally:
        con.close()
    other = next(r for r, n in counts.items() if r != "all_counterpart" and n > 2)
    at = make_app(built, "regions", {"region_pick": "all_counterpart"}, table_rows=2)
    at.number_input(key="region_detail_page").set_value(2).run()
    assert not at.exception and at.number_input(key="region_detail_page").value == 2
    at.selectbox(key="region_pick").set_value(other).run()
    assert not at.exception
    assert at.number_input(key="region_detail_page").value == 1
    assert any(f"第1/{-(-counts[other] // 2)}页" in c.value for c in at.caption)
