"""Raw cells of an uploaded file, sparse: standard library only (and the small C tokenizer native/xlsx_scan, see
_bulk_cells), so the sandboxed child starts fast.

Why our own .xlsx reader: a workbook declares its grid (<dimension ref="A1:XFD1048576"/>) and a single stray
cell at the last address makes a dense reader allocate 17 billion cells. This one streams the sheet XML and keeps
only the cells that hold something, so memory follows the cells written, never the declared or used range.
Every sheet is read in full or the whole file is refused with a code naming the sheet and the reason.
.xls (BIFF) goes through python-calamine, which reads densely: the child's memory limit is its guard.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import posixpath
import re
import zipfile
from array import array
from itertools import compress
from xml.etree import ElementTree as ET

try:   # the C tokenizer (native/xlsx_scan), built from requirements.txt: see _bulk_cells
    import xlsx_scan as _native
except ImportError:  # pragma: no cover - the regex path reads every sheet without it
    _native = None

MAX_CELLS = 1_000_000          # non-empty cells in the whole file
MAX_UNZIPPED = 400 * 1024 ** 2  # declared size of all parts together (a zip bomb declares far more)
MAX_RATIO = 200                # uncompressed / compressed, for big parts only
MAX_TEXT = 32_767              # Excel's own cell limit
MAX_ROW, MAX_COL = 1_048_576, 16_384
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ERROR_LITERALS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "#SPILL!",
                  "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!")
# template sheets that hold instructions, not data (loaders/upload/template.py writes them by these names)
INFO_SHEETS = ("填写说明", "字典")
# zero-width characters and C0 controls other than tab/newline: invisible in Excel, never meant
_ZERO_WIDTH = dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
                             *(c for c in range(32) if c not in (9, 10, 13)), 127], None)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_DATE_IDS = set(range(14, 23)) | {27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57,
                                  58}


class SheetsError(Exception):
    """The file cannot be read; code and params name a message in common.messages."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


# --- cell text -----------------------------------------------------------------------------------

