"""Reads an uploaded .xlsx/.xlsm/.xls/.csv into per-sheet tables of cell text, with the Excel row numbers.

The file itself is parsed in a child process (loaders.upload.sandbox); this module turns its sparse cells into
tables: it finds the header row, reads long layouts (one row per figure) and wide ones (one column per metric
or per year) and keeps, for every value, the Excel row and column it came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
import pandas as pd

from common import settings
from common.messages import CodedError
from loaders.upload import sandbox
from loaders.upload.columns import FIELD_ZH, col_letter, find_header
from loaders.upload.sheets import cell_text  # noqa: F401  (re-exported: tests and callers use read.cell_text)

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")
# merged cells are filled down only in these columns: a merged 期间 or 地区 covers every row beside it,
# a merged 数值 does not mean the same number twice
FILL_MERGED = ("period", "year", "region", "metric", "unit")
HEADER_SCAN = 10  # the header is among the first rows that hold anything


class UploadError(CodedError, ValueError):
    """The file as a whole cannot be used (too big, not a spreadsheet, no data); str() is Chinese."""


@dataclass
class SheetData:
    name: str
    cells: pd.DataFrame            # one column per field (period, region, ...), cell text, "" when blank
    rows: list[int]                # Excel row number (1-based) of each row of cells
    columns: dict[str, str]        # field -> column label as shown to staff: 数值 (D)
    header_units: dict[str, str]   # field -> unit named in the header: 金额(亿元)
    formula_no_value: set[tuple[int, str]] = field(default_factory=set)  # (excel row, field)
    # wide layouts: field -> column label of each row (the value and the metric/period read from its header)
    cell_labels: dict[str, list[str]] = field(default_factory=dict)
    layout: str = "long"           # long | wide_metric | wide_period


@dataclass
class ReadResult:
    file_name: str
    sheets: list[SheetData]
    notes: list[str]                         # sheets skipped and why (Chinese)
    errors: list[dict]                       # sheet-level problems: coded error records (see validate.record)
    note_codes: list[tuple[str, dict]] = field(default_factory=list)  # the same notes, coded


def check_size(n_bytes: int, max_mb: float | None = None) -> None:
    limit = settings.get_float("max_upload_mb") if max_mb is None else max_mb
    if n_bytes > limit * 1024 * 1024:
        raise UploadError("upload_too_big", size=f"{n_bytes / 1024 / 1024:.1f}", limit=f"{limit:g}")


def read_upload(data: bytes, file_name: str, max_mb: float | None = None) -> ReadResult:
    """Raises UploadError for a file that is not usable at all; row problems are left to validation."""
    check_size(len(data), max_mb)
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError("upload_bad_type", suffix=suffix or file_name)
    if not data:
        raise UploadError("upload_empty")
    try:
        raw = sandbox.read_in_child(data, suffix)
    except sandbox.SandboxError as exc:
        raise UploadError(exc.code, **exc.params) from None
    if "error" in raw:
        raise UploadError(raw["error"], **{"file": file_name, "suffix": suffix, **raw.get("params", {})})
    result = ReadResult(file_name, [], [], [])
    for code, params in raw.get("notes", []):
        _note(result, code, **params)
    for sheet in raw["sheets"]:
        name = (PurePath(file_name).stem or "CSV") if suffix == ".csv" else sheet["name"]
        _add_sheet(result, name, sheet)
    if not result.sheets and not result.errors:
        raise UploadError("upload_no_sheets", notes="".join(result.notes))
    return result


def _note(result: ReadResult, code: str, **params) -> None:
    from common.messages import text

    result.note_codes.append((code, params))
    result.notes.append(text(code, "zh", **params))


def sheet_error(sheet: str, code: str, row: int | None = None, hint: str = "", **params) -> dict:
    """An error record for a whole sheet (or its header row): the same shape validation uses for cells."""
    return {"sheet": sheet, "row": row, "field": None, "label": None, "value": None,
            "problem": (code, params), "hint": (hint, {}) if hint else None}


# --- one sheet -----------------------------------------------------------------------------------

def _add_sheet(result: ReadResult, name: str, raw: dict) -> None:
    rows, cols, idx, strings = _last_write(raw)
    formula = np.asarray(raw.get("formula_no_value") or np.empty((0, 2)), dtype=np.int64).reshape(-1, 2)
    f_rows, f_cols = formula[:, 0], formula[:, 1]  # a formula without a value: a row to report, not a blank one
    order = _unique(np.concatenate([rows, f_rows]))
    if not len(order):
        _note(result, "upload_note_empty", sheet=name)
        return
    head_rows = order[:HEADER_SCAN].tolist()
    head: dict[int, dict[int, str]] = {r: {} for r in head_rows}
    near = rows <= head_rows[-1]
    for r, c, v in zip(rows[near].tolist(), cols[near].tolist(), strings[idx[near]].tolist()):
        head[r][c] = v
    dense_head = [_dense(head[r]) for r in head_rows]
    found = find_header(dense_head)
    if found is None:
        result.errors.append(sheet_error(name, "upload_no_header", hint="upload_no_header_hint"))
        return
    hdr_i, fields, units, wide = found
    hdr = head_rows[hdr_i]
    header = dense_head[hdr_i]
    if "period" not in fields and "year" not in fields and (wide is None or wide["kind"] != "period"):
        result.errors.append(sheet_error(name, "upload_no_period_column", row=hdr + 1, hint="upload_no_period_hint"))
        return
    used = np.array(sorted(set(fields.values()) | (set(wide["columns"]) if wide else set())), dtype=np.int64)
    # rows with nothing in the columns we read are blank; a formula without a value still counts
    in_body = (rows > hdr) & np.isin(cols, used)
    f_in_body = (f_rows > hdr) & np.isin(f_cols, used)
    body = _unique(np.concatenate([rows[in_body], f_rows[f_in_body]]))
    body_rows = body.tolist()
    labels = {f: f"{(header[j] if j < len(header) else '') or FIELD_ZH[f]} ({col_letter(j)})"
              for f, j in fields.items()}
    data = {}
    for f, j in fields.items():
        sel = in_body & (cols == j)
        column = np.full(len(body), "", dtype=object)
        column[np.searchsorted(body, rows[sel])] = strings[idx[sel]]
        data[f] = column.tolist()
    _fill_merged(data, fields, body_rows, raw.get("merges", []))
    formula_no_value = {(r + 1, f) for f, j in fields.items() for r in f_rows[f_in_body & (f_cols == j)].tolist()}
    if wide is None:
        result.sheets.append(SheetData(name, pd.DataFrame(data, dtype=object), (body + 1).tolist(), labels,
                                       units, formula_no_value))
        return
    by_row: dict[int, dict[int, str]] = {r: {} for r in body_rows}
    for r, c, v in zip(rows[in_body].tolist(), cols[in_body].tolist(), strings[idx[in_body]].tolist()):
        by_row[r][c] = v
    formula_cells = set(zip(f_rows.tolist(), f_cols.tolist()))
    _add_wide(result, name, data, body_rows, labels, units, wide, by_row, formula_cells, header)


def _unique(a: np.ndarray) -> np.ndarray:
    """np.unique, without its sort for row numbers that come in order (as sheets write them)."""
    if len(a) > 1 and (a[1:] >= a[:-1]).all():
        return a[np.concatenate(([True], a[1:] != a[:-1]))]
    return np.unique(a)


def _last_write(raw: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, text indexes, texts) of the sheet's cells, one per address: a cell written twice keeps its last
    text. Texts are an object array: strings[idx[mask]] picks the texts of some cells without touching the rest."""
    rows = np.asarray(raw["rows"], dtype=np.int64)
    cols = np.asarray(raw["cols"], dtype=np.int64)
    idx = np.asarray(raw["idx"], dtype=np.int64)
    strings = np.empty(len(raw["strings"]), dtype=object)
    strings[:] = raw["strings"]
    key = rows * (1 << 15) + cols
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        _, last = np.unique(key[::-1], return_index=True)
        keep = np.sort(len(key) - 1 - last)
        if len(keep) < len(key):
            rows, cols, idx = rows[keep], cols[keep], idx[keep]
    return rows, cols, idx, strings


