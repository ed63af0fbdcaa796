"""Saved views in the sidebar (save, open, link, rename, reorder, delete, deck download) and the presentation bar.

Every page's render() calls render(page) first: in presentation mode (?present=1) it draws the bar with
previous / next through the saved views and a way out; otherwise the sidebar toggle and the 保存的视图
expander. It lives in the page's render path, not in app.py, because AppTest loses sidebar widgets drawn
before navigation.run() on reruns.
"""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from common import settings
from common.messages import CodedError
from common.pages import page as catalogue_page
from common.pages import param_prefix
from metrics import queries
from outputs import views as mv
from outputs.deck import build_deck
from store import db
from ui import access, charts, state
from ui.data import _cursor, connection, snapshot, unreviewed_count
from ui.i18n import STRINGS, lang, t
from ui.theme import presenting

_CONFIRM = "_views_confirm_delete"
_OPEN = "_views_open"          # the panel's expanded state, kept across page changes
_GOTO = "_present_goto"        # a slide on another page: switch there after the callback
_IN_SLIDE = "_present_in_slide"  # the page runs as the slide fragment (ui.frame), so a same-page step reruns only it
SLIDE = "slide"                # the slide fragment's key
# a failed write leaves the live file as it was (copy-on-write); show why instead of a traceback
_WRITE_ERRORS = (ValueError, db.DatabaseBusy, db.DatabaseMissing, *db.ENGINE_ERRORS)
_FLASH = "_views_flash"


def prefix_of(page: str) -> str:
    """The page's filter prefix in the URL and in session state (cooperation -> coop)."""
    return param_prefix(page)


def page_file(page: str) -> str:
    return catalogue_page(page).file


def _list() -> list[dict]:
    con = connection()
    try:
        return mv.list_views(con).to_dict("records")
    finally:
        con.close()


def _message(exc: Exception) -> str:
    """A failed write in the user's language: coded errors render per language, others as they are; shown as text
    (the message may quote the view's name)."""
    return access.md(exc.message(lang()) if isinstance(exc, CodedError) else str(exc))


def _query(view: dict, present: bool) -> list[tuple[str, str]]:
    """The query params that open a view: its filters (in the page's URL format), language, deck position."""
    pairs = [(k, v) for k, v in parse_qsl(urlsplit(mv.view_url(view)).query) if k not in ("present", "deck")]
    if not any(k == "lang" for k, _ in pairs):
        pairs.append(("lang", lang()))
    if present:
        pairs += [("present", "1"), ("deck", str(int(view["view_id"])))]
    return pairs


def go(view: dict, present: bool) -> None:
    """Switches to the view's page with the view's params; the page reads its filters from the URL once."""
    state.reload_from_url()
    st.switch_page(page_file(view["page"]), query_params=_query(view, present))


# --- writes (callbacks: they run before the script, so the list drawn afterwards is current) -----------

