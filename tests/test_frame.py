"""The app's frame without a browser: a page file run as its own script (what Streamlit's pages/ folder mode does
with a fresh server's first request for a deep link) opens inside the app's navigation, with the link's filters."""
from __future__ import annotations

from conftest import ROOT, app_settings
from streamlit.testing.v1 import AppTest

from common.pages import catalogue


def test_page_file_run_on_its_own_opens_in_the_frame(built, monkeypatch):
    app_settings(monkeypatch, built)
    at = AppTest.from_file(str(ROOT / "pages" / "funding.py"), default_timeout=30)
    at.switch_page("funding.py")  # the URL /funding: before any navigation exists, the file's name identifies it
    at.query_params["funding_metric"] = "aid_projects"
    at.query_params["funding_periods"] = "十一五"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["资金与项目"]  # rendered once, under the frame's title
    assert at.selectbox(key="funding_metric").value == "aid_projects"
    assert at.multiselect(key="funding_periods").value == ["十一五"]
    assert "lang" in {r.key for r in at.radio}  # the frame's language switch, drawn only by the frame


def test_every_catalogue_page_is_a_page_file_that_shows_itself():
    for p in catalogue():
        text = (ROOT / p.file).read_text(encoding="utf-8")
        assert text.rstrip().endswith("frame.show(render)"), p.file
