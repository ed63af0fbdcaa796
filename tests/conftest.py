"""Shared fixtures (datasette-style): the real database built once from data/plans/, a private copy per test, and
make_app(), one factory for every AppTest of the real app with its database and settings."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from common.pages import page as catalogue_page
from common.settings import SETTINGS
from loaders.build import build

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 30
# settings a developer's shell or secrets could set; every app under test starts from the documented defaults
_TEST_DEFAULTS = {"map_approval_number": "", "uploader_password": ""}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The five plans built into a database, once per test session. Read it; don't write it."""
    path = tmp_path_factory.mktemp("built") / "base.duckdb"
    build(path)
    return path


@pytest.fixture
def path(built, tmp_path) -> Path:
    """A private copy of the built database that a test may write."""
    p = tmp_path / "t.duckdb"
    shutil.copyfile(built, p)
    return p


def app_settings(monkeypatch, db: Path, **settings) -> None:
    """Points the app at `db` and sets each setting (name=value) as the environment would; others are cleared."""
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    values = {**_TEST_DEFAULTS, "db_path": str(db), **{k: str(v) for k, v in settings.items()}}
    for name, value in values.items():
        monkeypatch.setenv(f"AID_{name.upper()}", value)


def open_app(page: str = "overview", params: dict | list | None = None, *, params_first: bool = False) -> AppTest:
    """The real app (app.py and its navigation) run on `page` (a catalogue id or pages/<id>.py).

    params are query parameters as if typed in the address bar: with params_first they are set before the first
    run (a link opened on a fresh session), otherwise after it, before switching to the page."""
    file = page if page.endswith(".py") else catalogue_page(page).file
    pairs = list(params.items() if isinstance(params, dict) else (params or []))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if params_first:
        for k, v in pairs:
            at.query_params[k] = v
        pairs = []
    at.run(timeout=TIMEOUT)
    if file != catalogue_page("overview").file or pairs:
        at.switch_page(file)
        for k, v in pairs:
            at.query_params[k] = v
        at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def make_app(monkeypatch):
    """make_app(db, page="overview", params=None, params_first=False, **settings) -> AppTest on that database."""
    def factory(db: Path, page: str = "overview", params=None, *, params_first: bool = False, **settings) -> AppTest:
        app_settings(monkeypatch, db, **settings)
        return open_app(page, params, params_first=params_first)

    return factory
