"""The fast .xlsx sheet reader (regex tokens over the plain XML form) against the streaming parser.

Every comparison runs with both tokenizers of the fast reader: the token regex, and the C one (native/xlsx_scan).
The fast reader may only ever give the streaming reader's answer: the same cells, merges and formula cells, or
the same refusal. Anything outside the plain form it reads must make it step aside. Checked on every hostile
file class, on an Excel-like workbook bent in every way we could think of, and on fuzzed sheet XML.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from array import array
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
import upload_files as uf
import xlsx_scan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_upload_hostile import CASES

from loaders.upload import sheets

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROOT = (f'<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')
SHARED = ["期间/年份", "地区", "指标", "数值", "单位", "新疆喀什", "援助资金", "亿元", "  云南四州市 ", "援建项目", "个"]
STYLES = (f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
          'formatCode="yyyy-mm-dd"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="2"/>'
          '<xf numFmtId="164"/></cellXfs></styleSheet>')
# as Excel writes it: shared strings, styles, spans and x14ac attributes on rows, a merge after the cells
ROWS = ('<row r="1" spans="1:5" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
        '</c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>'
        '<row r="2" spans="1:5"><c r="A2"><v>2023</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>6</v></c>'
        '<c r="D2" s="1"><v>1.50</v></c><c r="E2" t="s"><v>7</v></c></row>'
        '<row r="3" spans="1:5"><c r="A3"><f>A2+1</f><v>2024</v></c><c r="B3" t="s"><v>8</v></c>'
        '<c r="C3" t="inlineStr"><is><t xml:space="preserve">援建项目 </t></is></c><c r="D3"><f t="shared" '
        'ref="D3:D4" si="0">D2*2</f><v>3</v></c><c r="E3" t="str"><v>个</v></c><c r="F3" s="2"><v>45000</v></c>'
        '<c r="G3" t="b"><v>1</v></c><c r="H3" t="e"><v>#N/A</v></c><c r="I3" s="1"/></row>'
        '<row r="4" spans="1:5" ht="20" customHeight="1"/>'
        '<row r="5"><c r="A5"><f t="shared" si="0"/></c><c r="B5" t="inlineStr"><is><t>a&amp;b &lt;c&gt; &#x4E2D;'
        '&#25991;</t></is></c><c r="C5"><v></v></c><c r="D5" t="d"><v>2023-01-02T00:00:00</v></c></row>')
TAIL = '<mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells><pageMargins left="0.7" right="0.7"/>'


def excel_like(rows: str = ROWS, tail: str = TAIL, root: str = ROOT,
               decl: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n') -> bytes:
    xml = f'{decl}{root}<dimension ref="A1:I5"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>' \
          f'<sheetData>{rows}</sheetData>{tail}</worksheet>'
    return uf.package([("数据", xml)], shared=SHARED, styles=STYLES)


@pytest.fixture(autouse=True, scope="module", params=["regex", "native"])
def tokenizer(request):
    """Every comparison in this file runs twice: chunks split by the token regex, and chunks tokenized in C
    (sheets._bulk_cells over native/xlsx_scan), so both must give the streaming reader's answer."""
    assert sheets._native is not None, "native/xlsx_scan is not built: pip install -r requirements.txt"
    old = sheets._native
    if request.param == "regex":
        sheets._native = None
    yield request.param
    sheets._native = old


@contextmanager
def streaming_only():
    with mock.patch.object(sheets._FastSheet, "read", side_effect=sheets._NotPlain):
        yield


def outcome(data: bytes, suffix: str = ".xlsx"):
    try:
        out = sheets.read_file(data, suffix)
    except sheets.SheetsError as exc:
        return ("refused", exc.code, exc.params)
    return ("read", [(s["name"], [[r - 1, c, s["strings"][i]] for r, c, i in zip(s["rows"], s["cols"], s["idx"])],
                      s["merges"], s["formula_no_value"]) for s in out["sheets"]], out["notes"])