def cell_text(value) -> str:
    """A cell as staff typed it: 3.0 -> '3', 0.1 -> '0.1', dates as ISO, None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).translate(_ZERO_WIDTH).strip()


class _Sheet:
    """The non-empty cells of one sheet, columnar: row, column and an index into the sheet's distinct texts.

    Columnar because the parent reads them back in bulk (array bytes, not one object per cell) and because
    uploads repeat a few texts (regions, metrics, units) down every row.
    """

    def __init__(self, name: str):
        self.name = name
        # Excel row number (from 1), column (from 0), index into strings
        self.rows, self.cols, self.idx = array("i"), array("i"), array("i")
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self.merges: list[list[int]] = []    # [r0, c0, r1, c1]
        self.formula_no_value: list[list[int]] = []

    def add(self, r: int, c: int, text: str) -> None:
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self.strings)
            self.strings.append(text)
        self.rows.append(r + 1)
        self.cols.append(c)
        self.idx.append(i)

    @property
    def cells(self) -> list[list]:
        """[row, col, text] per cell (for reading in tests and by hand; the reader itself stays columnar)."""
        return [[r - 1, c, self.strings[i]] for r, c, i in zip(self.rows, self.cols, self.idx)]

    def add_rows(self, rows, budget: "_Budget") -> None:
        """The non-empty cells of a grid of rows (CSV, calamine), each counted against the cell budget."""
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                v = cell_text(v)
                if v:
                    budget.take()
                    self.add(r, c, v)

    def as_dict(self) -> dict:
        return {"name": self.name, "strings": self.strings, "rows": self.rows, "cols": self.cols, "idx": self.idx,
                "merges": self.merges, "formula_no_value": self.formula_no_value}


class _Budget:
    def __init__(self):
        self.cells = 0

    def take(self, n: int = 1) -> None:
        self.cells += n
        if self.cells > MAX_CELLS:
            raise SheetsError("upload_too_many_cells", limit=f"{MAX_CELLS:,}")


def read_file(data: bytes, suffix: str) -> dict:
    """{"sheets": [sheet dicts], "notes": [[code, params], ...]}; raises SheetsError."""
    if suffix == ".csv":
        return _read_csv(data)
    if data.startswith(CFB_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            raise SheetsError("upload_encrypted")
        if suffix in (".xlsx", ".xlsm"):  # an old .xls renamed: read it as what it is
            return _read_xls(data)
    if suffix == ".xls":
        if data.startswith(b"PK"):
            return _read_xlsx(data)
        return _read_xls(data)
    if not data.startswith(b"PK"):
        raise SheetsError("upload_not_workbook", suffix=suffix)
    return _read_xlsx(data)


# --- CSV -----------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, UTF-16 with its BOM; otherwise GB18030, which covers GBK and GB2312."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise SheetsError("upload_csv_encoding")


def _delimiter(text: str) -> str:
    """The separator the first lines use most: comma, semicolon (European Excel) or tab."""
    head = "\n".join(text.splitlines()[:5])
    counts = {d: head.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(data: bytes) -> dict:
    if data.startswith(b"PK") or data.startswith(CFB_MAGIC):
        raise SheetsError("upload_wrong_extension_csv")
    text = decode_csv(data)
    if "\x00" in text:
        raise SheetsError("upload_csv_binary")
    sheet = _Sheet("CSV")
    budget = _Budget()
    csv.field_size_limit(MAX_TEXT * 4)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        sheet.add_rows(reader, budget)
    except csv.Error as exc:
        raise SheetsError("upload_csv_damaged", line=reader.line_num, detail=str(exc)[:200]) from None
    return {"sheets": [sheet.as_dict()], "notes": []}


# --- .xls ----------------------------------------------------------------------------------------

def _read_xls(data: bytes) -> dict:
    try:
        from python_calamine import CalamineWorkbook, SheetVisibleEnum
    except ImportError:  # pragma: no cover - declared in requirements.txt
        raise SheetsError("upload_not_workbook", suffix=".xls") from None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types for a broken file
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise SheetsError("upload_encrypted") from None
        raise SheetsError("upload_not_workbook", suffix=".xls") from None
    out, notes, budget = [], [], _Budget()
    names = [m.name for m in wb.sheets_metadata]
    _check_duplicate_names(names)
    try:
        for meta in wb.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                notes.append(["upload_note_hidden", {"sheet": meta.name}])
                continue
            if meta.name in INFO_SHEETS:
                notes.append(["upload_note_info", {"sheet": meta.name}])
                continue
            try:
                rows = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except Exception as exc:
                raise SheetsError("upload_sheet_damaged", sheet=meta.name, detail=type(exc).__name__) from None
            sheet = _Sheet(meta.name)
            sheet.add_rows(rows, budget)
            out.append(sheet.as_dict())
    finally:
        wb.close()
    return {"sheets": out, "notes": notes}


def _check_duplicate_names(names: list[str]) -> None:
    seen: dict[str, str] = {}
    for n in names:
        k = n.strip().casefold()
        if k in seen:
            raise SheetsError("upload_duplicate_sheet_names", sheet=n)
        seen[k] = n


# --- .xlsx / .xlsm -------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (transitional and strict OOXML differ)."""
    if name in el.attrib:
        return el.attrib[name]
    for k, v in el.attrib.items():
        if k.endswith("}" + name):
            return v
    return None


class _Zip:
    def __init__(self, data: bytes):
        try:
            self.z = zipfile.ZipFile(io.BytesIO(data))
            infos = self.z.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise SheetsError("upload_not_workbook", suffix=".xlsx") from None
        total = sum(i.file_size for i in infos)
        if total > MAX_UNZIPPED or any(i.file_size > 10 * 1024 ** 2 and i.file_size > MAX_RATIO *
                                       max(i.compress_size, 1) for i in infos):
            raise SheetsError("upload_zip_bomb", mb=f"{total / 1024 ** 2:,.0f}")
        self.names = {i.filename.lstrip("/"): i.filename for i in infos}
        self.lower = {n.lower(): n for n in self.names}

    def find(self, name: str) -> str | None:
        name = posixpath.normpath(name.lstrip("/"))
        return self.names.get(name) or self.names.get(self.lower.get(name.lower(), ""))

    def open(self, name: str):
        real = self.find(name)
        if real is None:
            raise KeyError(name)
        return self.z.open(real)

    def parse(self, name: str):
        with self.open(name) as fh:
            return ET.parse(fh).getroot()


