"""Page filters bound to st.query_params, so a copied link (and a saved view) reopens the same view."""
from __future__ import annotations

import json

import streamlit as st

from ui.theme import presenting

# parameters that belong to the whole app, not to a page's filters
GLOBAL_PARAMS = ("lang", "present", "deck", "hide_unreviewed")
# app-wide switch: charts leave out figures nobody has reviewed yet (?hide_unreviewed=1); the widget key and the
# value kept across pages that do not draw the widget
HIDE_UNREVIEWED = "hide_unreviewed"
_HIDE = "_state_hide_unreviewed"
# session keys: filter names each page declared (for saving a view), and "read the next page from the URL"
_NAMES = "_state_filter_names"
_RELOAD = "_state_reload_from_url"


def _from_param(raw: list[str], default):
    if not raw:  # absent from the URL: the default (sync() leaves defaults out of links)
        return list(default) if isinstance(default, list) else default
    if isinstance(default, list):
        out: list[str] = []
        for v in raw:
            out.extend(x for x in v.split(",") if x)
        return out
    v = raw[-1]
    if isinstance(default, bool):
        return v.lower() in ("1", "true", "yes")
    if isinstance(default, int):
        try:
            return int(v)
        except ValueError:
            return default
    return v


def _to_param(value) -> str | None:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) if value else None
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None or value == "":
        return None
    return str(value)


def page_state(page: str, defaults: dict, options: dict | None = None) -> dict:
    """Seeds each filter's widget key `<page>_<name>` from ?<page>_<name>= or the default, keeping only
    values that are valid options; returns the filters as one serialisable dict {name: value}."""
    options = options or {}
    st.session_state.setdefault(_NAMES, {})[page] = list(defaults)
    # presenting: the URL alone fixes the view (filters are not shown); after opening a saved view: once
    from_url = presenting() or st.session_state.pop(_RELOAD, False)
    for name, default in defaults.items():
        key = f"{page}_{name}"
        if key in st.session_state and not from_url:
            continue
        value = _from_param(st.query_params.get_all(key), default)
        allowed = options.get(name)
        if allowed is not None:
            allowed = list(allowed)
            if isinstance(value, list):
                value = [v for v in value if v in allowed]
            elif value not in allowed:
                value = default if default in allowed else (allowed[0] if allowed else None)
        st.session_state[key] = value
    return current(page, defaults)


def show_filters() -> bool:
    """Pages draw their filter widgets only outside presentation mode."""
    return not presenting()


def reload_from_url() -> None:
    """The next page_state() seeds its filters from the URL even if the widgets already hold values
    (opening a saved view of the page one is on)."""
    st.session_state[_RELOAD] = True


def filters_of(page: str) -> dict:
    """The current filters of a page that has run in this session: {name: value} for every filter it declared."""
    names = st.session_state.get(_NAMES, {}).get(page, [])
    return {n: st.session_state[f"{page}_{n}"] for n in names if f"{page}_{n}" in st.session_state}


def current(page: str, defaults: dict) -> dict:
    return {name: st.session_state.get(f"{page}_{name}", default) for name, default in defaults.items()}


def sync(page: str, defaults: dict) -> dict:
    """Writes the page's filters back to the URL (defaults are left out to keep links short)."""
    state = current(page, defaults)
    for name, value in state.items():
        key = f"{page}_{name}"
        text = _to_param(value)
        if text is None or value == defaults[name]:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != text:
            st.query_params[key] = text
    return state


def as_json(state: dict) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


def hide_unreviewed() -> bool:
    """Whether charts leave out unreviewed figures: the switch's value in this session, else ?hide_unreviewed=."""
    value = st.session_state.get(_HIDE)
    if value is None:
        value = _from_param(st.query_params.get_all(HIDE_UNREVIEWED), False)
    return bool(value)


def _keep_hide() -> None:
    st.session_state[_HIDE] = bool(st.session_state.get(HIDE_UNREVIEWED))


def unreviewed_switch(label: str, available: bool) -> bool:
    """The sidebar switch (drawn while there are unreviewed figures, or while they are hidden), kept in the URL
    so a copied link and presentation mode show the same figures; returns whether they are hidden."""
    hide = hide_unreviewed()
    if (available or hide) and show_filters():
        st.session_state[HIDE_UNREVIEWED] = hide
        st.sidebar.toggle(label, key=HIDE_UNREVIEWED, on_change=_keep_hide)
    st.session_state[_HIDE] = hide
    if hide and st.query_params.get(HIDE_UNREVIEWED) != "1":
        st.query_params[HIDE_UNREVIEWED] = "1"
    elif not hide and HIDE_UNREVIEWED in st.query_params:
        del st.query_params[HIDE_UNREVIEWED]
    return hide