def both(data: bytes, suffix: str = ".xlsx"):
    fast = outcome(data, suffix)
    with streaming_only():
        slow = outcome(data, suffix)
    return fast, slow


def fast_path_taken(data: bytes) -> bool:
    taken = []
    real = sheets._FastSheet.read

    def spy(self):
        out = real(self)
        taken.append(True)
        return out
    with mock.patch.object(sheets._FastSheet, "read", spy):
        outcome(data)
    return bool(taken)


def test_excel_like_workbook_is_read_fast_and_the_same():
    data = excel_like()
    assert fast_path_taken(data)
    fast, slow = both(data)
    assert fast == slow
    kind, [(name, cells, merges, formulas)], notes = fast
    got = {(r, c): v for r, c, v in cells}
    assert got[(1, 3)] == "1.5" and got[(2, 1)] == "云南四州市" and got[(2, 2)] == "援建项目"
    assert got[(2, 5)] == "2023-03-15" and got[(2, 6)] == "TRUE" and got[(2, 7)] == "#N/A"
    assert got[(4, 1)] == "a&b <c> 中文" and got[(4, 3)] == "2023-01-02T00:00:00"
    assert formulas == [[4, 0]] and merges == [[1, 0, 2, 0]]


def test_openpyxl_and_hand_built_plain_files_take_the_fast_path():
    assert fast_path_taken(uf.openpyxl_book())
    assert fast_path_taken(uf.simple())