def _rels(z: _Zip, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, target part path) for `part`."""
    base = posixpath.dirname(part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    if z.find(rels_name) is None:
        return {}
    out = {}
    for rel in z.parse(rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path)
    return out


def _workbook_part(z: _Zip) -> str:
    for kind, path in _rels(z, "").values() if z.find("_rels/.rels") else []:
        if kind == "officeDocument":
            return path
    return "xl/workbook.xml"


def _shared_strings(z: _Zip, path: str | None) -> list[str]:
    if not path or z.find(path) is None:
        return []
    if z.z.getinfo(z.find(path)).file_size <= _SST_PLAIN_MAX:
        with z.open(path) as fh:
            plain = _shared_strings_plain(fh.read(_SST_PLAIN_MAX + 1))
        if plain is not None:
            return plain
    out: list[str] = []
    with z.open(path) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if _local(el.tag) != "si":
                continue
            parts = []
            for child in el:
                tag = _local(child.tag)
                if tag == "t":
                    parts.append(child.text or "")
                elif tag == "r":
                    parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
                # rPh (phonetic reading) is not part of the text
            out.append("".join(parts))
            el.clear()
    return out


def is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", code or "").lower()
    return "general" not in code and bool(re.search(r"[ymdhs]", code))


def _date_styles(z: _Zip, path: str | None) -> set[int]:
    """Indexes of cell styles (s="…") that show a number as a date."""
    if not path or z.find(path) is None:
        return set()
    root = z.parse(path)
    custom = {}
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                continue
    out = set()
    for el in root:
        if _local(el.tag) != "cellXfs":
            continue
        for i, xf in enumerate(x for x in el if _local(x.tag) == "xf"):
            try:
                fid = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            if fid in _DATE_IDS or (fid in custom and is_date_format(custom[fid])):
                out.add(i)
    return out


_COLS: dict[str, int] = {}


def _ref(text: str | None) -> tuple[int, int] | None:
    m = _REF.match(text or "")
    if not m:
        return None
    letters = m.group(1)
    col = _COLS.get(letters)
    if col is None:
        col = 0
        for ch in letters.upper():
            col = col * 26 + (ord(ch) - 64)
        _COLS[letters] = col
    row = int(m.group(2))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        return None
    return row - 1, col - 1


def _serial_date(v: float, date1904: bool) -> str:
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    return cell_text(base + dt.timedelta(days=v))


def _read_xlsx(data: bytes) -> dict:
    z = _Zip(data)
    notes: list = []
    if any(n.lower().endswith("vbaproject.bin") for n in z.names):
        notes.append(["upload_note_macros", {}])
    wb_part = _workbook_part(z)
    try:
        root = z.parse(wb_part)
    except (KeyError, ET.ParseError):
        raise SheetsError("upload_not_workbook", suffix=".xlsx") from None
    rels = _rels(z, wb_part)
    by_kind = {}
    for kind, p in rels.values():
        by_kind.setdefault(kind, p)
    date1904 = any(_local(e.tag) == "workbookPr" and e.get("date1904") in ("1", "true") for e in root)
    try:
        strings = _shared_strings(z, by_kind.get("sharedStrings"))
        dates = _date_styles(z, by_kind.get("styles"))
    except ET.ParseError as exc:
        raise SheetsError("upload_part_damaged", part="sharedStrings/styles", detail=str(exc)[:120]) from None
    entries = [e for e in root.iter() if _local(e.tag) == "sheet"]
    _check_duplicate_names([e.get("name", "") for e in entries])
    budget = _Budget()
    out = []
    for e in entries:
        name = e.get("name", "")
        if e.get("state") in ("hidden", "veryHidden"):
            notes.append(["upload_note_hidden", {"sheet": name}])
            continue
        if name in INFO_SHEETS:
            notes.append(["upload_note_info", {"sheet": name}])
            continue
        kind, part = rels.get(_attr(e, "id") or "", ("", ""))
        if kind in ("chartsheet", "dialogsheet", "xlMacrosheet", "xlIntlMacrosheet"):
            notes.append(["upload_note_chart", {"sheet": name}])
            continue
        if kind != "worksheet" or z.find(part) is None:
            raise SheetsError("upload_sheet_damaged", sheet=name, detail="part missing")
        try:
            out.append(_read_sheet(z, part, name, strings, dates, date1904, budget).as_dict())
        except ET.ParseError as exc:
            raise SheetsError("upload_sheet_damaged", sheet=name, detail=str(exc)[:120]) from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, IndexError, OverflowError) as exc:
            raise SheetsError("upload_sheet_damaged", sheet=name, detail=type(exc).__name__) from None
    return {"sheets": out, "notes": notes}


def _read_sheet(z: _Zip, part: str, name: str, strings: list[str], dates: set[int], date1904: bool,
                budget: _Budget) -> _Sheet:
    """The fast reader when the sheet XML has the plain form spreadsheet programs write, else the streaming one."""
    try:
        sheet = _FastSheet(z, part, name, strings, dates, date1904, budget.cells).read()
    except _NotPlain:
        return _read_sheet_streaming(z, part, name, strings, dates, date1904, budget)
    budget.take(len(sheet.rows))
    return sheet


def _read_sheet_streaming(z: _Zip, part: str, name: str, strings: list[str], dates: set[int], date1904: bool,
                          budget: _Budget) -> _Sheet:
    """Any well-formed sheet XML, one element at a time (memory follows the cells that hold something)."""
    sheet = _Sheet(name)
    row_i = -1
    pending: list = []   # cells of the current row written without an address (rare): placed at the row's end
    add, formula_only = sheet.add, sheet.formula_no_value
    local: dict[str, str] = {}
    with z.open(part) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            tag = local.get(el.tag)
            if tag is None:
                tag = local[el.tag] = _local(el.tag)
            if tag == "c":
                ref = el.get("r")
                text, no_value = _cell(el, strings, dates, date1904)
                if ref is None:
                    pending.append((text, no_value))
                elif text or no_value:
                    rc = _ref(ref)
                    if rc is None:
                        raise ValueError(f"cell {ref[:20]}")
                    if text:
                        budget.take()
                        add(rc[0], rc[1], text)
                    else:
                        formula_only.append([rc[0], rc[1]])
                el.clear()
            elif tag == "row":
                r = el.get("r")
                row_i = int(r) - 1 if r and r.isdigit() else row_i + 1
                if not 0 <= row_i < MAX_ROW:
                    raise ValueError("row")
                for col_i, (text, no_value) in enumerate(pending):
                    if col_i >= MAX_COL:
                        raise ValueError("cell position")
                    if text:
                        budget.take()
                        add(row_i, col_i, text)
                    elif no_value:
                        formula_only.append([row_i, col_i])
                pending.clear()
                el.clear()
            elif tag == "mergeCell":
                a, _, b = (el.get("ref") or "").partition(":")
                p, q = _ref(a), _ref(b or a)
                if p and q:
                    sheet.merges.append([min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])])
                el.clear()
    return sheet


_CHILD = {f"{{{ns}}}{t}": t for ns in ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                       "http://purl.oclc.org/ooxml/spreadsheetml/main") for t in ("v", "f", "is")}


def _cell(el, strings: list[str], dates: set[int], date1904: bool) -> tuple[str, bool]:
    """(cell text, is a formula without a cached value)."""
    v = f = None
    inline = []
    for child in el:
        tag = _CHILD.get(child.tag) or _local(child.tag)
        if tag == "v":
            v = child.text
        elif tag == "f":
            f = child
        elif tag == "is":
            inline.extend(x.text or "" for x in child.iter() if _local(x.tag) == "t")
    return _cell_value(el.get("t", "n"), el.get("s"), v, f is not None, "".join(inline), strings, dates, date1904)


def _cell_value(t: str, s: str | None, v: str | None, has_formula: bool, inline: str, strings: list[str],
                dates: set[int], date1904: bool) -> tuple[str, bool]:
    """A cell's text from its parts (type, style, <v>, has <f>, <is> text); both readers call this."""
    if t == "inlineStr":
        return cell_text(inline[:MAX_TEXT]), False
    if v is None or v == "":
        return "", has_formula
    if t == "s":
        return cell_text(strings[int(v)]), False
    if t in ("str", "e", "d"):
        return cell_text(v[:MAX_TEXT]), False
    if t == "b":
        return ("TRUE" if v.strip() in ("1", "true") else "FALSE"), False
    number = float(v)
    if s and s.isdigit() and int(s) in dates and 0 <= number < 2958466:
        return _serial_date(number, date1904), False
    return cell_text(number), False


