"""metrics.queries on a real database built from data/plans into a temp dir (no Streamlit)."""
from __future__ import annotations

import pytest

from loaders.build import build
from metrics import formatting as fmt
from metrics import queries as q
from store import db


@pytest.fixture(scope="session")
def con(tmp_path_factory):
    path = tmp_path_factory.mktemp("q") / "t.duckdb"
    build(path)
    c = db.open_read(path)
    yield c
    c.close()


def _cell(df, period, region):
    row = df[(df["period"] == period) & (df["region_id"] == region)]
    assert len(row) == 1, (period, region)
    return row.iloc[0]


def test_kashgar_funding_12th(con):
    df = q.funding_by_period_region(con, "aid_funding")
    assert _cell(df, "十二五", "xinjiang_kashgar")["value_base"] / 1e8 == pytest.approx(92.34)
    assert "all_counterpart" not in set(df["region_id"])  # scope totals are not regions in the bars


def test_filters_narrow_cells(con):
    df = q.funding_by_period_region(con, "aid_funding", periods=["十一五"], regions=["tibet_shigatse"])
    assert list(df["region_id"]) == ["tibet_shigatse"]
    assert df.iloc[0]["value_base"] / 1e8 == pytest.approx(6.27)


def test_headline_cards_12th(con):
    cards = q.headline_cards(con, "十二五").set_index("metric_id")
    assert cards.loc["aid_projects", "value_base"] == 3423
    assert cards.loc["aid_funding", "value_base"] / 1e8 == pytest.approx(135)
    assert cards.loc["aid_funding", "qualifier"] == "余"
    assert cards.loc["aid_funding", "basis"] == "stated"
    assert cards.loc["aid_funding", "prev_period"] == "十一五"
    assert cards.loc["aid_funding", "prev_value_base"] / 1e8 == pytest.approx(21.96)
    assert cards.loc["trained", "value_base"] == 75000
    text = fmt.with_unit(cards.loc["aid_funding", "value_base"], "余", "亿元", "CNY 100m", 2, "zh")
    assert text == "135+亿元"  # never shown as an exact 135


def test_headline_14th_is_missing(con):
    cards = q.headline_cards(con, "十四五")
    assert set(cards["basis"]) == {"missing"}
    assert "十四五" in set(q.five_year_periods(con)["period"])


def test_totals_fall_back_to_sum_of_regions(con, monkeypatch):
    real = q.period_cells  # totals reads one value per five-year period x region (the time model)

    def without_total(con, metric_id=None, periods=None, regions=None, recipients_only=False):
        if regions == [q.TOTAL_REGION]:
            regions = ["__none__"]
        return real(con, metric_id, periods, regions, recipients_only)

    monkeypatch.setattr(q, "period_cells", without_total)
    tot = q.totals(con, "aid_projects").set_index("period")
    assert tot.loc["十二五", "basis"] == "sum"
    assert tot.loc["十二五", "value_base"] == 3423  # the six regions add up to the stated total
    assert tot.loc["十二五", "n_parts"] == 6


def test_growth_12th_over_11th(con):
    g = q.growth(con, "aid_funding").set_index("period")
    assert g.loc["十二五", "prev_period"] == "十一五"
    assert g.loc["十二五", "ratio"] == pytest.approx(135 / 21.96)
    assert round(g.loc["十二五", "ratio"], 2) == 6.15


def test_stated_changes_carry_computed_ratio(con):
    s = q.stated_changes(con)
    row = s[s["period"] == "十二五"].iloc[0]
    assert row["number_text"] == "6倍多"
    assert row["computed"] == pytest.approx(6.1475, abs=1e-3)


def test_shares_sum_to_one(con):
    sh = q.shares(con, "aid_funding", periods=["十二五"])
    assert sh["share"].sum() == pytest.approx(1.0)
    assert _cell(sh, "十二五", "xinjiang_kashgar")["share"] == pytest.approx(92.34 / 135.05, abs=1e-3)


def test_per_project(con):
    pp = q.per_project(con, periods=["十二五"])
    k = _cell(pp, "十二五", "xinjiang_kashgar")
    assert k["per_project_base"] == pytest.approx(92.34e8 / 772)
    total = _cell(pp, "十二五", "all_counterpart")
    assert total["value_base_projects"] == 3423