# every way the XML can leave the plain form (and a few plain variations): same answer either way
BENT = {
    "comment_in_cells": ("</row><row r=\"2\"", "</row><!-- x --><row r=\"2\""),
    "cdata": ("<t xml:space=\"preserve\">援建项目 </t>", "<t><![CDATA[援建<项目]]></t>"),
    "attributes_reordered": ('<c r="B1" t="s">', '<c t="s" r="B1">'),
    "style_after_type": ('<c r="A1" s="1" t="s">', '<c r="A1" t="s" s="1">'),
    "single_quotes": ('<c r="B1" t="s">', "<c r='B1' t='s'>"),
    "undeclared_prefix_on_row": ('<row r="2" spans="1:5">', '<row r="2" spans="1:5" y:foo="1">'),
    "duplicate_row_attribute": ('<row r="2" spans="1:5">', '<row r="2" spans="1:5" spans="1:6">'),
    "row_attributes_reordered": ('<row r="2" spans="1:5">', '<row r="2" ht="20" spans="1:5">'),
    "row_attribute_spaces": ('<row r="2" spans="1:5">', '<row r="2"  spans="1:5"\n >'),
    "second_r_on_row": ('<row r="2" spans="1:5">', '<row r="2" spans="1:5" r="7">'),
    "unknown_entity": ("a&amp;b", "a&nbsp;b"),
    "bare_ampersand": ("a&amp;b", "a&b"),
    "invalid_char_ref": ("&#x4E2D;", "&#x1;"),
    "nested_row": ('<row r="5">', '<row r="5"><row r="6"></row>'),
    "unclosed_row": ('<row r="4" spans="1:5" ht="20" customHeight="1"/>', '<row r="4">'),
    "stray_row_close": ('<row r="4" spans="1:5" ht="20" customHeight="1"/>', "</row>"),
    "control_character": ("援建项目 </t>", "援建\x01项目 </t>"),
    "carriage_return_in_text": ("援建项目 </t>", "援建\r\n项目 </t>"),
    "cell_without_address": ('<c r="E2" t="s">', '<c t="s">'),
    "lowercase_address": ('<c r="E2" t="s">', '<c r="e2" t="s">'),
    "absolute_address": ('<c r="E2" t="s">', '<c r="$E$2" t="s">'),
    "row_zero": ('<row r="2" spans="1:5">', '<row r="0" spans="1:5">'),
    "row_too_far": ('<row r="5">', '<row r="2000000">'),
    "cell_row_too_far": ('<c r="A5">', '<c r="A2000000">'),
    "column_too_far": ('<c r="B5" ', '<c r="XFE5" '),
    "empty_cell_column_too_far": ('<c r="I3" s="1"/>', '<c r="XFE3" s="1"/>'),
    "same_cell_twice": ('<c r="E2" t="s"><v>7</v></c>', '<c r="E2" t="s"><v>7</v></c><c r="E2"><v>9</v></c>'),
    "cells_outside_rows": ('<row r="4" spans="1:5" ht="20" customHeight="1"/>', '<c r="J4"><v>7</v></c>'),
    "whitespace_between": ("</c><c r=\"C2\"", "</c>\n  <c r=\"C2\""),
    "value_with_spaces": ("<v>2023</v>", "<v> 2023 </v>"),
    "value_not_a_number": ("<v>2023</v>", "<v>abc</v>"),
    "shared_index_out_of_range": ('<c r="B2" t="s"><v>5</v>', '<c r="B2" t="s"><v>99</v>'),
    "shared_index_not_a_number": ('<c r="B2" t="s"><v>5</v>', '<c r="B2" t="s"><v>x</v>'),
    "rich_inline_text": ('<is><t xml:space="preserve">援建项目 </t></is>', "<is><r><t>援建</t></r><r><t>项目</t></r></is>"),
    "formula_closed_twice": ("<f>A2+1</f>", "<f/></f>"),
    "formula_bad_attribute": ('<f t="shared" ref="D3:D4" si="0">', '<f t="shared" t="x">'),
    "value_before_formula": ("<f>A2+1</f><v>2024</v>", "<v>2024</v><f>A2+1</f>"),
    "extra_cell_attribute": ('<c r="B1" t="s">', '<c r="B1" t="s" cm="1">'),
    "space_before_close": ('<c r="B1" t="s">', '<c r="B1" t="s" >'),
    "processing_instruction": ("</row><row r=\"2\"", "</row><?pi x?><row r=\"2\""),
    "text_in_row": ("</c><c r=\"C2\"", "</c>junk<c r=\"C2\""),
    "second_sheet_data": ("</row><row r=\"2\"", "</row></sheetData><sheetData><row r=\"2\""),
    "unclosed_cell": ('<c r="E2" t="s"><v>7</v></c>', '<c r="E2" t="s"><v>7</v>'),
    "mismatched_close": ('<c r="E2" t="s"><v>7</v></c>', '<c r="E2" t="s"><v>7</w></c>'),
    "error_literal_type": ('<c r="E3" t="str">', '<c r="E3" t="e">'),
    "unknown_type": ('<c r="E3" t="str">', '<c r="E3" t="zz">'),
    "bool_false": ('<c r="G3" t="b"><v>1</v>', '<c r="G3" t="b"><v>0</v>'),
    "date_style_out_of_range": ('<c r="F3" s="2"><v>45000</v>', '<c r="F3" s="2"><v>3000000</v>'),
    "huge_number": ("<v>2023</v>", "<v>1e300</v>"),
    "not_a_float": ("<v>2023</v>", "<v>nan</v>"),
    "empty_inline": ('<is><t xml:space="preserve">援建项目 </t></is>', "<is><t></t></is>"),
    "self_closed_value": ("<v>2023</v>", "<v/>"),
}


@pytest.mark.parametrize("case", list(BENT))
def test_bent_xml_gets_the_streaming_answer(case):
    old, new = BENT[case]
    assert old in ROWS, case
    fast, slow = both(excel_like(rows=ROWS.replace(old, new, 1)))
    assert fast == slow


@pytest.mark.parametrize("old, new, fast_read", [
    ('<c r="A5">', '<c r="A1048576">', True),            # the last Excel row: read, and read fast
    ('<c r="A5">', '<c r="A1048577">', False),           # one past it: the streaming reader's refusal
    ('<c r="I3" s="1"/>', '<c r="I1048577" s="1"/>', False),  # an empty cell past it: the streaming answer
    ('<row r="5">', '<row r="1048577">', False),
])
def test_rows_at_and_past_the_last_excel_row(old, new, fast_read):
    data = excel_like(rows=ROWS.replace(old, new, 1))
    fast, slow = both(data)
    assert fast == slow
    assert fast_path_taken(data) is fast_read
    if fast_read:  # A5 is a formula without a value: kept at its address, row 1048576 (index 1048575)
        assert fast[1][0][3] == [[1_048_575, 0]]
    else:
        assert fast[0] == "refused" or [4, 0] in fast[1][0][3]


