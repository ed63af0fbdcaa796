"""The app's frame around every page: page config, theme, database on first run, navigation from the page catalogue.

A fresh server's first request for a deep link (/funding?...) reaches Streamlit before app.py has declared its
navigation, and Streamlit's pages/ folder mode then runs pages/funding.py as a script of its own. Every page
file ends with ``frame.show(render)``: inside the frame it renders; run on its own it opens the frame instead,
whose st.navigation resolves the same URL to the same page (public API only; no private Streamlit state).
"""
from __future__ import annotations

import threading
from typing import Callable

import streamlit as st

from common.pages import catalogue, working_pages
from common.paths import ROOT
from loaders.build import ensure_database
from ui import theme, views_panel
from ui.i18n import language_switch, t

_run = threading.local()  # one script run per thread: "is the frame running a page on this thread?"


def inside() -> bool:
    return getattr(_run, "depth", 0) > 0


def navigation_pages() -> list:
    pages = []
    for p in catalogue():
        file = str(ROOT / p.file)  # absolute: the frame may run from a page file as well as from app.py
        if p.default:
            # Streamlit serves the default page at / only, though it reserves its url_path; links and saved views
            # name the page's own path (/overview), so a hidden twin of the same file answers there.
            pages.append(st.Page(file, url_path=f"{p.url_path}-home", title=t(p.title_key), icon=p.icon,
                                 default=True))
            pages.append(st.Page(file, url_path=p.url_path, title=t(p.title_key), icon=p.icon,
                                 visibility="hidden"))
        else:
            pages.append(st.Page(file, url_path=p.url_path, title=t(p.title_key), icon=p.icon))
    return pages


def run() -> None:
    """Everything app.py does: config, theme, database, navigation, then the page the URL names."""
    # an emoji favicon is drawn locally; a :material/...: one is fetched from fonts.gstatic.com
    st.set_page_config(page_title="对口支援与合作交流 · Counterpart support", page_icon="📊",
                       layout="wide", initial_sidebar_state="collapsed" if theme.presenting() else "auto")
    theme.apply()
    ensure_database()
    navigation = st.navigation(navigation_pages())
    language_switch()  # after navigation so the switch sits below the page list
    # presenting: a page without the saved-views bar (upload) still gets a way out, at the top
    if theme.presenting() and navigation.url_path in working_pages():
        # a working page (uploads) is no slide: in presentation mode only its title and the way out
        views_panel.exit_bar()
        st.title(navigation.title)
        return
    top = st.container() if theme.presenting() else None
    st.session_state["_present_bar_drawn"] = False
    _run.depth = getattr(_run, "depth", 0) + 1
    try:
        navigation.run()
    finally:
        _run.depth -= 1
    if top is not None and not views_panel.drawn():
        with top:
            views_panel.exit_bar()


def show(render: Callable[[], None]) -> None:
    """Last line of every page file: render inside the frame, or open the frame when run on its own."""
    if not inside():
        run()
    elif theme.presenting():
        # one slide: previous / next within the same page rerun only this fragment (ui.views_panel._step)
        st.session_state[views_panel._IN_SLIDE] = True
        st.fragment(render, key=views_panel.SLIDE)()
    else:
        st.session_state[views_panel._IN_SLIDE] = False
        render()
