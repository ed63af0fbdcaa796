"""Exports that are safe to open in Excel: cells starting with = + - @ are escaped (formula injection)."""
from __future__ import annotations

import pandas as pd

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    return out


def write_csv(df: pd.DataFrame, path) -> None:
    """UTF-8 with BOM so Excel on Windows shows Chinese correctly."""
    escape_formulas(df).to_csv(path, index=False, encoding="utf-8-sig")


def print_csv(df: pd.DataFrame) -> None:
    """CSV on standard output for the command line; a reader that stops early (| head) is not an error."""
    import sys

    try:
        escape_formulas(df).to_csv(sys.stdout, index=False)
    except BrokenPipeError:
        pass


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return escape_formulas(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, df in sheets.items():
            escape_formulas(df).to_excel(writer, sheet_name=name[:31], index=False)
    return buf.getvalue()