# --- .xlsx sheets of the plain form: bulk regex tokens instead of one parser event per element ---------
#
# Spreadsheet programs write sheet XML of one plain shape: <row r="2"><c r="A2" t="s"><v>0</v></c>...</row>.
# _FastSheet reads exactly that shape with one regular expression over big chunks (C speed, a tuple per cell),
# converts each distinct (type, style, value) once, and gives up (_NotPlain) on anything else: comments, CDATA,
# prefixed or reordered attributes, rich text, unknown entities, odd characters, cells without an address,
# any error at all. The streaming parser then reads the sheet from the start, so a file either gets the
# same cells from both readers or gets the streaming reader's own answer, error messages included.
# Memory stays bounded: chunks of a few MB, the text before and after <sheetData> capped.

class _NotPlain(Exception):
    """The sheet is not of the plain form _FastSheet reads: read it with the streaming parser."""


_BLOCK = 4 * 1024 ** 2
_ENVELOPE_MAX = 16 * 1024 ** 2   # XML before <sheetData> / after </sheetData>
_CHUNK_MAX = 64 * 1024 ** 2      # sheet XML without a </row> to cut at
_MEMO_SLACK = 65_536             # distinct cell XML beyond MAX_CELLS (empty cells): memory bound, then step aside
_WS = "[ \t\n]"
_ATTR_LIST = f'(?:{_WS}+[A-Za-z_][A-Za-z0-9_.:-]*="[^"<>&]*")*'
# bytes, one token per cell or row tag: (column letters, row digits, the rest of the cell, a row tag); re.split
# puts what lies between tokens at every 5th place, which must be blank, so the tokens tile the XML
_TOKEN = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"([^<>/]*+(?:/>|>[^<]*+(?:<(?!/c>)[^<]*+)*+</c>))')
# the rest of a cell, read once per distinct rest: style, type, then <f>, <v>, <is><t>, each optional, in this order
_CELL = re.compile(r'(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,12})")?'
                   r'(?:/>|>(<f' + _ATTR_LIST + _WS + r'*/>|<f' + _ATTR_LIST + _WS + r'*>[^<]*</f>)?'
                   r'(?:<v>([^<]*)</v>|<v/>)?(?:<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)')
