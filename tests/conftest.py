"""Shared fixtures: the real database built once from data/plans/, and a private copy per test."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from loaders.build import build


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
