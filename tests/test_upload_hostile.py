"""Hostile and odd files, each a class of its own: every one ends in a clear coded error or the right rows.

Never a traceback, never a silent partial import: a file either comes in whole (every visible sheet read) or is
refused with a code that names the sheet and the reason. The command line is run on a sample of them too.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
import upload_files as uf
from conftest import ROOT

from common.messages import text
from loaders.upload import UploadError, prepare
from loaders.upload.sandbox import SandboxError, read_in_child

# --- builders, one per class of file -------------------------------------------------------------


def truncated_zip():
    data = uf.simple()
    return data[: len(data) // 2], "cut.xlsx"


def stray_far_cell():
    return uf.simple(extra_cells='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'), \
        "stray.xlsx"


def stray_far_cell_openpyxl():
    return uf.openpyxl_book(setup=lambda wb, ws: ws.cell(row=1048576, column=16384, value="x")), "stray2.xlsx"


def huge_dimension():
    return uf.simple(dimension="A1:XFD1048576"), "dim.xlsx"


def damaged_second_sheet():
    good = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    bad = uf.sheet_xml([uf.HEAD, ["2022", "新疆喀什", "援建项目", "3", "个"]])[:-40]  # cut mid-tag
    return uf.package([("数据", good), ("补充", bad)]), "damaged2.xlsx"


def damaged_first_sheet():
    return uf.package([("数据", "<worksheet><sheetData><row r='1'><c r='A1'")]), "damaged1.xlsx"


def missing_sheet_part():
    return uf.package([("数据", uf.sheet_xml([uf.HEAD, *uf.GOOD])), ("丢失", None)]), "missing.xlsx"


def shared_string_out_of_range():
    xml = uf.sheet_xml([uf.HEAD, *uf.GOOD]).replace("</sheetData>", '<row r="9"><c r="A9" t="s"><v>99</v></c>'
                                                                     "</row></sheetData>")
    return uf.package([("数据", xml)], shared=["a"]), "sst.xlsx"


def bad_cell_reference():
    xml = uf.sheet_xml([uf.HEAD, *uf.GOOD]).replace("</sheetData>", '<row r="9"><c r="QQQQ9"><v>1</v></c>'
                                                                     "</row></sheetData>")
    return uf.package([("数据", xml)]), "ref.xlsx"


def billion_laughs():
    xml = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;'
           '&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
           '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;'
           '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'
           '&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
           f']><worksheet {uf.NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol7;</t></is></c></row>'
           '</sheetData></worksheet>')
    return uf.package([("数据", xml)]), "lol.xlsx"


def zip_bomb():
    return uf.zip_bomb(), "bomb.xlsx"


def encrypted():
    return uf.fake_encrypted(), "secret.xlsx"


def csv_renamed_xlsx():
    return uf.csv_bytes(), "table.xlsx"


def xlsx_renamed_csv():
    return uf.simple(), "table.csv"


def zip_without_workbook():
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    return buf.getvalue(), "zip.xlsx"


def xls_garbage():
    return b"\x09\x08\x10\x00" + bytes(range(256)) * 8, "old.xls"


def cfb_not_encrypted():
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000, "cfb.xlsx"


def empty_file():
    return b"", "empty.xlsx"


def only_headers():
    return uf.simple(rows=[]), "head.xlsx"


def only_headers_csv():
    return uf.csv_bytes(rows=[]), "head.csv"


def all_sheets_empty():
    return uf.package([("空", uf.sheet_xml([]))]), "blank.xlsx"


def merged_period():
    def setup(wb, ws):
        ws["A3"] = None
        ws["A4"] = None
        ws.merge_cells("A2:A4")
    rows = [["2023", "新疆喀什", "援助资金", 1, "亿元"], [None, "新疆喀什", "援建项目", 2, "个"],
            [None, "云南四州市", "援助资金", 3, "亿元"]]
    return uf.openpyxl_book(rows, setup=setup), "merged.xlsx"


def formulas_with_values():
    xml = uf.sheet_xml([uf.HEAD]).replace("</sheetData>", '<row r="2"><c r="A2" t="inlineStr"><is><t>2023</t></is>'
                                          '</c><c r="B2" t="inlineStr"><is><t>新疆喀什</t></is></c><c r="C2" '
                                          't="inlineStr"><is><t>援助资金</t></is></c><c r="D2"><f>1+2</f><v>3</v>'
                                          '</c><c r="E2" t="str"><f>"亿"&amp;"元"</f><v>亿元</v></c></row>'
                                          "</sheetData>")
    return uf.package([("数据", xml)]), "formula.xlsx"


def formula_without_value():
    return uf.openpyxl_book([["2023", "新疆喀什", "援助资金", "=1+2", "亿元"]]), "nocache.xlsx"


def formulas_only_row():
    rows = [["2023", "新疆喀什", "援助资金", "1", "亿元"], ["=A2", "=B2", "=C2", "=D2*2", "=E2"]]
    return uf.openpyxl_book(rows), "formula_row.xlsx"


def error_cells():
    xml = uf.sheet_xml([uf.HEAD]).replace("</sheetData>", '<row r="2"><c r="A2" t="inlineStr"><is><t>2023</t></is>'
                                          '</c><c r="B2" t="inlineStr"><is><t>新疆喀什</t></is></c><c r="C2" '
                                          't="inlineStr"><is><t>援助资金</t></is></c><c r="D2" t="e"><f>1/0</f>'
                                          '<v>#DIV/0!</v></c><c r="E2" t="inlineStr"><is><t>亿元</t></is></c></row>'
                                          "</sheetData>")
    return uf.package([("数据", xml)]), "div0.xlsx"


def error_literal_csv():
    return uf.csv_bytes([["2023", "新疆喀什", "援助资金", "#N/A", "亿元"]]), "na.csv"


def date_in_period():
    import datetime as dt
    return uf.openpyxl_book([[dt.datetime(2023, 1, 1), "新疆喀什", "援助资金", 1, "亿元"]]), "date.xlsx"


def unicode_tricks():
    rows = [["２０２３", "新疆\u200b喀什", "援助资金", "１.５", "亿元"], ["2024", "\u00a0新疆喀什 ", "援助资金", "2", "亿元"]]
    return uf.openpyxl_book(rows), "uni.xlsx"


def rtl_override():
    return uf.openpyxl_book([["2023", "\u202e什喀疆新", "援助资金", 1, "亿元"]]), "rtl.xlsx"


def bom_csv():
    return uf.csv_bytes(bom=b"\xef\xbb\xbf"), "bom.csv"


def semicolon_csv():
    return uf.csv_bytes(sep=";"), "semi.csv"


def semicolon_csv_with_errors():
    return uf.csv_bytes([["2023", "喀什地去", "援助资金", "1", "亿元"]], sep=";"), "semi_bad.csv"


def gbk_csv():
    return uf.csv_bytes(encoding="gbk"), "gbk.csv"


def utf16_csv():
    return uf.utf16_bom("\r\n".join(",".join(r) for r in [uf.HEAD, *uf.GOOD])), "utf16.csv"


def tab_csv():
    return uf.csv_bytes(sep="\t"), "tab.csv"


def nul_csv():
    return b"a,b\x00c\n" + b"\x00" * 20, "nul.csv"


def huge_field_csv():
    return uf.csv_bytes([["2023", "新疆喀什", "援助资金", '"' + "1" * 200_000 + '"', "亿元"]]), "field.csv"


def formula_injection():
    return uf.simple([["2023", '=HYPERLINK("http://evil.example/x","点我")', "援助资金", "1", "亿元"]]), "inject.xlsx"


def formula_injection_note():
    head = [*uf.HEAD, "来源或备注"]
    return uf.csv_bytes([["2023", "新疆喀什", "援助资金", "1", "亿元", "=cmd|' /C calc'!A0"]], head=head), "note.csv"


def very_long_region():
    return uf.openpyxl_book([["2023", "喀" * 32_000, "援助资金", 1, "亿元"]]), "long.xlsx"


def very_long_note():
    head = [*uf.HEAD, "来源或备注"]
    return uf.openpyxl_book([["2023", "新疆喀什", "援助资金", 1, "亿元", "备" * 5000]], head=head), "longnote.xlsx"


def duplicate_sheet_names():
    xml = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    return uf.package([("数据", xml), ("数据", xml)]), "dupnames.xlsx"


def duplicate_sheet_names_case():
    xml = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    return uf.package([("Data", xml), ("DATA", xml)]), "dupcase.xlsx"


def hidden_sheet():
    good = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    draft = uf.sheet_xml([uf.HEAD, ["2023", "喀什地去", "援助资金", "9", "亿元"]])
    return uf.package([("数据", good), ("草稿", draft), ("旧", draft)],
                      states={"草稿": "hidden", "旧": "veryHidden"}), "hidden.xlsx"


def chart_sheet():
    good = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    return uf.package([("数据", good), ("图表", '<chartsheet/>')], sheet_kinds={"图表": "chartsheet"}), "chart.xlsx"


def wide_metrics():
    head = ["年份", "地区", "援助资金(亿元)", "援建项目(个)"]
    rows = [["2023", "新疆喀什", "1.5", "12"], ["2024", "新疆喀什", "2", None]]
    return uf.simple(rows, head=head), "wide_m.xlsx"


def wide_years():
    head = ["地区", "指标", "单位", "2021年", "2022年", "2023年"]
    rows = [["新疆喀什", "援助资金", "亿元", "1", "2", "3"], ["云南四州市", "援建项目", "个", "5", None, "7"]]
    return uf.simple(rows, head=head), "wide_y.xlsx"


def wide_with_bad_cell():
    head = ["年份", "地区", "援助资金(亿元)", "援建项目(个)"]
    return uf.simple([["2023", "新疆喀什", "1.5", "很多"]], head=head), "wide_bad.xlsx"


def xlsm_with_macros():
    return uf.package([("数据", uf.sheet_xml([uf.HEAD, *uf.GOOD]))], extra={"xl/vbaProject.bin": b"\x00VBA" * 100}), \
        "macro.xlsm"


def negative_value():
    return uf.simple([["2023", "新疆喀什", "援助资金", "-5", "亿元"]]), "neg.xlsx"


def year_1890():
    return uf.simple([["1890", "新疆喀什", "援助资金", "5", "亿元"]]), "1890.xlsx"


def english_region():
    return uf.simple([["2023", "Kashgar", "援助资金", "5", "亿元"]]), "en.xlsx"


def data_beside_free_text():
    good = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    notes = uf.sheet_xml([["本表为2023年度对口支援资金统计，数据来源：各前方指挥部报送。"], ["如有疑问请联系办公室。"]])
    return uf.package([("数据", good), ("说明", notes)]), "withtext.xlsx"


def title_rows_above_header():
    return uf.package([("数据", uf.sheet_xml([["2023年对口支援统计"], [], uf.HEAD, *uf.GOOD]))]), "title.xlsx"


def english_headers_reordered():
    head = ["Value", "Unit", "Region", "Metric", "Year"]
    rows = [["1", "亿元", "新疆喀什", "援助资金", "2023"], ["2", "亿元", "新疆喀什", "援助资金", "2024"]]
    return uf.simple(rows, head=head), "english.xlsx"


def booleans_as_values():
    xml = uf.sheet_xml([uf.HEAD]).replace("</sheetData>", '<row r="2"><c r="A2"><v>2023</v></c><c r="B2" '
                                          't="inlineStr"><is><t>新疆喀什</t></is></c><c r="C2" t="inlineStr"><is><t>'
                                          '援助资金</t></is></c><c r="D2" t="b"><v>1</v></c><c r="E2" t="inlineStr">'
                                          '<is><t>亿元</t></is></c></row></sheetData>')
    return uf.package([("数据", xml)]), "bool.xlsx"


def duplicate_rows_across_sheets():
    xml = uf.sheet_xml([uf.HEAD, *uf.GOOD])
    return uf.package([("一", xml), ("二", xml)]), "twice.xlsx"


def shared_strings_and_styles():
    styles = ('<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.00&quot;亿&quot;"/></numFmts>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>')
    xml = uf.sheet_xml([]).replace("<sheetData></sheetData>", '<sheetData><row r="1">' + "".join(
        f'<c r="{uf.col(j)}1" t="s"><v>{j}</v></c>' for j in range(5)) + '</row><row r="2"><c r="A2"><v>2023</v>'
        '</c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>6</v></c><c r="D2" s="1"><v>1.25</v></c>'
        '<c r="E2" t="s"><v>7</v></c></row></sheetData>')
    return uf.package([("数据", xml)], shared=[*uf.HEAD, "新疆喀什", "援助资金", "亿元"], styles=styles), "sst_ok.xlsx"


def rows_without_r_attribute():
    xml = (f'<?xml version="1.0"?><worksheet {uf.NS}><sheetData><row>' +
           "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in uf.HEAD) + "</row><row>" +
           "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in uf.GOOD[0]) + "</row></sheetData></worksheet>")
    return uf.package([("数据", xml)]), "nor.xlsx"


def unsupported_type():
    return b"%PDF-1.4", "report.pdf"


# (builder, expected): ("error", code) | ("rows", n) | ("errors", {problem codes}); notes: codes among the notes
CASES = {
    "truncated_zip": (truncated_zip, ("error", "upload_not_workbook")),
    "zip_bomb": (zip_bomb, ("error", "upload_zip_bomb")),
    "stray_far_cell": (stray_far_cell, ("rows", 2)),
    "stray_far_cell_openpyxl": (stray_far_cell_openpyxl, ("rows", 2)),
    "huge_dimension": (huge_dimension, ("rows", 2)),
    "damaged_second_sheet": (damaged_second_sheet, ("error", "upload_sheet_damaged")),
    "damaged_first_sheet": (damaged_first_sheet, ("error", "upload_sheet_damaged")),
    "missing_sheet_part": (missing_sheet_part, ("error", "upload_sheet_damaged")),
    "shared_string_out_of_range": (shared_string_out_of_range, ("error", "upload_sheet_damaged")),
    "bad_cell_reference": (bad_cell_reference, ("error", "upload_sheet_damaged")),
    "billion_laughs": (billion_laughs, ("error", "upload_sheet_damaged")),
    "encrypted": (encrypted, ("error", "upload_encrypted")),
    "csv_renamed_xlsx": (csv_renamed_xlsx, ("error", "upload_not_workbook")),
    "xlsx_renamed_csv": (xlsx_renamed_csv, ("error", "upload_wrong_extension_csv")),
    "zip_without_workbook": (zip_without_workbook, ("error", "upload_not_workbook")),
    "xls_garbage": (xls_garbage, ("error", "upload_not_workbook")),
    "cfb_not_encrypted": (cfb_not_encrypted, ("error", "upload_not_workbook")),
    "empty_file": (empty_file, ("error", "upload_empty")),
    "only_headers": (only_headers, ("error", "upload_only_headers")),
    "only_headers_csv": (only_headers_csv, ("error", "upload_only_headers")),
    "all_sheets_empty": (all_sheets_empty, ("error", "upload_no_sheets")),
    "unsupported_type": (unsupported_type, ("error", "upload_bad_type")),
    "merged_period": (merged_period, ("rows", 3)),
    "formulas_with_values": (formulas_with_values, ("rows", 1)),
    "formula_without_value": (formula_without_value, ("errors", {"v_formula_no_value"})),
    "formulas_only_row": (formulas_only_row, ("errors", {"v_formula_no_value"})),
    "error_cells": (error_cells, ("errors", {"v_error_cell"})),
    "error_literal_csv": (error_literal_csv, ("errors", {"v_error_cell"})),
    "date_in_period": (date_in_period, ("errors", {"v_period_date"})),
    "unicode_tricks": (unicode_tricks, ("rows", 2)),
    "rtl_override": (rtl_override, ("errors", {"v_region_unknown"})),
    "bom_csv": (bom_csv, ("rows", 2)),
    "semicolon_csv": (semicolon_csv, ("rows", 2)),
    "semicolon_csv_with_errors": (semicolon_csv_with_errors, ("errors", {"v_region_unknown"})),
    "gbk_csv": (gbk_csv, ("rows", 2)),
    "utf16_csv": (utf16_csv, ("rows", 2)),
    "tab_csv": (tab_csv, ("rows", 2)),
    "nul_csv": (nul_csv, ("error", "upload_csv_binary")),
    "huge_field_csv": (huge_field_csv, ("error", "upload_csv_damaged")),
    "formula_injection": (formula_injection, ("errors", {"v_region_unknown"})),
    "formula_injection_note": (formula_injection_note, ("rows", 1)),
    "very_long_region": (very_long_region, ("errors", {"v_region_unknown"})),
    "very_long_note": (very_long_note, ("errors", {"v_note_long"})),
    "duplicate_sheet_names": (duplicate_sheet_names, ("error", "upload_duplicate_sheet_names")),
    "duplicate_sheet_names_case": (duplicate_sheet_names_case, ("error", "upload_duplicate_sheet_names")),
    "hidden_sheet": (hidden_sheet, ("rows", 2)),
    "chart_sheet": (chart_sheet, ("rows", 2)),
    "wide_metrics": (wide_metrics, ("rows", 3)),
    "wide_years": (wide_years, ("rows", 5)),
    "wide_with_bad_cell": (wide_with_bad_cell, ("errors", {"v_value_not_number"})),
    "xlsm_with_macros": (xlsm_with_macros, ("rows", 2)),
    "negative_value": (negative_value, ("errors", {"v_value_negative"})),
    "year_1890": (year_1890, ("errors", {"v_period_range"})),
    "english_region": (english_region, ("errors", {"v_region_unknown"})),
    "data_beside_free_text": (data_beside_free_text, ("errors", {"upload_no_header"})),
    "title_rows_above_header": (title_rows_above_header, ("rows", 2)),
    "english_headers_reordered": (english_headers_reordered, ("rows", 2)),
    "booleans_as_values": (booleans_as_values, ("errors", {"v_value_not_number"})),
    "duplicate_rows_across_sheets": (duplicate_rows_across_sheets, ("errors", {"v_dup_other_sheet"})),
    "shared_strings_and_styles": (shared_strings_and_styles, ("rows", 1)),
    "rows_without_r_attribute": (rows_without_r_attribute, ("rows", 1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file(case, built):
    build, (kind, expected) = CASES[case]
    data, name = build()
    if kind == "error":
        with pytest.raises(UploadError) as info:
            prepare(data, name, built)
        err = info.value
        assert err.code == expected, (err.code, str(err))
        assert str(err) and err.message("en") and err.message("en") != str(err)
        return
    pv = prepare(data, name, built)
    codes = {r["problem"][0] for r in pv.error_records}
    if kind == "rows":
        assert not codes, pv.errors.to_dict("records")
        assert len(pv.rows) == expected
        assert pv.rows["value_base"].notna().all() and (pv.rows["value_base"] >= 0).all()
    else:
        assert expected <= codes, (codes, pv.errors.to_dict("records"))
        assert not pv.ok  # nothing of a file with errors can be committed
        en = pv.error_table("en")
        assert list(en.columns) == ["Sheet", "Row", "Column", "Value", "Problem", "Suggestion"]
        assert en["Problem"].str.len().gt(0).all()


def test_there_are_at_least_forty_classes():
    assert len(CASES) >= 40


def test_damaged_second_sheet_names_the_sheet(built):
    with pytest.raises(UploadError) as info:
        prepare(*damaged_second_sheet(), built)
    assert "补充" in str(info.value) and "补充" in info.value.message("en")
    assert "不是数据表" not in str(info.value)


def test_encrypted_says_password_and_how(built):
    with pytest.raises(UploadError) as info:
        prepare(*encrypted(), built)
    assert "密码" in str(info.value) and "删除密码" in str(info.value)
    assert "password" in info.value.message("en")


def test_specific_messages(built):
    pv = prepare(*year_1890(), built)
    assert "2000–2035" in pv.errors.iloc[0]["问题"]
    pv = prepare(*negative_value(), built)
    assert "负数" in pv.errors.iloc[0]["问题"] and "negative" in pv.error_table("en").iloc[0]["Problem"]
    pv = prepare(*english_region(), built)
    assert "新疆喀什" in pv.errors.iloc[0]["建议"]
    pv = prepare(*error_cells(), built)
    assert "#DIV/0!" in pv.errors.iloc[0]["问题"] and "为空" not in pv.errors.iloc[0]["问题"]
    pv = prepare(*semicolon_csv_with_errors(), built)
    assert pv.errors.iloc[0]["行"] == 2


def test_wide_layout_is_read_and_labelled(built):
    pv = prepare(*wide_metrics(), built)
    r = pv.rows.sort_values(["period", "metric_id"]).reset_index(drop=True)
    assert list(zip(r["period"], r["metric_id"], r["value_base"])) == [
        ("2023", "aid_funding", 1.5e8), ("2023", "aid_projects", 12.0), ("2024", "aid_funding", 2e8)]
    assert set(r["cell"]) == {"C", "D"}
    assert any("宽表" in n for n in pv.notes) and any("wide" in n for n in pv.note_texts("en"))
    pv = prepare(*wide_years(), built)
    assert sorted(pv.rows["period"]) == ["2021", "2021", "2022", "2023", "2023"]
    bad = prepare(*wide_with_bad_cell(), built)
    assert bad.errors.iloc[0]["列"] == "援建项目(个) (D)" and bad.errors.iloc[0]["行"] == 2


def test_xlsm_macros_ignored_and_said(built):
    pv = prepare(*xlsm_with_macros(), built)
    assert any("宏" in n for n in pv.notes) and any("macros" in n for n in pv.note_texts("en"))


def test_hidden_and_chart_sheets_are_said(built):
    pv = prepare(*hidden_sheet(), built)
    assert pv.sheets == ["数据"] and sum("隐藏" in n for n in pv.notes) == 2
    pv = prepare(*chart_sheet(), built)
    assert any("图表" in n for n in pv.notes)


def test_child_memory_limit_and_timeout_are_clean():
    data, _ = stray_far_cell()
    with pytest.raises(SandboxError) as info:
        read_in_child(data, ".xlsx", timeout=0.001)
    assert info.value.code == "upload_timeout"
    with pytest.raises(SandboxError) as info:
        read_in_child(b"x" * 30_000_000, ".csv", memory_mb=60)
    assert info.value.code in ("upload_memory", "upload_child_failed")
    assert text(info.value.code, "zh", mb="60", detail="x")


def test_dense_reader_would_abort_but_the_server_keeps_going():
    """The failure this guards against: python-calamine on the stray-cell file aborts its process (SIGABRT)."""
    data, _ = stray_far_cell()
    code = ("import sys, io, resource; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30));"
            "from python_calamine import CalamineWorkbook as W; wb = W.from_filelike(io.BytesIO(sys.stdin.buffer.read()));"
            "wb.get_sheet_by_name('数据').to_python()")
    proc = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=60)
    assert proc.returncode != 0  # the dense reader dies (in its own process)
    assert read_in_child(data, ".xlsx")["sheets"][0]["cells"][-1] == [1048575, 16383, "x"]  # ours reads it


CLI_SAMPLE = ["data_beside_free_text", "wide_metrics", "semicolon_csv_with_errors"]  # the three that printed tracebacks


def test_cli_never_prints_a_traceback(path, tmp_path):
    files = []
    for case in CLI_SAMPLE:
        data, name = CASES[case][0]()
        f = tmp_path / name
        f.write_bytes(data)
        files.append((case, f))
    for case, f in files:
        r = subprocess.run([sys.executable, "-m", "loaders", "import", str(f), "--db", str(path), "--dry-run"],
                           capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert "Traceback" not in r.stderr + r.stdout, (case, r.stderr)
        kind = CASES[case][1][0]
        assert r.returncode == (0 if kind == "rows" else 1), (case, r.returncode, r.stderr)
        if kind == "errors":
            assert "工作表,行,列,值,问题,建议" in r.stdout
    case, f = files[2]
    r = subprocess.run([sys.executable, "-m", "loaders", "import", str(f), "--db", str(path), "--lang", "en"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and "Sheet,Row,Column,Value,Problem,Suggestion" in r.stdout
    assert "Unknown region" in r.stdout
