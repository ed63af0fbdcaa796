"""Reads an uploaded .xlsx/.xls/.csv into per-sheet tables of cell text, with the Excel row numbers."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from common import settings
from loaders.upload.columns import FIELD_ZH, TEMPLATE_INFO_SHEETS, col_letter, find_header

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SUFFIXES = (*EXCEL_SUFFIXES, ".csv")
# merged cells are filled down only in these columns: a merged 期间 or 地区 covers every row beside it,
# a merged 数值 does not mean the same number twice
FILL_MERGED = ("period", "year", "region", "metric", "unit")


class UploadError(ValueError):
    """The file as a whole cannot be used (too big, not a spreadsheet, no data); str() is Chinese."""


@dataclass
class SheetData:
    name: str
    cells: pd.DataFrame            # one column per field (period, region, ...), cell text, "" when blank
    rows: list[int]                # Excel row number (1-based) of each row of cells
    columns: dict[str, str]        # field -> column label as shown to staff: 数值 (D)
    header_units: dict[str, str]   # field -> unit named in the header: 金额(亿元)
    formula_no_value: set[tuple[int, str]] = field(default_factory=set)  # (excel row, field)


@dataclass
class ReadResult:
    file_name: str
    sheets: list[SheetData]
    notes: list[str]                         # sheets skipped and why
    errors: list[dict]                       # sheet-level problems, in the error-table shape


def cell_text(value) -> str:
    """A cell as staff typed it: 3.0 -> '3', 0.1 -> '0.1', dates as ISO, None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


def check_size(n_bytes: int, max_mb: float | None = None) -> None:
    limit = settings.get_float("max_upload_mb") if max_mb is None else max_mb
    if n_bytes > limit * 1024 * 1024:
        raise UploadError(f"文件太大: {n_bytes / 1024 / 1024:.1f} MB，上限为 {limit:g} MB。"
                          f"请拆分成几个文件分别上传。 (file too large)")


