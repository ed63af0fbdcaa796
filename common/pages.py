"""The page catalogue (data/dictionaries/pages.csv): each dashboard page's id, URL path, icon, URL-parameter prefix,
whether it is the default page, whether saved views of it become deck slides, and its default metric and region and
the metrics it offers, and how many regions its region charts name before folding the rest into one bar
(staff-editable facts, not code)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from common.paths import DICTIONARIES


@dataclass(frozen=True)
class PageSpec:
    page_id: str
    url_path: str
    icon: str
    param_prefix: str
    default: bool
    in_deck: bool
    slide: bool = True  # False: a page for working (uploads, review): presentation mode shows its title and a way out
    default_metric: str = ""
    default_region: str = ""
    metrics: tuple[str, ...] = ()
    top_regions: int | None = None  # a region chart names this many regions and folds the rest into one bar

    @property
    def file(self) -> str:
        """The page's module, relative to app.py (pages/<id>.py)."""
        return f"pages/{self.page_id}.py"

    @property
    def title_key(self) -> str:
        return f"nav_{self.page_id}"


@lru_cache(maxsize=1)
def catalogue() -> tuple[PageSpec, ...]:
    df = pd.read_csv(DICTIONARIES / "pages.csv", dtype=str, keep_default_na=False)
    return tuple(PageSpec(r.page_id, r.url_path, r.icon, r.param_prefix, r.default == "1", r.in_deck == "1",
                          r.slide == "1", r.default_metric, r.default_region, tuple(m for m in r.metrics.split("|") if m),
                          int(r.top_regions) if r.top_regions.strip() else None)
                 for r in df.itertuples())


def page(page_id: str) -> PageSpec:
    for p in catalogue():
        if p.page_id == page_id or p.url_path == page_id:
            return p
    raise KeyError(page_id)


def param_prefix(page_id: str) -> str:
    """The prefix of a page's filters in the URL and in session state (cooperation -> coop); unknown pages use their id."""
    try:
        return page(page_id).param_prefix
    except KeyError:
        return page_id


def working_pages() -> tuple[str, ...]:
    """URL paths of the pages that are no slide in presentation mode."""
    return tuple(p.url_path for p in catalogue() if not p.slide)


def deck_pages() -> tuple[str, ...]:
    return tuple(p.page_id for p in catalogue() if p.in_deck)
