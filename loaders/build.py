"""Builds the database from data/plans/: load plan texts and sidecars, extract, save atomically."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from common import dictionaries as d
from common import settings
from common.messages import CodedError
from loaders.drafting import PLAN_KINDS, context_for, draft_sidecar
from loaders.extract import Extraction, PlanContext, extract
from loaders.tasks import extract_tasks as _extract_tasks
from loaders.tasks import settings_of as _task_settings
from loaders.text import read_plan_text
from loaders.time_expressions import canonical_period
from store import cells, db

SIDECAR_FIELDS = ("plan_id", "title", "kind", "period")


class PlanError(CodedError, ValueError):
    """A plan file or sidecar that cannot be loaded; the build stops and the old database stays."""


@dataclass
class Plan:
    meta: dict
    text: str

    @property
    def plan_id(self) -> str:
        return self.meta["plan_id"]

    def context(self) -> PlanContext:
        meta = self.meta
        if "actors" not in meta:  # givers are read off the text, not assumed; `actors: []` means none
            meta = {**meta, "actors": draft_sidecar(self.text, self.plan_id)["actors"]}
        return context_for(meta)


@dataclass
class BuildResult:
    path: Path
    plans: list[Plan]
    extractions: dict[str, Extraction]
    tasks: pd.DataFrame


def _iso_date(value: str) -> str | None:
    """2020-05-11, 2020/5/11, 2020.5.11, 2020年5月11日 → 2020-05-11; None when it is no date."""
    m = re.fullmatch(r"\s*((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", value)
    if not m:
        return None
    try:
        return date(*(int(g) for g in m.groups())).isoformat()
    except ValueError:
        return None


def check_sidecar(meta: dict, name: str, stem: str) -> dict:
    """The sidecar with its periods in stored form; a PlanError that says what to write otherwise."""
    missing = [f for f in SIDECAR_FIELDS if not meta.get(f)]
    if missing:
        raise PlanError("plan_missing_fields", file=name, fields=", ".join(missing))
    if meta["plan_id"] != stem:
        raise PlanError("plan_id_mismatch", file=name, plan_id=meta["plan_id"], stem=stem)
    if meta["kind"] not in PLAN_KINDS:
        raise PlanError("plan_bad_kind", file=name, value=meta["kind"], allowed=", ".join(PLAN_KINDS))
    meta = dict(meta)
    for key in ("period", "review_period"):
        if meta.get(key):
            period = canonical_period(meta[key])  # 十四五期间 and 2018—2020年 are understood
            if period is None:
                raise PlanError("plan_bad_period", file=name, field=key, value=meta[key])
            meta[key] = period
    for key in ("date", "page_updated"):
        if meta.get(key):
            iso = _iso_date(str(meta[key]))
            if iso is None:
                raise PlanError("plan_bad_date", file=name, field=key, value=meta[key])
            meta[key] = iso
    regions = set(d.regions()["region_id"])
    actors = meta.get("actors")
    if actors is not None:
        if not isinstance(actors, list) or any(a not in regions for a in actors):
            unknown = [a for a in actors if a not in regions] if isinstance(actors, list) else [actors]
            raise PlanError("plan_bad_actors", file=name, unknown=", ".join(map(str, unknown)))
    if meta.get("default_region") and meta["default_region"] not in regions:
        raise PlanError("plan_bad_region", file=name, value=meta["default_region"])
    return meta


def load_plans(plans_dir: str | Path | None = None) -> list[Plan]:
    folder = Path(plans_dir or settings.get("plans_dir"))
    plans = []
    for txt in sorted(folder.glob("*.txt")):
        sidecar = txt.with_suffix(".json")
        if not sidecar.exists():
            raise PlanError("plan_missing_sidecar", file=txt.name, sidecar=sidecar.name)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PlanError("plan_bad_json", file=sidecar.name, line=exc.lineno, col=exc.colno, error=exc.msg) from exc
        except UnicodeDecodeError as exc:
            raise PlanError("plan_unreadable", file=sidecar.name) from exc
        if not isinstance(meta, dict):
            raise PlanError("plan_missing_fields", file=sidecar.name, fields=", ".join(SIDECAR_FIELDS))
        meta = check_sidecar(meta, sidecar.name, txt.stem)
        try:
            text = read_plan_text(txt)
        except UnicodeDecodeError as exc:
            raise PlanError("plan_unreadable", file=txt.name) from exc
        plans.append(Plan(meta, text))
    if not plans:
        raise PlanError("plan_none", folder=str(folder))
    return plans


def extract_all(plans: list[Plan]) -> dict[str, Extraction]:
    return {p.plan_id: extract(p.context(), p.text) for p in plans}


def extract_tasks(plans: list[Plan]) -> pd.DataFrame:
    rows = []
    for p in plans:
        if p.meta["kind"] in ("work_plan", "action_plan"):
            rows.extend(_extract_tasks(p.plan_id, p.text, _task_settings(p.meta)))
    cols = ["plan_id", "section", "task_no", "task_type", "text", "unit", "unit_city", "unit_order",
            "span_start", "span_end"]
    return pd.DataFrame(rows, columns=cols)


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    if df.empty:
        return
    db.insert_frame(con, table, df.reindex(columns=db.columns(con, table)))


def write_reference(con: duckdb.DuckDBPyConnection, periods: list[str]) -> None:
    """Dictionaries into their tables (regions, members, metrics, periods)."""
    regions = d.regions().copy()
    _insert(con, "regions", regions)
    members = [(r.region_id, m) for r in regions.itertuples() for m in d.split_list(r.members)]
    _insert(con, "region_members", pd.DataFrame(members, columns=["group_id", "member_id"]))
    _insert(con, "metrics", d.metrics())
    _insert(con, "periods", d.periods_frame(periods))


def build(path: str | Path | None = None, plans_dir: str | Path | None = None) -> BuildResult:
    """(Re)builds the database; a failure anywhere leaves the previous file untouched."""
    plans = load_plans(plans_dir)
    extractions = extract_all(plans)
    tasks = extract_tasks(plans)
    figures = pd.DataFrame([f.as_row() for ex in extractions.values() for f in ex.figures])
    rejects = pd.DataFrame([r.as_row() for ex in extractions.values() for r in ex.rejects])
    _check_dictionary_coverage(figures)

    def _build(con: duckdb.DuckDBPyConnection, old) -> None:
        plan_rows = []
        for p in plans:
            m = p.meta
            plan_rows.append(dict(
                plan_id=p.plan_id, title=m["title"], title_en=m.get("title_en"), issuer=m.get("issuer"),
                doc_number=m.get("doc_number"), date=m.get("date"), page_updated=m.get("page_updated"),
                kind=m["kind"], period=m["period"], review_period=m.get("review_period"),
                default_region=m.get("default_region"), source_file=m.get("source_file"),
                sha256=hashlib.sha256(p.text.encode("utf-8")).hexdigest(), text=p.text, notes=m.get("notes"),
                review=m.get("review"),
            ))
        _insert(con, "plans", pd.DataFrame(plan_rows))
        used = sorted(set(figures["period"]) if len(figures) else set())
        uploaded = [r[0] for r in con.execute("SELECT DISTINCT period FROM figures").fetchall()]
        # periods staff corrected figures to (figure_reviews is carried over like uploads)
        corrected = [r[0] for r in con.execute(
            "SELECT DISTINCT period FROM figure_reviews WHERE period IS NOT NULL").fetchall()]
        write_reference(con, [*(p.meta["period"] for p in plans), *used, *uploaded, *corrected])
        _insert(con, "figures", figures)
        _insert(con, "rejects", rejects)
        _insert(con, "tasks", tasks)
        con.execute("DELETE FROM build_info")
        con.executemany("INSERT INTO build_info VALUES (?, ?)", [
            ("built_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            ("schema_version", db.SCHEMA_VERSION),
            ("plans", str(len(plans))),
            ("plan_figures", str(len(figures))),
        ])

    live = db.replace_database(_build, path)
    return BuildResult(live, plans, extractions, tasks)


def _check_dictionary_coverage(figures: pd.DataFrame) -> None:
    if figures.empty:
        return
    unknown_r = set(figures["region_id"]) - set(d.regions()["region_id"])
    unknown_m = set(figures["metric_id"]) - set(d.metrics()["metric_id"])
    if unknown_r or unknown_m:
        raise PlanError("plan_dictionary", regions=sorted(unknown_r), metrics=sorted(unknown_m))


def ensure_database(path: str | Path | None = None) -> Path | str:
    """Builds the database on first run, or rebuilds a file from an older schema (the app calls this on every
    run; the version is read once per file snapshot). Rebuilds carry uploads, views and reviews over."""
    loc = db.location(path)
    if isinstance(loc, str):  # PostgreSQL: migrations instead of rebuilds; built once when it holds no plans
        from store import pg

        pg.ensure_schema(loc)
        if _CHECKED.get(loc) is None:
            con = db.open_read(loc)
            try:
                row = con.execute("SELECT value FROM build_info WHERE key = 'schema_version'").fetchone()
            finally:
                con.close()
            if row is None or row[0] != db.SCHEMA_VERSION:  # never built, or reference rows from an older build
                build(loc)
            elif not _cells_ready(loc):
                with db.write_transaction(loc):
                    pass  # a database from before the aggregated cells: the write fills them (store/cells.py)
            _CHECKED[loc] = ("built",)
        return loc
    p = loc
    if not p.exists():
        with db.writer_lock(p):
            if p.exists():  # another process built it while we waited
                return p
        build(p)
    elif _CHECKED.get(str(p)) != db.snapshot_token(p):  # checked once per file version, not per page run
        if _schema_version(p) != db.SCHEMA_VERSION:
            build(p)  # built by an older version: rebuilt once, uploads and saved views carried over
        elif not _cells_ready(p):
            try:
                with db.write_transaction(p):
                    pass  # a file from before the aggregated cells: any write fills them (store/cells.py)
            except (*db.WRITE_ERRORS, OSError):
                return p  # busy or read-only: pages compute the cells live meanwhile; the next run tries again
        _CHECKED[str(p)] = db.snapshot_token(p)
    return p


_CHECKED: dict[str, tuple | None] = {}


def _cells_ready(path: Path) -> bool:
    try:
        con = db.open_read(path)
    except (db.DatabaseMissing, db.DatabaseBusy):
        return True  # cannot tell now; the next start checks again
    try:
        return cells.ready(con)
    finally:
        con.close()


def _schema_version(path: Path) -> str | None:
    try:
        con = db.open_read(path)
    except (db.DatabaseMissing, db.DatabaseBusy):
        return db.SCHEMA_VERSION  # cannot tell now; the next start checks again
    try:
        row = con.execute("SELECT value FROM build_info WHERE key = 'schema_version'").fetchone()
        return row[0] if row else None
    except Exception:  # noqa: BLE001 - a file without build_info is from an older version
        return None
    finally:
        con.close()