def read_upload(data: bytes, file_name: str, max_mb: float | None = None) -> ReadResult:
    """Raises UploadError for a file that is not usable at all; row problems are left to validation."""
    check_size(len(data), max_mb)
    suffix = PurePath(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError(f"不支持的文件类型“{suffix or file_name}”。请上传 .xlsx、.xls 或 .csv 文件。")
    if not data:
        raise UploadError("文件是空的。")
    if suffix == ".csv":
        return _read_csv(data, file_name)
    return _read_excel(data, file_name, suffix)


# --- CSV -----------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise GB18030, which covers GBK and GB2312."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UploadError("无法识别 CSV 文件的编码。请另存为“CSV UTF-8”或 GBK 编码后重试。") from exc


def _read_csv(data: bytes, file_name: str) -> ReadResult:
    text = decode_csv(data)
    if "\x00" in text:
        raise UploadError("文件内容不是文本格式的 CSV（可能是改了扩展名的其他文件）。")
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    sheet = PurePath(file_name).stem or "CSV"
    result = ReadResult(file_name, [], [], [])
    _add_sheet(result, sheet, rows, (0, 0), [], set())
    return result


# --- Excel ---------------------------------------------------------------------------------------

def _read_excel(data: bytes, file_name: str, suffix: str) -> ReadResult:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    if suffix in (".xlsx", ".xlsm") and not data.startswith(b"PK"):
        raise UploadError(f"“{file_name}”不是有效的 Excel 工作簿（可能是把其他文件改成了 {suffix} 扩展名）。"
                          f"请在 Excel 中打开后另存为 .xlsx 再上传。")
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types for a broken file
        if "password" in type(exc).__name__.lower() or "encrypt" in str(exc).lower():
            raise UploadError("工作簿设置了打开密码，请取消密码后再上传。") from exc
        raise UploadError(f"“{file_name}”不是有效的 Excel 工作簿，无法读取（{type(exc).__name__}）。"
                          f"请在 Excel 中打开后另存为 .xlsx 再上传。") from exc
    result = ReadResult(file_name, [], [], [])
    formulas = _FormulaScan(data) if suffix in (".xlsx", ".xlsm") else None
    try:
        for meta in wb.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                result.notes.append(f"工作表“{meta.name}”是隐藏的，已跳过。")
                continue
            if meta.name in TEMPLATE_INFO_SHEETS:
                result.notes.append(f"工作表“{meta.name}”是模板的说明页，已跳过。")
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
            except Exception:  # chart sheets and the like have no cells
                result.notes.append(f"工作表“{meta.name}”不是数据表，已跳过。")
                continue
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges or []
            lazy = formulas.cells(meta.name) if formulas is not None else _NoFormulas()
            _add_sheet(result, meta.name, rows, (0, 0), merges, lazy)
    finally:
        wb.close()
    if not result.sheets and not result.errors:
        raise UploadError("工作簿里没有可导入的数据（所有工作表都是空的或被跳过）。" +
                          ("".join(result.notes) if result.notes else ""))
    return result


class _NoFormulas:
    def __contains__(self, item) -> bool:
        return False


class _FormulaScan:
    """Cells holding a formula with no cached value, read from the sheet XML only when asked.

    calamine reports such a cell as blank; Excel itself always saves a value, other tools may not.
    """

    _CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.S)

    def __init__(self, data: bytes):
        self.data = data
        self._paths: dict[str, str] | None = None

    def _sheet_paths(self) -> dict[str, str]:
        if self._paths is None:
            self._paths = {}
            try:
                with zipfile.ZipFile(io.BytesIO(self.data)) as z:
                    wbx = z.read("xl/workbook.xml").decode("utf-8")
                    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
                target = {m.group(1): m.group(2) for m in
                          re.finditer(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
                target.update({m.group(2): m.group(1) for m in
                               re.finditer(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
                for m in re.finditer(r'<sheet\b[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wbx):
                    t = target.get(m.group(2), "")
                    t = t.lstrip("/") if t.startswith("/") else "xl/" + t
                    import html

                    self._paths[html.unescape(m.group(1))] = t
            except (KeyError, zipfile.BadZipFile, UnicodeDecodeError):
                pass
        return self._paths

    def cells(self, sheet_name: str) -> "_LazyCells":
        return _LazyCells(self, sheet_name)

    def scan(self, sheet_name: str) -> set[tuple[int, int]]:
        path = self._sheet_paths().get(sheet_name)
        if not path:
            return set()
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            xml = z.read(path)
        out = set()
        for m in self._CELL.finditer(xml):
            body = m.group(3) or b""
            if b"<f" in body and not re.search(rb"<v>[^<]+</v>", body):
                col = 0
                for ch in m.group(1):
                    col = col * 26 + (ch - 64)
                out.add((int(m.group(2)) - 1, col - 1))  # 0-based (row, col)
        return out


class _LazyCells:
    """(row, col) membership test that scans the sheet XML on first use only."""

    def __init__(self, scan: _FormulaScan, sheet: str):
        self._scan, self._sheet, self._set = scan, sheet, None

    def __contains__(self, item) -> bool:
        if self._set is None:
            self._set = self._scan.scan(self._sheet)
        return item in self._set


# --- common --------------------------------------------------------------------------------------

def _add_sheet(result: ReadResult, name: str, rows: list[list], origin: tuple[int, int],
               merges, formula_cells) -> None:
    rows = [r for r in rows]
    if not any(any(cell_text(c) for c in r) for r in rows):
        result.notes.append(f"工作表“{name}”是空的，已跳过。")
        return
    found = find_header(rows)
    if found is None:
        result.errors.append(dict(工作表=name, 行=None, 列=None, 值=None,
                                  问题="找不到表头：需要“期间/年份、地区、指标、数值”等列",
                                  建议="请使用上传模板的表头；不需要导入的工作表请删除或隐藏"))
        return
    hdr, cols, units = found
    if "period" not in cols and "year" not in cols:
        result.errors.append(dict(工作表=name, 行=origin[0] + hdr + 1, 列=None, 值=None,
                                  问题="缺少“期间/年份”列", 建议="请添加“期间/年份”列，填写如 十四五、2021 或 2020-2022"))
        return
    body = rows[hdr + 1:]
    first = origin[0] + hdr + 1  # 0-based sheet row of body[0]
    width = max((len(r) for r in body), default=0)
    data = {}
    for f, j in cols.items():
        data[f] = [cell_text(r[j]) if j < len(r) else "" for r in body]
    # merged cells: calamine puts the value in the top-left cell only
    for (r0, c0), (r1, c1) in merges:
        for f in FILL_MERGED:
            j = cols.get(f)
            if j is None or not (c0 <= j <= c1):
                continue
            top = r0 - first
            if 0 <= top < len(body):
                v = data[f][top]
                for i in range(top + 1, min(r1 - first, len(body) - 1) + 1):
                    if not data[f][i]:
                        data[f][i] = v
    cells = pd.DataFrame(data)
    excel_rows = [first + i + 1 for i in range(len(body))]
    keep = (cells != "").any(axis=1).tolist() if width else []
    # formula cells without a cached value look blank; only blanks in required columns are checked,
    # so the sheet XML is scanned only for files that have such blanks
    formula_no_value = set()
    for f in ("period", "year", "region", "metric", "value"):
        j = cols.get(f)
        if j is None:
            continue
        for i, v in enumerate(data[f]):
            if v == "" and (first + i, j) in formula_cells:
                formula_no_value.add((first + i + 1, f))
    # a row blank except for a formula without a value is still a row to report
    keep = [k or any((excel_rows[i], f) in formula_no_value for f in cols) for i, k in enumerate(keep)]
    cells = cells[keep].reset_index(drop=True)
    excel_rows = [r for r, k in zip(excel_rows, keep) if k]
    labels = {f: f"{cell_text(rows[hdr][j]) or FIELD_ZH[f]} ({col_letter(origin[1] + j)})" for f, j in cols.items()}
    result.sheets.append(SheetData(name, cells, excel_rows, labels, units, formula_no_value))
