"""Saved views: a named page + its filters, kept in saved_views and ordered for the presentation deck.

A view is ``page`` (the page's URL path: funding, overview, regions, cooperation, tasks, sources) and
``params``: the page's filters by name, as ui/state.py keeps them ({"metric": "aid_funding",
"periods": ["十一五", "十二五"]}) plus the app-wide params (lang). Params are stored normalised — every
value a string or a list of strings, empty values dropped — so a view, its link and the params read back
from that link are the same thing.

Link format (the one ui/state.py itself writes, so a view's link equals the link the page shows):
``<base>/<page>?<prefix>_<name>=<value>``, where prefix is the page's state prefix (common.pages.param_prefix: the
cooperation page uses ``coop_``, regions ``region_``, others their page key); app-wide params (lang,
present) carry no prefix. A list is comma-joined (``funding_periods=十一五,十二五``), so list items may not
contain commas; booleans are 1/0. Reading a link also accepts a list as repeated keys. Only keys in
LIST_PARAMS (and repeated keys) read back as lists, so a page's list filter must be named there.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import duckdb
import pandas as pd

from common.messages import CodedError
from common.pages import param_prefix
from store import db

NAME_MAX = 60
# query params that are lists on every page (multiselects)
LIST_PARAMS = frozenset({"periods", "regions", "metrics", "plans", "units", "cities", "categories",
                         "levels", "kinds", "sections", "families", "batches"})
GLOBAL_PARAMS = frozenset({"lang", "present"})
_PAGE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
COLUMNS = ["view_id", "name", "page", "params", "position", "created_at", "updated_at", "url"]



class ViewError(CodedError, ValueError):
    """A refused saved-view operation: a catalogue code and parameters, rendered in the reader's language."""


# --- params and links ------------------------------------------------------------------------------