# what lies between the cells of a chunk, joined by \0 (one \0 per cell; the chunk has none of its own): blanks
# and row tags only, each tag whole within its piece, rows opened and closed (or self-closed) in turn, never nested.
# Row attributes as Excel writes them (schema order, each at most once) first; any others are checked one by one.
# (possessive quantifiers: every part ends at a character the next cannot start with, so nothing is given back)
_ROW_KNOWN = "".join(f'(?: {a}="[^"<>&]*+")?+' for a in (
    "spans", "s", "customFormat", "ht", "hidden", "customHeight", "outlineLevel", "collapsed", "thickTop", "thickBot",
    "ph", "x14ac:dyDescent"))
_ROW_ANY = '(?:[ \t\n]++[A-Za-z_][A-Za-z0-9_.:-]*+="[^"<>&]*+")*+'
_BETWEEN = r'(?:[ \t\n\0]*+<row r="[1-9][0-9]{0,6}+"%s[ \t\n]*+(?:/>|>[ \t\n\0]*+</row>))*+[ \t\n\0]*+'
_BETWEEN_KNOWN = re.compile((_BETWEEN % _ROW_KNOWN).encode())
_BETWEEN_ANY = re.compile((_BETWEEN % _ROW_ANY).encode())
_ROW_ATTRS = re.compile(rb'<row r="[0-9]+"([^<>]*?)[ \t\n]*/?>')
_ROW_7 = re.compile(rb'<row r="([0-9]{7})"')
_NOT_XML_BYTES = bytes(b for b in range(256) if b not in set(range(9)) | {11, 12, 13} | set(range(14, 32)))
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_ENTITY_BYTES = re.compile(_ENTITY.pattern.encode())
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ATTR_NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_.:-]*)=')
_F_ATTRS = re.compile(r"<f([^<>]*?)/?>")


def _plain_bytes(chunk: bytes) -> bool:
    """No control characters (CR included: line ends are the parser's), U+FFFE/F, CDATA ends or second sheetData
    (xlsx_scan.plain_bytes does the same in one pass)."""
    if _native is not None:
        return _native.plain_bytes(chunk)
    return not (chunk.translate(None, _NOT_XML_BYTES) or b"\xef\xbf\xbe" in chunk or b"\xef\xbf\xbf" in chunk
                or b"]]>" in chunk or b"sheetData" in chunk)