def _dense(row: dict[int, str], limit: int = 200) -> list[str]:
    """A header-candidate row as a list (header columns sit at the left: a stray far cell is not one)."""
    width = min(max(row) + 1, limit) if row else 0
    return [row.get(j, "") for j in range(width)]


def _fill_merged(data: dict[str, list[str]], cols: dict[str, int], body_rows: list[int], merges) -> None:
    """A merged 期间 or 地区 cell covers every row beside it; the reader puts the value in the top-left cell only."""
    if not merges or not body_rows:
        return
    pos = {r: i for i, r in enumerate(body_rows)}
    for r0, c0, r1, c1 in merges:
        if r0 not in pos:
            continue
        for f in FILL_MERGED:
            j = cols.get(f)
            if j is None or not (c0 <= j <= c1):
                continue
            top = pos[r0]
            v = data[f][top]
            for i in range(top + 1, len(body_rows)):
                if body_rows[i] > r1:
                    break
                if not data[f][i]:
                    data[f][i] = v


def _add_wide(result: ReadResult, name: str, data: dict[str, list[str]], body_rows: list[int],
              labels: dict[str, str], units: dict[str, str], wide: dict, by_row, formula_cells, header) -> None:
    """One column per metric (or per period): one long row per non-blank cell, labelled with its column."""
    kind = wide["kind"]            # "metric" or "period"
    target = "metric" if kind == "metric" else "period"
    out: dict[str, list[str]] = {f: [] for f in [*data, target, "value", "unit"]}
    excel_rows: list[int] = []
    value_labels: list[str] = []
    target_labels: list[str] = []
    formula_no_value = set()
    for i, r in enumerate(body_rows):
        for j, (head_value, head_unit) in wide["columns"].items():
            cell = by_row[r].get(j, "")
            if not cell and (r, j) not in formula_cells:
                continue
            for f in data:
                if f != "unit":
                    out[f].append(data[f][i])
            out[target].append(head_value)
            out["value"].append(cell)
            row_unit = data["unit"][i] if "unit" in data else ""
            out["unit"].append(head_unit or row_unit)
            label = f"{header[j] if j < len(header) else ''} ({col_letter(j)})"
            value_labels.append(label)
            target_labels.append(label)
            excel_rows.append(r + 1)
            if (r, j) in formula_cells:
                formula_no_value.add((r + 1, "value"))
    cells = pd.DataFrame({f: v for f, v in out.items()}, dtype=object)
    if kind == "period" and "year" in cells:
        cells = cells.drop(columns="year")
    cell_labels = {"value": value_labels, target: target_labels}
    if "unit" not in labels:
        cell_labels["unit"] = value_labels
    result.sheets.append(SheetData(name, cells, excel_rows, labels, units, formula_no_value, cell_labels,
                                   f"wide_{kind}"))
    cols = sorted(wide["columns"])
    _note(result, f"upload_note_wide_{kind}", sheet=name, first=col_letter(cols[0]), last=col_letter(cols[-1]),
          n=len(cols), rows=len(excel_rows))