def test_reordered_row_attributes_still_read_fast():
    assert fast_path_taken(excel_like(rows=ROWS.replace('<row r="2" spans="1:5">', '<row r="2" ht="20" spans="1:5">')))


@pytest.mark.parametrize("case", ["x14ac_undeclared", "utf16_declared", "doctype", "comment_before", "prefixed_root", "cells_in_tail",
                                  "tail_damaged", "no_declaration", "merge_far"])
def test_bent_envelope_gets_the_streaming_answer(case):
    kw = {
        "x14ac_undeclared": {"root": ROOT.replace(' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/'
                                                  '2009/9/ac"', "")},
        "utf16_declared": {"decl": '<?xml version="1.0" encoding="UTF-16"?>'},
        "doctype": {"decl": '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e "x">]>'},
        "comment_before": {"decl": '<?xml version="1.0"?><!-- <sheetData> -->'},
        "prefixed_root": {"root": ROOT.replace("<worksheet", f"<x:worksheet xmlns:x=\"{MAIN}\"", 1)},
        "cells_in_tail": {"tail": TAIL + '<extLst><c r="Z9"><v>1</v></c></extLst>'},
        "tail_damaged": {"tail": TAIL + "<pageSetup"},
        "no_declaration": {"decl": ""},
        "merge_far": {"tail": '<mergeCells><mergeCell ref="A2:XFD1048576"/><mergeCell ref="bad"/></mergeCells>'},
    }[case]
    fast, slow = both(excel_like(**kw))
    assert fast == slow


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][0]()[1].endswith((".xlsx", ".xlsm", ".xls"))])
def test_every_hostile_file_gets_the_same_answer(case):
    data, name = CASES[case][0]()
    fast, slow = both(data, "." + name.rsplit(".", 1)[-1])
    assert fast == slow


def test_many_chunks_read_the_same(monkeypatch):
    """Sheets bigger than one block are read in chunks cut at </row>; nothing is lost or doubled at the cuts."""
    monkeypatch.setattr(sheets, "_BLOCK", 97)
    rows = [["2023", f"地区{i}", "援助资金", i / 7, "亿元"] for i in range(300)]
    data = uf.openpyxl_book(rows)
    assert fast_path_taken(data)
    fast, slow = both(data)
    assert fast == slow and len(fast[1][0][1]) == 5 * 301


def test_too_many_cells_is_the_same_refusal(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_CELLS", 7)
    fast, slow = both(excel_like())
    assert fast == slow and fast[:2] == ("refused", "upload_too_many_cells")


def test_many_distinct_empty_cells_step_aside(monkeypatch):
    """Empty cells are not counted as cells, but each distinct one is remembered: that memory is bounded too."""
    monkeypatch.setattr(sheets, "MAX_CELLS", 25)   # the sheet has 20 cells with something in them
    monkeypatch.setattr(sheets, "_MEMO_SLACK", 5)
    assert fast_path_taken(excel_like())
    empties = "".join(f'<c r="K{i}" s="{i}"/>' for i in range(1, 40))
    data = excel_like(rows=ROWS.replace('<row r="5">', f'<row r="5">{empties}', 1))
    assert not fast_path_taken(data)
    fast, slow = both(data)
    assert fast == slow and fast[0] == "read"


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


_PIECES = ["<", ">", "/", '"', "&", ";", "=", " ", "\n", "r", "c", "v", "t", "s", "1", "A", "&amp;", "<v>", "</v>",
           "</c>", "<row r=\"9\">", "</row>", "<c r=\"B9\">", "<f/>", "x14ac:", "xml:space=\"preserve\"", "\x00", "中"]


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(st.data())
def test_fuzzed_sheet_xml_gets_the_same_answer(data):
    xml = _sheet_xml(excel_like())
    start, end = xml.index("<sheetData>"), xml.index("</sheetData>") + len("</sheetData>")
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(start, end))
        j = data.draw(st.integers(i, min(i + 12, len(xml))))
        xml = xml[:i] + data.draw(st.sampled_from(_PIECES)) + xml[j:]
    pkg = uf.package([("数据", xml)], shared=SHARED, styles=STYLES)
    fast, slow = both(pkg)
    assert fast == slow