def _xml_char(code: int) -> bool:
    return code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _entity(m: re.Match) -> str:
    name, dec, hexa = m.groups()
    if name:
        return _NAMED[name]
    code = int(dec) if dec else int(hexa, 16)
    if not _xml_char(code):
        raise _NotPlain
    return chr(code)


def _unescape(text: str) -> str:
    return _ENTITY.sub(_entity, text) if "&" in text else text


class _FastSheet:
    def __init__(self, z: _Zip, part: str, name: str, strings: list[str], dates: set[int], date1904: bool,
                 cells_before: int):
        self.z, self.part = z, part
        self.sheet = _Sheet(name)
        self.strings, self.dates, self.date1904 = strings, dates, date1904
        self.room = MAX_CELLS - cells_before   # more cells than this: the streaming reader says so
        self.codes: dict[tuple, int] = {}       # (t, s, v, inline, has <f>) -> text index, -1 empty, -2 no value
        self.columns: dict[str, int] = {}
        self.prefixes: set[str] = {"xml"}
        self.attrs_seen: set[str] = {""}

    def read(self) -> _Sheet:
        try:
            with self.z.open(self.part) as fh:
                self._stream(fh)
        except _NotPlain:
            raise
        except Exception:  # whatever went wrong, the streaming reader gives the answer (and its message)
            raise _NotPlain from None
        return self.sheet

    def _stream(self, fh) -> None:
        buf = b""
        while (i := buf.find(b"<sheetData>")) < 0:
            block = fh.read(_BLOCK)
            if not block or len(buf) > _ENVELOPE_MAX:
                raise _NotPlain
            buf += block
        prefix, buf = buf[:i], buf[i + len(b"<sheetData>"):]
        self._check_prefix(prefix)
        while (end := buf.find(b"</sheetData>")) < 0:
            cut = buf.rfind(b"</row>")
            if cut >= 0:
                self._chunk(buf[:cut + 6])
                buf = buf[cut + 6:]
            elif len(buf) > _CHUNK_MAX:
                raise _NotPlain
            block = fh.read(_BLOCK)
            if not block:
                raise _NotPlain
            buf += block
        self._chunk(buf[:end])
        suffix = buf[end + len(b"</sheetData>"):]
        while block := fh.read(_BLOCK):
            suffix += block
            if len(suffix) > _ENVELOPE_MAX:
                raise _NotPlain
        if b"sheetData" in suffix:
            raise _NotPlain
        self._envelope(prefix + b"<sheetData/>" + suffix)

    def _check_prefix(self, prefix: bytes) -> None:
        if b"sheetData" in prefix or b"<!" in prefix:   # a DOCTYPE, a comment, CDATA: not the plain form
            raise _NotPlain
        decl = re.match(rb"(?:\xef\xbb\xbf)?<\?xml([^>]*)\?>", prefix)
        enc = re.search(rb"""encoding\s*=\s*["']([^"']*)["']""", decl.group(1)) if decl else None
        if enc and enc.group(1).lower().replace(b"-", b"") != b"utf8":
            raise _NotPlain
        root = re.search(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b([^<>]*)>", prefix)
        if root:
            self.prefixes |= {p.decode() for p in re.findall(rb"xmlns:([A-Za-z_][\w.-]*)[ \t\n]*=", root.group(1))}

    def _envelope(self, env: bytes) -> None:
        """The XML around the cells: well-formed, no cells of its own, and its merged ranges."""
        for _, el in ET.iterparse(io.BytesIO(env), events=("end",)):
            tag = _local(el.tag)
            if tag in ("c", "row"):
                raise _NotPlain
            if tag == "mergeCell":
                a, _, b = (el.get("ref") or "").partition(":")
                p, q = _ref(a), _ref(b or a)
                if p and q:
                    self.sheet.merges.append([min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])])
            el.clear()

    def _attrs_ok(self, attrs: str) -> bool:
        """Extra attributes of a row or formula: each name once, no second r=, prefixes declared on the root."""
        names = _ATTR_NAME.findall(attrs)
        if len(set(names)) != len(names) or "r" in names:
            return False
        for n in names:
            prefix, colon, local = n.partition(":")
            if n.startswith("xmlns") or (colon and (not local or ":" in local or prefix not in self.prefixes)):
                return False
        return True

    def _between(self, between: bytes) -> None:
        """What lies between the cells of a chunk (pieces joined by \\0): blank and row tags only, else _NotPlain."""
        if _BETWEEN_KNOWN.fullmatch(between):
            if b"x14ac:" in between and "x14ac" not in self.prefixes:
                raise _NotPlain
        elif _BETWEEN_ANY.fullmatch(between):
            for attrs in set(_ROW_ATTRS.findall(between)) - self.attrs_seen:
                if not self._attrs_ok(attrs.decode("ascii")):
                    raise _NotPlain
                self.attrs_seen.add(attrs)
        else:
            raise _NotPlain
        # a row past MAX_ROW (only 7-digit ones can be): the streaming reader says so
        if any(int(r) > MAX_ROW for r in _ROW_7.findall(between)):
            raise _NotPlain

    def _chunk(self, chunk: bytes) -> None:
        if not _plain_bytes(chunk):
            raise _NotPlain
        if _bulk_cells(self, chunk):   # the same cells, tokenized in C
            return
        parts = _TOKEN.split(chunk)
        between = b"\0".join(parts[0::4])
        self._between(between)
        letters, digits, rests = parts[1::4], parts[2::4], parts[3::4]
        # a cell address past MAX_ROW (only 7-digit ones can be): the streaming reader says so
        if digits and max(map(len, digits)) == 7 and any(int(r) > MAX_ROW for r in digits if len(r) == 7):
            raise _NotPlain
        self._convert(rests)
        cell_codes = list(map(self.codes.__getitem__, rests))
        if -1 in cell_codes:  # cells with nothing in them (a style only)
            keep = list(map((-1).__ne__, cell_codes))
            cell_codes = list(compress(cell_codes, keep))
            digits, letters = list(compress(digits, keep)), list(compress(letters, keep))
        if not cell_codes:
            return
        rows = array("i", map(int, digits))   # Excel row numbers: from 1 (the pattern), at most MAX_ROW (checked)
        columns = self.columns
        for c in set(letters) - columns.keys():
            columns[c] = self._column(c)
        cols = list(map(columns.__getitem__, letters))
        sheet = self.sheet
        if -2 in cell_codes:   # formulas without a value: rare, kept apart as the streaming reader keeps them
            for r, c, code in zip(rows, cols, cell_codes):
                if code == -2:
                    sheet.formula_no_value.append([r - 1, c])
            keep = list(map((-2).__ne__, cell_codes))
            rows, cols, cell_codes = (array("i", compress(x, keep)) for x in (rows, cols, cell_codes))
        if len(sheet.rows) + len(cell_codes) > self.room:
            raise _NotPlain
        sheet.rows.extend(rows)
        sheet.cols.extend(cols)
        sheet.idx.extend(cell_codes)

    def _convert(self, rests) -> None:
        """Each rest not seen before converted once (_code), in order of first appearance, into the memo both
        tokenizers share; more distinct rests than any real sheet has (empty cells, a style each): _NotPlain."""
        codes = self.codes
        for rest in rests:
            if rest not in codes:
                codes[rest] = self._code(rest)
        if len(codes) > MAX_CELLS + _MEMO_SLACK:
            raise _NotPlain

    @staticmethod
    def _column(letters: bytes) -> int:
        col = 0
        for ch in letters:
            col = col * 26 + (ch - 64)
        if col > MAX_COL:
            raise _NotPlain
        return col - 1

    def _code(self, rest: bytes) -> int:
        """The text index of a cell's rest (its XML after the address); -1: nothing, -2: a formula without value."""
        if b"&" in rest and _ENTITY_BYTES.subn(b"", rest)[1] != rest.count(b"&"):  # an entity XML lacks, a bare &
            raise _NotPlain
        m = _CELL.fullmatch(rest.decode("utf-8"))
        if m is None:
            raise _NotPlain
        s, t, formula, v, inline = m.groups()
        if formula and formula.startswith("<f ") and not self._attrs_ok(_F_ATTRS.match(formula).group(1)):
            raise _NotPlain
        text, no_value = _cell_value(t or "n", s, _unescape(v) if v else v, bool(formula),
                                     _unescape(inline or ""), self.strings, self.dates, self.date1904)
        if text:
            sheet = self.sheet
            i = sheet._index.get(text)
            if i is None:
                i = sheet._index[text] = len(sheet.strings)
                sheet.strings.append(text)
            return i
        return -2 if no_value else -1