def test_annualised(con):
    an = q.annualised(con, "aid_funding", periods=["十二五"], regions=["xinjiang_kashgar"])
    assert an.iloc[0]["per_year_base"] / 1e8 == pytest.approx(92.34 / 5)


def test_region_detail_and_members(con):
    d = q.region_detail(con, "xinjiang_kashgar")
    assert {"aid_funding", "aid_projects"} <= set(d["metric_id"])
    assert d["quote"].str.contains("92.34").any()
    members = q.region_members(con, "yunnan_four")
    assert list(members["name_zh"]) == ["云南文山", "云南红河", "云南普洱", "云南迪庆"]
    tg = q.region_members(con, "three_gorges")
    assert set(tg["region_id"]) == {"chongqing_wanzhou", "hubei_yiling"}


def test_region_summary_for_map(con):
    s = q.region_summary(con, "aid_funding").set_index("region_id")
    assert s.loc["xinjiang_kashgar", "period"] == "十二五"  # latest period with a value
    assert s.loc["xinjiang_aksu", "period"] == "十一五"
    assert s["lon"].notna().all()


def test_cooperation_and_enterprises(con):
    c = q.cooperation(con)
    assert set(c["region_id"]) == {"west", "northeast_central", "anhui"}
    anhui = c[(c["region_id"] == "anhui") & (c["metric_id"] == "econ_coop_projects")]
    assert anhui.iloc[0]["value_base"] == 1766
    e = q.enterprise_flows(con)
    ch = e[e["metric_id"] == "chambers"].set_index("region_id")
    assert ch.loc["inbound", "value_base"] == 174 and ch.loc["outbound", "value_base"] == 28
    cap = e[(e["metric_id"] == "registered_capital") & (e["period"] == "十二五")].set_index("region_id")
    assert cap.loc["outbound", "value_base"] / 1e8 == pytest.approx(75010)


def test_tasks(con):
    plans = set(q.task_plans(con)["plan_id"])
    assert plans == {"sh-dalian-2020", "huangpu-yrd-2020-2022"}
    units = q.tasks_by_unit(con, "huangpu-yrd-2020-2022")
    assert units.iloc[0]["unit"] == "区金融办" and units.iloc[0]["tasks"] == 39
    types = q.tasks_by_type(con, "sh-dalian-2020")
    assert types["tasks"].sum() == 37
    tasks = q.tasks_list(con, "huangpu-yrd-2020-2022")
    assert len(tasks) == 81 and (tasks["n_units"] > 1).any()
    found = q.tasks_list(con, "huangpu-yrd-2020-2022", search="区金融办")
    assert 0 < len(found) < 81
    assert found["units"].str.contains("区金融办").all()


def test_figure_search_and_context(con):
    df = q.figure_search(con, search="喀什")
    assert len(df) >= 2
    one = q.figure_search(con, metrics=["aid_funding"], periods=["十二五"], regions=["xinjiang_kashgar"])
    assert len(one) == 1
    ctx = q.figure_context(con, one.iloc[0]["figure_id"])
    assert ctx["span"] == "92.34亿元"
    assert "喀什" in ctx["quote_before"] + ctx["before"]


def test_data_status(con):
    s = q.data_status(con)
    assert len(s["plans"]) == 5
    assert s["batches"].empty
    assert "built_at" in set(s["build_info"]["key"])


@pytest.mark.parametrize("value,qual,zh,en", [
    (135e8, "余", "135+亿元", "135+ CNY 100m"),
    (92.34e8, None, "92.34亿元", "92.34 CNY 100m"),
    (7.5e4, "约", "约7.5万人次", "~7.5 10k person-times"),
])
def test_formatting(value, qual, zh, en):
    unit_zh = "万人次" if value == 7.5e4 else "亿元"
    unit_en = "10k person-times" if value == 7.5e4 else "CNY 100m"
    assert fmt.with_unit(value, qual, unit_zh, unit_en, 2, "zh") == zh
    assert fmt.with_unit(value, qual, unit_zh, unit_en, 2, "en") == en