# --- shared strings: the one-pass reader against the parser --------------------------------------------------

SST = [
    "<si><t>期间/年份</t></si><si><t xml:space=\"preserve\"> 地区 </t></si><si><t/></si><si><t></t></si>"
    "<si><t>a&amp;b &lt;c&gt; &#x4E2D;&#25991;</t></si>",
    "<si><t>a</t></si>\n  <si><t>b</t></si>",
    "<si><r><rPr><b/></rPr><t>援建</t></r><r><t>项目</t></r></si><si><t>x</t></si>",
    "<si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh></si>",
    "<si/><si><t>a</t></si>",
    "<si><t>a</t></si><si/>",
    "<si><t>a&nbsp;b</t></si>",
    "<si><t>a&#1;b</t></si>",
    "<si><t><![CDATA[a<b]]></t></si>",
    "<si><t>a</t></si><!-- c --><si><t>b</t></si>",
    "<si><t>a\r\nb</t></si>",
    "<si><t>a</t></si><si><t>b</t>",
    "<si><t>a</t></si>junk<si><t>b</t></si>",
]


def _sst_zip(body: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>\r\n') -> sheets._Zip:
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/sharedStrings.xml", f'{head}<sst xmlns="{MAIN}" count="9">{body}</sst>')
    return sheets._Zip(buf.getvalue())


def _strings(z: sheets._Zip):
    try:
        return sheets._shared_strings(z, "xl/sharedStrings.xml")
    except Exception as exc:  # the parser's own error, compared by type
        return type(exc).__name__


@pytest.mark.parametrize("i", range(len(SST)))
def test_shared_strings_one_pass_or_the_parser_same_answer(i):
    z = _sst_zip(SST[i])
    fast = _strings(z)
    with mock.patch.object(sheets, "_shared_strings_plain", return_value=None):
        slow = _strings(z)
    assert fast == slow
    if i < 2:  # the plain ones are read in one pass
        assert sheets._shared_strings_plain(z.z.read("xl/sharedStrings.xml")) == slow
    if i == 0:
        assert slow == ["期间/年份", " 地区 ", "", "", "a&b <c> 中文"]


def test_shared_strings_declared_in_another_encoding_go_to_the_parser():
    z = _sst_zip("<si><t>a</t></si>", head='<?xml version="1.0" encoding="ISO-8859-1"?>')
    assert sheets._shared_strings_plain(z.z.read("xl/sharedStrings.xml")) is None
    assert _strings(z) == ["a"]


# structure-aware: well-formed sheets built from the pieces real writers use, most of them in the plain form
_VALUES = st.one_of(st.integers(0, 10 ** 9).map(str), st.floats(0, 1e6, allow_nan=False).map(repr),
                    st.sampled_from(["", " 12 ", "1e5", "abc", "0", "45000", "-3", "TRUE"]))
_TEXTS = st.one_of(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
                   st.sampled_from(["a&amp;b", "&#x4E2D;", "&lt;&gt;", "援建项目 ", ""]))


@st.composite
def _cell_xml(draw, ref: str) -> str:
    kind = draw(st.sampled_from(["n", "s", "inline", "str", "b", "e", "f", "fv", "empty", "styled_empty", "d"]))
    s = draw(st.sampled_from(["", ' s="1"', ' s="2"']))
    if kind == "n":
        return f'<c r="{ref}"{s}><v>{draw(_VALUES)}</v></c>'
    if kind == "s":
        return f'<c r="{ref}"{s} t="s"><v>{draw(st.integers(0, len(SHARED) - 1))}</v></c>'
    if kind == "inline":
        space = draw(st.sampled_from(["", ' xml:space="preserve"']))
        from xml.sax.saxutils import escape
        text = draw(_TEXTS)
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text if "&" in text else escape(text)}</t></is></c>'
    if kind in ("str", "e", "d"):
        return f'<c r="{ref}" t="{kind}"><v>{draw(st.sampled_from(["x", "#N/A", "2023-01-02", ""]))}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{draw(st.sampled_from(["0", "1", "true"]))}</v></c>'
    if kind == "f":
        return f'<c r="{ref}"><f>A1+1</f></c>'
    if kind == "fv":
        return f'<c r="{ref}"><f t="shared" si="0"/><v>{draw(_VALUES)}</v></c>'
    if kind == "styled_empty":
        return f'<c r="{ref}" s="1"/>'
    return ""


