"""Who may write, and who did: the credential gate, slowed-down guesses, the named person, user text as text.

Every page that writes (uploads, undo, saved views, rebuilds) calls gate() where its write controls are drawn
and require_write() right before the write itself; the person returned is what the write records.
- Credential: the `uploader_password` setting. Empty: writes are open (the gate says so). Unlocking is kept in the
  session and is tied to the current credential (changing it locks every session again).
- Guesses: every wrong guess counts for the session and for the whole process; after a few, further guesses are
  refused until a delay that doubles each time has passed (per session and per process, whichever is longer).
- Person: the identity Streamlit knows (st.user after st.login, or a trusted proxy header named by the
  `trusted_user_header` setting), otherwise the name typed into a person field; never the OS login of the server.
- User text (view names, file and sheet names, notes) goes into Markdown only through md(), which escapes it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
import time
from datetime import datetime

import streamlit as st

from common import settings
from common.messages import CodedError
from store import db
from ui.i18n import t

FREE_GUESSES = 3          # wrong guesses before the delays start
MAX_DELAY_S = 120.0
PROCESS_FREE_GUESSES = 10  # across all sessions, within PROCESS_WINDOW_S
PROCESS_WINDOW_S = 600.0
_UNLOCKED = "_access_unlocked"    # digest of the credential the session passed
_FAILS = "_access_fails"
_NEXT = "_access_next_try"
_CHECKED = "_access_checked"      # the typed value last judged (a rerun does not count it twice)
_PERSON = "_access_person"

_lock = threading.Lock()
_process_fails: list[float] = []   # times of wrong guesses in this server process
_process_next = 0.0


class AccessDenied(CodedError):
    """A write without the credential (or without a named person where one is needed)."""


def _credential() -> str:
    return settings.get("uploader_password")


def _digest(secret: str) -> str:
    return hashlib.sha256(("aid-access:" + secret).encode("utf-8")).hexdigest()


def required() -> bool:
    return bool(_credential())


def unlocked() -> bool:
    secret = _credential()
    if not secret:
        return True
    return hmac.compare_digest(str(st.session_state.get(_UNLOCKED, "")), _digest(secret))


def _delay(n_fails: int, free: int) -> float:
    return 0.0 if n_fails < free else min(2.0 ** (n_fails - free), MAX_DELAY_S)


def wait_left() -> float:
    """Seconds before another guess is judged (0 when one may guess now)."""
    return max(0.0, max(st.session_state.get(_NEXT, 0.0), _process_next) - time.time())


def _record_fail() -> None:
    global _process_next
    now = time.time()
    fails = st.session_state.get(_FAILS, 0) + 1
    st.session_state[_FAILS] = fails
    st.session_state[_NEXT] = now + _delay(fails, FREE_GUESSES)
    with _lock:
        _process_fails[:] = [x for x in _process_fails if now - x < PROCESS_WINDOW_S] + [now]
        _process_next = max(_process_next, now + _delay(len(_process_fails), PROCESS_FREE_GUESSES))


def try_credential(typed: str) -> bool | None:
    """True: unlocked; False: wrong; None: not judged (too soon after wrong guesses)."""
    secret = _credential()
    if not secret:
        return True
    if wait_left() > 0:
        return None
    if hmac.compare_digest(typed.encode("utf-8"), secret.encode("utf-8")):
        st.session_state[_UNLOCKED] = _digest(secret)
        st.session_state[_FAILS] = 0
        st.session_state[_NEXT] = 0.0
        return True
    _record_fail()
    return False


def gate(key: str = "access_password", warn_open: bool = True) -> bool:
    """Draws what the visitor needs to be allowed to write here; True when writes are allowed."""
    if not required():
        if warn_open:
            st.warning(t("access_open"))
        return True
    if unlocked():
        return True
    typed = st.text_input(t("access_password"), type="password", key=key)
    if not typed:
        st.info(t("access_enter"))
        return False
    seen = (key, _digest(typed))  # kept hashed: a guess is not stored as typed
    if st.session_state.get(_CHECKED) == seen:  # already judged this very value: say it again
        verdict = False if wait_left() == 0 else None
    else:
        verdict = try_credential(typed)
        if verdict is not None:
            st.session_state[_CHECKED] = seen
    if verdict:
        return True
    if verdict is None:
        st.error(t("access_wait", s=f"{wait_left():.0f}"))
    else:
        st.error(t("access_wrong"))
    return False


def trusted_identity() -> str | None:
    """The person the deployment vouches for: st.user after st.login, or the trusted proxy header."""
    try:
        if getattr(st.user, "is_logged_in", False):
            name = st.user.get("name") or st.user.get("email")
            if name:
                return str(name)
    except Exception:  # no auth configured: st.user has nothing to say
        pass
    header = settings.get("trusted_user_header").strip()
    if header:
        try:
            value = st.context.headers.get(header)
        except Exception:
            value = None
        if value and value.strip():
            return value.strip()[:100]
    return None


def _keep_person(key: str) -> None:
    st.session_state[_PERSON] = " ".join(str(st.session_state.get(key) or "").split())[:100]


def person_input(key: str = "access_person_input", label_key: str = "access_person") -> str | None:
    """The person writes are recorded under: the trusted identity (shown), or a name field kept for the session."""
    who = trusted_identity()
    if who:
        st.caption(t("access_signed_in", name=md(who)))
        return who
    if key not in st.session_state and st.session_state.get(_PERSON):
        st.session_state[key] = st.session_state[_PERSON]
    st.text_input(t(label_key), key=key, placeholder=t("access_person_ph"), max_chars=100,
                  on_change=_keep_person, args=(key,))
    _keep_person(key)
    return person()


def person() -> str | None:
    return trusted_identity() or (st.session_state.get(_PERSON) or None)


def require_write(action: str = "write") -> str:
    """Call right before a write: raises AccessDenied unless allowed; returns the person to record."""
    if not unlocked():
        raise AccessDenied("access_locked")
    who = person()
    if who:
        return who
    if required():
        raise AccessDenied("access_need_name")
    return t("access_anonymous")


def record(action: str, detail: str, who: str) -> None:
    """Appends the write to an audit log beside the database (saved views have no column for the person)."""
    if db.is_postgres():  # no file beside a shared database: the log is a table in it (every server writes it)
        _record_in_table(action, detail, who)
        return
    try:
        path = str(db.db_path()) + ".audit.jsonl"
        line = json.dumps({"at": datetime.now().isoformat(timespec="seconds"), "person": who, "action": action,
                           "detail": detail}, ensure_ascii=False)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass  # the write itself succeeded; a read-only folder must not turn it into an error


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$:~&=^\"'])")


def md(value) -> str:
    """User text made inert for st.markdown / st.caption / st.success …: no links, images, HTML or directives."""
    text = " ".join(str(value if value is not None else "").split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def _record_in_table(action: str, detail: str, who: str) -> None:
    try:
        con = db.open_read()
        try:
            con.execute("INSERT INTO audit_log (logged_at, person, action, detail) VALUES (?, ?, ?, ?)",
                        [datetime.now(), who, action, detail])
        finally:
            con.close()
    except (*db.ENGINE_ERRORS, db.DatabaseMissing):
        pass  # the write itself succeeded; a failed log line must not turn it into an error
