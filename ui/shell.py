"""Makes a page file opened as a server's first request (a deep link) run under app.py's navigation.

Until app.py has called st.navigation once in the server process, Streamlit treats the top-level pages/ folder
as a v1 multipage app: a first request for /funding runs pages/funding.py on its own, without app.py's page
config, theme, database check, language switch or page titles. Every page file calls page() first; in that
case it runs app.py instead, whose navigation then runs the page with the URL's query string, so the deep
link opens exactly the view it names.
"""
from __future__ import annotations

import streamlit as st


def standalone() -> bool:
    """True when Streamlit's pages/ auto-detection, not app.py's st.navigation, is running this page."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the v1 pages folder mode
        return False
    return bool(getattr(PagesManager, "uses_pages_directory", False))


def page(name: str) -> None:
    """Call first in pages/<name>.py. A no-op under app.py's navigation (every run but a fresh server's first).
    Otherwise runs app.py in its place within this same run (so a click or a widget change in it is not
    lost): app.py calls st.navigation, which ends the pages/ folder mode for the process and runs this page
    from its navigation, where page() is a no-op; then this outer, standalone run stops."""
    if not standalone():
        return
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")
    st.stop()