@st.composite
def _sheet_rows(draw) -> str:
    rows = []
    for r in sorted(draw(st.sets(st.integers(1, 40), max_size=8))):
        attrs = draw(st.sampled_from(["", ' spans="1:5"', ' spans="1:5" x14ac:dyDescent="0.25"', ' ht="20" customHeight="1"',
                                      ' customHeight="1" ht="20"']))
        cols = sorted(draw(st.sets(st.integers(0, 30), max_size=6)))
        cells = "".join(draw(_cell_xml(f"{uf.col(c)}{r}")) for c in cols)
        sep = draw(st.sampled_from(["", "", "\n"]))
        rows.append(f'<row r="{r}"{attrs}/>' if not cells and draw(st.booleans()) else
                    f'<row r="{r}"{attrs}>{sep}{cells}</row>')
    return "".join(rows)


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(_sheet_rows())
def test_well_formed_sheets_get_the_same_cells_and_the_fast_path(rows):
    data = excel_like(rows=rows)
    fast, slow = both(data)
    assert fast == slow
    # built only from the plain form: a sheet that reads at all is read by the fast reader (unless a text holds
    # what it leaves to the parser: the end of a CDATA section, U+FFFE/U+FFFF)
    if fast[0] == "read" and not any(x in rows for x in ("]]>", "\ufffe", "\uffff")):
        assert fast_path_taken(data)


# --- the C tokenizer: it reads the plain chunks itself, and hands anything else to the regex path ----------

@contextmanager
def bulk_calls(**kwargs):
    """The results of sheets._bulk_cells (True: it read the chunk) for the chunks that hold a cell."""
    calls, real = [], sheets._bulk_cells

    def spy(fs, chunk):
        out = real(fs, chunk, **kwargs)
        if b"<c " in chunk:
            calls.append(out)
        return out
    with mock.patch.object(sheets, "_bulk_cells", spy):
        yield calls


def _bulk_outcome(data: bytes, **kwargs):
    with bulk_calls(**kwargs) as calls:
        got = outcome(data)
    return got, calls


@pytest.mark.parametrize("make", [excel_like, uf.openpyxl_book, uf.simple,
                                  lambda: uf.openpyxl_book([["2023", f"地区{i}", "援助资金", i / 7, "亿元"]
                                                            for i in range(300)])])
def test_native_tokenizer_reads_plain_files_itself(tokenizer, make, monkeypatch):
    if tokenizer != "native":
        pytest.skip("native tokenizer only")
    monkeypatch.setattr(sheets, "_BLOCK", 997)   # many chunks, cut at </row>
    data = make()
    got, calls = _bulk_outcome(data)
    assert calls and all(calls)
    with streaming_only():
        assert got == outcome(data)