def _scalar(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ViewError("view_err_param_type", param=key, got=type(value).__name__)


def _prefixes(page: str | None) -> tuple[str, ...]:
    if not page:
        return ()
    return tuple(dict.fromkeys([f"{param_prefix(page)}_", f"{page}_"]))


def _strip_prefix(key: str, page: str | None) -> str:
    for prefix in _prefixes(page):
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


def normalize_params(params: Mapping[str, Any] | None, page: str | None = None) -> dict[str, str | list[str]]:
    """Strings and lists of strings only; None, '' and [] dropped (a link cannot carry them).

    With page given, URL-style keys (funding_periods, coop_periods) become filter names (periods), so a
    page may pass its filter dict or its query params alike.
    """
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise ViewError("view_err_params_dict", got=type(params).__name__)
    out: dict[str, str | list[str]] = {}
    for raw_key, value in params.items():
        if not isinstance(raw_key, str) or not raw_key.strip():
            raise ViewError("view_err_param_name", param=repr(raw_key))
        key = _strip_prefix(raw_key, page)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items = [_scalar(key, v) for v in value if v is not None]
            items = [v for v in items if v != ""]
            bad = [v for v in items if "," in v]
            if bad:
                raise ViewError("view_err_comma", param=key, bad=bad)
            if items:
                out[key] = items
        else:
            s = _scalar(key, value)
            if s == "":
                continue
            out[key] = [s] if key in LIST_PARAMS else s
    return out


def view_url(view: Mapping[str, Any] | pd.Series, base: str = "") -> str:
    """``base/page?query`` for a saved view (a dict or list_views row), in the app's own link format."""
    page = view["page"]
    params = view["params"]
    if isinstance(params, str):
        params = json.loads(params)
    prefix = f"{param_prefix(page)}_"
    pairs = [(k if k in GLOBAL_PARAMS else prefix + k, ",".join(v) if isinstance(v, list) else v)
             for k, v in normalize_params(params, page).items()]
    query = urlencode(pairs, quote_via=quote, safe=",")
    path = f"{base.rstrip('/')}/{page}"
    return f"{path}?{query}" if query else path


def params_from_query(query: Mapping[str, Any] | str, page: str | None = None) -> dict[str, str | list[str]]:
    """A view's params from a link: a URL or query string, parse_qs output, or a page's query params
    (``{k: st.query_params.get_all(k) for k in st.query_params}``). page defaults to the URL's path."""
    if isinstance(query, str):
        if "?" in query or "://" in query or query.startswith("/"):
            parts = urlsplit(query)
            page = page or (parts.path.rstrip("/").rsplit("/", 1)[-1] or None)
            qs = parts.query
        else:
            qs = query
        query = parse_qs(qs, keep_blank_values=False)
    out: dict[str, Any] = {}
    for raw_key, value in query.items():
        key = _strip_prefix(raw_key, page)
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if key in LIST_PARAMS or len(values) > 1:
            out[key] = [x for v in values for x in str(v).split(",") if x]
        else:  # a scalar keeps its commas: a search text is not a list
            out[key] = values[-1]
    return normalize_params(out, page)


# --- reading ---------------------------------------------------------------------------------------

def _row(r: Mapping[str, Any]) -> dict[str, Any]:
    v = dict(r)
    v["params"] = json.loads(v["params"]) if isinstance(v["params"], str) else (v["params"] or {})
    v["url"] = view_url(v)
    return v


def list_views(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every saved view in deck order; params as dicts and a relative link in `url`."""
    df = con.execute("""SELECT view_id, name, page, params, position, created_at, updated_at
                        FROM saved_views ORDER BY position, view_id""").df()
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = [_row(r) for r in df.to_dict("records")]
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["view_id"] = out["view_id"].astype(int)
    out["position"] = out["position"].astype(int)
    return out


def get_view(con: duckdb.DuckDBPyConnection, view_id: int) -> dict[str, Any] | None:
    """One saved view as a dict (params parsed), or None when there is no such view."""
    cur = con.execute("""SELECT view_id, name, page, params, position, created_at, updated_at
                         FROM saved_views WHERE view_id = ?""", [int(view_id)])
    row = cur.fetchone()
    if row is None:
        return None
    return _row(dict(zip([d[0] for d in cur.description], row)))


# --- writing ---------------------------------------------------------------------------------------

def _clean_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ViewError("view_err_name_empty")
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise ViewError("view_err_name_long", max=NAME_MAX, n=len(name))
    return name


def _check_unique(con: duckdb.DuckDBPyConnection, name: str, except_id: int | None = None) -> None:
    hit = con.execute("SELECT view_id FROM saved_views WHERE name = ? AND view_id IS DISTINCT FROM ?",
                      [name, except_id]).fetchone()
    if hit:
        raise ViewError("view_err_name_taken", name=name, id=hit[0])


def _require(con: duckdb.DuckDBPyConnection, view_id: int) -> None:
    if con.execute("SELECT 1 FROM saved_views WHERE view_id = ?", [int(view_id)]).fetchone() is None:
        raise ViewError("view_err_missing", id=view_id)


def _ordered_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute("SELECT view_id FROM saved_views ORDER BY position, view_id").fetchall()]


def _write_positions(con: duckdb.DuckDBPyConnection, ids: list[int]) -> None:
    """Positions dense 0..n-1 in the order of ids."""
    if not ids:  # the deck is empty after deleting its last view
        return
    con.executemany("UPDATE saved_views SET position = ? WHERE view_id = ?",
                    [(i, vid) for i, vid in enumerate(ids)])


def save_view(path: str | os.PathLike | None, name: str, page: str, params: Mapping[str, Any] | None) -> int:
    """Saves a new view at the end of the deck and returns its view_id; duplicate names are refused."""
    name = _clean_name(name)
    if not isinstance(page, str) or not _PAGE_RE.match(page):
        raise ViewError("view_err_page", page=repr(page))
    params_json = json.dumps(normalize_params(params, page), ensure_ascii=False, sort_keys=True)
    with db.write_transaction(path) as con:
        _check_unique(con, name)
        view_id, n = con.execute("SELECT coalesce(max(view_id), 0) + 1, count(*) FROM saved_views").fetchone()
        con.execute("INSERT INTO saved_views VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    [view_id, name, page, params_json, n, datetime.now()])
        _write_positions(con, _ordered_ids(con))
    return int(view_id)


def rename_view(path: str | os.PathLike | None, view_id: int, name: str) -> None:
    name = _clean_name(name)
    with db.write_transaction(path) as con:
        _require(con, view_id)
        _check_unique(con, name, int(view_id))
        con.execute("UPDATE saved_views SET name = ?, updated_at = ? WHERE view_id = ?",
                    [name, datetime.now(), int(view_id)])


def update_view_params(path: str | os.PathLike | None, view_id: int, params: Mapping[str, Any] | None) -> None:
    """Replaces a view's filters (e.g. 'save current filters into this view')."""
    with db.write_transaction(path) as con:
        _require(con, view_id)
        page = con.execute("SELECT page FROM saved_views WHERE view_id = ?", [int(view_id)]).fetchone()[0]
        params_json = json.dumps(normalize_params(params, page), ensure_ascii=False, sort_keys=True)
        con.execute("UPDATE saved_views SET params = ?, updated_at = ? WHERE view_id = ?",
                    [params_json, datetime.now(), int(view_id)])


def delete_view(path: str | os.PathLike | None, view_id: int) -> None:
    with db.write_transaction(path) as con:
        _require(con, view_id)
        con.execute("DELETE FROM saved_views WHERE view_id = ?", [int(view_id)])
        _write_positions(con, _ordered_ids(con))


def move_view(path: str | os.PathLike | None, view_id: int, new_position: int) -> None:
    """Moves a view to new_position (0-based; clamped to the deck, so 'move down' at the end is a no-op)."""
    if isinstance(new_position, bool) or not isinstance(new_position, int):
        raise ViewError("view_err_position", pos=repr(new_position))
    with db.write_transaction(path) as con:
        _require(con, view_id)
        ids = [i for i in _ordered_ids(con) if i != int(view_id)]
        ids.insert(max(0, min(new_position, len(ids))), int(view_id))
        _write_positions(con, ids)


def reorder_views(path: str | os.PathLike | None, view_ids: list[int]) -> None:
    """Sets the deck order; view_ids must list every saved view exactly once."""
    wanted = [int(v) for v in view_ids]
    if len(set(wanted)) != len(wanted):
        raise ViewError("view_err_order_dup", ids=wanted)
    with db.write_transaction(path) as con:
        existing = _ordered_ids(con)
        if set(wanted) != set(existing):
            missing = sorted(set(existing) - set(wanted))
            unknown = sorted(set(wanted) - set(existing))
            raise ViewError("view_err_order", missing=missing, unknown=unknown)
        _write_positions(con, wanted)
