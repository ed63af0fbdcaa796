"""Hostile and odd upload files written by code: hand-built .xlsx packages, openpyxl workbooks, CSVs in many dresses.

Each builder returns (bytes, file name). Hand-built packages let a test say exactly what the XML holds (a stray far
cell, a lying dimension, a damaged second sheet), which openpyxl would never write.
"""
from __future__ import annotations

import codecs
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl

HEAD = ["期间/年份", "地区", "指标", "数值", "单位"]
GOOD = [["2023", "新疆喀什", "援助资金", "1", "亿元"], ["2024", "新疆喀什", "援助资金", "2", "亿元"]]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def col(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_xml(ref: str, value, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"{s}><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], extra_cells: str = "", dimension: str | None = None, tail: str = "",
              start_row: int = 1) -> str:
    body = []
    for i, row in enumerate(rows):
        r = start_row + i
        body.append(f'<row r="{r}">' + "".join(cell_xml(f"{col(j)}{r}", v) for j, v in enumerate(row)) + "</row>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{"".join(body)}{extra_cells}' \
           f'</sheetData>{tail}</worksheet>'


def package(sheets: list[tuple[str, str]], states: dict[str, str] | None = None, extra: dict[str, bytes] | None = None,
            shared: list[str] | None = None, styles: str | None = None, workbook_extra: str = "",
            sheet_kinds: dict[str, str] | None = None) -> bytes:
    """An .xlsx package: sheets as (name, worksheet XML); states: name -> hidden/veryHidden."""
    states, extra, sheet_kinds = states or {}, extra or {}, sheet_kinds or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        entries, rels = [], []
        for i, (name, xml) in enumerate(sheets, start=1):
            state = f' state="{states[name]}"' if name in states else ""
            entries.append(f'<sheet name="{escape(name)}" sheetId="{i}"{state} r:id="rId{i}"/>')
            kind = sheet_kinds.get(name, "worksheet")
            folder = "chartsheets" if kind == "chartsheet" else "worksheets"
            rels.append(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        f'relationships/{kind}" Target="{folder}/sheet{i}.xml"/>')
            if xml is not None:
                z.writestr(f"xl/{folder}/sheet{i}.xml", xml)
        n = len(sheets)
        if shared is not None:
            rels.append(f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        f'relationships/sharedStrings" Target="sharedStrings.xml"/>')
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS}>' +
                       "".join(f"<si><t>{escape(s)}</t></si>" for s in shared) + "</sst>")
        if styles is not None:
            rels.append(f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        f'relationships/styles" Target="styles.xml"/>')
            z.writestr("xl/styles.xml", styles)
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {NS}>{workbook_extra}<sheets>'
                   f'{"".join(entries)}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships">' + "".join(rels) + "</Relationships>")
        for name, data in extra.items():
            z.writestr(name, data)
    return buf.getvalue()


def simple(rows=None, head=None, name="数据", **kw) -> bytes:
    return package([(name, sheet_xml([head or HEAD, *(rows if rows is not None else GOOD)], **kw))])


def openpyxl_book(rows=None, head=None, setup=None, sheet="数据") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(head or HEAD)
    for r in rows if rows is not None else GOOD:
        ws.append(r)
    if setup:
        setup(wb, ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows=None, head=None, sep=",", encoding="utf-8", bom=b"") -> bytes:
    lines = [sep.join(r) for r in [head or HEAD, *(rows if rows is not None else GOOD)]]
    return bom + "\r\n".join(lines).encode(encoding)


