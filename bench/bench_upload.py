"""Upload speed: our whole upload path (read in the sandboxed child, hand-back, validation, preview frame) on a
100,000-row workbook, against python-calamine's and openpyxl's plain reads of the same file.

Every contender runs in its own warm worker process; rounds are interleaved (each round runs every contender
once, in alternating order), and each cell is median [min-max] over the rounds, wall time and CPU time (the
worker's own plus its children's, so the reader's sandboxed child is counted). Ratios are paired within a round.
The goal: our path <= 1.5x python-calamine's read of the same file.

  python bench/bench_upload.py                         # both files, 5 rounds
  python bench/bench_upload.py --rows 20000 --repeats 3
  python bench/bench_upload.py --base /tmp/upload-speed-base   # also the same path in another checkout (before)
  python bench/bench_upload.py --probe                 # also the parts of a native (fastexcel) read path

--probe times, in the same interleaved rounds, what a read path built on fastexcel (calamine in Rust, Arrow out)
would cost, part by part: fastexcel's load in a sandboxed child (strict types, header row read apart), the byte
scans over the sheet XML that path needs before and beside the load to keep our guarantees, and our own path's
parent share (everything after the child: decode, layout, validation, preview). It needs `pip install
fastexcel==0.21.0` (not a dependency of the app: it is not used by the upload path).

Two files of the same 100k rows, both made from the upload template: `template` as openpyxl saves it (inline
strings, like files written by scripts), `excel` as Excel saves it (shared strings, styles, row spans).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
# a worker may time another checkout's code (the "before" column): it imports from AID_BENCH_CODE
CODE = Path(os.environ.get("AID_BENCH_CODE", ROOT))
sys.path.insert(0, str(CODE))

REGIONS = ["新疆喀什", "西藏日喀则", "青海果洛", "云南四州市", "贵州遵义", "三峡库区", "新疆阿克苏", "辽宁大连",
           "安徽", "上海黄浦", "云南文山", "云南红河", "云南普洱", "云南迪庆", "重庆万州", "北京", "天津", "河北",
           "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "福建", "江西", "山东", "河南", "湖北"]
METRICS = [("援助资金", "亿元"), ("援建项目", "个"), ("培训人次", "人次"), ("捐赠资金物资", "万元"), ("企业数", "家"),
           ("投资额", "亿元"), ("经济合作项目", "项"), ("选派干部", "人"), ("活动场次", "场次"), ("住房套数", "套")]


def rows_of(n_rows: int) -> list[list]:
    """n distinct (period, region, metric) rows: every year, then year ranges, with varied values and notes."""
    years = list(range(2000, 2036))
    keys = [(str(y), r, m) for y in years for r in REGIONS for m in METRICS]
    for a in years:
        for b in years:
            if b > a:
                keys.extend((f"{a}-{b}", r, m) for r in REGIONS for m in METRICS)
        if len(keys) >= n_rows:
            break
    out = []
    for i, (period, region, (metric, unit)) in enumerate(keys[:n_rows]):
        value = round((i * 37 % 10000) / 10 + 1, 1)
        out.append([period, region, metric, value, unit, "约" if i % 7 == 0 else None, f"来源 {i % 50}"])
    return out


def write_workbook(path: Path, n_rows: int) -> None:
    """The upload template (instructions, 数据, 字典 sheets) with n rows in 数据, saved by openpyxl."""
    from openpyxl import load_workbook

    from loaders.upload.template import template_bytes

    wb = load_workbook(io.BytesIO(template_bytes()))
    ws = wb["数据"]
    for row in rows_of(n_rows):
        ws.append(row)
    wb.save(path)


def write_excel_like(path: Path, n_rows: int) -> None:
    """The same rows as Excel writes them: shared strings, a style on numbers, spans on rows, a dimension."""
    from loaders.upload.columns import TEMPLATE_HEADERS

    strings: dict[str, int] = {}

    def cell(ref: str, v) -> str:
        if v is None:
            return ""
        if isinstance(v, (int, float)):
            return f'<c r="{ref}" s="1"><v>{v}</v></c>'
        i = strings.setdefault(v, len(strings))
        return f'<c r="{ref}" t="s"><v>{i}</v></c>'

    body = []
    for r, row in enumerate([TEMPLATE_HEADERS, *rows_of(n_rows)], start=1):
        cells = "".join(cell(f"{'ABCDEFG'[j]}{r}", v) for j, v in enumerate(row))
        body.append(f'<row r="{r}" spans="1:7" x14ac:dyDescent="0.25">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="{main}" xmlns:r="{rel}" '
             'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac" '
             'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
             f'<dimension ref="A1:G{n_rows + 1}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
             '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
             '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>'
             f'<sheetData>{"".join(body)}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
             'header="0.3" footer="0.3"/></worksheet>')
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<sst xmlns="{main}" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<styleSheet xmlns="{main}"><cellXfs '
              'count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="2" fontId="0" '
              'fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>')
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
                   'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                   f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
                   f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
                   f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                   f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                   '<sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{pkg}">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                   f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/styles.xml", styles)


# --- workers: one warm process per contender, timing one run per "go" ------------------------------------

def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# --- probe: the parts of a read path built on fastexcel ----------------------------------------------------

# the child: a fresh interpreter with the sandbox's limits, fastexcel's load of every data sheet (the header row apart,
# every column of one type or an error), forced to Arrow; nothing handed back (a lower bound for the hand-back)
FASTEXCEL_CHILD = """
import resource, sys
for lim in (resource.RLIMIT_AS,):
    resource.setrlimit(lim, (1024 ** 3, 1024 ** 3))
