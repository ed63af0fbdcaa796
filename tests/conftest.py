"""Shared fixtures (datasette-style): the real database built once from data/plans/, a private copy per test, and
make_app(), one factory for every AppTest of the real app with its database and settings."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pg_server as pg
import pytest
from streamlit.testing.v1 import AppTest

from common.pages import page as catalogue_page
from common.settings import SETTINGS
from loaders.build import build
from store import engine as sql_engine

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


def pytest_generate_tests(metafunc):
    """A test module with ENGINES = ("duckdb", "postgres") runs its `path` tests once per engine."""
    engines = getattr(metafunc.module, "ENGINES", None)
    if engines and "store_engine" in metafunc.fixturenames:
        metafunc.parametrize("store_engine", engines)


@pytest.fixture
def store_engine() -> str:
    return "duckdb"


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server URL (maintenance database): AID_TEST_DATABASE_URL (CI starts one), else a throwaway server
    started here with initdb/pg_ctl on a unix socket in a temp dir."""
    url = os.environ.get(pg.ENV)
    if url:
        yield url
        return
    if not pg.available():
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed and AID_TEST_DATABASE_URL is unset")
    server = pg.Server()
    try:
        yield server.url
    finally:
        sql_engine.close_pools()
        server.stop()


@pytest.fixture(scope="session")
def built_pg(pg_server) -> str:
    """The five plans built into a PostgreSQL database once per session; tests get copies (CREATE DATABASE
    ... TEMPLATE), never this one."""
    url = pg.create_database(pg_server, prefix="aid_built")
    build(url)
    sql_engine.close_pool(url)  # a template must have no sessions
    yield url
    pg.drop_database(pg_server, url)


@pytest.fixture
def pg_path(built_pg, pg_server) -> str:
    """A fresh PostgreSQL database holding the built plans that a test may write (its URL)."""
    url = pg.create_database(pg_server, template=pg.database_name(built_pg))
    yield url
    pg.drop_database(pg_server, url)


@pytest.fixture
def path(request, store_engine, tmp_path) -> Path | str:
    """A private copy of the built database that a test may write: a DuckDB file, or on the postgres engine
    (modules with ENGINES) a fresh PostgreSQL database's URL."""
    if store_engine == "postgres":
        if request.node.get_closest_marker("duckdb_only"):
            pytest.skip("about the DuckDB file itself")
        return request.getfixturevalue("pg_path")
    built = request.getfixturevalue("built")
    p = tmp_path / "t.duckdb"
    shutil.copyfile(built, p)
    return p


def app_settings(monkeypatch, db: Path, **settings) -> None:
    """Points the app at `db` and sets each setting (name=value) as the environment would; others are cleared."""
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    where = {"database_url": db} if sql_engine.is_url(db) else {"db_path": str(db)}  # a PostgreSQL test store
    values = {**_TEST_DEFAULTS, **where, **{k: str(v) for k, v in settings.items()}}
    for name, value in values.items():
        monkeypatch.setenv(f"AID_{name.upper()}", value)


def bar_cells(spec: dict) -> dict[str, dict[str, dict]]:
    """A region bar chart's Plotly JSON (ui.charts.bars_by_region: regions are the categories, one trace per period;
    horizontal rows when every region is shown) as {region label: {period: {y (the value), text, customdata,
    hovertext, color}}}."""
    out: dict[str, dict[str, dict]] = {}
    for tr in spec["data"]:
        regions, values = (tr["y"], tr["x"]) if tr.get("orientation") == "h" else (tr["x"], tr["y"])
        texts = tr.get("text") or [None] * len(regions)
        color = tr.get("marker", {}).get("color")
        for i, region in enumerate(regions):
            out.setdefault(region, {})[tr["name"]] = dict(
                y=values[i], text=texts[i], customdata=tr["customdata"][i], hovertext=tr["hovertext"][i],
                color=color[i] if isinstance(color, list) else color)
    return out


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