def test_native_tokenizer_tells_equal_hashes_apart(tokenizer):
    """Rests that share a hash bucket are told apart byte by byte: with every rest in one bucket (weak_hash), the
    same cells as the streaming reader, long rests included."""
    if tokenizer != "native":
        pytest.skip("native tokenizer only")
    long = "长" * 80 + "x"
    rows = ROWS.replace("援建项目 </t>", long + "</t>").replace('<c r="D5" t="d">', f'<c r="E5" t="inlineStr"><is>'
                                                              f'<t>{long}y</t></is></c><c r="F5" t="d">')
    data = excel_like(rows=rows)
    with streaming_only():
        slow = outcome(data)
    for weak in (False, True):
        got, calls = _bulk_outcome(data, weak_hash=weak)
        assert calls == [True] and got == slow and {long, long + "y"} <= {v for _, _, v in got[1][0][1]}


def test_native_tokenizer_leaves_big_chunks_to_the_regex_path(tokenizer, monkeypatch):
    monkeypatch.setattr(sheets, "_NATIVE_MAX", 100)
    got, calls = _bulk_outcome(excel_like())
    assert calls == [False] * len(calls)
    with streaming_only():
        assert got == outcome(excel_like())


@pytest.mark.parametrize("xml, why", [
    ('<row r="1"><c r="a1"><v>1</v></c></row>', "lower-case column"),
    ('<row r="1"><c r="AAAA1"><v>1</v></c></row>', "four letters"),
    ('<row r="1"><c r="A01"><v>1</v></c></row>', "leading zero"),
    ('<row r="1"><c r="A12345678"><v>1</v></c></row>', "eight digits"),
    ('<row r="1"><c r="A1048577"><v>1</v></c></row>', "row past the last"),
    ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "column past the last"),
    ('<row r="1"><c r="A1\'><v>1</v></c></row>', "no closing quote"),
    ('<row r="1"><c s="1" r="A1"><v>1</v></c></row>', "attributes reordered"),
    ('<row r="1"><c r="A', "cut in the address at the chunk's end"),
    ('<row r="1"></row>', "no cell"),
])
def test_native_scan_returns_none_where_the_address_is_not_plain(xml, why):
    assert xlsx_scan.scan(xml.encode(), sheets.MAX_ROW, sheets.MAX_COL) is None, why


def test_native_extension_is_built_from_this_source():
    """The installed xlsx_scan is the one native/xlsx_scan/xlsx_scan.c builds (after editing it: pip install
    ./native/xlsx_scan, or pip install -r requirements.txt)."""
    source = Path(__file__).resolve().parent.parent / "native" / "xlsx_scan" / "xlsx_scan.c"
    assert xlsx_scan.SOURCE_SHA256 == hashlib.sha256(source.read_bytes()).hexdigest(), "stale build: reinstall it"


def test_native_scan_tokens():
    """What scan hands back: the pieces between cells, the distinct rests first seen first, (row, column, rest)."""

    xml = (b'<row r="3" spans="1:3"><c r="B3" t="s"><v>0</v></c><c r="AA3"><v>1</v></c>'
           b'<c r="C3" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"/></row>  ')
    between, rests, cells = xlsx_scan.scan(xml, sheets.MAX_ROW, sheets.MAX_COL)
    assert between == b'<row r="3" spans="1:3">\0</row><row r="1048576">\0</row>  '
    assert rests == [b' t="s"><v>0</v></c>', b'><v>1</v></c>', b'/>']
    assert list(array("i", cells)) == [3, 1, 0, 3, 26, 1, 3, 2, 0, 1048576, 16383, 2]
    rows, cols, idx, no_value = xlsx_scan.assemble(cells, array("i", [5, -2, -1]))
    assert (list(array("i", rows)), list(array("i", cols)), list(array("i", idx))) == ([3, 3], [1, 2], [5, 5])
    assert no_value == [[2, 26]]
    for bad in (array("i", [5, -2]), array("i", [5, -3, -1])):   # a group without a code, a code out of range
        with pytest.raises(ValueError):
            xlsx_scan.assemble(cells, bad)
    with pytest.raises(ValueError):
        xlsx_scan.assemble(cells[:-1], array("i", [5, -2, -1]))


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=400), st.integers(1, 1_048_576), st.integers(1, 16_384))
def test_native_scan_survives_any_bytes(data, max_row, max_col):
    """Arbitrary bytes (and bytes made of the tokens it looks for) never crash it; what it finds is inside the
    chunk and within the limits it was given."""

    for chunk in (data, data.replace(b"\x00", b'<c r="').replace(b"\x01", b"<row").replace(b"\x02", b"</ro")):
        found = xlsx_scan.scan(chunk, max_row, max_col)
        if found is None:
            continue
        between, rests, cells = found
        triples = array("i", cells)
        assert len(triples) % 3 == 0 and len(between) <= len(chunk) + len(triples) // 3
        assert all(1 <= r <= max_row for r in triples[0::3]) and all(0 <= c < max_col for c in triples[1::3])
        assert sorted(set(triples[2::3])) == list(range(len(rests))) and all(r in chunk for r in rests)


