"""Entry point: page config, language, theme, database on first run, and navigation between the pages."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from loaders.build import ensure_database
from ui import theme
from ui.i18n import language_switch, t

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="对口支援与合作交流 · Counterpart support", page_icon=":material/bar_chart:", layout="wide",
                   initial_sidebar_state="collapsed" if theme.presenting() else "auto")
theme.apply()
ensure_database()

pages = [
    st.Page("pages/overview.py", url_path="overview", title=t("nav_overview"), icon=":material/home:", default=True),
    st.Page("pages/funding.py", url_path="funding", title=t("nav_funding"), icon=":material/payments:"),
    st.Page("pages/regions.py", url_path="regions", title=t("nav_regions"), icon=":material/map:"),
    st.Page("pages/cooperation.py", url_path="cooperation", title=t("nav_cooperation"), icon=":material/handshake:"),
    st.Page("pages/tasks.py", url_path="tasks", title=t("nav_tasks"), icon=":material/checklist:"),
    st.Page("pages/sources.py", url_path="sources", title=t("nav_sources"), icon=":material/source:"),
]
if (ROOT / "pages" / "upload.py").exists():  # written by the upload work; optional here
    pages.append(st.Page("pages/upload.py", url_path="upload", title=t("nav_upload"), icon=":material/upload_file:"))

navigation = st.navigation(pages)
language_switch()  # after navigation so the switch sits below the page list
navigation.run()