# --- the plain form in bulk: the cells tokenized in C (native/xlsx_scan) instead of Python objects per piece -----
#
# The same tokens as _chunk's _TOKEN.split, found by xlsx_scan.scan in one pass over the chunk's bytes. Every
# '<c r="' starts a cell and its address is read from the bytes after it (1-3 capitals, 1-7 digits not starting
# with 0, a quote, within MAX_COL and MAX_ROW). A cell's rest runs from the quote to the next '<c ', '<row' or
# '</row' (or the chunk's end); _code converts each distinct rest once and accepts it only if it is one whole plain
# cell (_CELL), and such a rest holds no '</c>' but its last, so it is exactly the rest _TOKEN finds. What lies
# between the cells goes through the same check (_between). Whatever else (an address out of shape or range, a
# rest _code refuses) sends the chunk to the regex path, which gives the answer: the two paths differ only in
# speed. The C code decides nothing: it finds tokens and groups equal rests; every judgement stays here.
# Without the extension (not built), every chunk takes the regex path.

_NATIVE_MAX = 12 * 1024 ** 2   # chunks are ~4-8 MB; a bigger one (one huge row): the regex path, memory bounded


def _bulk_cells(fs: _FastSheet, chunk: bytes, weak_hash: bool = False) -> bool:
    """fs._chunk(chunk) with the tokens found in C; False: leave the chunk to the regex path."""
    if _native is None or len(chunk) > _NATIVE_MAX:
        return False
    found = _native.scan(chunk, MAX_ROW, MAX_COL, weak_hash)
    if found is None:
        return False
    between, rests, cells = found
    fs._between(between)
    try:
        fs._convert(rests)
    except _NotPlain:   # a rest _code refuses (or the memo's bound): the regex path gives the answer
        return False
    rows, cols, idx, no_value = _native.assemble(cells, array("i", map(fs.codes.__getitem__, rests)))
    sheet = fs.sheet
    if len(sheet.rows) + len(rows) // 4 > fs.room:
        raise _NotPlain
    sheet.formula_no_value.extend(no_value)
    sheet.rows.frombytes(rows)
    sheet.cols.frombytes(cols)
    sheet.idx.frombytes(idx)
    return True


