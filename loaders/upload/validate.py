"""Checks every uploaded row against the dictionaries; each distinct cell text is looked at once."""
from __future__ import annotations

import re

import pandas as pd

from common import dictionaries as d
from common.numbers import (
    MAGNITUDES,
    QUALIFIERS_MID,
    QUALIFIERS_POST,
    QUALIFIERS_PRE,
    NumberError,
    normalize,
    parse_quantity,
)
from loaders.upload.columns import FIELD_ZH
from loaders.upload.read import ReadResult, SheetData

YEAR_MIN, YEAR_MAX = 2000, 2035
ERROR_COLUMNS = ["工作表", "行", "列", "值", "问题", "建议"]
ROW_COLUMNS = ["sheet", "row_number", "period", "year", "region_id", "metric_id", "value", "unit", "qualifier",
               "value_base", "base_unit", "number_text", "note"]
QUALIFIERS = set(QUALIFIERS_PRE) | set(QUALIFIERS_MID) | set(QUALIFIERS_POST)
_BARE_NUMBER = re.compile(r"[\d.,]+")


class _Ok:
    """A look-up that worked: the value(s) to store."""
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


class _Err:
    """A look-up that failed: which field, the problem and the suggestion, all in Chinese."""
    __slots__ = ("field", "problem", "hint")

    def __init__(self, field: str, problem: str, hint: str = ""):
        self.field, self.problem, self.hint = field, problem, hint


# --- one distinct value at a time -----------------------------------------------------------------

def _year(text: str) -> int | None:
    t = normalize(text).strip().removesuffix("年度").removesuffix("年")
    return int(t) if re.fullmatch(r"\d{4}", t) else None


def check_period(period: str, year: str):
    """-> _Ok((period, year)) or _Err."""
    if not period and not year:
        return _Err("period", "期间/年份为空", "请填写期间(如 十四五、2020-2022)或年份(如 2021)")
    y = None
    if year:
        y = _year(year)
        if y is None:
            return _Err("year", f"无法识别的年份“{year}”", "请填写四位数年份，如 2021")
        if not YEAR_MIN <= y <= YEAR_MAX:
            return _Err("year", f"年份 {y} 超出范围({YEAR_MIN}–{YEAR_MAX})", "请检查年份是否填错")
    if period:
        try:
            info = d.period_info(period)
        except ValueError:
            return _Err("period", f"无法识别的期间“{period}”",
                        "请填写五年规划期(如 十三五、十四五)、年份(如 2021)或年份区间(如 2020-2022)")
        if info["start_year"] < YEAR_MIN or info["end_year"] > YEAR_MAX:
            return _Err("period", f"期间“{period}”超出范围({YEAR_MIN}–{YEAR_MAX})", "请检查期间是否填错")
        if y is not None:
            if not info["start_year"] <= y <= info["end_year"]:
                return _Err("year", f"年份 {y} 不在期间“{period}”({info['start_year']}–{info['end_year']})之内",
                            "请核对期间与年份")
            return _Ok((str(y), y))
        return _Ok((info["period"], info["start_year"] if info["kind"] == "year" else None))
    return _Ok((str(y), y))


def check_region(name: str):
    if not name:
        return _Err("region", "地区为空", "请逐行填写地区；合并单元格以外的空白不会自动向下填充")
    rid = d.region_index().resolve(name)
    if rid:
        return _Ok(rid)
    near = d.region_index().suggest(name)
    return _Err("region", f"未知地区“{name}”",
                ("是否为: " + "、".join(near)) if near else "请从模板“字典”工作表的地区列表中选择")


def check_metric(name: str):
    if not name:
        return _Err("metric", "指标为空", "请逐行填写指标")
    mid = d.metric_index().resolve(name)
    if mid:
        return _Ok(mid)
    near = d.metric_index().suggest(name)
    return _Err("metric", f"未知指标“{name}”",
                ("是否为: " + "、".join(near)) if near else "请从模板“字典”工作表的指标列表中选择")


