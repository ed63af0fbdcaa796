"""Where the project's data lives: the repository root and its data folders (plans, dictionaries, map outlines)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DICTIONARIES = DATA / "dictionaries"
PLANS = DATA / "plans"
GEO = DATA / "geo"