# --- shared strings of the plain form: <si><t>text</t></si> one after another ---------------------------

_SST_PLAIN_MAX = 64 * 1024 ** 2
_SI = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*+)</t></si>|<si><t/></si>')


def _shared_strings_plain(raw: bytes) -> list[str] | None:
    """The strings of a plain sharedStrings part in one regex pass, or None: read it with the parser."""
    try:
        first, last = raw.find(b"<si>"), raw.rfind(b"</si>")
        if first < 0 or last < first:
            return None
        head, body, tail = raw[:first], raw[first:last + 5], raw[last + 5:]
        if (b"<!" in head or body.translate(None, _NOT_XML_BYTES) or b"\xef\xbf\xbe" in body
                or b"\xef\xbf\xbf" in body or b"]]>" in body):
            return None
        decl = re.match(rb"(?:\xef\xbb\xbf)?<\?xml([^>]*)\?>", head)
        enc = re.search(rb"""encoding\s*=\s*["']([^"']*)["']""", decl.group(1)) if decl else None
        if enc and enc.group(1).lower().replace(b"-", b"") != b"utf8":
            return None
        parts = _SI.split(body)
        if b"".join(parts[0::2]).strip(b" \t\n"):
            return None
        # the envelope (<sst ...></sst>) well-formed and without strings of its own
        if any(_local(el.tag) in ("si", "t", "r") for el in ET.fromstring(head + tail).iter()):
            return None
        out = []
        for t in parts[1::2]:
            if not t:
                out.append("")
                continue
            if b"&" in t and _ENTITY_BYTES.subn(b"", t)[1] != t.count(b"&"):
                return None
            out.append(_unescape(t.decode("utf-8")))
        return out
    except Exception:  # whatever went wrong, the parser gives the answer (and its message)
        return None
