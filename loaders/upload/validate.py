"""Checks every uploaded row against the dictionaries; each distinct cell text is looked at once.

Problems are coded records (sheet, row, column, value, problem code + params, hint code + params) rendered by
error_table() in either language, so the page, the command line and the downloads show the same table.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from common import dictionaries as d
from common.messages import text
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
from loaders.upload.sheets import ERROR_LITERALS

YEAR_MIN, YEAR_MAX = 2000, 2035
ERROR_COLUMNS = ["工作表", "行", "列", "值", "问题", "建议"]
ERROR_COLUMNS_EN = ["Sheet", "Row", "Column", "Value", "Problem", "Suggestion"]
ROW_COLUMNS = ["sheet", "row_number", "period", "year", "region_id", "metric_id", "value", "unit", "qualifier",
               "value_base", "base_unit", "number_text", "note", "cell"]
QUALIFIERS = set(QUALIFIERS_PRE) | set(QUALIFIERS_MID) | set(QUALIFIERS_POST)
_BARE_NUMBER = re.compile(r"[\d.,]+")
_NEGATIVE = re.compile(r"^\s*[-−－]\s*\d")
_YEARISH = re.compile(r"^(\d{4})(?:年)?(?:\s*[-–—~至到]\s*(\d{4})(?:年)?)?$")
NOTE_MAX = 2000
SHOWN_MAX = 120  # a cell value is cut to this many characters in the error table


class _Ok:
    """A look-up that worked: the value(s) to store."""
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


class _Err:
    """A look-up that failed: which field, the problem and the suggestion, as message codes with params."""
    __slots__ = ("field", "code", "params", "hint", "hint_params")

    def __init__(self, field: str, code: str, params: dict | None = None, hint: str = "",
                 hint_params: dict | None = None):
        self.field, self.code, self.params = field, code, params or {}
        self.hint, self.hint_params = hint, hint_params or {}

    @property
    def problem(self) -> str:
        return text(self.code, "zh", **_lang_params(self.params, "zh"))


def _lang_params(params: dict, lang: str) -> dict:
    """Lists (suggestions) joined the way each language writes a list."""
    sep = "、" if lang == "zh" else ", "
    out = {}
    for k, v in params.items():
        if isinstance(v, dict) and "zh" in v:  # a name in both languages
            v = v.get(lang) or v["zh"]
        out[k] = sep.join(map(str, v)) if isinstance(v, (list, tuple)) else v
    return out


def _shown(value: str) -> str:
    value = str(value)
    return value if len(value) <= SHOWN_MAX else value[:SHOWN_MAX] + "…"


# --- one distinct value at a time -----------------------------------------------------------------

def _year(text_: str) -> int | None:
    t = normalize(text_).strip().removesuffix("年度").removesuffix("年")
    return int(t) if re.fullmatch(r"\d{4}", t) else None


def _error_cell(text_: str) -> bool:
    return text_.strip().upper() in ERROR_LITERALS


def check_period(period: str, year: str):
    """-> _Ok((period, year)) or _Err."""
    if not period and not year:
        return _Err("period", "v_period_empty", hint="v_period_empty_hint")
    for f, v in (("period", period), ("year", year)):
        if v and _error_cell(v):
            return _Err(f, "v_error_cell", {"v": v.strip()}, "v_error_cell_hint")
    y = None
    rng = {"lo": YEAR_MIN, "hi": YEAR_MAX}
    if year:
        y = _year(year)
        if y is None:
            return _Err("year", "v_year_bad", {"v": _shown(year)}, "v_year_bad_hint", rng)
        if not YEAR_MIN <= y <= YEAR_MAX:
            return _Err("year", "v_year_range", {"y": y, **rng}, "v_year_range_hint")
    if period:
        try:
            info = d.period_info(period)
        except ValueError:
            m = _YEARISH.match(normalize(period).strip())
            if m and any(not YEAR_MIN <= int(g) <= YEAR_MAX for g in m.groups() if g):
                return _Err("period", "v_period_range", {"v": _shown(period), **rng}, "v_year_range_hint")
            if re.match(r"^\d{4}-\d{2}-\d{2}", period.strip()):
                return _Err("period", "v_period_date", {"v": period}, "v_period_date_hint")
            return _Err("period", "v_period_bad", {"v": _shown(period)}, "v_period_bad_hint", rng)
        if info["start_year"] < YEAR_MIN or info["end_year"] > YEAR_MAX:
            return _Err("period", "v_period_range", {"v": period, **rng}, "v_year_range_hint")
        if y is not None:
            if not info["start_year"] <= y <= info["end_year"]:
                return _Err("year", "v_year_outside", {"y": y, "p": period, "a": info["start_year"],
                                                       "b": info["end_year"]}, "v_year_outside_hint")
            return _Ok((str(y), y))
        return _Ok((info["period"], info["start_year"] if info["kind"] == "year" else None))
    return _Ok((str(y), y))


def _english_region(name: str) -> list[str]:
    """Chinese names of regions whose English name is close to `name` (staff may type Kashgar)."""
    import difflib

    key = re.sub(r"[^a-z]", "", name.lower())
    if not key:
        return []
    regions = d.regions()
    by_en = {re.sub(r"[^a-z]", "", str(en).lower()): zh for en, zh in zip(regions["name_en"], regions["name_zh"]) if en}
    out = [by_en[k] for k in by_en if k == key]
    out += [by_en[k] for k in by_en if k and len(key) >= 4 and (key in k or k in key) and by_en[k] not in out]
    out += [by_en[k] for k in difflib.get_close_matches(key, list(by_en), n=3, cutoff=0.6) if by_en[k] not in out]
    return out[:3]


def check_region(name: str):
    if not name:
        return _Err("region", "v_region_empty", hint="v_region_empty_hint")
    if _error_cell(name):
        return _Err("region", "v_error_cell", {"v": name.strip()}, "v_error_cell_hint")
    rid = d.region_index().resolve(name)
    if rid:
        return _Ok(rid)
    near = _english_region(name) if re.search(r"[A-Za-z]", name) else []
    if not near and len(name) <= 40:
        near = d.region_index().suggest(name)
    if near:
        return _Err("region", "v_region_unknown", {"v": _shown(name)}, "v_did_you_mean", {"names": near})
    return _Err("region", "v_region_unknown", {"v": _shown(name)}, "v_region_pick")


def check_metric(name: str):
    if not name:
        return _Err("metric", "v_metric_empty", hint="v_metric_empty_hint")
    if _error_cell(name):
        return _Err("metric", "v_error_cell", {"v": name.strip()}, "v_error_cell_hint")
    mid = d.metric_index().resolve(name)
    if mid:
        return _Ok(mid)
    near = d.metric_index().suggest(name) if len(name) <= 40 else []
    if near:
        return _Err("metric", "v_metric_unknown", {"v": _shown(name)}, "v_did_you_mean", {"names": near})
    return _Err("metric", "v_metric_unknown", {"v": _shown(name)}, "v_metric_pick")


def check_value(text_: str, unit: str):
    if not text_:
        return _Err("value", "v_value_empty", hint="v_value_empty_hint")
    if _error_cell(text_):
        return _Err("value", "v_error_cell", {"v": text_.strip()}, "v_error_cell_hint")
    if len(text_) > 60:
        return _Err("value", "v_value_bad", {"v": _shown(text_)}, "v_value_bad_hint")
    s = normalize(text_).strip()
    if _NEGATIVE.match(s):
        return _Err("value", "v_value_negative", {"v": text_}, "v_value_negative_hint")
    try:
        return _Ok(parse_quantity(text_, default_unit=unit or None))
    except NumberError as exc:
        if not unit and _BARE_NUMBER.fullmatch(s.rstrip("".join(MAGNITUDES))):
            return _Err("unit", "v_unit_missing", {"v": text_}, "v_unit_hint")
        if exc.reason == "unit_mismatch":
            return _Err("unit", "v_unit_twice", {"v": text_, "u": unit}, "v_unit_hint")
        if unit and _BARE_NUMBER.fullmatch(s):
            return _Err("unit", "v_unit_unknown", {"u": _shown(unit)}, "v_unit_hint")
        code = "v_value_not_number" if exc.reason == "not_a_number" else "v_value_bad"
        return _Err("value", code, {"v": _shown(text_)}, "v_value_bad_hint")


def check_fit(metric_id: str, unit: str, family: str):
    row = d.metric_index().rows[metric_id]
    allowed = d.split_list(row["units"])
    if family == row["unit_family"] and unit in allowed:
        return None
    return _Err("unit", "v_unit_misfit", {"u": unit, "m": {"zh": row["name_zh"], "en": row["name_en"]}},
                "v_unit_allowed", {"units": allowed})


def check_qualifier(text_: str):
    q = normalize(text_).strip()
    if q in QUALIFIERS:
        return _Ok(q)
    return _Err("qualifier", "v_qualifier_bad", {"v": _shown(text_)}, "v_qualifier_hint",
                {"q": sorted(QUALIFIERS, key=len)})


def error_table(records: list[dict], lang: str = "zh") -> pd.DataFrame:
    """The error records as a table in `lang`: 工作表 行 列 值 问题 建议 / Sheet Row Column Value Problem Suggestion."""
    cols = ERROR_COLUMNS if lang != "en" else ERROR_COLUMNS_EN
    rows = []
    for r in records:
        code, params = r["problem"]
        hint = r.get("hint")
        rows.append([r["sheet"], r["row"], r.get("label"), r.get("value"),
                     text(code, lang, **_lang_params(params, lang)),
                     text(hint[0], lang, **_lang_params(hint[1], lang)) if hint and hint[0] else ""])
    df = pd.DataFrame(rows, columns=cols)
    df[cols[1]] = df[cols[1]].astype("Int64")
    return df


# --- whole sheets ---------------------------------------------------------------------------------
#
# Every check runs once per distinct cell text (or pair of texts) and is mapped back onto the rows by integer
# codes (pandas.factorize), so a 100,000-row sheet costs a few hundred look-ups plus array indexing. Values are
# the exception: nearly every figure is distinct. A value that is a plain number (digits, thousands commas, a
# decimal point) in a unit column whose unit reads on its own takes the fast path: the number is parsed in bulk
# and the unit's reading (magnitude, unit, qualifier, family) is reused. Everything else, and every error, goes
# through check_value, which words the row-level message. fast=False sends every value through check_value
# (tests compare the two).

_PLAIN_NUMBER = re.compile(r"[0-9]{1,40}(?:,[0-9]{3})*(?:\.[0-9]{1,40})?")


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def _factorize_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of the distinct (a, b) pairs, and the pairs' a and b values."""
    ca, ua = _factorize(a)
    cb, ub = _factorize(b)
    codes, keys = pd.factorize(ca.astype(np.int64) * len(ub) + cb)
    return codes, ua[keys // len(ub)], ub[keys % len(ub)]


class _Lookup:
    """A check's result for each distinct value, and which distinct value each row holds."""

    def __init__(self, codes: np.ndarray, results: list):
        self.codes, self.results = codes, results
        self.err = np.fromiter((isinstance(r, _Err) for r in results), dtype=bool, count=len(results))

    @classmethod
    def of(cls, values: np.ndarray, fn) -> "_Lookup":
        codes, uniques = _factorize(values)
        return cls(codes, [fn(u) for u in uniques])

    @classmethod
    def of_pairs(cls, a: np.ndarray, b: np.ndarray, fn) -> "_Lookup":
        codes, ua, ub = _factorize_pair(a, b)
        return cls(codes, [fn(x, y) for x, y in zip(ua, ub)])

    def row_err(self) -> np.ndarray:
        return self.err[self.codes]

    def at(self, i: int):
        return self.results[self.codes[i]]

    def take(self, keep: np.ndarray, get) -> np.ndarray:
        """get(result.v) of each kept row (errors give None), as an object array."""
        per = np.empty(len(self.results), dtype=object)
        per[:] = [None if isinstance(r, _Err) else get(r.v) for r in self.results]
        return per[self.codes[keep]]


class _Values(_Lookup):
    """check_value per distinct (value, unit) pair, with the plain-number fast path; quantities as columns."""

    def __init__(self, values: np.ndarray, units: np.ndarray, fast: bool = True):
        codes, uv, uu = _factorize_pair(values, units)
        n = len(uv)
        self.value = np.full(n, np.nan)
        self.value_base = np.full(n, np.nan)
        self.unit, self.qualifier, self.family = (np.full(n, None, dtype=object) for _ in range(3))
        results: list = [None] * n
        done = np.zeros(n, dtype=bool)
        if fast:
            done = self._plain(uv, uu)
        for k in (~done).nonzero()[0]:
            r = check_value(uv[k], uu[k])
            results[k] = r
            if isinstance(r, _Ok):
                q = r.v
                self.value[k], self.value_base[k] = q.value, q.value_base
                self.unit[k], self.qualifier[k], self.family[k] = q.unit, q.qualifier, q.family
        super().__init__(codes, results)

    def _plain(self, uv: np.ndarray, uu: np.ndarray) -> np.ndarray:
        """Fills the pairs of a plain number and a unit that reads on its own; returns which were filled."""
        ucodes, units = _factorize(uu)
        readings = [_unit_reading(u) for u in units]
        unit_ok = np.array([r is not None for r in readings], dtype=bool)
        plain = np.fromiter((bool(_PLAIN_NUMBER.fullmatch(v)) and len(v) <= 60 for v in uv), dtype=bool,
                            count=len(uv))
        fast = plain & unit_ok[ucodes]
        if not fast.any():
            return fast
        idx = fast.nonzero()[0]
        value = np.array([float(v.replace(",", "")) for v in uv[idx]], dtype=float)
        u = ucodes[idx]
        scale = np.array([r[0] if r else 1.0 for r in readings], dtype=float)
        self.value[idx] = value
        self.value_base[idx] = [round(x, 6) for x in (value * scale[u]).tolist()]
        for field, j in (("unit", 1), ("qualifier", 2), ("family", 3)):
            column = np.empty(len(readings), dtype=object)
            column[:] = [r[j] if r else None for r in readings]
            getattr(self, field)[idx] = column[u]
        return fast


def _unit_reading(unit: str) -> tuple[float, str, str | None, str] | None:
    """(scale, unit, qualifier, family) a plain number takes from this unit cell, or None: not on its own.

    parse_quantity reads number + unit as one span; when the unit cell starts with something that cannot continue
    a number, the number's digits never change how the unit part reads, so one reading serves every number.
    """
    if not unit:
        return None
    du = normalize(unit).strip()
    if not du or re.match(r"[\d,.\s]", du):
        return None
    try:
        q = parse_quantity("1", default_unit=unit)
    except NumberError:
        return None
    mag = q.unit[: len(q.unit) - len(q.base_unit)]
    if q.unit != mag + q.base_unit or mag not in MAGNITUDES and mag:
        return None
    return MAGNITUDES.get(mag, 1.0), q.unit, q.qualifier, q.family


def validate_sheet(sheet: SheetData, fast: bool = True) -> tuple[pd.DataFrame, list[dict]]:
    """(valid rows in ROW_COLUMNS, error dicts) for one sheet."""
    c = sheet.cells
    n = len(c)
    if n == 0:
        return pd.DataFrame(columns=ROW_COLUMNS), []
    blank = np.full(n, "", dtype=object)

    def col(f: str) -> np.ndarray:
        return c[f].to_numpy(dtype=object) if f in c else blank

    header_unit = sheet.header_units.get("value", "")
    unit_cells = col("unit")
    units = np.where(unit_cells != "", unit_cells, header_unit).astype(object)

    checks: dict[str, _Lookup] = {
        "period": _Lookup.of_pairs(col("period"), col("year"), check_period),
        "region": _Lookup.of(col("region"), check_region),
        "metric": _Lookup.of(col("metric"), check_metric),
        "value": _Values(col("value"), units, fast),
    }
    if "qualifier" in c:
        checks["qualifier"] = _Lookup.of(col("qualifier"), lambda q: check_qualifier(q) if q else _Ok(None))

    errors: list[dict] = []
    bad = np.zeros(n, dtype=bool)
    rows = sheet.rows

    def report(i: int, e: _Err, value_field: str | None = None) -> None:
        f = value_field or e.field
        if (rows[i], f) in sheet.formula_no_value or (
                f == "period" and (rows[i], "year") in sheet.formula_no_value):
            e = _Err(f, "v_formula_no_value", hint="v_formula_no_value_hint")
        label_field = f if f in sheet.columns else ("year" if f == "period" and "year" in sheet.columns else f)
        cell = c.at[c.index[i], f] if f in c else ""
        if f == "unit" and not cell:
            cell = c.at[c.index[i], "value"]
            label_field = "unit" if "unit" in sheet.columns else "value"
        per_row = sheet.cell_labels.get(label_field)
        label = per_row[i] if per_row else sheet.columns.get(label_field, FIELD_ZH.get(label_field))
        errors.append({"sheet": sheet.name, "row": rows[i], "field": label_field, "label": label,
                       "value": _shown(cell), "problem": (e.code, e.params),
                       "hint": (e.hint, e.hint_params) if e.hint else None})

    if "note" in c:
        long_note = np.fromiter(map(len, col("note")), dtype=np.int64, count=n) > NOTE_MAX
        for i in long_note.nonzero()[0]:
            report(i, _Err("note", "v_note_long", {"n": NOTE_MAX}, "v_note_long_hint"))
        bad |= long_note

    for name, lookup in checks.items():
        is_err = lookup.row_err()
        for i in is_err.nonzero()[0]:
            e = lookup.at(i)
            report(i, e, "value" if name == "value" and e.field == "value" else None)
        bad |= is_err

    # the unit must fit the metric; checked once per distinct (metric, unit, family)
    metric, value = checks["metric"], checks["value"]
    ok = ~(metric.row_err() | value.row_err())
    if ok.any():
        u_codes, u_uniq = _factorize(value.unit)
        f_codes, f_uniq = _factorize(value.family)
        vc = value.codes[ok]
        combo = (metric.codes[ok].astype(np.int64) * len(u_uniq) + u_codes[vc]) * len(f_uniq) + f_codes[vc]
        combo_codes, combos = pd.factorize(combo)
        fits = []
        for k in combos:
            m_code, rest = divmod(int(k), len(u_uniq) * len(f_uniq))
            u_code, f_code = divmod(rest, len(f_uniq))
            fits.append(check_fit(metric.results[m_code].v, u_uniq[u_code], f_uniq[f_code]))
        misfit = np.array([r is not None for r in fits], dtype=bool)[combo_codes]
        ok_rows = ok.nonzero()[0]
        for j in misfit.nonzero()[0]:
            report(ok_rows[j], fits[combo_codes[j]])
        bad[ok_rows[misfit]] = True

    keep = ~bad
    if not keep.any():
        return pd.DataFrame(columns=ROW_COLUMNS), errors
    index = c.index[keep]
    vk = value.codes[keep]
    metric_ids = metric.take(keep, lambda m: m)
    base_of = {m: d.metric_index().rows[m]["base_unit"] for m in set(metric_ids)}
    # built from lists so pandas infers the dtype as Series.map did (str, or object when all are None)
    qualifier = pd.Series(value.qualifier[vk].tolist(), index=index)
    if "qualifier" in checks:
        from_column = pd.Series(checks["qualifier"].take(keep, lambda q: q).tolist(), index=index)
        qualifier = qualifier.where(qualifier.notna(), from_column)
    note = col("note")[keep]
    out = pd.DataFrame({
        "sheet": sheet.name,
        "row_number": pd.Series(np.asarray(rows, dtype=np.int64)[keep], index=index),
        "period": pd.Series(checks["period"].take(keep, lambda p: p[0]), index=index).astype("str"),
        "year": pd.Series(checks["period"].take(keep, lambda p: p[1]), index=index).astype("Int64"),
        "region_id": pd.Series(checks["region"].take(keep, lambda r: r), index=index).astype("str"),
        "metric_id": pd.Series(metric_ids, index=index).astype("str"),
        "value": pd.Series(value.value[vk], index=index),
        "unit": pd.Series(value.unit[vk], index=index).astype("str"),
        "qualifier": qualifier,
        "value_base": pd.Series(value.value_base[vk], index=index),
        "base_unit": pd.Series([base_of[m] for m in metric_ids], index=index).astype("str"),
        "number_text": pd.Series(col("value")[keep], index=index, dtype=object),
        "note": pd.Series(np.where(note == "", None, note), index=index, dtype=object),
        "cell": _cells(sheet, keep),
    })
    return out.reset_index(drop=True), errors


def _cells(sheet: SheetData, keep) -> list[str]:
    """The column letter of each kept value in a wide layout (figure ids need it: one row holds several)."""
    labels = sheet.cell_labels.get("value")
    if not labels:
        return [""] * int(keep.sum())
    return [lab.rsplit("(", 1)[-1].rstrip(")") for lab, k in zip(labels, keep) if k]


def validate(read: ReadResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, error table in Chinese) for a whole file; see validate_records for the coded errors."""
    rows, records = validate_records(read)
    return rows, error_table(records, "zh")


def validate_records(read: ReadResult) -> tuple[pd.DataFrame, list[dict]]:
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
            first = rows[dup].groupby(key, sort=False)[["sheet", "row_number", "cell"]].transform("first")
            later = rows[dup & rows.duplicated(key, keep="first")]
            labels = {s.name: s.columns for s in read.sheets}
            f = first.loc[later.index]
            for sheet, row, cell, text_, f_sheet, f_row in zip(later["sheet"], later["row_number"], later["cell"],
                                                                later["number_text"], f["sheet"], f["row_number"]):
                where = (("v_dup_same_sheet", {"r": int(f_row)}) if f_sheet == sheet else
                         ("v_dup_other_sheet", {"s": f_sheet, "r": int(f_row)}))
                errors.append({"sheet": sheet, "row": int(row), "field": "metric",
                               "label": labels[sheet].get("metric", FIELD_ZH["metric"]) if not cell else f"({cell})",
                               "value": text_, "problem": where, "hint": ("v_dup_hint", {})})
            rows = rows[~rows.duplicated(key, keep="first")].reset_index(drop=True)
    order = {s.name: i for i, s in enumerate(read.sheets)}
    errors.sort(key=lambda e: (order.get(e["sheet"], -1), e["row"] if e["row"] is not None else -1))
    return rows, errors
