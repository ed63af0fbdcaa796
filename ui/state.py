"""Page filters bound to st.query_params, so a copied link (and a saved view) reopens the same view."""
from __future__ import annotations

import json

import streamlit as st

# parameters that belong to the whole app, not to a page's filters
GLOBAL_PARAMS = ("lang", "present")


def _from_param(raw: list[str], default):
    if isinstance(default, list):
        out: list[str] = []
        for v in raw:
            out.extend(x for x in v.split(",") if x)
        return out
    if not raw:
        return default
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
    for name, default in defaults.items():
        key = f"{page}_{name}"
        if key in st.session_state:
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