def check_value(text: str, unit: str):
    if not text:
        return _Err("value", "数值为空", "请填写数值")
    try:
        return _Ok(parse_quantity(text, default_unit=unit or None))
    except NumberError as exc:
        s = normalize(text).strip()
        if not unit and _BARE_NUMBER.fullmatch(s.rstrip("".join(MAGNITUDES))):
            return _Err("unit", f"数值“{text}”没有单位", "请在“单位”列填写单位，如 亿元、万元、个、人次")
        if exc.reason == "unit_mismatch" or (unit and _BARE_NUMBER.fullmatch(s)):
            return _Err("unit", f"无法识别的单位“{unit}”" if exc.reason != "unit_mismatch" else str(exc),
                        "单位请填写如 元、万元、亿元、个、项、人次、万人次、%")
        return _Err("value", str(exc), "数值只填数字(可带单位或 约、余 等限定词)，不要填公式或文字说明")


def check_fit(metric_id: str, unit: str, family: str):
    row = d.metric_index().rows[metric_id]
    allowed = d.split_list(row["units"])
    if family == row["unit_family"] and unit in allowed:
        return None
    return _Err("unit", f"单位“{unit}”不适用于指标“{row['name_zh']}”", "可用单位: " + "、".join(allowed))


def check_qualifier(text: str):
    q = normalize(text).strip()
    if q in QUALIFIERS:
        return _Ok(q)
    return _Err("qualifier", f"无法识别的限定词“{text}”", "可用: " + "、".join(sorted(QUALIFIERS, key=len)))


# --- whole sheets ---------------------------------------------------------------------------------