def fake_encrypted() -> bytes:
    """The shape of a password-protected OOXML file: a CFB container with an EncryptionInfo stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    return header + directory + b"\x00" * 2048


def zip_bomb() -> bytes:
    """A 'sheet' of 12 MB of one repeated cell compressing to a few KB (ratio far above any real workbook)."""
    row = '<row r="1"><c r="A1"><v>1</v></c></row>'
    xml = sheet_xml([HEAD]).replace("</sheetData>", row * (12 * 1024 * 1024 // len(row)) + "</sheetData>")
    return package([("数据", xml)])


def utf16_bom(text: str) -> bytes:
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


MIXED_HEAD = ["期间", "年份", "地区", "指标", "数值", "单位", "限定词", "来源或备注"]
# good rows in every shape the fast path takes, and every kind of bad cell validation reports, once or more
MIXED_ROWS = [
    ["十三五", "", "新疆喀什", "援助资金", 35.6, "亿元", "约", "第3页"],
    ["2021", "", "云南四州市", "援建项目", 120, "个", "", ""],
    ["2020-2022", "", "喀什", "培训人次", "1.2", "万人次", "以上", ""],
    ["", "2023", "新疆喀什", "援建项目", "1,234", "项", "", ""],
    ["十四五", "2022", "西藏日喀则", "援助资金", "0.5", "万元", "", ""],
    ["2019", "", "青海果洛", "援助资金", "约35.6", "亿元", "", ""],
    ["2019", "", "青海果洛", "援建项目", "３５", "个", "", ""],
    ["2018", "", "青海果洛", "援助资金", "12", "", "", ""],
    ["2017", "", "青海果洛", "援助资金", "12亿元", "", "", ""],
    ["2016", "", "青海果洛", "援助资金", "12", "亿", "", ""],
    ["", "", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["#N/A", "", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["", "20x3", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["", "1999", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["不知道", "", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["2023-01-05", "", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["1990-1995", "", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["十三五", "2023", "新疆喀什", "援助资金", "1", "亿元", "", ""],
    ["2015", "", "", "援助资金", "1", "亿元", "", ""],
    ["2015", "", "#REF!", "援助资金", "1", "亿元", "", ""],
    ["2015", "", "Kashgar", "援助资金", "1", "亿元", "", ""],
    ["2015", "", "火星", "援助资金", "1", "亿元", "", ""],
    ["2014", "", "新疆喀什", "", "1", "亿元", "", ""],
    ["2014", "", "新疆喀什", "援助资全", "1", "亿元", "", ""],
    ["2013", "", "新疆喀什", "援助资金", "", "亿元", "", ""],
    ["2012", "", "新疆喀什", "援助资金", "#DIV/0!", "亿元", "", ""],
    ["2011", "", "新疆喀什", "援助资金", "1" * 70, "亿元", "", ""],
    ["2010", "", "新疆喀什", "援助资金", "-5", "亿元", "", ""],
    ["2009", "", "新疆喀什", "援助资金", "很多", "亿元", "", ""],
    ["2008", "", "新疆喀什", "援助资金", "3亿", "亿元", "", ""],
    ["2007", "", "新疆喀什", "援助资金", "3", "斤", "", ""],
    ["2006", "", "新疆喀什", "援助资金", "3", "个", "", ""],
    ["2005", "", "新疆喀什", "援助资金", "3", "亿元", "大概", ""],
    ["2004", "", "新疆喀什", "援助资金", "3", "亿元", "", "长" * 2100],
    ["2021", "", "云南四州市", "援建项目", 121, "个", "", ""],
    ["2003", "", "新疆喀什", "援助资金", "3", "1亿元", "", ""],
    ["2002", "", "新疆喀什", "援助资金", "3.", "亿元", "", ""],
    ["2002", "", "新疆喀什", "援建项目", "1,23", "个", "", ""],
    ["2001", "", "新疆喀什", "援建项目", "7", "%", "", ""],
    ["2001", "", "新疆喀什", "援助资金", "7", "万亿元", "", ""],
]


def mixed_book(copies: int = 3) -> bytes:
    """Two sheets of MIXED_ROWS (so duplicates within and across sheets appear too), plus plain good rows."""
    wb = openpyxl.Workbook()
    for k, title in enumerate(["数据", "补充"]):
        ws = wb.active if k == 0 else wb.create_sheet(title)
        ws.title = title
        ws.append(MIXED_HEAD)
        for _ in range(copies if k == 0 else 1):
            for r in MIXED_ROWS:
                ws.append([v if v != "" else None for v in r])
        for i in range(50):
            ws.append([str(2000 + i % 36), None, "新疆喀什", "援助资金" if k else "援建项目", i * 1.5 + k,
                       "万元" if k else "个", None, f"来源 {i}"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