def _flash(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def _path() -> str:
    return snapshot()[0]


def _allowed() -> str | None:
    """The person to record, or None after flashing why the write is refused (credential, name)."""
    try:
        return access.require_write()
    except access.AccessDenied as exc:
        _flash("error", exc.message(lang()))
        return None


def _save(page: str) -> None:
    name = st.session_state.get("view_name", "")
    if (who := _allowed()) is None:
        return
    try:
        mv.save_view(_path(), name, page, state.filters_of(prefix_of(page)))
    except _WRITE_ERRORS as exc:
        _flash("error", _message(exc))
        return
    access.record("view_save", name, who)
    _flash("success", t("view_saved", name=access.md(name)))
    st.session_state["view_name"] = ""


def _rename(view_id: int) -> None:
    name = st.session_state.get(f"view_rename_{view_id}", "")
    if (who := _allowed()) is None:
        return
    try:
        mv.rename_view(_path(), view_id, name)
    except _WRITE_ERRORS as exc:
        _flash("error", _message(exc))
        return
    access.record("view_rename", f"{view_id}: {name}", who)
    _flash("success", t("view_renamed", name=access.md(name)))


def _move(view_id: int, position: int) -> None:
    if (who := _allowed()) is None:
        return
    try:
        mv.move_view(_path(), view_id, max(0, position))
    except _WRITE_ERRORS as exc:
        _flash("error", _message(exc))
        return
    access.record("view_move", f"{view_id} -> {position}", who)


def _ask_delete(view_id: int | None) -> None:
    st.session_state[_CONFIRM] = view_id


def _delete(view_id: int, name: str) -> None:
    st.session_state[_CONFIRM] = None
    if (who := _allowed()) is None:
        return
    try:
        mv.delete_view(_path(), view_id)
    except _WRITE_ERRORS as exc:
        _flash("error", _message(exc))
        return
    st.session_state.pop(f"view_rename_{view_id}", None)
    access.record("view_delete", f"{view_id}: {name}", who)
    _flash("success", t("view_deleted", name=access.md(name)))


def _step(target: dict | None, page: str) -> None:
    """Previous / next: a view of the same page only reruns the slide fragment with the view's URL; another page
    is switched to after the callback."""
    if target is None:
        return
    if target["page"] == page and st.session_state.get(_IN_SLIDE):
        st.query_params.from_dict(dict(_query(target, present=True)))
        st.rerun(SLIDE)
    else:
        st.session_state[_GOTO] = target


def _exit_present() -> None:
    _exit()
    st.session_state[_OPEN] = st.session_state.get(_OPEN, False)
    st.rerun()  # the whole app: the sidebar and filters come back


def _set_present() -> None:
    if st.session_state.get("present_toggle"):
        st.query_params["present"] = "1"
    else:
        _exit()


def _exit() -> None:
    for k in ("present", "deck"):
        if k in st.query_params:
            del st.query_params[k]


# --- deck download ---------------------------------------------------------------------------------

@st.cache_data(max_entries=4, show_spinner=False)
def _deck_bytes(path: str, token, language: str, hide_unreviewed: bool = False) -> bytes:
    """The .pptx of every saved view in deck order; cached per database snapshot, language and the reader's
    hide-unreviewed switch (a deck downloaded while they are hidden leaves them out, as the pages do)."""
    con = _cursor(path, token)  # a DuckDB snapshot's cursor, or a PostgreSQL session (a file-only open failed there)
    if hide_unreviewed:
        queries.hide_unreviewed(con)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = build_deck(con, mv.list_views(con), Path(tmp) / "deck.pptx", lang=language)
            return out.read_bytes()
    finally:
        con.close()


def _deck_button(n: int) -> None:
    path, token = snapshot()
    language = lang()
    hide = state.hide_unreviewed()
    st.download_button(t("deck_download"), lambda: _deck_bytes(path, token, language, hide),
                       file_name=t("deck_file", d=f"{date.today():%Y%m%d}"),
                       mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                       key="views_deck", disabled=n == 0, icon=":material/download:", width="stretch")


# --- drawing ---------------------------------------------------------------------------------------

def _base_url() -> str:
    """The app's address up to the page path, for absolute links: the base_url setting where one is configured
    (the address people use, as in the deck), else the address this browser used ('' when unknown, e.g. AppTest)."""
    configured = settings.get("base_url").strip().rstrip("/")
    if configured:
        return configured
    try:
        url = st.context.url or ""
    except Exception:
        return ""
    parts = urlsplit(url)
    if not parts.scheme:
        return ""
    path = parts.path.rstrip("/")
    path = path.rsplit("/", 1)[0] if path.count("/") >= 1 else ""
    return f"{parts.scheme}://{parts.netloc}{path}"


def _present_bar(page: str, saved: list[dict]) -> None:
    """第 2 / 5 页 · name, previous / next through the saved views, and 退出演示."""
    deck = st.query_params.get("deck")
    ids = [int(v["view_id"]) for v in saved]
    i = ids.index(int(deck)) if deck and deck.isdigit() and int(deck) in ids else None
    last = i is not None and i >= len(saved) - 1
    prev_view = saved[i - 1] if i else None
    next_view = None if not saved or last else saved[0 if i is None else i + 1]
    with st.container(key="present_bar"):
        c1, c2, c3, c4 = st.columns([1.2, 4.6, 1.2, 1.6], vertical_alignment="center")  # English labels fit
        c1.button(t("present_prev"), key="present_prev", disabled=prev_view is None, width="stretch",
                  on_click=_step, args=(prev_view, page), help=t("present_keys_prev"))
        if i is not None:
            c2.markdown(t("present_pos", i=i + 1, n=len(saved), name=access.md(saved[i]["name"])))
        else:
            c2.markdown(t("present_free", n=len(saved)) if saved else t("present_no_views"))
        c3.button(t("present_next"), key="present_next", disabled=next_view is None, width="stretch",
                  on_click=_step, args=(next_view, page), help=t("present_keys_next"))
        c4.button(t("present_exit"), key="present_exit", on_click=_exit_present, width="stretch",
                  help=t("present_keys_exit"))
    goto = st.session_state.pop(_GOTO, None)
    if goto:
        go(goto, present=True)


def exit_bar() -> None:
    """Presentation mode on a page without saved views (upload): the way out."""
    with st.container(key="present_bar"):
        c1, c2 = st.columns([6.6, 1.6], vertical_alignment="center")
        c1.markdown(t("present_no_slide"))
        c2.button(t("present_exit"), key="present_exit", on_click=_exit_present, width="stretch",
                  help=t("present_keys_exit"))


def _view_row(v: dict, n: int, base: str) -> None:
    vid, pos = int(v["view_id"]), int(v["position"])
    with st.container(border=True):
        rel = v["url"].lstrip("/")  # relative, so it also works under a server base path
        link = f"{base}/{rel}" if base else rel
        st.markdown(f"**{pos + 1}. {access.md(v['name'])}**  \n{t('view_page', p=_page_title(v['page']))} · "
                    f"[{t('view_link')}]({link})")
        row = st.container(horizontal=True, gap="small")  # icon buttons at their own width: columns clip them
        opened = row.button(":material/open_in_new:", key=f"view_open_{vid}", help=t("view_open"))
        row.button(":material/arrow_upward:", key=f"view_up_{vid}", help=t("view_up"), on_click=_move,
                   args=(vid, pos - 1), disabled=pos == 0)
        row.button(":material/arrow_downward:", key=f"view_down_{vid}", help=t("view_down"), on_click=_move,
                   args=(vid, pos + 1), disabled=pos >= n - 1)
        row.button(":material/delete:", key=f"view_delete_{vid}", help=t("view_delete"), on_click=_ask_delete,
                   args=(vid,))
        if st.session_state.get(_CONFIRM) == vid:
            st.warning(t("view_delete_confirm", name=access.md(v["name"])))
            d1, d2 = st.columns(2)
            d1.button(t("view_delete_yes"), key=f"view_delete_yes_{vid}", type="primary", on_click=_delete,
                      args=(vid, v["name"]), width="stretch")
            d2.button(t("view_delete_no"), key=f"view_delete_no_{vid}", on_click=_ask_delete, args=(None,),
                      width="stretch")
        key = f"view_rename_{vid}"
        if key not in st.session_state:
            st.session_state[key] = v["name"]
        r1, r2 = st.columns([3, 1], vertical_alignment="bottom")
        r1.text_input(t("view_rename"), key=key, max_chars=mv.NAME_MAX)
        r2.button(":material/edit:", key=f"view_rename_do_{vid}", help=t("view_rename_do"), on_click=_rename,
                  args=(vid,), width="stretch")
    if opened:
        go(v, present=False)


def _page_title(page: str) -> str:
    return t(f"nav_{page}") if f"nav_{page}" in STRINGS else page


def _sidebar(page: str, saved: list[dict]) -> None:
    sb = st.sidebar
    sb.toggle(t("presentation"), key="present_toggle", on_change=_set_present)
    # open where the user left it (across page changes), and open whenever there is news to show
    if st.session_state.get(_FLASH) or st.session_state.get(_CONFIRM) is not None:
        st.session_state[_OPEN] = True
    st.session_state["views_panel"] = bool(st.session_state.get(_OPEN, False))
    with sb.expander(t("views"), key="views_panel", on_change=_remember_open, icon=":material/bookmarks:"):
        flash = st.session_state.pop(_FLASH, None)
        if flash:
            (st.error if flash[0] == "error" else st.success)(flash[1])
        if access.required():  # writes here need the credential and a name, like uploads
            if access.gate(key="views_password", warn_open=False):
                access.person_input(key="views_person", label_key="access_person_views")
        st.text_input(t("view_name"), key="view_name", placeholder=t("view_name_ph"), max_chars=mv.NAME_MAX)
        st.button(t("view_save"), key="view_save", on_click=_save, args=(page,), type="primary", width="stretch")
        if not saved:
            st.caption(t("view_none"))
        base = _base_url()
        for v in saved:
            _view_row(v, len(saved), base)
        if saved and st.button(t("present_start"), key="present_start", icon=":material/slideshow:", width="stretch"):
            go(saved[0], present=True)
        _deck_button(len(saved))


def _remember_open() -> None:
    st.session_state[_OPEN] = bool(st.session_state.get("views_panel"))


def drawn() -> bool:
    """Whether this script run drew the presentation bar (ui.frame adds an exit bar to pages that do not)."""
    return bool(st.session_state.get("_present_bar_drawn"))


def render(page: str) -> None:
    """Call first in a page's render(): page is the page's URL path (funding, cooperation, ...)."""
    charts.set_page(page, prefix_of(page))
    state.unreviewed_switch(t("hide_unreviewed"), unreviewed_count() > 0)
    # the toggle mirrors ?present= (the one state); its callback writes the URL
    st.session_state["present_toggle"] = presenting()
    saved = _list()
    if presenting():
        st.session_state["_present_bar_drawn"] = True
        _present_bar(page, saved)
    else:
        _sidebar(page, saved)
