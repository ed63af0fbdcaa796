"""Shared helpers for the upload tests: write real workbooks with openpyxl, read figures back."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from loaders.upload.columns import TEMPLATE_HEADERS
from store import db


def write_xlsx(path: Path, rows: list[list], headers: list[str] | None = None, sheet: str = "数据",
               setup=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers or TEMPLATE_HEADERS)
    for r in rows:
        ws.append(r)
    if setup is not None:
        setup(wb, ws)
    wb.save(path)
    return path


def current(path, period: str, region: str, metric: str) -> list[tuple]:
    """(value_base, figure_id) of the current figures of one key."""
    con = db.open_read(path)
    try:
        return con.execute("SELECT value_base, figure_id FROM v_figures WHERE period = ? AND region_id = ? "
                           "AND metric_id = ? ORDER BY figure_id", [period, region, metric]).fetchall()
    finally:
        con.close()


def scalar(path, sql: str, params=()):
    con = db.open_read(path)
    try:
        return con.execute(sql, list(params)).fetchall()[0][0]
    finally:
        con.close()