_GUARD_TOKENS = [b"sheetData", b"]]>", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"\xef\xbc\x8c", b"\r", b"\t", b"\n", b"\x00",
                 b"\x1f", b" ", b"a", b"D", b"]", b"]]", b"\xef", b"\xef\xbf", b"sheetDat", b"heetData", b"\x7f", b"\xff"]


@settings(max_examples=500, deadline=None, database=None)
@given(st.lists(st.sampled_from(_GUARD_TOKENS), max_size=40), st.integers(0, 70))
def test_native_plain_bytes_is_the_python_guard(tokenizer, tokens, pad):
    """xlsx_scan.plain_bytes gives the Python guard's answer, whatever falls across its 32-byte blocks."""
    if tokenizer != "native":
        pytest.skip("native tokenizer only")
    for chunk in (b"".join(tokens), b"x" * pad + b"".join(tokens), b"".join(tokens) + b"y" * pad):
        native = sheets._plain_bytes(chunk)
        with mock.patch.object(sheets, "_native", None):
            assert sheets._plain_bytes(chunk) == native, chunk


@settings(max_examples=100, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(_sheet_rows())
def test_native_tokenizer_reads_well_formed_sheets_itself(tokenizer, rows):
    data = excel_like(rows=rows)
    got, calls = _bulk_outcome(data)
    with streaming_only():
        assert got == outcome(data)
    if tokenizer == "native" and got[0] == "read" and not any(x in rows for x in ("]]>", "\ufffe", "\uffff")):
        assert all(calls)


def test_sandboxed_child_reads_a_big_plain_sheet_natively(tokenizer):
    """In the child (memory limit, isolated interpreter) a sheet of several chunks gets the streaming cells, read
    by the C tokenizer there (the child finds the extension on the parent's site-packages path)."""
    if tokenizer != "native":
        pytest.skip("once")
    from loaders.upload import sandbox

    # the child's interpreter, flags and import path find the extension
    probe = subprocess.run([sys.executable, "-I", "-S", "-c", "import os, sys; sys.path += os.environ["
                            "'PYTHONPATH'].split(os.pathsep); import xlsx_scan"],
                           env={"PYTHONPATH": sandbox._site_paths()}, capture_output=True)
    assert probe.returncode == 0, probe.stderr

    rows = [["2023", f"地区{i % 40}", "援助资金", i / 7, "亿元", None, f"备注 {i}"] for i in range(6000)]
    data = uf.openpyxl_book(rows)
    assert len(_sheet_xml(data).encode()) > 2 * 256 * 1024
    out = sandbox.read_in_child(data, ".xlsx")
    with streaming_only():
        slow = outcome(data)
    got = [(s["name"], [[int(r), int(c), s["strings"][int(i)]] for r, c, i in zip(s["rows"], s["cols"], s["idx"])])
           for s in out["sheets"]]
    assert got == [(name, cells) for name, cells, _, _ in slow[1]] and len(got[0][1]) == 5 + 6 * 6000