for p in sys.argv[1].split(':'):
    sys.path.append(p)
import fastexcel
data = sys.stdin.buffer.read()
reader = fastexcel.read_excel(data)
n = 0
for name in reader.sheet_names:
    if name in ('填写说明', '字典'):
        continue
    sheet = reader.load_sheet(name, header_row=None, skip_rows=1, dtype_coercion='strict', schema_sample_rows=None)
    if sheet.visible != 'visible':
        continue
    sheet._sheet.__arrow_c_array__(None)
    n += sheet.height
print(n)
"""


def _guard_scans(data: bytes) -> int:
    """The byte scans a fastexcel path needs over each sheet's XML so that it never drops, moves or retypes a cell
    the streaming reader keeps (anything found: that sheet goes to the current reader). Returns how many hit."""
    z = zipfile.ZipFile(io.BytesIO(data))
    hits = 0
    for info in z.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        x = z.read(info)
        dim = re.search(rb'<dimension ref="[A-Z]{1,3}[0-9]{1,7}:([A-Z]{1,3})([0-9]{1,7})"', x[:4096])
        last_col, last_row = (dim.group(1), int(dim.group(2))) if dim else (b"XFD", 1_048_576)
        hits += sum(bool(h) for h in (
            x.count(b"<f"),                                  # formulas: one without a cached value is reported
            re.search(rb' t="(?:e|b|d|str)"', x),            # errors, booleans, ISO dates, formula strings
            x.count(b"&"),                                   # entities and character references
            x.find(b"\r", 200) >= 0,                        # CR in text: line ends must be normalised alike
            x.find(b"<!") >= 0,                              # DOCTYPE, comments, CDATA
            re.search(rb'<c(?=[\s>/])(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")', x),  # cells without a plain address
            x.find(b":c ") >= 0 or x.find(b":c>") >= 0,      # prefixed cell elements
            _beyond(x, last_col, last_row),                   # a cell past the declared range (dense allocation)
            x.find(b"_x") >= 0,                              # _xHHHH_ escapes (calamine decodes them)
            x.find(b"</is><v") >= 0 or x.find(b"</v><is") >= 0,  # inline text and a value in one cell
        ))  # (+ one find per date style the workbook declares: none in these files)
    return hits


def _well_formed(data: bytes) -> int:
    """Expat over each sheet's XML, no handlers: what it costs to know the XML is well-formed (calamine reads some
    damaged XML that the streaming reader refuses, so without it the two could disagree on a damaged file)."""
    import zipfile
    from xml.parsers import expat

    z = zipfile.ZipFile(io.BytesIO(data))
    n = 0
    for info in z.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            expat.ParserCreate().Parse(z.read(info), True)
            n += 1
    return n


def _greater(text: bytes, alphabet: bytes, longest: int) -> bytes:
    """A regex for the strings over `alphabet` (in its order) that sort after `text` as addresses do: longer ones, or
    as long and greater at the first difference."""
    a, z = alphabet[:1], alphabet[-1:]
    n = len(text)
    alts = [b"[%s-%s]{%d,%d}" % (a, z, n + 1, longest)] if n < longest else []
    for i, ch in enumerate(text):
        above = alphabet[alphabet.index(ch) + 1:]
        if above:
            alts.append(re.escape(text[:i]) + b"[%s-%s]" % (above[:1], above[-1:]) + b"[%s-%s]{%d}" % (a, z, n - i - 1))
    return b"|".join(alts) or b"(?!)"


def _beyond(x: bytes, last_col: bytes, last_row: int):
    """A cell address past (last_col, last_row): one regex pass (the bound a dense reader must be checked by)."""
    cols = _greater(last_col, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)
    rows = _greater(str(last_row).encode(), b"0123456789", 7)
    return re.search(b'<c r="(?:(?:%s)[0-9]|[A-Z]{1,3}(?:%s)")' % (cols, rows), x)


def _operation(kind: str, file: Path, db_path: Path):
    data = file.read_bytes()
    if kind == "fastexcel_child":
        from loaders.upload import sandbox

        def run():
            out = subprocess.run([sys.executable, "-I", "-S", "-c", FASTEXCEL_CHILD, sandbox._site_paths()],
                                 input=data, capture_output=True, check=True)
            return int(out.stdout)
        return run
    if kind == "guards":
        return lambda: _guard_scans(data)
    if kind == "well_formed":
        return lambda: _well_formed(data)
    if kind == "child":
        from loaders.upload import sandbox

        return lambda: sum(len(s["rows"]) for s in sandbox.read_in_child(data, file.suffix)["sheets"])
    if kind == "calamine":
        from python_calamine import CalamineWorkbook

        def run():
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            n = sum(len(wb.get_sheet_by_name(s).to_python()) for s in wb.sheet_names)
            wb.close()
            return n
        return run
    if kind == "openpyxl":
        from openpyxl import load_workbook

        def run():
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
            wb.close()
            return n
        return run
    from loaders.build import build
    from loaders.upload import prepare, read_upload

    if kind == "read":
        return lambda: sum(len(s.cells) for s in read_upload(data, file.name, max_mb=1e6).sheets)
    if not db_path.exists():
        build(db_path)
    if kind == "parent":  # prepare() with the child's answer taken from a cache: what the parent does after it
        from loaders.upload import sandbox

        decode, raw = sandbox.decode, {}
        sandbox.decode = lambda out: raw.setdefault("raw", out) and decode(out)
        sandbox.read_in_child(data, file.suffix)
        sandbox.decode = decode
        sandbox.read_in_child = lambda *a, **k: decode(raw["raw"])

    def run():
        pv = prepare(data, file.name, db_path, max_mb=1e6)
        assert pv.errors.empty, pv.errors.head()
        return len(pv.rows)
    return run


def worker(kind: str, file: Path, db_path: Path) -> None:
    run = _operation(kind, file, db_path)
    run()  # warm: imports, dictionaries, caches
    for line in sys.stdin:
        if line.strip() != "go":
            break
        c, t = _cpu(), time.perf_counter()
        n = run()
        wall, cpu = time.perf_counter() - t, _cpu() - c
        print(json.dumps({"wall": wall, "cpu": cpu, "n": n}), flush=True)


class Worker:
    def __init__(self, label: str, kind: str, file: Path, db_path: Path, code: Path = ROOT):
        self.label = label
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bench_upload.py"), "--worker", kind,
                                      "--file", str(file), "--db", str(db_path)],
                                     cwd=code, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "AID_BENCH_CODE": str(code)})

    def go(self) -> dict:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.label}: worker died")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def _cell(xs: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(xs))} [{fmt.format(min(xs))}–{fmt.format(max(xs))}]"


PROBES = [("ours: sandboxed child", "child"), ("ours: parent share", "parent"),
          ("fastexcel: sandboxed load", "fastexcel_child"), ("fastexcel: guard scans", "guards"),
          ("fastexcel: XML well-formed", "well_formed")]


def measure(file: Path, db_dir: Path, repeats: int, base: Path | None, probe: bool = False) -> dict:
    specs = [("ours: whole upload path", "prepare", ROOT), ("ours: read only", "read", ROOT),
             ("python-calamine read", "calamine", ROOT), ("openpyxl read-only read", "openpyxl", ROOT)]
    if base:
        specs.insert(1, ("before: whole upload path", "prepare", base.resolve()))
    if probe:
        specs.extend((label, kind, ROOT) for label, kind in PROBES)
    # one database per worker that builds one: workers start at once, two must not build the same file
    workers = [Worker(label, kind, file, db_dir / f"{'ours' if code == ROOT else 'base'}-{kind}.duckdb", code)
               for label, kind, code in specs]
    times: dict[str, list[dict]] = {w.label: [] for w in workers}
    try:
        for r in range(repeats):
            for w in (workers if r % 2 == 0 else workers[::-1]):
                times[w.label].append(w.go())
    finally:
        for w in workers:
            w.close()
    return times


def report(name: str, file: Path, times: dict) -> None:
    calamine = times["python-calamine read"]
    print(f"\n{name}: {file.stat().st_size / 1e6:.1f} MB, {times['ours: read only'][0]['n']:,} data rows read "
          f"({calamine[0]['n']:,} rows in all sheets for calamine), rounds: {len(calamine)}")
    print(f"  {'':28s} {'wall s':>22s} {'CPU s':>22s} {'÷ calamine wall':>22s} {'÷ calamine CPU':>22s}")
    for label, runs in times.items():
        walls, cpus = [x["wall"] for x in runs], [x["cpu"] for x in runs]
        rw = [a["wall"] / b["wall"] for a, b in zip(runs, calamine)]
        rc = [a["cpu"] / b["cpu"] for a, b in zip(runs, calamine)]
        print(f"  {label:28s} {_cell(walls):>22s} {_cell(cpus):>22s} {_cell(rw):>22s} {_cell(rc):>22s}")
    ours = times["ours: whole upload path"]
    ratio = statistics.median(a["cpu"] / b["cpu"] for a, b in zip(ours, calamine))
    print(f"  goal: whole upload path <= 1.5x python-calamine (CPU, median of paired rounds): {ratio:.2f}x "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")
    if "fastexcel: sandboxed load" not in times:
        return
    load, guards, wf, parent = (times[k] for k in ("fastexcel: sandboxed load", "fastexcel: guard scans",
                                                     "fastexcel: XML well-formed", "ours: parent share"))
    for label, parts in (("fastexcel, unguarded (load + parent share)", (load, parent)),
                         ("fastexcel + guard scans", (load, guards, parent)),
                         ("fastexcel + guard scans + well-formed", (load, guards, wf, parent))):
        for clock in ("wall", "cpu"):
            r = [sum(p[i][clock] for p in parts) / calamine[i][clock] for i in range(len(calamine))]
            print(f"  estimate {label:44s} ÷ calamine {clock:4s}: {_cell(r)}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--files", nargs="+", default=["template", "excel"], choices=["template", "excel"])
    ap.add_argument("--base", type=Path, help="another checkout (e.g. a worktree of main) to time as 'before'")
    ap.add_argument("--probe", action="store_true", help="also time the parts of a fastexcel read path")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.file, args.db)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.files:
            file = tmp / f"{name}.xlsx"
            t = time.perf_counter()
            (write_workbook if name == "template" else write_excel_like)(file, args.rows)
            print(f"wrote {name}.xlsx, {args.rows:,} rows, in {time.perf_counter() - t:.1f}s", flush=True)
            report(name, file, measure(file, tmp, args.repeats, args.base, args.probe))
    return 0


if __name__ == "__main__":
    sys.exit(main())