def _lookup(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value, mapped back onto every row."""
    uniq = pd.unique(series)
    results = {u: fn(u) for u in uniq}
    return series.map(results)


def validate_sheet(sheet: SheetData) -> tuple[pd.DataFrame, list[dict]]:
    """(valid rows in ROW_COLUMNS, error dicts) for one sheet."""
    c = sheet.cells
    n = len(c)
    if n == 0:
        return pd.DataFrame(columns=ROW_COLUMNS), []
    blank = pd.Series([""] * n, index=c.index, dtype=object)
    col = lambda f: c[f] if f in c else blank  # noqa: E731
    header_unit = sheet.header_units.get("value", "")
    units = col("unit").where(col("unit") != "", header_unit)

    checks: dict[str, pd.Series] = {
        "period": _lookup(col("period") + "\x1f" + col("year"), lambda k: check_period(*k.split("\x1f"))),
        "region": _lookup(col("region"), check_region),
        "metric": _lookup(col("metric"), check_metric),
        "value": _lookup(col("value") + "\x1f" + units, lambda k: check_value(*k.split("\x1f"))),
    }
    if "qualifier" in c:
        checks["qualifier"] = _lookup(col("qualifier"), lambda q: check_qualifier(q) if q else _Ok(None))

    errors: list[dict] = []
    bad = pd.Series(False, index=c.index)
    rows = sheet.rows

    def report(i: int, e: _Err, value_field: str | None = None) -> None:
        f = value_field or e.field
        if (rows[i], f) in sheet.formula_no_value or (
                f == "period" and (rows[i], "year") in sheet.formula_no_value):
            e = _Err(f, "公式没有缓存值", "请在 Excel 中打开并保存文件(让公式算出结果)，或把公式改成数值")
        label_field = f if f in sheet.columns else ("year" if f == "period" and "year" in sheet.columns else f)
        cell = c.at[c.index[i], f] if f in c else ""
        if f == "unit" and not cell:
            cell = c.at[c.index[i], "value"]
            label_field = "unit" if "unit" in sheet.columns else "value"
        errors.append({"工作表": sheet.name, "行": rows[i], "列": sheet.columns.get(label_field, FIELD_ZH.get(label_field)),
                       "值": cell, "问题": e.problem, "建议": e.hint})

    for name, s in checks.items():
        is_err = s.map(lambda r: isinstance(r, _Err)).to_numpy()
        for i in is_err.nonzero()[0]:
            e = s.iat[i]
            report(i, e, "value" if name == "value" and e.field == "value" else None)
        bad |= is_err

    ok = pd.Series(~(checks["metric"].map(lambda r: isinstance(r, _Err)).to_numpy()
                     | checks["value"].map(lambda r: isinstance(r, _Err)).to_numpy()), index=c.index)
    # the unit must fit the metric; checked once per (metric, unit, family)
    metric_ids = checks["metric"].map(lambda r: r.v if isinstance(r, _Ok) else None)
    q = checks["value"].map(lambda r: r.v if isinstance(r, _Ok) else None)
    fit_key = pd.Series([f"{m}\x1f{x.unit}\x1f{x.family}" if ok.iat[i] else "" for i, (m, x) in
                         enumerate(zip(metric_ids, q))], index=c.index)
    fits = _lookup(fit_key, lambda k: check_fit(*k.split("\x1f")) if k else None)
    for i in fits.map(lambda r: r is not None).to_numpy().nonzero()[0]:
        report(i, fits.iat[i])
        bad.iat[i] = True

    keep = (~bad).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=ROW_COLUMNS), errors
    per = checks["period"][keep].map(lambda r: r.v)
    qs = q[keep]
    mids = metric_ids[keep]
    base_units = mids.map(lambda m: d.metric_index().rows[m]["base_unit"])
    qualifier = qs.map(lambda x: x.qualifier)
    if "qualifier" in checks:
        qualifier = qualifier.where(qualifier.notna(), checks["qualifier"][keep].map(lambda r: r.v))
    out = pd.DataFrame({
        "sheet": sheet.name,
        "row_number": pd.Series(rows, index=c.index)[keep],
        "period": per.map(lambda p: p[0]),
        "year": per.map(lambda p: p[1]).astype("Int64"),
        "region_id": checks["region"][keep].map(lambda r: r.v),
        "metric_id": mids,
        "value": qs.map(lambda x: x.value).astype(float),
        "unit": qs.map(lambda x: x.unit),
        "qualifier": qualifier,
        "value_base": qs.map(lambda x: x.value_base).astype(float),
        "base_unit": base_units,
        "number_text": col("value")[keep],
        "note": col("note")[keep].replace("", None),
    })
    return out.reset_index(drop=True), errors


def validate(read: ReadResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, error table) for a whole file; rows repeating an earlier row's key are errors."""
    frames, errors = [], list(read.errors)
    for sheet in read.sheets:
        rows, errs = validate_sheet(sheet)
        frames.append(rows)
        errors.extend(errs)
    frames = [f for f in frames if len(f)]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)
    if len(rows):
        key = ["period", "region_id", "metric_id"]
        dup = rows.duplicated(key, keep=False)
        if dup.any():
            first = rows[dup].groupby(key, sort=False)[["sheet", "row_number"]].transform("first")
            later = rows[dup & rows.duplicated(key, keep="first")]
            labels = {s.name: s.columns for s in read.sheets}
            for i, r in later.iterrows():
                f = first.loc[i]
                where = f"第 {f.row_number} 行" if f.sheet == r.sheet else f"工作表“{f.sheet}”第 {f.row_number} 行"
                errors.append({"工作表": r.sheet, "行": r.row_number,
                               "列": labels[r.sheet].get("metric", "指标"), "值": r.number_text,
                               "问题": f"与{where}重复(同一期间、地区、指标)",
                               "建议": "请删除重复的行，或把数值合并为一行"})
            rows = rows[~rows.duplicated(key, keep="first")].reset_index(drop=True)
    err = pd.DataFrame(errors, columns=ERROR_COLUMNS)
    if len(err):
        err["行"] = err["行"].astype("Int64")
        order = {s.name: i for i, s in enumerate(read.sheets)}
        err = (err.assign(_s=err["工作表"].map(order).fillna(-1)).sort_values(["_s", "行"], kind="stable")
               .drop(columns="_s").reset_index(drop=True))
    return rows, err
