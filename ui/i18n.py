"""Interface strings in Chinese (default) and English; language from ?lang= and the sidebar switch (key `lang`)."""
from __future__ import annotations

import streamlit as st

from common import messages, settings
from common.messages import LANGS, MESSAGES

STRINGS = MESSAGES  # the catalogue lives in common.messages (shared with the command line and the deck)


def lang() -> str:
    value = st.session_state.get("lang")
    if value not in LANGS:
        value = st.query_params.get("lang") or settings.get("language")
    return value if value in LANGS else "zh"


def t(key: str, **kw) -> str:
    """The catalogue message `key` in the user's language."""
    return messages.text(key, lang(), **kw)


def col(df_row, base: str) -> str:
    """Picks the zh/en variant of a column pair: col(row, 'region') -> row['region_zh'] or row['region_en']."""
    return df_row[f"{base}_{lang()}"]


def language_switch() -> None:
    """Sidebar switch; the choice is kept in ?lang= so a copied link opens in the same language."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = lang()
    st.sidebar.radio(STRINGS["language"][0], LANGS, key="lang", horizontal=True,
                     format_func=lambda v: "中文" if v == "zh" else "English")
    if st.query_params.get("lang") != st.session_state["lang"]:
        st.query_params["lang"] = st.session_state["lang"]
